package pidreg

import (
	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/transform"
)

// rawRower is a matrix that hands out its rows without copying (*mat.Dense).
type rawRower interface {
	RawRowView(i int) []float64
}

// row returns row i of x: the matrix's own storage when it has a
// RawRowView, else the values read into buf (len ≥ columns) by ReadRow
// (transform.RowReader) or At.
func row(x mat.Matrix, i int, buf []float64) []float64 {
	_, c := x.Dims()
	return transform.Row(buf[:c], x, i, 0)
}

// empty reports whether x is nil or has no element.
func empty(x mat.Matrix) bool {
	if x == nil {
		return true
	}
	if d, ok := x.(*mat.Dense); ok {
		return d.IsEmpty()
	}
	r, c := x.Dims()
	return r == 0 || c == 0
}

// rowView is the rows rows of m, in that order, read through: a subset of a
// data set without a copy.
type rowView struct {
	m    mat.Matrix
	rows []int
}

// rawRowView is a rowView of a matrix with raw rows, which it hands out.
type rawRowView struct{ rowView }

// readerView is a rowView of a transform.RowReader, whose ReadRow it
// forwards.
type readerView struct{ rowView }

// viewRows returns the rows of x listed in rows as a matrix that reads
// through to x.
func viewRows(x mat.Matrix, rows []int) mat.Matrix {
	var v rowView
	switch w := x.(type) {
	case rowView: // a view of a view reads the original
		v = w.compose(rows)
	case rawRowView:
		v = w.compose(rows)
	case readerView:
		v = w.compose(rows)
	default:
		v = rowView{x, append([]int(nil), rows...)}
	}
	switch v.m.(type) {
	case rawRower:
		return rawRowView{v}
	case transform.RowReader:
		return readerView{v}
	}
	return v
}

// compose returns the view of rows of v.
func (v rowView) compose(rows []int) rowView {
	r := make([]int, len(rows))
	for i, k := range rows {
		r[i] = v.rows[k]
	}
	return rowView{v.m, r}
}

// sliceRows returns rows [lo, hi) of x: a Slice of a *mat.Dense, a view
// otherwise.
func sliceRows(x mat.Matrix, lo, hi int) mat.Matrix {
	if d, ok := x.(*mat.Dense); ok {
		_, c := d.Dims()
		return d.Slice(lo, hi, 0, c)
	}
	rows := make([]int, hi-lo)
	for i := range rows {
		rows[i] = lo + i
	}
	return viewRows(x, rows)
}

func (v rowView) Dims() (r, c int) {
	_, c = v.m.Dims()
	return len(v.rows), c
}

func (v rowView) At(i, j int) float64 { return v.m.At(v.rows[i], j) }

func (v rowView) T() mat.Matrix { return mat.Transpose{Matrix: v} }

// RawRowView is the underlying row: a view of a *mat.Dense keeps the fast
// path of row.
func (v rawRowView) RawRowView(i int) []float64 {
	return v.m.(rawRower).RawRowView(v.rows[i])
}

func (v rawRowView) T() mat.Matrix { return mat.Transpose{Matrix: v} }

// ReadRow reads the underlying row.
func (v readerView) ReadRow(dst []float64, i, j int) {
	v.m.(transform.RowReader).ReadRow(dst, v.rows[i], j)
}

func (v readerView) T() mat.Matrix { return mat.Transpose{Matrix: v} }
