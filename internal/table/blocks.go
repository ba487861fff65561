package table

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Block is a group of columns read together: one modality, or the target.
type Block struct {
	// Name names the block in messages: "modality physics", "-target".
	Name string
	// Spec is a column list (see ParseColumns). When it is empty, Names
	// are exact header names instead, each of which must occur once.
	Spec  string
	Names []string
}

func (b Block) empty() bool { return b.Spec == "" && b.Names == nil }

// Request says which blocks ReadBlocks reads and what it does with missing
// cells.
type Request struct {
	Inputs []Block
	// Target is the target block; the zero Block reads no target.
	Target Block
	// RefuseMissing makes a missing input cell, in a row that has its
	// target, an ErrMissing error naming its line and column; otherwise it
	// is NaN in the result. A row in which every cell of a block is missing
	// lacks that block and is not refused.
	RefuseMissing bool
}

// Blocks holds the blocks of a Request, restricted to the rows that have a
// target (every row without a target block).
type Blocks struct {
	Inputs      []*mat.Dense // one per input block; NaN marks a missing cell
	InputNames  [][]string   // the header names of each input block
	Target      *mat.Dense   // nil without a target block; never missing
	TargetNames []string
	Report      Report
}

// Report says what ReadBlocks found in the file.
type Report struct {
	// Rows is the number of data rows read, Kept the number returned.
	Rows, Kept int
	// Dropped counts the rows dropped because a target cell was missing;
	// FirstDropped locates the first of them ("line 7"), or is "".
	Dropped      int
	FirstDropped string
	// Missing lists the selected columns with missing cells and how many,
	// inputs first, in selection order: for an input column the missing
	// cells of the kept rows that have the column's block (a row without a
	// whole block is counted in Absent instead), for a target column those
	// of all the rows read (each dropped the row).
	Missing []Count
	// Constant lists the selected columns that take a single value (or
	// none) on the kept rows, missing cells aside.
	Constant []string
	// Absent counts, for each input block, the kept rows in which every
	// cell of the block is missing: rows without that modality.
	Absent []int
}

// Count is a number of missing cells of a column.
type Count struct {
	Column string
	Cells  int
}

// ReadBlocks resolves the blocks of req against the header, checks them
// (no column in two blocks; with a header, every selected name unique in
// the file, since a model finds its columns again by name), reads the
// selected columns in one pass and applies the missing-value policy of the
// package documentation: rows with a missing target cell are dropped and
// counted, missing input cells stay NaN (or, with req.RefuseMissing, are
// an error), and rows without any cell of a block are counted.
func (f *File) ReadBlocks(req Request) (*Blocks, error) {
	blocks := append([]Block(nil), req.Inputs...)
	hasTarget := !req.Target.empty()
	if hasTarget {
		blocks = append(blocks, req.Target)
	}
	var (
		all   []int
		ends  []int // end of each block in all
		owner = make(map[int]string)
	)
	for _, b := range blocks {
		cols, err := f.resolve(b)
		if err != nil {
			return nil, err
		}
		for _, j := range cols {
			if prev, ok := owner[j]; ok {
				return nil, fmt.Errorf("column %s is in both %s and %s: %w", f.label(j), prev, b.Name, ErrColumnSpec)
			}
			owner[j] = b.Name
		}
		all = append(all, cols...)
		ends = append(ends, len(all))
	}
	t, err := f.Read(all)
	if err != nil {
		return nil, err
	}
	names := t.Header
	if names == nil {
		names = make([]string, len(all))
		for k, j := range all {
			names[k] = fmt.Sprintf("column %d", j)
		}
	}
	nIn := len(req.Inputs)
	start := func(b int) int {
		if b == 0 {
			return 0
		}
		return ends[b-1]
	}
	out := &Blocks{Report: Report{Rows: len(t.Line)}}
	rep := &out.Report

	// Rows with a missing target are dropped.
	var keep []int
	tlo := len(all)
	if hasTarget {
		tlo = start(nIn)
	}
	for i := range t.Line {
		row := t.Data.RawRowView(i)
		ok := true
		for _, v := range row[tlo:] {
			if math.IsNaN(v) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, i)
			continue
		}
		if rep.Dropped == 0 {
			rep.FirstDropped = t.Where(i, tlo)
		}
		rep.Dropped++
	}
	rep.Kept = len(keep)
	if len(keep) == 0 {
		return nil, fmt.Errorf("%s: every one of the %d rows has a missing target value: %w", f.Name(), rep.Rows, ErrNoRows)
	}
	missing := make([]int, len(all))
	for _, i := range keep {
		row := t.Data.RawRowView(i)
		for b := range req.Inputs {
			lo, hi := start(b), ends[b]
			if allNaN(row[lo:hi]) {
				continue
			}
			for k := lo; k < hi; k++ {
				if math.IsNaN(row[k]) {
					missing[k]++
				}
			}
		}
	}
	for k := tlo; k < len(all); k++ {
		missing[k] = t.Missing[k]
	}
	for k, m := range missing {
		if m > 0 {
			rep.Missing = append(rep.Missing, Count{names[k], m})
		}
	}
	if req.RefuseMissing {
		for _, i := range keep {
			row := t.Data.RawRowView(i)
			for b := range req.Inputs {
				lo, hi := start(b), ends[b]
				if allNaN(row[lo:hi]) {
					continue // a row without this block: not a missing cell
				}
				for k := lo; k < hi; k++ {
					if math.IsNaN(row[k]) {
						return nil, fmt.Errorf("%s: %s, column %q: %w", f.Name(), t.Where(i, k), names[k], ErrMissing)
					}
				}
			}
		}
	}

	// Split the kept rows into the blocks.
	for b := range blocks {
		lo, hi := start(b), ends[b]
		m := mat.NewDense(len(keep), hi-lo, nil)
		absent := 0
		for r, i := range keep {
			src := t.Data.RawRowView(i)[lo:hi]
			copy(m.RawRowView(r), src)
			if allNaN(src) {
				absent++
			}
		}
		for k := lo; k < hi; k++ {
			if constant(m, k-lo) {
				rep.Constant = append(rep.Constant, names[k])
			}
		}
		if b < nIn {
			out.Inputs = append(out.Inputs, m)
			out.InputNames = append(out.InputNames, names[lo:hi:hi])
			rep.Absent = append(rep.Absent, absent)
		} else {
			out.Target, out.TargetNames = m, names[lo:hi:hi]
		}
	}
	return out, nil
}

// resolve turns a block into column indices.
func (f *File) resolve(b Block) ([]int, error) {
	if b.Spec != "" {
		cols, err := f.Columns(b.Spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		if f.header != nil {
			for _, j := range cols {
				if n := count(f.header, f.header[j]); n > 1 {
					return nil, fmt.Errorf("%s: %d columns of %s are named %q; a model finds its columns by name, so they must be unique: %w",
						b.Name, n, f.Name(), f.header[j], ErrColumnSpec)
				}
			}
		}
		return cols, nil
	}
	if len(b.Names) == 0 {
		return nil, fmt.Errorf("%s: no columns: %w", b.Name, ErrColumnSpec)
	}
	if f.header == nil {
		return nil, fmt.Errorf("%s: %s has no header, so columns cannot be found by name: %w", b.Name, f.Name(), ErrColumnSpec)
	}
	cols := make([]int, len(b.Names))
	for k, name := range b.Names {
		at := indicesOf(f.header, name)
		switch len(at) {
		case 0:
			return nil, fmt.Errorf("%s has no column %q (%s): %w", f.Name(), name, b.Name, ErrColumnSpec)
		case 1:
			cols[k] = at[0]
		default:
			return nil, fmt.Errorf("%s has %d columns named %q (%s): %w", f.Name(), len(at), name, b.Name, ErrColumnSpec)
		}
	}
	return cols, nil
}

// label names joined column j in messages.
func (f *File) label(j int) string {
	if f.header != nil {
		return fmt.Sprintf("%q", f.header[j])
	}
	return fmt.Sprint(j)
}

func allNaN(x []float64) bool {
	for _, v := range x {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

// constant reports whether column j of m takes at most one value, NaN
// aside.
func constant(m *mat.Dense, j int) bool {
	r, _ := m.Dims()
	first, seen := 0.0, false
	for i := range r {
		v := m.At(i, j)
		if math.IsNaN(v) {
			continue
		}
		if !seen {
			first, seen = v, true
		} else if v != first {
			return false
		}
	}
	return true
}
