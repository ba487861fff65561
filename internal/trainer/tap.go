package trainer

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pidreg/pidreg/internal/opkit"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tapOp copies the value of its input into a Go slice while the machine
// runs, and outputs a scalar 0 that nothing consumes.
//
// It exists because a TapeMachine reuses registers: after RunAll, every
// node is bound to the final content of its register, which for an
// intermediate node (a latent Z, a loss term) may by then hold another
// node's value. Reading n.Value() after RunAll is therefore only safe for
// the graph's inputs and its last outputs; anything else must be copied out
// during execution, which is what a tap does. A tap is not differentiable
// and sits beside the loss, so it changes no gradient.
type tapOp struct {
	opkit.Pure
	name string
	dst  []float64
}

// tap attaches a tap to n and returns the slice it fills on every run.
func tap(n *G.Node, name string) ([]float64, error) {
	size := 1
	for _, d := range n.Shape() {
		size *= d
	}
	op := &tapOp{name: name, dst: make([]float64, size)}
	if _, err := G.ApplyOp(op, n); err != nil {
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	return op.dst, nil
}

func (op *tapOp) Arity() int { return 1 }
func (op *tapOp) Type() hm.Type {
	return hm.NewFnType(hm.TypeVariable('a'), tensor.Float64)
}
func (op *tapOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }
func (op *tapOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("tap %s: %d inputs", op.name, len(vs))
	}
	switch v := vs[0].(type) {
	case *G.F64:
		op.dst[0] = float64(*v)
	case tensor.Tensor:
		d, ok := v.Data().([]float64)
		if !ok {
			if s, ok := v.Data().(float64); ok && len(op.dst) == 1 {
				op.dst[0] = s
				break
			}
			return nil, fmt.Errorf("tap %s: %T data", op.name, v.Data())
		}
		if len(d) != len(op.dst) {
			return nil, fmt.Errorf("tap %s: %d values, want %d", op.name, len(d), len(op.dst))
		}
		copy(op.dst, d)
	default:
		return nil, fmt.Errorf("tap %s: value of type %T", op.name, v)
	}
	return G.NewF64(0), nil
}
func (op *tapOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg.tap{%s,%p}", op.name, op) }
func (op *tapOp) Hashcode() uint32      { return opkit.Hash(op) }
func (op *tapOp) String() string        { return "Tap{" + op.name + "}" }
