package transform

import "gonum.org/v1/gonum/mat"

// RowReader is a matrix that copies a run of a row faster than At one
// element at a time: one that decodes or gathers its elements, such as
// images stored as bytes or a view of scattered rows. The pipelines, and
// pidreg's models, read their inputs row by row through Row, which uses
// ReadRow when the matrix has it.
type RowReader interface {
	mat.Matrix
	// ReadRow copies the elements (i, j), …, (i, j+len(dst)−1) into dst.
	ReadRow(dst []float64, i, j int)
}

// Row returns the elements (i, j), …, (i, j+len(dst)−1) of x: a view of
// x's storage when x is a mat.RawRowViewer (such as *mat.Dense), else dst
// filled by ReadRow for a RowReader, or by At.
func Row(dst []float64, x mat.Matrix, i, j int) []float64 {
	switch m := x.(type) {
	case mat.RawRowViewer:
		return m.RawRowView(i)[j : j+len(dst)]
	case RowReader:
		m.ReadRow(dst, i, j)
	default:
		for k := range dst {
			dst[k] = x.At(i, j+k)
		}
	}
	return dst
}
