package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/datasets"
	"github.com/pidreg/pidreg/internal/runner"
	"github.com/pidreg/pidreg/internal/table"
)

// This file holds what train, predict, eval and bench share: the repeated
// -modality flag, the -split flag, reading a data set out of a CSV by column
// lists or by stored column names, and the interrupt context.

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

// splitRows splits n rows at random, seeded, and names the problem when the
// data are too few for the fractions.
func splitRows(n int, frac [3]float64, seed uint64) (runner.Split, error) {
	rng := rand.New(rand.NewPCG(seed, splitStream))
	tr, va, te, err := datasets.SplitRows(n, frac, rng)
	if err != nil {
		return runner.Split{}, fmt.Errorf("splitting %d rows %.2g/%.2g/%.2g: %w", n, frac[0], frac[1], frac[2], err)
	}
	return runner.Split{Train: tr, Val: va, Test: te}, nil
}

// splitStream is the PCG stream of the row split, distinct from the model's.
const splitStream = 0x5eed5911

// selected is a data set read from a CSV, with the names of its columns.
type selected struct {
	data    pidreg.Dataset
	columns [][]string // per modality
	target  []string
}

// selectBySpec reads modalities and the target out of tab by column lists
// (names, indices, ranges). A column may belong to one block only, and every
// selected column's header name must be unique in the file so that predict
// and eval can find it again by name.
func selectBySpec(tab *table.Table, path string, mods []modalitySpec, target string) (selected, error) {
	_, ncols := tab.Data.Dims()
	owner := make(map[int]string)
	pick := func(what, spec string) ([]int, error) {
		cols, err := table.ParseColumns(spec, tab.Header, ncols)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		for _, j := range cols {
			if prev, ok := owner[j]; ok {
				return nil, fmt.Errorf("column %q is in both %s and %s", tab.Header[j], prev, what)
			}
			owner[j] = what
			if n := count(tab.Header, tab.Header[j]); n > 1 {
				return nil, fmt.Errorf("%s: %d columns of %s are named %q; the model finds its columns by name, so they must be unique", what, n, path, tab.Header[j])
			}
		}
		return cols, nil
	}
	var out selected
	for _, m := range mods {
		cols, err := pick("modality "+m.name, m.cols)
		if err != nil {
			return selected{}, err
		}
		out.data.Modalities = append(out.data.Modalities, pidreg.Modality{Name: m.name, X: tab.Select(cols)})
		out.columns = append(out.columns, tab.Names(cols))
	}
	cols, err := pick("-target", target)
	if err != nil {
		return selected{}, err
	}
	out.data.Y = tab.Select(cols)
	out.target = tab.Names(cols)
	return out, nil
}

// selectByName reads the columns a model was trained on, by header name.
// Extra columns in the file are ignored. With withTarget the target columns
// are read too.
func selectByName(tab *table.Table, path string, m *pidreg.Model, withTarget bool) (pidreg.Dataset, error) {
	cols := m.Columns()
	if cols == nil {
		return pidreg.Dataset{}, errors.New("the model does not record the names of its input columns (train it with 'pidreg train', or call Model.SetColumns before saving)")
	}
	find := func(what, name string) (int, error) {
		j, n := -1, 0
		for i, h := range tab.Header {
			if h == name {
				j, n = i, n+1
			}
		}
		switch {
		case n == 0:
			return 0, fmt.Errorf("%s has no column %q (%s of the model)", path, name, what)
		case n > 1:
			return 0, fmt.Errorf("%s has %d columns named %q (%s of the model)", path, n, name, what)
		}
		return j, nil
	}
	take := func(what string, names []string) ([]int, error) {
		idx := make([]int, len(names))
		for k, name := range names {
			j, err := find(what, name)
			if err != nil {
				return nil, err
			}
			idx[k] = j
		}
		return idx, nil
	}
	var d pidreg.Dataset
	for i, name := range m.Names() {
		idx, err := take("modality "+name, cols[i])
		if err != nil {
			return pidreg.Dataset{}, err
		}
		d.Modalities = append(d.Modalities, pidreg.Modality{Name: name, X: tab.Select(idx)})
	}
	if withTarget {
		names := m.TargetColumns()
		if len(names) == 0 {
			return pidreg.Dataset{}, errors.New("the model does not record the names of its target columns (train it with 'pidreg train', or call Model.SetColumns before saving)")
		}
		idx, err := take("target", names)
		if err != nil {
			return pidreg.Dataset{}, err
		}
		d.Y = tab.Select(idx)
	}
	return d, nil
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
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

// readData reads a CSV with a header row ("-" is standard input).
func readData(stdin io.Reader, path string) (*table.Table, error) {
	if path == "" {
		return nil, errors.New("need -data FILE.csv")
	}
	return readTable(stdin, path, table.Options{Header: true})
}
