package fusion

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Fuser holds the fusion weights as a 3-vector input node of a graph. The
// weights are constants for the graph: no gradient is computed for them.
type Fuser struct {
	w         *G.Node
	forwarded bool
}

// NewFuser adds the weight node to g, named "fusion.w" (or "fusion.w#2", …
// if that name is taken, since gorgonia merges input nodes with equal
// names), with the initial value (⅓, ⅓, ⅓).
func NewFuser(g *G.ExprGraph) *Fuser {
	name := "fusion.w"
	for i := 2; len(g.ByName(name)) > 0; i++ {
		name = fmt.Sprintf("fusion.w#%d", i)
	}
	t := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}))
	return &Fuser{w: G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName(name), G.WithValue(t))}
}

// Node returns the weight input node.
func (f *Fuser) Node() *G.Node { return f.w }

// Forward wires z = w1·Z1 + w2·Z2 + w3·(Z1⊙Z2) for two float64 matrices of
// the same shape in the Fuser's graph. It may be called only once.
func (f *Fuser) Forward(z1, z2 *G.Node) (*G.Node, error) {
	if f.forwarded {
		return nil, fmt.Errorf("fusion: Fuser.Forward already called")
	}
	if z1 == nil || z2 == nil || z1.Graph() != f.w.Graph() || z2.Graph() != f.w.Graph() {
		return nil, fmt.Errorf("%w: Fuser.Forward: nil input or input from another graph", ErrShape)
	}
	s1, s2 := z1.Shape(), z2.Shape()
	if len(s1) != 2 || !s1.Eq(s2) {
		return nil, fmt.Errorf("%w: Fuser.Forward: shapes %v and %v, want two equal matrix shapes", ErrShape, s1, s2)
	}
	if z1.Dtype() != tensor.Float64 || z2.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%w: Fuser.Forward: dtypes %v and %v, want float64", ErrShape, z1.Dtype(), z2.Dtype())
	}
	var ws [3]*G.Node
	for i := range ws {
		n, err := G.Slice(f.w, G.S(i))
		if err != nil {
			return nil, fmt.Errorf("fusion: Fuser.Forward: w%d: %w", i+1, err)
		}
		ws[i] = n
	}
	prod, err := G.HadamardProd(z1, z2)
	if err != nil {
		return nil, fmt.Errorf("fusion: Fuser.Forward: Z1⊙Z2: %w", err)
	}
	terms := [3]*G.Node{z1, z2, prod}
	var z *G.Node
	for i, term := range terms {
		s, err := G.Mul(ws[i], term)
		if err != nil {
			return nil, fmt.Errorf("fusion: Fuser.Forward: w%d term: %w", i+1, err)
		}
		if z == nil {
			z = s
		} else if z, err = G.Add(z, s); err != nil {
			return nil, fmt.Errorf("fusion: Fuser.Forward: sum: %w", err)
		}
	}
	f.forwarded = true
	return z, nil
}

// Set writes w into the weight node in place; the next RunAll reads it.
// Non-finite weights are refused, leaving the node unchanged.
func (f *Fuser) Set(w [3]float64) error {
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: Fuser.Set: w%d = %v", ErrNotFinite, i+1, v)
		}
	}
	copy(f.w.Value().Data().([]float64), w[:])
	return nil
}

// Get returns the weights currently in the node.
func (f *Fuser) Get() [3]float64 {
	var w [3]float64
	copy(w[:], f.w.Value().Data().([]float64))
	return w
}

// Fuse is the inference mirror of Fuser: it returns w1·Z1 + w2·Z2 +
// w3·(Z1⊙Z2) for two matrices of the same shape, in the same order of
// operations as the graph.
func Fuse(z1, z2 mat.Matrix, w [3]float64) (*mat.Dense, error) {
	if z1 == nil || z2 == nil {
		return nil, fmt.Errorf("%w: Fuse: nil input", ErrShape)
	}
	r, c := z1.Dims()
	r2, c2 := z2.Dims()
	if r != r2 || c != c2 || r == 0 || c == 0 {
		return nil, fmt.Errorf("%w: Fuse: %d×%d and %d×%d, want equal non-empty shapes", ErrShape, r, c, r2, c2)
	}
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: Fuse: w%d = %v", ErrNotFinite, i+1, v)
		}
	}
	out := mat.NewDense(r, c, nil)
	raw := out.RawMatrix()
	// row accessors: direct slices for RawMatrixer inputs (mat.Dense), At otherwise
	rowOf := func(m mat.Matrix, buf []float64) func(i int) []float64 {
		if rm, ok := m.(mat.RawMatrixer); ok {
			rr := rm.RawMatrix()
			return func(i int) []float64 { return rr.Data[i*rr.Stride : i*rr.Stride+c] }
		}
		return func(i int) []float64 {
			for j := range buf {
				buf[j] = m.At(i, j)
			}
			return buf
		}
	}
	row1, row2 := rowOf(z1, make([]float64, c)), rowOf(z2, make([]float64, c))
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		x1, x2 := row1(i), row2(i)
		for j := range row {
			a, b := x1[j], x2[j]
			if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
				return nil, fmt.Errorf("%w: Fuse: row %d column %d: %v, %v", ErrNotFinite, i, j, a, b)
			}
			row[j] = float64(float64(w[0]*a)+float64(w[1]*b)) + float64(w[2]*float64(a*b))
		}
	}
	return out, nil
}
