package pidreg

import (
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/transform"
)

// bytesMatrix is a mat.Matrix without raw rows (values computed in At).
type bytesMatrix struct{ r, c int }

func (b bytesMatrix) Dims() (int, int)    { return b.r, b.c }
func (b bytesMatrix) At(i, j int) float64 { return float64(10*i + j) }
func (b bytesMatrix) T() mat.Matrix       { return mat.Transpose{Matrix: b} }

// readerMatrix is a bytesMatrix with ReadRow (transform.RowReader), which
// counts its calls.
type readerMatrix struct {
	bytesMatrix
	reads *int
}

func (m readerMatrix) ReadRow(dst []float64, i, j int) {
	*m.reads++
	for k := range dst {
		dst[k] = m.At(i, j+k)
	}
}

func (m readerMatrix) T() mat.Matrix { return mat.Transpose{Matrix: m} }

func TestViews(t *testing.T) {
	d := mat.NewDense(5, 3, nil)
	for i := range 5 {
		for j := range 3 {
			d.Set(i, j, float64(10*i+j))
		}
	}
	reads := 0
	for _, x := range []mat.Matrix{d, bytesMatrix{5, 3}, readerMatrix{bytesMatrix{5, 3}, &reads}} {
		v := viewRows(x, []int{4, 1, 1})
		if r, c := v.Dims(); r != 3 || c != 3 || v.At(0, 2) != 42 || v.At(2, 0) != 10 {
			t.Errorf("%T: view %v", x, mat.Formatted(v))
		}
		_, raw := v.(rawRower)
		if _, dense := x.(*mat.Dense); raw != dense {
			t.Errorf("%T: view has raw rows %v", x, raw)
		}
		vv := viewRows(v, []int{2, 0}) // rows 1 and 4 of x, reading x itself
		if vv.At(0, 1) != 11 || vv.At(1, 1) != 41 {
			t.Errorf("%T: view of a view %v", x, mat.Formatted(vv))
		}
		s := sliceRows(x, 1, 3)
		if r, _ := s.Dims(); r != 2 || s.At(1, 2) != 22 {
			t.Errorf("%T: slice %v", x, mat.Formatted(s))
		}
		buf := make([]float64, 3)
		before := reads
		if got := row(v, 0, buf); got[1] != 41 {
			t.Errorf("%T: row 0 of the view %v", x, got)
		}
		if got := row(vv, 1, buf); got[2] != 42 {
			t.Errorf("%T: row 1 of the view of a view %v", x, got)
		}
		_, reader := x.(readerMatrix)
		if _, fwd := vv.(transform.RowReader); fwd != reader || reader && reads != before+2 {
			t.Errorf("%T: views forward ReadRow %v, %d reads", x, fwd, reads-before)
		}
		if mat.Transpose(v.T().(mat.Transpose)).Matrix.At(1, 2) != 12 {
			t.Errorf("%T: transpose", x)
		}
	}
	if !empty(nil) || !empty(&mat.Dense{}) || !empty(bytesMatrix{0, 3}) || empty(d) {
		t.Error("empty")
	}
	// Changes to the data set show through a subset.
	ds := Dataset{Modalities: []Modality{{"a", d}}, Y: mat.NewDense(5, 1, nil)}
	sub, err := ds.Subset([]int{3})
	if err != nil {
		t.Fatal(err)
	}
	d.Set(3, 0, -1)
	if sub.Modalities[0].X.At(0, 0) != -1 {
		t.Error("a subset did not read through to its data set")
	}
}
