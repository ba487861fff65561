package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/runner"
)

const predictSynopsis = `Usage:
	pidreg predict -model FILE -data FILE.csv [-out preds.csv]

Predict the target of every row of a CSV file with a header row, in the
target's original unit. The file must hold the columns the model was trained
on, found by their header names (other columns are ignored). The output is a
CSV with the header "prediction" for a scalar target, or one column
"prediction_<target column>" per column of a vector target, and one row per
input row in the same order. Values are written with full precision. -out is
written atomically; without -out (or with "-") the CSV goes to standard output.

Inputs beyond the range a column took on the training rows are clamped to it
(see 'pidreg train'); with -out, a note says how many rows had such inputs,
since their predictions extrapolate.
`

const evalSynopsis = `Usage:
	pidreg eval -model FILE -data FILE.csv [-report FILE.json]

Score a model on a CSV file with a header row that holds the model's input and
target columns (found by name). Prints MSE, RMSE, MAE and R² in the target's
unit, averaged over the target columns; -report writes them as JSON with the
keys metrics {mse, rmse, mae, r2} (as in 'pidreg train -report'), rows,
rows_out_of_range (rows with an input beyond the training range, clamped before
prediction; also printed as a note when not 0), model and data.
`

func runPredict(args []string, stdin io.Reader, stdout io.Writer) error {
	return tidy(predict(args, stdin, stdout))
}

func predict(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("predict")
	model := fs.String("model", "", "model `file` written by 'pidreg train'")
	data := fs.String("data", "", "CSV `file` with a header row (\"-\" reads standard input)")
	out := fs.String("out", "-", "output CSV `file` (\"-\" is standard output)")
	if err := parseFlags(fs, args, predictSynopsis, stdout); err != nil {
		return err
	}
	m, d, err := modelAndData(stdin, *model, *data, false)
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	p, err := m.Predict(d)
	if err != nil {
		return fmt.Errorf("predict: %s: %w", *data, err)
	}
	b, err := predictionsCSV(p, m.TargetColumns())
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	if *out == "" || *out == "-" {
		_, err = stdout.Write(b)
		return err
	}
	if err := runner.WriteFileAtomic(*out, b); err != nil {
		return fmt.Errorf("predict: writing %s: %w", *out, err)
	}
	far, err := m.OutOfRange(d)
	if err != nil {
		return fmt.Errorf("predict: %s: %w", *data, err)
	}
	if far > 0 {
		_, err = fmt.Fprintf(stdout, "note: %s", outOfRangeNote(far, d.Rows()))
	}
	return err
}

// outOfRangeNote says how many rows had inputs beyond the training range.
func outOfRangeNote(far, rows int) string {
	return fmt.Sprintf("%d of %d rows have inputs beyond the range seen in training; they were clamped to it and their predictions extrapolate\n", far, rows)
}

// modelAndData loads the model and reads its columns out of the CSV file.
func modelAndData(stdin io.Reader, modelPath, dataPath string, withTarget bool) (*pidreg.Model, pidreg.Dataset, error) {
	m, err := loadModel(modelPath)
	if err != nil {
		return nil, pidreg.Dataset{}, err
	}
	tab, err := readData(stdin, dataPath)
	if err != nil {
		return nil, pidreg.Dataset{}, err
	}
	d, err := selectByName(tab, dataPath, m, withTarget)
	if err != nil {
		return nil, pidreg.Dataset{}, fmt.Errorf("%s: %w", modelPath, err)
	}
	return m, d, nil
}

// predictionsCSV formats an n×dm prediction matrix with its header. Values
// use the shortest representation that parses back to the same float64.
func predictionsCSV(p *mat.Dense, targets []string) ([]byte, error) {
	r, c := p.Dims()
	header := []string{"prediction"}
	if c > 1 {
		header = make([]string, c)
		for j := range header {
			name := strconv.Itoa(j)
			if j < len(targets) {
				name = targets[j]
			}
			header[j] = "prediction_" + name
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	rec := make([]string, c)
	for i := range r {
		for j := range rec {
			rec[j] = strconv.FormatFloat(p.At(i, j), 'g', -1, 64)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// evalReport is the JSON written by eval -report.
type evalReport struct {
	Metrics pidreg.Metrics `json:"metrics"`
	Rows    int            `json:"rows"`
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
	model := fs.String("model", "", "model `file` written by 'pidreg train'")
	data := fs.String("data", "", "CSV `file` with a header row (\"-\" reads standard input)")
	report := fs.String("report", "", "JSON report `file`")
	if err := parseFlags(fs, args, evalSynopsis, stdout); err != nil {
		return err
	}
	if err := writableDir(*report); err != nil {
		return fmt.Errorf("eval: -report: %w", err)
	}
	m, d, err := modelAndData(stdin, *model, *data, true)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	met, err := m.Evaluate(d)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", *data, err)
	}
	far, err := m.OutOfRange(d)
	if err != nil {
		return fmt.Errorf("eval: %s: %w", *data, err)
	}
	rep := evalReport{Metrics: met, Rows: d.Rows(), OutOfRange: far, Model: *model, Data: *data}
	if *report != "" {
		if err := runner.WriteJSON(*report, rep); err != nil {
			return fmt.Errorf("eval: writing %s: %w", *report, err)
		}
	}
	if _, err = fmt.Fprintf(stdout, "%s on %s (%d rows): MSE %.6g  RMSE %.6g  MAE %.6g  R² %.6g\n",
		*model, *data, rep.Rows, met.MSE, met.RMSE, met.MAE, met.R2); err != nil || far == 0 {
		return err
	}
	_, err = fmt.Fprintf(stdout, "note: %s", outOfRangeNote(far, rep.Rows))
	return err
}
