package opkit

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Hash returns the FNV-1a hash of what op writes to WriteHash: the value an
// op's Hashcode method should return.
func Hash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// Pure gives a custom op the answers gorgonia asks of one that allocates (or
// owns) its output, calls no external device and overwrites none of its
// inputs. Embed it.
type Pure struct{}

// ReturnsPtr reports false: the op returns a value, not a pointer into its input.
func (Pure) ReturnsPtr() bool { return false }

// CallsExtern reports false: no device call.
func (Pure) CallsExtern() bool { return false }

// OverwritesInput reports −1: no input is overwritten.
func (Pure) OverwritesInput() int { return -1 }

// Leaf is embedded by gradient ops: they are pure and are never
// differentiated again (training needs first derivatives only).
type Leaf struct{ Pure }

// DiffWRT reports that no input is differentiated.
func (Leaf) DiffWRT(n int) []bool { return make([]bool, n) }

// SymDiff refuses: a gradient op has no second derivative.
func (Leaf) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("opkit: a gradient op has no second derivative")
}

// Reader reads op values and reports problems with the caller's sentinel
// errors: Shape for a value of the wrong kind or shape, Type for a value
// that is not float64 (Shape when Type is nil).
type Reader struct {
	Shape, Type error
}

func (r Reader) typeErr() error {
	if r.Type != nil {
		return r.Type
	}
	return r.Shape
}

// Matrix returns a float64 matrix value as (rows, cols, row-major data),
// materialising views (a copy); a plain dense tensor is not copied. what
// names the value in errors.
func (r Reader) Matrix(v G.Value, what string) (rows, cols int, data []float64, err error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return 0, 0, nil, fmt.Errorf("%w: %s is a %T, want a float64 matrix", r.Shape, what, v)
	}
	if t.Dtype() != tensor.Float64 {
		return 0, 0, nil, fmt.Errorf("%w: %s has dtype %v, want float64", r.typeErr(), what, t.Dtype())
	}
	s := t.Shape()
	if len(s) != 2 {
		return 0, 0, nil, fmt.Errorf("%w: %s has shape %v, want a matrix", r.Shape, what, s)
	}
	if d, ok := t.(*tensor.Dense); ok && (d.IsView() || d.RequiresIterator()) {
		t = d.Materialize()
	}
	data, ok = t.Data().([]float64)
	if !ok || len(data) < s[0]*s[1] {
		return 0, 0, nil, fmt.Errorf("%w: %s: cannot read its %v float64 data", r.Shape, what, s)
	}
	return s[0], s[1], data[:s[0]*s[1]], nil
}

// Scalar returns the float64 held by a scalar value: a *gorgonia.F64 or a
// one-element float64 tensor.
func (r Reader) Scalar(v G.Value, what string) (float64, error) {
	switch x := v.(type) {
	case *G.F64:
		return float64(*x), nil
	case tensor.Tensor:
		if x.Dtype() != tensor.Float64 {
			return 0, fmt.Errorf("%w: %s has dtype %v, want float64", r.typeErr(), what, x.Dtype())
		}
		if x.Shape().TotalSize() != 1 {
			return 0, fmt.Errorf("%w: %s has shape %v, want a scalar", r.Shape, what, x.Shape())
		}
		switch d := x.Data().(type) {
		case float64:
			return d, nil
		case []float64:
			return d[0], nil
		}
	}
	return 0, fmt.Errorf("%w: %s is a %T, want a float64 scalar", r.typeErr(), what, v)
}

// MatrixShape returns input i's shape from an InferShape call, checking that
// it is a matrix. op names the op in errors.
func (r Reader) MatrixShape(op string, i int, ns []G.DimSizer) (tensor.Shape, error) {
	if i >= len(ns) {
		return nil, fmt.Errorf("%w: %s: %d input shapes, need at least %d", r.Shape, op, len(ns), i+1)
	}
	s, ok := ns[i].(tensor.Shape)
	if !ok || len(s) != 2 {
		return nil, fmt.Errorf("%w: %s: input %d has shape %v, want a matrix", r.Shape, op, i, ns[i])
	}
	return s, nil
}

// MatrixType is the type of a rank-2 tensor of element type a.
func MatrixType(a hm.TypeVariable) hm.Type { return G.TensorType{Dims: 2, Of: a} }

// Buffer is an op's reused output buffer: allocated on the first run,
// rewritten in place on every later one.
type Buffer struct{ data []float64 }

// Get returns the buffer resized to n values (contents unspecified).
func (b *Buffer) Get(n int) []float64 {
	if cap(b.data) < n {
		b.data = make([]float64, n)
	}
	return b.data[:n]
}

// MatrixValue wraps data as a new (r × c) tensor header; the data is not copied.
func MatrixValue(r, c int, data []float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(data))
}
