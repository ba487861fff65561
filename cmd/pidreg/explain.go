package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/runner"
	"github.com/pidreg/pidreg/pid"
)

const explainSynopsis = `Usage:
	pidreg explain -model FILE [-data FILE] [-data FILE] [-bootstrap B]
	    [-sep auto|comma|semicolon|tab] [-na LIST] [-missing impute|error]
	    [-json] [-history] [-plots DIR]

Print a trained model's explanation, as 'pidreg train' prints it after
training: the PID atoms in bits with their bootstrap intervals and permutation
p-values, the information each modality carries alone and what dropping it
would cost, the modality selection advice, the fusion weights and λ, the check
of the Gaussian assumption and the epoch the weights froze. A header says the
model file, its modalities with their columns, the target, the epochs run and
the rows the decomposition was computed on. The model may come from 'pidreg
train' or from the library (Model.SaveFile).

Without -data the explanation is the one stored in the model, computed after
training on the validation rows (on the training rows when the run had no
validation part). With -data the decomposition, its intervals, the shares and
costs and the check of the Gaussian assumption are computed again on the rows
of the data files, with the model unchanged: the files must hold the model's
input and target columns, found by their header names (as for 'pidreg eval');
rows without a target are left out, and the first 2000 rows that have every
modality are decomposed ("held-out rows" in the text). The decomposition of M
modalities needs more than M·latent + targets + 1 such rows, and the bootstrap
(two modalities) more: too few is an error that names the number needed.
-bootstrap B sets the bootstrap resamples behind the intervals and the
permutations behind the p-values (two modalities; default the model's setting,
that of 'pidreg train -bootstrap', -1 for none); it needs -data, since the
stored intervals were computed after training.

-json prints the explanation as one JSON object instead: the keys of
pidreg.Explanation (names, pid, held_out, held_out_rows, weights, terms,
lambdas, frozen_at, normality, measure, quantities (atoms and informations with
their ci and p), level, resamples, share, cost, share_ci, cost_ci, drop, …) and
source {model, modalities [{name, columns, column_names}], target, data,
rows_read, rows_without_target, explained_on ("validation", "training" or
"data")}. The per-epoch history (one object per epoch, as in 'pidreg train
-report') is long, so it is left out unless -history is given. -plots writes
PNGs into the directory: pid_heldout.png (the held-out atoms with their
intervals as error bars) and, from the model's history, pid_atoms.png (the
atoms per epoch, the freeze marked), weights.png (the fusion weights per epoch)
and losses.png. The -plots directory is checked before the model and the data
are read (it must exist or be creatable, be writable, and not be a file); files
are written atomically with the permissions a new file gets (0666 less the
umask).

` + dataHelp

// explainRows is the number of rows Model.ExplainOn decomposes at most.
const explainRows = 2000

// bootstrapFlag is the -bootstrap of explain: unset means the model's own
// setting.
type bootstrapFlag struct {
	n   int
	set bool
}

func (b *bootstrapFlag) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.Itoa(b.n)
}

func (b *bootstrapFlag) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return errors.New("not a whole number")
	}
	b.n, b.set = n, true
	return nil
}

// explainArgs are the parsed flags of explain.
type explainArgs struct {
	model, plots  string
	data          dataFlags
	bootstrap     bootstrapFlag
	json, history bool
}

func parseExplain(args []string, stdout io.Writer) (explainArgs, error) {
	fs := newFlagSet("explain")
	var a explainArgs
	a.data.register(fs)
	fs.StringVar(&a.model, "model", "", "model `file` written by 'pidreg train' or Model.SaveFile")
	fs.Var(&a.bootstrap, "bootstrap", "bootstrap `resamples` behind the intervals, and permutations behind the p-values; -1 for none (needs -data; default: the model's setting)")
	fs.BoolVar(&a.json, "json", false, "print the explanation as JSON instead of text")
	fs.BoolVar(&a.history, "history", false, "with -json, include the per-epoch history of the run")
	fs.StringVar(&a.plots, "plots", "", "`directory` for PNG plots")
	if err := parseFlags(fs, args, explainSynopsis, stdout); err != nil {
		return a, err
	}
	if a.model == "" {
		return a, errors.New("explain: need -model FILE")
	}
	var reading string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "sep", "na", "missing":
			if reading == "" {
				reading = f.Name
			}
		}
	})
	switch b := a.bootstrap; {
	case b.set && b.n != -1 && b.n < 1:
		return a, fmt.Errorf("explain: -bootstrap %d: give a number of resamples (1 or more), or -1 for no intervals", b.n)
	case len(a.data.paths) > 0:
		if err := a.data.check("explain"); err != nil {
			return a, err
		}
	case b.set:
		return a, errors.New("explain: -bootstrap needs -data FILE: the stored intervals were computed when the model was trained; -data recomputes them on the rows of a data file")
	case reading != "":
		return a, fmt.Errorf("explain: -%s needs -data FILE (it says how a data file is read)", reading)
	}
	if a.history && !a.json {
		return a, errors.New("explain: -history needs -json (the text gives the freeze epoch; 'pidreg train -report' and -plots give the history)")
	}
	if err := checkOutputs(append([]string{a.model}, a.data.paths...), outDir("plots", a.plots)); err != nil {
		return a, fmt.Errorf("explain: %w", err)
	}
	return a, nil
}

func runExplain(args []string, stdin io.Reader, stdout io.Writer) error {
	return tidy(explain(args, stdin, stdout))
}

// explainSource is the "source" object of explain -json: where the
// explanation comes from.
type explainSource struct {
	Model      string             `json:"model"`
	Modalities []explainModality  `json:"modalities"`
	Target     []string           `json:"target,omitempty"`
	Data       []string           `json:"data,omitempty"`
	RowsRead   int                `json:"rows_read,omitempty"`
	NoTarget   int                `json:"rows_without_target,omitempty"`
	On         string             `json:"explained_on"`
	explained  pidreg.Explanation // the explanation, for the text
	targetCols int
	complete   int    // rows of the data with every modality
	notes      string // what reading the data found (dataNotes)
}

// explainModality is one modality of the model: its name and columns (the
// names when the model records them).
type explainModality struct {
	Name    string   `json:"name"`
	Columns int      `json:"columns"`
	Names   []string `json:"column_names,omitempty"`
}

// explainJSON is the object explain -json prints: the explanation's keys,
// with the history only when asked for, and the source.
type explainJSON struct {
	Source explainSource `json:"source"`
	pidreg.Explanation
	History []pidreg.Epoch `json:"history,omitempty"`
}

func explain(args []string, stdin io.Reader, stdout io.Writer) error {
	a, err := parseExplain(args, stdout)
	if err != nil {
		return err
	}
	m, err := loadModel(a.model)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if nm := len(m.Names()); a.bootstrap.set && a.bootstrap.n > 0 && nm != 2 {
		return fmt.Errorf("explain: -bootstrap %d: the intervals are computed for models of two modalities; %s has %d", a.bootstrap.n, a.model, nm)
	}
	src := explainSource{Model: a.model, Target: m.TargetColumns()}
	cols := m.Columns()
	for i, name := range m.Names() {
		mod := explainModality{Name: name, Columns: m.Dims()[i]}
		if cols != nil {
			mod.Names = cols[i]
		}
		src.Modalities = append(src.Modalities, mod)
	}
	e := m.Explain()
	src.On = storedRows(e)
	if len(a.data.paths) > 0 {
		if e, err = explainOn(stdin, m, &a, &src); err != nil {
			return err
		}
	}
	if a.plots != "" {
		if err := runner.Plots(a.plots, e, e.History, nil, nil); err != nil {
			return fmt.Errorf("explain: %w", err)
		}
	}
	if a.json {
		out := explainJSON{Source: src, Explanation: e}
		if a.history {
			out.History = e.History
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	src.explained = e
	_, err = io.WriteString(stdout, explainHeader(src, m.Config())+e.Text())
	return err
}

// storedRows says which rows the stored explanation was computed on: the
// validation rows, or the training rows when the run had none (every
// epoch's validation loss is NaN).
func storedRows(e pidreg.Explanation) string {
	if len(e.History) == 0 {
		return "validation"
	}
	for _, h := range e.History {
		if !math.IsNaN(h.ValMSE) {
			return "validation"
		}
	}
	return "training"
}

// explainOn reads the model's columns from the data files and recomputes
// the explanation on their rows, refusing too few rows with the number
// needed.
func explainOn(stdin io.Reader, m *pidreg.Model, a *explainArgs, src *explainSource) (pidreg.Explanation, error) {
	sel, err := readByName(stdin, &a.data, m, true)
	if err != nil {
		return pidreg.Explanation{}, fmt.Errorf("explain: %s: %w", a.model, err)
	}
	d := sel.data
	src.Data, src.RowsRead, src.NoTarget, src.On = a.data.paths, sel.report.Rows, sel.report.Dropped, "data"
	_, src.targetCols = d.Y.Dims()
	nm := len(d.Modalities)
	complete := completeRows(d)
	n := min(complete, explainRows)
	dims := src.targetCols + nm*m.Config().Latent
	b := m.Config().Bootstrap
	if a.bootstrap.set {
		b = a.bootstrap.n
	}
	if nm >= 2 && n <= dims+1 {
		return pidreg.Explanation{}, fmt.Errorf("explain: %s: %s with every modality (of %d read) are too few for the decomposition of %d dimensions (%s, %d latents of %d each): need at least %d",
			a.data.name(), runner.Plural(complete, "row", "rows"), sel.report.Rows, dims, runner.Plural(src.targetCols, "target", "targets"), nm, m.Config().Latent, dims+2)
	}
	if need := pid.MinBootstrapRows(dims); nm == 2 && b > 0 && n < need {
		return pidreg.Explanation{}, fmt.Errorf("explain: %s: %s with every modality are too few to bootstrap the decomposition of %d dimensions: need at least %d (give more rows, or -bootstrap -1 for no intervals)",
			a.data.name(), runner.Plural(complete, "row", "rows"), dims, need)
	}
	resamples := 0 // the model's setting
	if a.bootstrap.set {
		resamples = a.bootstrap.n
	}
	e, err := m.ExplainOn(d, resamples)
	if err != nil {
		return pidreg.Explanation{}, fmt.Errorf("explain: %s: %w", a.data.name(), err)
	}
	if nm == 2 && b > 0 && e.Resamples == 0 {
		return pidreg.Explanation{}, fmt.Errorf("explain: %s: no intervals: %s", a.data.name(), e.Normality.Note)
	}
	// The header counts the rows without a target or a modality; the notes
	// add the missing cells that the model imputes.
	cells := sel.report
	cells.Dropped, cells.Absent = 0, nil
	src.complete, src.notes = complete, dataNotes(cells, sel, "the decomposition")
	return e, nil
}

// completeRows counts the rows of d that have every modality: a row lacks a
// modality when every cell of it is missing (NaN), as Model.ExplainOn reads
// it.
func completeRows(d pidreg.Dataset) int {
	n := 0
	for r := range d.Rows() {
		all := true
		for _, mod := range d.Modalities {
			_, c := mod.X.Dims()
			has := false
			for j := 0; j < c && !has; j++ {
				has = !math.IsNaN(mod.X.At(r, j))
			}
			all = all && has
		}
		if all {
			n++
		}
	}
	return n
}

// explainHeader is the text before the explanation: the model file, its
// modalities and target, the run, and the rows explained on.
func explainHeader(s explainSource, cfg pidreg.Config) string {
	var b strings.Builder
	e := s.explained
	fmt.Fprintf(&b, "model %s: %s\n", s.Model, runner.Plural(len(s.Modalities), "modality", "modalities"))
	for _, m := range s.Modalities {
		fmt.Fprintf(&b, "  %s: %s", m.Name, runner.Plural(m.Columns, "column", "columns"))
		if len(m.Names) > 0 {
			fmt.Fprintf(&b, " (%s)", columnList(m.Names))
		}
		b.WriteByte('\n')
	}
	if len(s.Target) > 0 {
		fmt.Fprintf(&b, "  target: %s\n", columnList(s.Target))
	}
	fmt.Fprintf(&b, "trained %s of at most %d, latent %d per modality\n",
		runner.Plural(len(e.History), "epoch", "epochs"), cfg.Epochs, cfg.Latent)
	switch {
	case len(s.Modalities) < 2:
	case s.On == "data":
		fmt.Fprintf(&b, "explained on the rows of %s: %d read", strings.Join(s.Data, " + "), s.RowsRead)
		if s.NoTarget > 0 {
			fmt.Fprintf(&b, ", %d without a target left out", s.NoTarget)
		}
		if s.complete > e.HeldOutRows {
			fmt.Fprintf(&b, ", the first %d of the %d with every modality decomposed", e.HeldOutRows, s.complete)
		} else {
			fmt.Fprintf(&b, ", the %d with every modality decomposed", e.HeldOutRows)
		}
		b.WriteString("\n")
		b.WriteString(s.notes)
	case e.HeldOutRows == 0:
		b.WriteString("explained on the training batches: too few rows were held out for a decomposition at training (give -data to compute one)\n")
	case s.On == "training":
		fmt.Fprintf(&b, "explained on %d training rows when the model was trained (the run had no validation part)\n", e.HeldOutRows)
	default:
		fmt.Fprintf(&b, "explained on %d validation rows when the model was trained\n", e.HeldOutRows)
	}
	return b.String()
}

// columnList shows column names, eliding the middle of a long list.
func columnList(names []string) string {
	const head = 4
	if len(names) <= head+2 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:head], ", ") + ", …, " + names[len(names)-1]
}
