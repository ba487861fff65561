package pidreg

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bytesMatrix is a mat.Matrix without raw rows (values computed in At).
type bytesMatrix struct{ r, c int }

func (b bytesMatrix) Dims() (int, int)    { return b.r, b.c }
func (b bytesMatrix) At(i, j int) float64 { return float64(10*i + j) }
func (b bytesMatrix) T() mat.Matrix       { return mat.Transpose{Matrix: b} }

func TestViews(t *testing.T) {
	d := mat.NewDense(5, 3, nil)
	for i := range 5 {
		for j := range 3 {
			d.Set(i, j, float64(10*i+j))
		}
	}
	for _, x := range []mat.Matrix{d, bytesMatrix{5, 3}} {
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
		if got := row(v, 0, buf); got[1] != 41 {
			t.Errorf("%T: row 0 of the view %v", x, got)
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
