package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/outfile"
	"github.com/pidreg/pidreg/internal/runner"
	"github.com/pidreg/pidreg/internal/table"
)

const predictSynopsis = `Usage:
	pidreg predict -model FILE -data FILE [-data FILE] [-out preds.csv|preds.parquet]
	    [-sep auto|comma|semicolon|tab] [-na LIST] [-missing impute|error]

Predict the target of every row of a data file with a trained model, in the
target's original unit. The file must hold the columns the model was trained
on, found by their header names; other columns are ignored, and the target
columns are not read at all (they may be absent, or empty for rows whose
target is unknown). The output has the column "prediction" for a scalar
target, or one column "prediction_<target column>" per column of a vector
target, and one row per input row in the same order, with full precision: CSV,
or Parquet (DOUBLE columns) when -out ends in .parquet. -out is checked before
the model is applied and written atomically; without -out (or with "-") the CSV
goes to standard output.

` + dataHelp + `
Inputs beyond the range a column took on the training rows are clamped to it
(see 'pidreg train'); with -out, a note says how many rows had such inputs,
since their predictions extrapolate, and notes describe missing cells.
`

const evalSynopsis = `Usage:
	pidreg eval -model FILE -data FILE [-data FILE] [-report FILE.json]
	    [-sep auto|comma|semicolon|tab] [-na LIST] [-missing impute|error]

Score a model on a data file that holds the model's input and target columns
(found by name). Prints MSE, RMSE, MAE and R² in the target's unit, averaged
over the target columns; rows whose target is missing are left out and counted.
-report writes them as JSON with the keys metrics {mse, rmse, mae, r2} (as in
'pidreg train -report'), rows (scored), rows_without_target, rows_out_of_range
(rows with an input beyond the training range, clamped before prediction; also
printed as a note when not 0), model and data.

` + dataHelp

func runPredict(args []string, stdin io.Reader, stdout io.Writer) error {
	return tidy(predict(args, stdin, stdout))
}

func predict(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("predict")
	var data dataFlags
	data.register(fs)
	model := fs.String("model", "", "model `file` written by 'pidreg train'")
	outPath := fs.String("out", "-", "output `file`: CSV, or Parquet if it ends in .parquet (\"-\" is standard output)")
	if err := parseFlags(fs, args, predictSynopsis, stdout); err != nil {
		return err
	}
	if *model == "" {
		return errors.New("predict: need -model FILE")
	}
	if err := data.check("predict"); err != nil {
		return err
	}
	if err := checkOutputs(append([]string{*model}, data.paths...), out("out", *outPath)); err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	m, sel, err := modelAndData(stdin, *model, &data, false)
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	p, err := m.Predict(sel.data)
	if err != nil {
		return fmt.Errorf("predict: %s: %w", data.name(), err)
	}
	header := predictionHeader(p, m.TargetColumns())
	if *outPath == "" || *outPath == "-" {
		return writePredictionsCSV(stdout, header, p)
	}
	write := func(w io.Writer) error { return writePredictionsCSV(w, header, p) }
	if strings.HasSuffix(strings.ToLower(*outPath), ".parquet") {
		write = func(w io.Writer) error { return table.WriteParquet(w, header, p) }
	}
	if err := outfile.Write(*outPath, write); err != nil {
		return fmt.Errorf("predict: writing %s: %w", *outPath, err)
	}
	far, err := m.OutOfRange(sel.data)
	if err != nil {
		return fmt.Errorf("predict: %s: %w", data.name(), err)
	}
	if notes := dataNotes(sel.report, sel, "prediction"); notes != "" {
		fmt.Fprint(stdout, notes)
	}
	if far > 0 {
		_, err = fmt.Fprintf(stdout, "note: %s", outOfRangeNote(far, sel.data.Rows()))
	}
	return err
}

// outOfRangeNote says how many rows had inputs beyond the training range.
func outOfRangeNote(far, rows int) string {
	return fmt.Sprintf("%d of %d rows have inputs beyond the range seen in training; they were clamped to it and their predictions extrapolate\n", far, rows)
}

// modelAndData loads the model and reads its columns out of the data.
func modelAndData(stdin io.Reader, modelPath string, data *dataFlags, withTarget bool) (*pidreg.Model, selected, error) {
	m, err := loadModel(modelPath)
	if err != nil {
		return nil, selected{}, err
	}
	sel, err := readByName(stdin, data, m, withTarget)
	if err != nil {
		return nil, selected{}, fmt.Errorf("%s: %w", modelPath, err)
	}
	return m, sel, nil
}

// predictionHeader names the columns of an n×dm prediction matrix.
func predictionHeader(p *mat.Dense, targets []string) []string {
	_, c := p.Dims()
	if c == 1 {
		return []string{"prediction"}
	}
	header := make([]string, c)
	for j := range header {
		name := strconv.Itoa(j)
		if j < len(targets) {
			name = targets[j]
		}
		header[j] = "prediction_" + name
	}
	return header
}

// writePredictionsCSV writes predictions with their header. Values use the
// shortest representation that parses back to the same float64.
func writePredictionsCSV(w io.Writer, header []string, p *mat.Dense) error {
	r, c := p.Dims()
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, c)
	for i := range r {
		for j := range rec {
			rec[j] = strconv.FormatFloat(p.At(i, j), 'g', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// evalReport is the JSON written by eval -report.
type evalReport struct {
	Metrics pidreg.Metrics `json:"metrics"`
	Rows    int            `json:"rows"`
	// WithoutTarget counts the rows left out for a missing target value.
	WithoutTarget int `json:"rows_without_target"`
	// OutOfRange counts the rows with an input beyond the training range.
	OutOfRange int    `json:"rows_out_of_range"`
	Model      string `json:"model"`
	Data       string `json:"data"`
}

func runEval(args []string, stdin io.Reader, stdout io.Writer) error {
	return tidy(eval(args, stdin, stdout))
}

func eval(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("eval")
	var data dataFlags
	data.register(fs)
	model := fs.String("model", "", "model `file` written by 'pidreg train'")
	report := fs.String("report", "", "JSON report `file`")
	if err := parseFlags(fs, args, evalSynopsis, stdout); err != nil {
		return err
	}
	if *model == "" {
		return errors.New("eval: need -model FILE")
	}
	if err := data.check("eval"); err != nil {
		return err
	}
	if err := checkOutputs(append([]string{*model}, data.paths...), out("report", *report)); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	m, sel, err := modelAndData(stdin, *model, &data, true)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	d := sel.data
	met, err := m.Evaluate(d)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", data.name(), err)
	}
	far, err := m.OutOfRange(d)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", data.name(), err)
	}
	rep := evalReport{Metrics: met, Rows: d.Rows(), WithoutTarget: sel.report.Dropped, OutOfRange: far, Model: *model, Data: data.name()}
	if *report != "" {
		if err := runner.WriteJSON(*report, rep); err != nil {
			return fmt.Errorf("eval: writing %s: %w", *report, err)
		}
	}
	if _, err = fmt.Fprintf(stdout, "%s on %s (%d rows): MSE %.6g  RMSE %.6g  MAE %.6g  R² %.6g\n",
		*model, data.name(), rep.Rows, met.MSE, met.RMSE, met.MAE, met.R2); err != nil {
		return err
	}
	if notes := dataNotes(sel.report, sel, "scoring"); notes != "" {
		fmt.Fprint(stdout, notes)
	}
	if far == 0 {
		return nil
	}
	_, err = fmt.Fprintf(stdout, "note: %s", outOfRangeNote(far, rep.Rows))
	return err
}
