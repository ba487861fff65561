package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/outfile"
	"github.com/pidreg/pidreg/internal/runner"
	"github.com/pidreg/pidreg/internal/table"
	"github.com/pidreg/pidreg/transform"
)

// This file holds what train, predict, eval and bench share: the repeated
// -modality and -data flags, the flags that say how files are read (-sep,
// -na, -missing), the -split flag, reading a data set by column lists or by
// the column names a model stores, the output checks, and the interrupt
// context.

// dataHelp is the part of each synopsis that says how files are read.
const dataHelp = `Files: CSV with a header row (comma, semicolon or tab separated, detected from
the header or given with -sep; plain or gzip-compressed; "-" reads standard
input) or Parquet (.parquet; numeric columns, by name). Only the selected
columns are read, so other columns may hold identifiers or text. Give -data
several times to join files row by row (row i of each file is the same
sample): their columns are used as one header, indices count across the
files, and a column name in several files (such as the target in both halves
of a data set) is one column whose values must agree in every file.

Missing values: empty cells, the words of -na (default NA,N/A,NaN,nan,null)
and Parquet nulls. A row whose target is missing is left out of training and
scoring, and counted. A missing input cell is passed on for the model to
impute from the training rows (-missing impute), or refused, naming its line
and column (-missing error). A row in which every column of a modality is
missing has no such modality: the model is trained and predicts such a row from
the modalities it has (-missing error does not refuse them), and the rows are
counted.
`

// modalitySpec is one -modality NAME=COLS flag.
type modalitySpec struct{ name, cols string }

// modalityFlag collects repeated -modality flags in the order given.
type modalityFlag []modalitySpec

func (m *modalityFlag) String() string {
	if m == nil {
		return ""
	}
	parts := make([]string, len(*m))
	for i, s := range *m {
		parts[i] = s.name + "=" + s.cols
	}
	return strings.Join(parts, " ")
}

// Set parses NAME=COLS. Names must be non-empty, unique, and free of ','
// and ':' (bench model lists such as "late,unimodal:NAME" use them).
func (m *modalityFlag) Set(s string) error {
	name, cols, ok := strings.Cut(s, "=")
	name, cols = strings.TrimSpace(name), strings.TrimSpace(cols)
	if !ok || name == "" || cols == "" {
		return fmt.Errorf("want NAME=COLS, e.g. image=0-783")
	}
	if strings.ContainsAny(name, ",:") {
		return fmt.Errorf("modality name %q must not contain ',' or ':'", name)
	}
	for _, prev := range *m {
		if prev.name == name {
			return fmt.Errorf("modality %q given twice", name)
		}
	}
	*m = append(*m, modalitySpec{name, cols})
	return nil
}

// dataFlags are the flags that say which files are read and how.
type dataFlags struct {
	paths   []string
	sep     string
	na      string
	naSet   bool
	missing string
}

// register adds -data, -sep, -na and -missing to fs.
func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.Func("data", "data `file` (CSV, .gz, .parquet, or \"-\" for standard input); give it again to join files row by row", func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("empty file name")
		}
		d.paths = append(d.paths, s)
		return nil
	})
	fs.StringVar(&d.sep, "sep", "auto", "CSV `separator`: auto (detected from the header), comma, semicolon or tab")
	fs.Func("na", "comma-separated `words` read as missing values, besides empty cells (default NA,N/A,NaN,nan,null; \"\" for none)", func(s string) error {
		d.na, d.naSet = s, true
		return nil
	})
	fs.StringVar(&d.missing, "missing", "impute", "missing input cells: impute (passed on for the model to impute from the training rows) or error")
}

// check validates the flags; cmd names the subcommand in messages.
// policy returns the library's missing-value policy of -missing.
func (d *dataFlags) policy() transform.Missing {
	if d.missing == "error" {
		return transform.Refuse
	}
	return transform.Median
}

// checkConfig validates a model configuration for m modalities before any
// data is read: New refuses every bad setting (a batch too small for the
// PID of m latents included), whatever the column counts.
func checkConfig(cfg pidreg.Config, m int) error {
	dims := make([]int, m)
	for i := range dims {
		dims[i] = 1
	}
	_, err := pidreg.New(cfg, dims...)
	return err
}

func (d *dataFlags) check(cmd string) error {
	if len(d.paths) == 0 {
		return fmt.Errorf("%s: need -data FILE", cmd)
	}
	if _, err := table.ParseSep(d.sep); err != nil {
		return fmt.Errorf("%s: -sep: %w", cmd, err)
	}
	switch d.missing {
	case "impute", "error":
	default:
		return fmt.Errorf("%s: -missing %q: want impute or error", cmd, d.missing)
	}
	return nil
}

// options returns the reading options.
func (d *dataFlags) options(stdin io.Reader) table.Options {
	sep, _ := table.ParseSep(d.sep) // checked by check
	opt := table.Options{Header: true, Comma: sep, Stdin: stdin}
	if d.naSet {
		opt.NA = []string{}
		for _, w := range strings.Split(d.na, ",") {
			if w = strings.TrimSpace(w); w != "" {
				opt.NA = append(opt.NA, w)
			}
		}
	}
	return opt
}

// name describes the data files in messages.
func (d *dataFlags) name() string { return strings.Join(d.paths, " + ") }

// parseSplit parses "train,val,test" fractions (normalised to sum to one).
// The training and test parts must be non-empty; the validation part may be
// zero (then there is no early stopping).
func parseSplit(s string) ([3]float64, error) {
	var f [3]float64
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return f, fmt.Errorf("-split %q: want three fractions train,val,test such as 0.7,0.1,0.2", s)
	}
	var sum float64
	for k, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return f, fmt.Errorf("-split %q: %q is not a finite fraction ≥ 0", s, strings.TrimSpace(p))
		}
		f[k] = v
		sum += v
	}
	if f[0] == 0 || f[2] == 0 {
		return f, fmt.Errorf("-split %q: the training and test fractions must be positive", s)
	}
	for k := range f {
		f[k] /= sum
	}
	return f, nil
}

// splitRows splits n rows at random, seeded (as pidreg.SplitRows), and
// names the problem when the data are too few for the fractions.
func splitRows(n int, frac [3]float64, seed uint64) (runner.Split, error) {
	tr, va, te, err := pidreg.SplitRows(n, frac, seed)
	if err != nil {
		return runner.Split{}, fmt.Errorf("splitting %d rows %.2g/%.2g/%.2g: %w", n, frac[0], frac[1], frac[2], err)
	}
	return runner.Split{Train: tr, Val: va, Test: te}, nil
}

// selected is a data set read from files, with the names of its columns
// and what reading found.
type selected struct {
	data    pidreg.Dataset
	columns [][]string // per modality
	target  []string
	report  table.Report
}

// readBySpec reads modalities and the target by column lists (names,
// indices, ranges). A column may belong to one block only, and every
// selected column's header name must be unique so that predict and eval
// can find it again by name.
func readBySpec(stdin io.Reader, d *dataFlags, mods []modalitySpec, target string) (selected, error) {
	req := table.Request{Target: table.Block{Name: "-target", Spec: target}}
	for _, m := range mods {
		req.Inputs = append(req.Inputs, table.Block{Name: "modality " + m.name, Spec: m.cols})
	}
	names := make([]string, len(mods))
	for i, m := range mods {
		names[i] = m.name
	}
	return readBlocks(stdin, d, req, names)
}

// readByName reads the columns a model was trained on, by header name.
// Other columns are ignored. With withTarget the target columns are read
// too (rows without a target are left out); without, they are not read at
// all, so they may be absent or empty.
func readByName(stdin io.Reader, d *dataFlags, m *pidreg.Model, withTarget bool) (selected, error) {
	cols := m.Columns()
	if cols == nil {
		return selected{}, errors.New("the model does not record the names of its input columns (train it with 'pidreg train', or call Model.SetColumns before saving)")
	}
	var req table.Request
	for i, name := range m.Names() {
		req.Inputs = append(req.Inputs, table.Block{Name: "modality " + name + " of the model", Names: cols[i]})
	}
	if withTarget {
		names := m.TargetColumns()
		if len(names) == 0 {
			return selected{}, errors.New("the model does not record the names of its target columns (train it with 'pidreg train', or call Model.SetColumns before saving)")
		}
		req.Target = table.Block{Name: "target of the model", Names: names}
	}
	return readBlocks(stdin, d, req, m.Names())
}

// readBlocks reads the blocks of req and makes the data set.
func readBlocks(stdin io.Reader, d *dataFlags, req table.Request, names []string) (selected, error) {
	req.RefuseMissing = d.missing == "error"
	f, err := table.Open(d.options(stdin), d.paths...)
	if err != nil {
		return selected{}, err
	}
	defer f.Close()
	b, err := f.ReadBlocks(req)
	if errors.Is(err, table.ErrMissing) {
		return selected{}, fmt.Errorf("%w (-missing error; -missing impute passes it on for the model to impute)", err)
	}
	if err != nil {
		return selected{}, err
	}
	s := selected{columns: b.InputNames, target: b.TargetNames, report: b.Report}
	for i, x := range b.Inputs {
		s.data.Modalities = append(s.data.Modalities, pidreg.Modality{Name: names[i], X: x})
	}
	s.data.Y = b.Target
	return s, nil
}

// dataNotes describes what reading found that the user should know: rows
// left out for want of a target, missing input cells, rows without a
// modality. Each line starts "note: ".
func dataNotes(rep table.Report, s selected, what string) string {
	var b strings.Builder
	if rep.Dropped > 0 {
		fmt.Fprintf(&b, "note: %d of %d rows have no target value and are left out of %s (the first at %s)\n",
			rep.Dropped, rep.Rows, what, rep.FirstDropped)
	}
	target := make(map[string]bool)
	for _, t := range s.target {
		target[t] = true
	}
	var cells []string
	total := 0
	for _, c := range rep.Missing {
		if !target[c.Column] {
			cells = append(cells, fmt.Sprintf("%s %d", c.Column, c.Cells))
			total += c.Cells
		}
	}
	if total > 0 {
		const show = 8
		if len(cells) > show {
			cells = append(cells[:show:show], "…")
		}
		fmt.Fprintf(&b, "note: %s missing in the input columns (%s), passed on for the model to impute\n",
			runner.Plural(total, "cell is", "cells are"), strings.Join(cells, ", "))
	}
	for k, n := range rep.Absent {
		if n > 0 && k < len(s.data.Modalities) {
			fmt.Fprintf(&b, "note: modality %s is missing in %s (predicted from the other modalities)\n", s.data.Modalities[k].Name, runner.Plural(n, "row", "rows"))
		}
	}
	return b.String()
}

// readReport turns what reading found into the report's "data" object.
func readReport(rep table.Report, s selected, paths []string) *runner.DataReport {
	dr := &runner.DataReport{Files: paths, Rows: rep.Rows, Dropped: rep.Dropped, Constant: rep.Constant}
	if len(rep.Missing) > 0 {
		dr.Missing = make(map[string]int, len(rep.Missing))
		for _, c := range rep.Missing {
			dr.Missing[c.Column] = c.Cells
		}
	}
	for k, n := range rep.Absent {
		if n > 0 {
			if dr.WithoutModality == nil {
				dr.WithoutModality = make(map[string]int)
			}
			dr.WithoutModality[s.data.Modalities[k].Name] = n
		}
	}
	return dr
}

// readSamples reads the columns that the lists specs select from the file
// at path ("-": standard input) for 'pidreg pid': CSV or Parquet, only
// those columns parsed, the separator detected. The PID needs complete
// rows, so a missing cell in them is an error naming its line and column
// (only empty cells and Parquet nulls are missing here; "NaN" is a
// non-finite value). The table keeps the file's column indices, so that
// the same lists resolve to the same columns again: columns not selected
// hold NaN and must not be used.
func readSamples(stdin io.Reader, path string, specs ...string) (*table.Table, error) {
	opt := table.Options{Header: true, NA: []string{}}
	var (
		f   *table.File
		err error
	)
	if path == "-" {
		f, err = table.NewReader(stdin, "", opt)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
	} else if f, err = table.Open(opt, path); err != nil {
		return nil, err
	}
	defer f.Close()
	flags := []string{"-target", "-x", "-y"}
	var cols []int
	seen := make(map[int]bool)
	for k, spec := range specs {
		c, err := f.Columns(spec)
		if err != nil {
			if k < len(flags) {
				return nil, fmt.Errorf("%s: %w", flags[k], err)
			}
			return nil, err
		}
		for _, j := range c {
			if !seen[j] {
				seen[j] = true
				cols = append(cols, j)
			}
		}
	}
	t, err := f.ReadComplete(cols, nil)
	if errors.Is(err, table.ErrMissing) {
		return nil, fmt.Errorf("%w; the PID needs complete rows", err)
	}
	if err != nil {
		return nil, err
	}
	rows := len(t.Line)
	full := &table.Table{Header: f.Header(), Line: t.Line}
	data := make([]float64, rows*f.Width())
	for i := range data {
		data[i] = math.NaN()
	}
	full.Data = mat.NewDense(rows, f.Width(), data)
	for k, j := range cols {
		for i := range rows {
			full.Data.Set(i, j, t.Data.At(i, k))
		}
	}
	return full, nil
}

// checkOutputs checks, before any work, that every output file can be
// written and replaces none of the inputs, that the plot directory can be
// made, and that no two outputs share a path (outfile.CheckAll). Empty
// paths and "-" (standard output) are skipped.
func checkOutputs(inputs []string, outs ...outfile.Output) error {
	return outfile.CheckAll(inputs, outs...)
}

// out names the output of flag name.
func out(name, path string) outfile.Output { return outfile.Output{Name: "-" + name, Path: path} }

// outDir names the output directory of flag name.
func outDir(name, path string) outfile.Output {
	return outfile.Output{Name: "-" + name, Path: path, Dir: true}
}

// interruptible returns a context cancelled by SIGINT (Ctrl-C) or SIGTERM.
// While it is active the signals do not kill the process, so the command
// can stop cleanly and leave no half-written file.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// interrupted turns a cancellation into a short message.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; no model written")
	}
	return err
}

// tidyError drops the "pidreg: " prefixes that the library's errors carry
// (its sentinels read "pidreg: invalid input" and so on): the command prints
// one in front of the whole line. errors.Is and errors.As see the original.
type tidyError struct{ err error }

func (e tidyError) Error() string { return libPrefix.ReplaceAllString(e.err.Error(), "$1") }

// libPrefix matches a "pidreg: " that starts the message or follows ": ".
var libPrefix = regexp.MustCompile(`(^|: )pidreg: `)

func (e tidyError) Unwrap() error { return e.err }

func tidy(err error) error {
	if err == nil {
		return nil
	}
	return tidyError{err}
}

// loadModel reads a model file.
func loadModel(path string) (*pidreg.Model, error) {
	if path == "" {
		return nil, errors.New("need -model FILE")
	}
	return pidreg.LoadFile(path)
}
