package opkit

import (
	"errors"
	"fmt"
	"hash"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var (
	errShape = errors.New("shape")
	errType  = errors.New("type")
)

type named struct{ name string }

func (n named) WriteHash(h hash.Hash) { fmt.Fprintf(h, "op{%s}", n.name) }

func TestHash(t *testing.T) {
	if Hash(named{"a"}) != Hash(named{"a"}) || Hash(named{"a"}) == Hash(named{"b"}) {
		t.Error("Hash does not follow WriteHash")
	}
}

func TestReader(t *testing.T) {
	r := Reader{Shape: errShape, Type: errType}
	m := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	rows, cols, data, err := r.Matrix(m, "m")
	if err != nil || rows != 2 || cols != 3 || &data[0] != &m.Data().([]float64)[0] {
		t.Fatalf("Matrix: %d×%d, %v, %v (a plain tensor must not be copied)", rows, cols, data, err)
	}
	// A transposed view is materialised in row-major order.
	view := m.Clone().(*tensor.Dense)
	if err := view.T(); err != nil {
		t.Fatal(err)
	}
	if rows, cols, data, err = r.Matrix(view, "view"); err != nil || rows != 3 || cols != 2 || data[1] != 4 {
		t.Errorf("Matrix of a transposed view: %d×%d %v %v", rows, cols, data, err)
	}
	if _, _, _, err := r.Matrix(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3})), "v"); !errors.Is(err, errShape) {
		t.Errorf("a vector: err = %v, want the Shape sentinel", err)
	}
	if _, _, _, err := r.Matrix(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2})), "f32"); !errors.Is(err, errType) {
		t.Errorf("float32: err = %v, want the Type sentinel", err)
	}
	if _, _, _, err := (Reader{Shape: errShape}).Matrix(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2})), "f32"); !errors.Is(err, errShape) {
		t.Errorf("float32 without a Type sentinel: err = %v, want the Shape sentinel", err)
	}
	if v, err := r.Scalar(G.NewF64(2.5), "s"); err != nil || v != 2.5 {
		t.Errorf("Scalar(F64) = %v, %v", v, err)
	}
	if v, err := r.Scalar(tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{7})), "s"); err != nil || v != 7 {
		t.Errorf("Scalar(1-element tensor) = %v, %v", v, err)
	}
	if _, err := r.Scalar(m, "m"); !errors.Is(err, errShape) {
		t.Errorf("Scalar of a matrix: err = %v", err)
	}
	if _, err := r.MatrixShape("op", 1, []G.DimSizer{tensor.Shape{2, 2}}); !errors.Is(err, errShape) {
		t.Errorf("MatrixShape beyond the inputs: err = %v", err)
	}
}

func TestBuffer(t *testing.T) {
	var b Buffer
	x := b.Get(10)
	y := b.Get(4)
	if &x[0] != &y[0] || len(y) != 4 {
		t.Error("Buffer does not reuse its storage")
	}
	if z := b.Get(20); len(z) != 20 {
		t.Error("Buffer does not grow")
	}
}
