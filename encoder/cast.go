package encoder

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/internal/opkit"
)

// castOp converts a matrix from element type F to element type T, the
// boundary of a float32 stack (Config.Float32) inside the float64 graph:
//
//	Y = T(X),   ∂/∂X = F(G),
//
// its gradient the cast back of the upstream gradient G. Narrowing rounds
// to nearest; widening is exact.
type castOp[F, T opkit.Elem] struct {
	opkit.Pure
	name  string
	label string // String(), made once: Do names the op in its errors on every run
	out   opkit.BufferOf[T]
}

func newCastOp[F, T opkit.Elem](name string) *castOp[F, T] {
	return &castOp[F, T]{name: name, label: fmt.Sprintf("Cast%v{%s}", opkit.Dtype[T](), name)}
}

// castNode returns the node T(x); name labels the op in errors.
func castNode[F, T opkit.Elem](x *G.Node, name string) (*G.Node, error) {
	if x.Dtype() != opkit.Dtype[F]() || len(x.Shape()) != 2 {
		return nil, fmt.Errorf("%w: cast %s: %v %v, want a %v matrix", ErrShape, name, x.Dtype(), x.Shape(), opkit.Dtype[F]())
	}
	return G.ApplyOp(newCastOp[F, T](name), x)
}

func (op *castOp[F, T]) Arity() int { return 1 }
func (op *castOp[F, T]) Type() hm.Type {
	return hm.NewFnType(G.TensorType{Dims: 2, Of: opkit.Dtype[F]()}, G.TensorType{Dims: 2, Of: opkit.Dtype[T]()})
}
func (op *castOp[F, T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

func (op *castOp[F, T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want 1", ErrShape, op, len(vs))
	}
	r, c, x, err := opkit.MatrixOf[F](read, vs[0], op.String())
	if err != nil {
		return nil, err
	}
	y := op.out.Get(r * c)
	copyFloats(y, x)
	return op.out.Matrix(r, c), nil
}

func (op *castOp[F, T]) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg.cast{%s,%p}", op.name, op) }
func (op *castOp[F, T]) Hashcode() uint32      { return opkit.Hash(op) }
func (op *castOp[F, T]) String() string        { return op.label }
func (op *castOp[F, T]) DiffWRT(int) []bool    { return []bool{true} }

// SymDiff returns F(G) for the upstream gradient G.
func (op *castOp[F, T]) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: %s gradient: %d inputs, want 1", ErrShape, op, len(in))
	}
	d, err := G.ApplyOp(newCastOp[T, F](op.name+".grad"), grad)
	if err != nil {
		return nil, fmt.Errorf("%s: gradient node: %w", op, err)
	}
	return G.Nodes{d}, nil
}
