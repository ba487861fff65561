package trainer

import (
	"fmt"
	"math"
	"runtime"

	"github.com/pidreg/pidreg/internal/par"
	G "gorgonia.org/gorgonia"
)

// adam is the textbook Adam optimiser (Kingma & Ba 2015, Algorithm 1) working
// in place on the float64 backing arrays of gorgonia nodes bound with
// BindDualValues:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
//	θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
//
// It replaces gorgonia's AdamSolver, which clones four tensors per parameter
// per step and has no way to change the learning rate (ReduceLROnPlateau
// needs one). Its update equals gorgonia's to round-off (adam_test.go).
// Step zeroes the gradients, as gorgonia's solvers do, because the tape
// machine accumulates into them.
type adam struct {
	lr, beta1, beta2, eps float64
	t                     int
	params                [][]float64 // parameter values, aliased
	grads                 [][]float64 // gradients, aliased
	m, v                  [][]float64
	// Scalar nodes hold *G.F64 values, not arrays: their entries in params
	// and grads are one-element staging slices, synced with the nodes
	// around every use.
	scalars []scalarParam
}

// scalarParam is a scalar node. Its value and gradient objects are looked
// up on every use: the machine may bind new *G.F64 objects on each run.
type scalarParam struct {
	k int // index into params and grads
	n *G.Node
}

func (s scalarParam) ptrs() (val, deriv *G.F64) {
	val, _ = s.n.Value().(*G.F64)
	if g, err := s.n.Grad(); err == nil {
		deriv, _ = g.(*G.F64)
	}
	return val, deriv
}

func (a *adam) pull() {
	for _, s := range a.scalars {
		val, deriv := s.ptrs()
		if val != nil {
			a.params[s.k][0] = float64(*val)
		}
		a.grads[s.k][0] = 0
		if deriv != nil {
			a.grads[s.k][0] = float64(*deriv)
		}
	}
}

func (a *adam) push() {
	for _, s := range a.scalars {
		val, deriv := s.ptrs()
		if val != nil {
			*val = G.F64(a.params[s.k][0])
		}
		if deriv != nil {
			*deriv = G.F64(a.grads[s.k][0])
		}
	}
}

func newAdam(nodes G.Nodes, lr float64) (*adam, error) {
	a := &adam{lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8}
	for _, n := range nodes {
		if sv, ok := n.Value().(*G.F64); ok {
			gv, err := n.Grad()
			if err != nil {
				return nil, fmt.Errorf("adam: node %s has no gradient (bind dual values): %w", n.Name(), err)
			}
			sd, ok := gv.(*G.F64)
			if !ok {
				return nil, fmt.Errorf("adam: gradient of scalar %s is a %T", n.Name(), gv)
			}
			a.scalars = append(a.scalars, scalarParam{k: len(a.params), n: n})
			a.params = append(a.params, []float64{float64(*sv)})
			a.grads = append(a.grads, []float64{float64(*sd)})
			a.m = append(a.m, make([]float64, 1))
			a.v = append(a.v, make([]float64, 1))
			continue
		}
		val, ok := n.Value().Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("adam: node %s does not hold float64 data", n.Name())
		}
		gv, err := n.Grad()
		if err != nil {
			return nil, fmt.Errorf("adam: node %s has no gradient (bind dual values): %w", n.Name(), err)
		}
		grad, ok := gv.Data().([]float64)
		if !ok || len(grad) != len(val) {
			return nil, fmt.Errorf("adam: gradient of %s has the wrong type or size", n.Name())
		}
		a.params = append(a.params, val)
		a.grads = append(a.grads, grad)
		a.m = append(a.m, make([]float64, len(val)))
		a.v = append(a.v, make([]float64, len(val)))
	}
	return a, nil
}

// gradNorm returns the Euclidean norm of all gradients.
func (a *adam) gradNorm() float64 {
	a.pull()
	var s float64
	for _, g := range a.grads {
		for _, x := range g {
			s += x * x
		}
	}
	return math.Sqrt(s)
}

// clip rescales the gradients so that their joint norm is at most c
// (PyTorch's clip_grad_norm_ with the same 1e-6 guard).
func (a *adam) clip(c float64) {
	n := a.gradNorm()
	if n <= c || n == 0 {
		return
	}
	f := c / (n + 1e-6)
	for _, g := range a.grads {
		for i := range g {
			g[i] *= f
		}
	}
	a.push()
}

// zero clears the gradients without a step.
func (a *adam) zero() {
	a.pull()
	for _, g := range a.grads {
		clear(g)
	}
	a.push()
}

// step applies one Adam update and zeroes the gradients. The update of
// every entry depends on that entry alone, so the parameters are cut into
// chunks that two goroutines update at once when there are many of them:
// the result is the same bit for bit whatever the split.
func (a *adam) step() {
	a.pull()
	defer a.push()
	a.t++
	c1 := 1 / (1 - math.Pow(a.beta1, float64(a.t)))
	c2 := 1 / (1 - math.Pow(a.beta2, float64(a.t)))
	total := 0
	for _, p := range a.params {
		total += len(p)
	}
	if total < parallelAdam || runtime.GOMAXPROCS(0) < 2 {
		for k := range a.params {
			a.update(k, 0, len(a.params[k]), c1, c2)
		}
		return
	}
	// Two halves by entry count, each a run of (parameter, range) pieces.
	half := total / 2
	par.Run(2, func(part int) {
		if part == 0 {
			a.updateRange(0, half, c1, c2)
		} else {
			a.updateRange(half, total, c1, c2)
		}
	})
}

// parallelAdam is the number of parameters from which step uses two
// goroutines (par.Run; handing half to another core costs a few
// microseconds, an entry a few nanoseconds).
const parallelAdam = 1 << 16

// updateRange updates the entries [lo, hi) of the parameters laid end to end.
func (a *adam) updateRange(lo, hi int, c1, c2 float64) {
	off := 0
	for k, p := range a.params {
		end := off + len(p)
		if from, to := max(lo, off), min(hi, end); from < to {
			a.update(k, from-off, to-off, c1, c2)
		}
		off = end
	}
}

// update applies the Adam update to entries [lo, hi) of parameter k:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·(m·c₁)/(√(v·c₂) + ε),  g ← 0,
//
// with c₁ = 1/(1−β₁ᵗ) and c₂ = 1/(1−β₂ᵗ) the bias corrections.
func (a *adam) update(k, lo, hi int, c1, c2 float64) {
	b1, b2 := a.beta1, a.beta2
	p, g, m, v := a.params[k][lo:hi], a.grads[k][lo:hi], a.m[k][lo:hi], a.v[k][lo:hi]
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		p[i] -= a.lr * (m[i] * c1) / (math.Sqrt(v[i]*c2) + a.eps)
		g[i] = 0
	}
}
