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
// materialising views (a copy); a plain dense tensor is neither copied nor
// allocated for (its data is read through the tensor's typed accessor, not
// the reflection behind Data). what names the value in errors.
func (r Reader) Matrix(v G.Value, what string) (rows, cols int, data []float64, err error) {
	return MatrixOf[float64](r, v, what)
}

// Elem is the element type of the matrices the ops read and write: float64
// everywhere, float32 in the layers of a float32 network (encoder.Config.Float32).
type Elem interface{ float32 | float64 }

// Dtype returns the tensor dtype of T.
func Dtype[T Elem]() tensor.Dtype {
	var z T
	if _, ok := any(z).(float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

// MatrixOf is Reader.Matrix for a matrix of element type T: it refuses a
// value of another dtype (r.Type).
func MatrixOf[T Elem](r Reader, v G.Value, what string) (rows, cols int, data []T, err error) {
	dt := Dtype[T]()
	t, ok := v.(tensor.Tensor)
	if !ok {
		return 0, 0, nil, fmt.Errorf("%w: %s is a %T, want a %v matrix", r.Shape, what, v, dt)
	}
	if t.Dtype() != dt {
		return 0, 0, nil, fmt.Errorf("%w: %s has dtype %v, want %v", r.typeErr(), what, t.Dtype(), dt)
	}
	s := t.Shape()
	if len(s) != 2 {
		return 0, 0, nil, fmt.Errorf("%w: %s has shape %v, want a matrix", r.Shape, what, s)
	}
	if d, ok := t.(*tensor.Dense); ok && (d.IsView() || d.RequiresIterator()) {
		t = d.Materialize()
	}
	if d, ok := t.(*tensor.Dense); ok {
		data = denseData[T](d)
	} else if data, ok = t.Data().([]T); !ok {
		return 0, 0, nil, fmt.Errorf("%w: %s: cannot read its %v %v data", r.Shape, what, s, dt)
	}
	if len(data) < s[0]*s[1] {
		return 0, 0, nil, fmt.Errorf("%w: %s: %d values for shape %v", r.Shape, what, len(data), s)
	}
	return s[0], s[1], data[:s[0]*s[1]], nil
}

// denseData returns the backing array of a dense tensor of T's dtype
// through its typed accessor.
func denseData[T Elem](d *tensor.Dense) []T {
	var data any
	if Dtype[T]() == tensor.Float32 {
		data = d.Float32s()
	} else {
		data = d.Float64s()
	}
	return data.([]T)
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

// Buffer is an op's reused float64 output buffer (see BufferOf).
type Buffer = BufferOf[float64]

// BufferOf is an op's reused output buffer: allocated on the first run,
// rewritten in place on every later one, and handed to gorgonia through a
// reused tensor header (Matrix).
type BufferOf[T Elem] struct {
	data []T
	hdr  HeaderOf[T]
}

// Get returns the buffer resized to n values (contents unspecified).
func (b *BufferOf[T]) Get(n int) []T {
	if cap(b.data) < n {
		b.data = make([]T, n)
	}
	return b.data[:n]
}

// Matrix returns an (r × c) tensor over the first r·c values of the buffer
// (what Get(r·c) returned), through the buffer's Header.
func (b *BufferOf[T]) Matrix(r, c int) *tensor.Dense { return b.hdr.Matrix(r, c, b.Get(r*c)) }

// MatrixValue wraps data as a new (r × c) tensor header; the data is not
// copied. A new header costs about 8 small allocations; an op that returns
// its own buffer on every run uses a Header (or Buffer.Matrix) instead.
func MatrixValue[T Elem](r, c int, data []T) *tensor.Dense {
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(data))
}

// Header is the float64 tensor header of an op's output (see HeaderOf).
type Header = HeaderOf[float64]

// HeaderOf is the tensor header an op returns over its own output buffer on
// every run. Matrix hands back the previous run's header when it is still
// exactly what a new one would be, and a new header otherwise.
//
// Returning one header on every run is safe with gorgonia's TapeMachine
// when the op instance belongs to one node (see the package doc): the
// header is that node's value for the run, and gorgonia reads it, or
// writes into its data after the node's last consumer (in-place ops),
// within the run. What a downstream op may do to the header itself is what
// Matrix checks before reusing it: an in-place reshape, a transposition or
// a view changes its shape, strides, order or view state; a header put back
// into gorgonia's tensor pool and handed out again points to other data or
// none. In each case the header is dropped (left to its new owner) and a
// new one made. A TapeMachine puts no op value into the pool (Reset and the
// free instruction only release device memory), so in practice the check
// only guards against misuse; the tests exercise each case.
//
// The zero value is ready to use. A Header must not be shared between ops.
type HeaderOf[T Elem] struct {
	t *tensor.Dense
}

// Matrix returns an (r × c) row-major tensor over data (len(data) = r·c, not
// copied).
func (h *HeaderOf[T]) Matrix(r, c int, data []T) *tensor.Dense {
	if h.t == nil || !pristine(h.t, r, c, data) {
		h.t = MatrixValue(r, c, data)
	}
	return h.t
}

// pristine reports whether t is a plain row-major (r × c) tensor of T's
// dtype over exactly data: not a view, not transposed, unmasked, Go memory.
func pristine[T Elem](t *tensor.Dense, r, c int, data []T) bool {
	if t.Dtype() != Dtype[T]() || t.IsMaterializable() || t.RequiresIterator() || len(t.Mask()) != 0 ||
		t.IsManuallyManaged() || !t.IsNativelyAccessible() {
		return false
	}
	if o := t.DataOrder(); !o.IsRowMajor() || !o.IsContiguous() {
		return false
	}
	s, st := t.Shape(), t.Strides()
	if len(s) != 2 || s[0] != r || s[1] != c || len(st) != 2 || st[0] != c || st[1] != 1 {
		return false
	}
	d := denseData[T](t)
	return len(d) == len(data) && len(d) > 0 && &d[0] == &data[0]
}
