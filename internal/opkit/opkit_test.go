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
	// MatrixOf[float32] reads float32 data in place, refuses float64 data
	// and gives a float32 header back through a HeaderOf[float32].
	f32 := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2}))
	if rows, cols, d, err := MatrixOf[float32](r, f32, "f32"); err != nil || rows != 1 || cols != 2 || &d[0] != &f32.Data().([]float32)[0] {
		t.Errorf("MatrixOf[float32]: %d×%d %v %v", rows, cols, d, err)
	}
	if _, _, _, err := MatrixOf[float32](r, m, "m"); !errors.Is(err, errType) {
		t.Errorf("MatrixOf[float32] of float64 data: err = %v, want the Type sentinel", err)
	}
	var h HeaderOf[float32]
	d32 := []float32{1, 2, 3, 4}
	if a, b := h.Matrix(2, 2, d32), h.Matrix(2, 2, d32); a != b || a.Dtype() != tensor.Float32 {
		t.Errorf("HeaderOf[float32]: headers %p and %p, dtype %v", a, b, a.Dtype())
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

// A plain tensor is read without allocating.
func TestReaderMatrixAllocs(t *testing.T) {
	r := Reader{Shape: errShape, Type: errType}
	m := tensor.New(tensor.WithShape(4, 5), tensor.WithBacking(make([]float64, 20)))
	if n := testing.AllocsPerRun(100, func() {
		if _, _, _, err := r.Matrix(m, "m"); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Matrix of a plain tensor: %v allocations, want 0", n)
	}
}

// A Header hands back its tensor while it is untouched, and a new one after
// anything a downstream op may do to it.
func TestHeader(t *testing.T) {
	data := []float64{1, 2, 3, 4, 5, 6}
	var h Header
	a := h.Matrix(2, 3, data)
	if b := h.Matrix(2, 3, data); b != a {
		t.Fatal("an untouched header is not reused")
	}
	if n := testing.AllocsPerRun(100, func() { h.Matrix(2, 3, data) }); n != 0 {
		t.Errorf("reusing a header: %v allocations, want 0", n)
	}
	// check mutates the header, then wants a valid one. A header put back
	// into the pool may come back from it as the new one (re-initialised),
	// so pointer inequality is only wanted when the header was not pooled.
	check := func(name string, mutate func(d *tensor.Dense), pooled bool) {
		t.Helper()
		old := h.Matrix(2, 3, data)
		mutate(old)
		got := h.Matrix(2, 3, data)
		if got == old && !pooled {
			t.Errorf("%s: the mutated header was reused", name)
		}
		if s := got.Shape(); !s.Eq(tensor.Shape{2, 3}) || got.IsMaterializable() || &got.Float64s()[0] != &data[0] {
			t.Errorf("%s: new header has shape %v over other data", name, s)
		}
		if v, _ := got.At(1, 0); v != 4.0 {
			t.Errorf("%s: new header reads %v at (1,0), want 4", name, v)
		}
	}
	check("reshape", func(d *tensor.Dense) {
		if err := d.Reshape(3, 2); err != nil {
			t.Fatal(err)
		}
	}, false)
	check("reshape to a vector", func(d *tensor.Dense) {
		if err := d.Reshape(6); err != nil {
			t.Fatal(err)
		}
	}, false)
	check("transpose", func(d *tensor.Dense) {
		if err := d.T(); err != nil {
			t.Fatal(err)
		}
	}, false)
	check("returned to the pool", func(d *tensor.Dense) { tensor.ReturnTensor(d) }, true)
	check("returned to the pool and handed out again", func(d *tensor.Dense) {
		tensor.ReturnTensor(d)
		for range 4 {
			_ = tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(make([]float64, 6)))
		}
	}, false)
	check("masked", func(d *tensor.Dense) { d.SetMask([]bool{true, false, false, false, false, false}) }, false)
	// Other data, or another shape over the same data, is a new header.
	old := h.Matrix(2, 3, data)
	other := make([]float64, 6)
	if got := h.Matrix(2, 3, other); got == old || &got.Float64s()[0] != &other[0] {
		t.Error("a header over other data was reused")
	}
	old = h.Matrix(2, 3, data)
	if got := h.Matrix(3, 2, data); got == old || !got.Shape().Eq(tensor.Shape{3, 2}) {
		t.Errorf("a header of another shape was reused: %v", got.Shape())
	}
	// A view of the header (a slice) leaves the header itself untouched.
	old = h.Matrix(2, 3, data)
	if _, err := old.Slice(nil, tensor.S(1)); err != nil {
		t.Fatal(err)
	}
	if got := h.Matrix(2, 3, data); got != old {
		t.Error("slicing (a new view) made the header unusable")
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
	z := b.Get(6)
	for i := range z {
		z[i] = float64(i)
	}
	m := b.Matrix(2, 3)
	if v, _ := m.At(1, 2); v != 5.0 || &m.Float64s()[0] != &z[0] {
		t.Errorf("Matrix does not wrap the buffer: (1,2) = %v", v)
	}
	if b.Matrix(2, 3) != m {
		t.Error("Buffer.Matrix does not reuse its header")
	}
}

func BenchmarkMatrixValue(b *testing.B) {
	data := make([]float64, 256*64)
	b.ReportAllocs()
	for b.Loop() {
		_ = MatrixValue(256, 64, data)
	}
}

func BenchmarkHeader(b *testing.B) {
	data := make([]float64, 256*64)
	var h Header
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Matrix(256, 64, data)
	}
}

func BenchmarkReaderMatrix(b *testing.B) {
	m := tensor.New(tensor.WithShape(256, 64), tensor.WithBacking(make([]float64, 256*64)))
	r := Reader{Shape: errShape}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := r.Matrix(m, "m"); err != nil {
			b.Fatal(err)
		}
	}
}
