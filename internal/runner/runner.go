package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/outfile"
	"github.com/pidreg/pidreg/pid"
)

// Split holds the row indices of the three parts of a data set.
type Split struct{ Train, Val, Test []int }

// Options says what to do around the fit. Empty paths skip that output.
// Every output is checked (internal/outfile) before the fit starts, so a
// run never ends unable to save what it computed.
type Options struct {
	Out      string    // model file
	Report   string    // JSON report
	Plots    string    // directory for PNG plots
	Progress io.Writer // one line per epoch; nil for silence
	// Bar adds, when Progress is a terminal (see TerminalBar), a progress
	// bar within each epoch: the steps, their rate and the time left at
	// most. On any other writer the output is the epoch lines alone.
	Bar bool
	// Inputs are files the outputs must not replace (the data files).
	Inputs []string
	// Data and Extra, when set, are copied into the report.
	Data  *DataReport
	Extra map[string]string
	// Columns and Targets, when set, are recorded in the model (see
	// pidreg.Model.SetColumns) before the fit, so that its messages and
	// `pidreg predict` can name the columns.
	Columns [][]string
	Targets []string
}

// CheckOutputs reports whether the outputs of o can be written: each file
// path writable and not one of o.Inputs, the plot directory creatable, and
// no two outputs the same path (outfile.CheckAll).
func (o Options) CheckOutputs() error {
	return outfile.CheckAll(o.Inputs, outfile.Output{Name: "model", Path: o.Out},
		outfile.Output{Name: "report", Path: o.Report}, outfile.Output{Name: "plots", Path: o.Plots, Dir: true})
}

// PIDReport is the decomposition in a report, in bits: one unique atom per
// modality in the order given, the redundancy of all of them (the atom
// {1}{2}…{M}), the synergy of all of them (the atom {1,2,…,M}), and every
// atom of the lattice by its name ({a}, {b}{c}, {a}{b,c}, …).
type PIDReport struct {
	Unique     []float64          `json:"unique"`
	Redundancy float64            `json:"redundancy"`
	Synergy    float64            `json:"synergy"`
	MI         float64            `json:"mi"`
	MIEach     []float64          `json:"mi_each"`
	Atoms      map[string]float64 `json:"atoms,omitempty"`
	// Reduced says the atoms are the one-vs-rest reduction of more than
	// pid.MaxExactSources modalities, not the full lattice.
	Reduced bool   `json:"reduced,omitempty"`
	Method  string `json:"method"`
}

// EpochJSON is one epoch of a report's history. It is pidreg.Epoch with the
// validation loss null when there was no validation set (JSON has no NaN).
type EpochJSON struct {
	pidreg.Epoch
	ValMSE *float64 `json:"val_mse"`
}

// Report is the JSON written by `pidreg train -report` and the examples.
type Report struct {
	Modalities  []string         `json:"modalities"`
	Metrics     *pidreg.Metrics  `json:"metrics"` // null without test rows
	PID         PIDReport        `json:"pid"`
	PIDSource   string           `json:"pid_source"`
	PIDTraining PIDReport        `json:"pid_training"`
	Weights     []float64        `json:"weights"`
	Terms       []string         `json:"terms"`
	Lambdas     []float64        `json:"lambdas"`
	Share       []float64        `json:"share,omitempty"`
	Cost        []float64        `json:"cost,omitempty"`
	Drop        string           `json:"drop,omitempty"`
	Normality   pidreg.Normality `json:"normality"`
	// Measure, Quantities, ShareCI and CostCI are the explanation's (see
	// pidreg.Explanation): the atoms and informations with their bootstrap
	// intervals and permutation p-values.
	Measure         string            `json:"measure"`
	Quantities      []pidreg.Quantity `json:"quantities"`
	ShareCI         [][2]float64      `json:"share_ci,omitempty"`
	CostCI          [][2]float64      `json:"cost_ci,omitempty"`
	EpochsRun       int               `json:"epochs_run"`
	BestEpoch       int               `json:"best_epoch"`
	FrozenAtEpoch   *int              `json:"frozen_at_epoch"`
	SecondsPerEpoch float64           `json:"seconds_per_epoch"`
	EpochSeconds    []float64         `json:"epoch_seconds"`
	TotalSeconds    float64           `json:"total_seconds"`
	TrainRows       int               `json:"train_rows"`
	ValRows         int               `json:"val_rows"`
	TestRows        int               `json:"test_rows"`
	// TestOutOfRange counts the test rows with an input beyond the range
	// seen in training (clamped; their predictions extrapolate).
	TestOutOfRange int            `json:"test_rows_out_of_range"`
	Constant       []string       `json:"constant_columns,omitempty"`
	History        []pidreg.Epoch `json:"-"`
	// Epochs is History as JSON: one object per epoch with the losses, the
	// epoch's mean and windowed PID, the weights, λ and the learning rate.
	Epochs []EpochJSON `json:"history"`
	// Data is what reading the data files found, when the caller says.
	Data  *DataReport       `json:"data,omitempty"`
	Extra map[string]string `json:"extra,omitempty"`

	explanation pidreg.Explanation // for Summary
}

// DataReport is what reading the data files found.
type DataReport struct {
	Files []string `json:"files"`
	// Rows is the number of data rows read; Dropped of them had no target
	// value and were left out.
	Rows    int `json:"rows_read"`
	Dropped int `json:"rows_without_target"`
	// Missing counts the missing cells of each selected column (the rows
	// read), WithoutModality the kept rows in which a whole modality is
	// missing.
	Missing         map[string]int `json:"missing_cells,omitempty"`
	WithoutModality map[string]int `json:"rows_without_modality,omitempty"`
	// Constant lists the selected columns that take one value on the kept
	// rows.
	Constant []string `json:"constant_columns,omitempty"`
}

func pidReport(r pid.LatticeResult, names []string) PIDReport {
	if r.Sources != len(names) || len(names) < 2 {
		return PIDReport{Unique: make([]float64, len(names)), MIEach: make([]float64, len(names)), Method: r.Method}
	}
	out := PIDReport{Redundancy: r.Redundancy(), Synergy: r.Synergy(), MI: r.MI, MIEach: r.MIEach,
		Reduced: r.Reduced, Method: r.Method, Atoms: map[string]float64{}}
	for i := range names {
		out.Unique = append(out.Unique, r.Unique(i))
	}
	for k, v := range r.Atoms {
		out.Atoms[r.Name(k, names)] = v
	}
	return out
}

// Run trains a model with cfg on the parts of d given by s, then scores
// the test part and writes the outputs asked for in o. It returns the model
// and the report.
func Run(ctx context.Context, d pidreg.Dataset, s Split, cfg pidreg.Config, o Options) (*pidreg.Model, *Report, error) {
	var bar *Bar
	if o.Bar && o.Progress != nil {
		bar = TerminalBar(o.Progress)
	}
	return run(ctx, d, s, cfg, o, bar)
}

// run is Run with the progress bar given (nil for none).
func run(ctx context.Context, d pidreg.Dataset, s Split, cfg pidreg.Config, o Options, bar *Bar) (*pidreg.Model, *Report, error) {
	if err := o.CheckOutputs(); err != nil {
		return nil, nil, err
	}
	var parts [3]pidreg.Dataset
	for k, rows := range [3][]int{s.Train, s.Val, s.Test} {
		var err error
		if parts[k], err = d.Subset(rows); err != nil {
			return nil, nil, err
		}
	}
	train, val, test := parts[0], parts[1], parts[2]
	m, err := pidreg.New(cfg, d.Dims()...)
	if err != nil {
		return nil, nil, err
	}
	if o.Columns != nil || o.Targets != nil {
		if err := m.SetColumns(o.Columns, o.Targets); err != nil {
			return nil, nil, err
		}
	}
	full := m.Config()
	names := d.Names()
	progress := o.Progress
	opts := []pidreg.FitOption{pidreg.WithProgress(func(e pidreg.Epoch) {
		if progress != nil {
			fmt.Fprintln(progress, EpochLine(e, full.Epochs, names))
		}
	})}
	if bar != nil {
		progress = bar
		opts = append(opts, bar.FitOption())
	}
	start := time.Now()
	hist, err := m.Fit(ctx, train, val, opts...)
	if bar != nil {
		bar.Clear() // a bar drawn when training stopped mid-epoch
	}
	if err != nil {
		return nil, nil, err
	}
	total := time.Since(start).Seconds()
	rep := &Report{Modalities: names, TrainRows: len(s.Train), ValRows: len(s.Val), TestRows: len(s.Test),
		EpochsRun: len(hist), TotalSeconds: total, History: hist, Data: o.Data, Extra: o.Extra}
	for _, h := range hist {
		e := EpochJSON{Epoch: h}
		if !math.IsNaN(h.ValMSE) {
			e.ValMSE = &h.ValMSE
		}
		rep.Epochs = append(rep.Epochs, e)
	}
	if len(s.Test) > 0 {
		met, err := m.Evaluate(test)
		if err != nil {
			return nil, nil, err
		}
		rep.Metrics = &met
		if rep.TestOutOfRange, err = m.OutOfRange(test); err != nil {
			return nil, nil, err
		}
	}
	e := m.Explain()
	rep.PIDTraining = pidReport(e.PID, names)
	rep.PID, rep.PIDSource = rep.PIDTraining, "training"
	if e.HeldOutRows > 0 {
		where := "held-out"
		if len(s.Val) == 0 {
			where = "training" // Fit explains on the training rows without validation data
		}
		rep.PID, rep.PIDSource = pidReport(e.HeldOut, names), fmt.Sprintf("%s (%d rows, bias-corrected)", where, e.HeldOutRows)
	}
	rep.Weights, rep.Terms, rep.Lambdas = e.Weights, e.Terms, e.Lambdas
	rep.Share, rep.Cost, rep.Drop, rep.Normality, rep.Constant = e.Share, e.Cost, e.Drop, e.Normality, e.ConstantColumns
	rep.Measure, rep.Quantities, rep.ShareCI, rep.CostCI = e.Measure, e.Quantities, e.ShareCI, e.CostCI
	rep.explanation = e
	if e.FrozenAt > 0 {
		f := e.FrozenAt
		rep.FrozenAtEpoch = &f
	}
	for _, h := range hist {
		rep.EpochSeconds = append(rep.EpochSeconds, h.Seconds)
		rep.SecondsPerEpoch += h.Seconds / float64(len(hist))
		if h.Best {
			rep.BestEpoch = h.Epoch
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err // interrupted after the last step: write nothing
	}
	if o.Out != "" {
		if err := SaveModel(o.Out, m); err != nil {
			return nil, nil, err
		}
	}
	if o.Report != "" {
		if err := WriteJSON(o.Report, rep); err != nil {
			return nil, nil, err
		}
	}
	if o.Plots != "" {
		var truth, pred []float64
		if len(s.Test) > 0 {
			p, err := m.Predict(test)
			if err != nil {
				return nil, nil, err
			}
			for i := range len(s.Test) {
				truth = append(truth, test.Y.At(i, 0))
				pred = append(pred, p.At(i, 0))
			}
		}
		if err := Plots(o.Plots, e, hist, truth, pred); err != nil {
			return nil, nil, err
		}
	}
	return m, rep, nil
}

// EpochLine formats one epoch of progress.
func EpochLine(e pidreg.Epoch, epochs int, names []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %3d/%d  loss %.4f", e.Epoch, epochs, e.Loss)
	for _, t := range e.Terms {
		fmt.Fprintf(&b, "  %s %.4f", t.Name, t.Value)
	}
	if !math.IsNaN(e.ValMSE) {
		fmt.Fprintf(&b, "  val %.4f", e.ValMSE)
	}
	if p := e.Windowed; len(names) >= 2 && p.Sources == len(names) {
		for i, n := range names {
			fmt.Fprintf(&b, "  U[%s]=%.3f", n, p.Unique(i))
		}
		fmt.Fprintf(&b, " R=%.3f S=%.3f  w=(", p.Redundancy(), p.Synergy())
		for i, w := range e.Weights {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.2f", w)
		}
		b.WriteByte(')')
	}
	fmt.Fprintf(&b, "  λ=")
	for i, l := range e.Lambdas {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(l, 'g', 3, 64))
	}
	fmt.Fprintf(&b, "  %.2fs", e.Seconds)
	if e.Frozen {
		b.WriteString("  frozen")
	}
	if e.Best {
		b.WriteString("  *")
	}
	return b.String()
}

// Summary is a short human-readable account of a report.
func Summary(r *Report) string {
	var b strings.Builder
	if r.Metrics != nil {
		fmt.Fprintf(&b, "test (%d rows): RMSE %.4g  MAE %.4g  R² %.4f\n", r.TestRows, r.Metrics.RMSE, r.Metrics.MAE, r.Metrics.R2)
		if r.TestOutOfRange > 0 {
			fmt.Fprintf(&b, "  %d test rows have inputs beyond the training range (clamped; their predictions extrapolate)\n", r.TestOutOfRange)
		}
	} else {
		b.WriteString("no test rows: no test metrics\n")
	}
	if len(r.Modalities) >= 2 {
		b.WriteString(r.explanation.Text()) // with the freeze epoch
	}
	fmt.Fprintf(&b, "%s (best %d), %.2f s/epoch, %.1f s in all\n",
		Plural(r.EpochsRun, "epoch", "epochs"), r.BestEpoch, r.SecondsPerEpoch, r.TotalSeconds)
	return b.String()
}

// Plural formats n with the singular or the plural noun: "1 epoch",
// "3 epochs".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Lambdas formats regularisation weights for people: four significant
// digits each ("0.01234, 1.5"); the JSON report keeps full precision.
func Lambdas(l []float64) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strings.Join(parts, ", ")
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = math.Min(m, v)
	}
	return m
}

// WriteJSON writes v as indented JSON to path atomically, with the
// permissions os.Create would give (internal/outfile).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return outfile.WriteFile(path, append(b, '\n'))
}

// SaveModel writes m to path atomically, with the permissions os.Create
// would give (internal/outfile; pidreg.Model.SaveFile gives 0600).
func SaveModel(path string, m *pidreg.Model) error {
	if err := outfile.Write(path, m.Save); err != nil {
		return fmt.Errorf("writing the model to %s: %w", path, err)
	}
	return nil
}
