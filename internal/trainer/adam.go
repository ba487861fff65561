package trainer

import (
	"fmt"
	"math"
	"runtime"

	"github.com/pidreg/pidreg/internal/opkit"
	"github.com/pidreg/pidreg/internal/par"
	G "gorgonia.org/gorgonia"
)

// adam is the textbook Adam optimiser (Kingma & Ba 2015, Algorithm 1) working
// in place on the backing arrays of gorgonia nodes bound with
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
//
// A parameter keeps its node's element type: the moments m and v of a
// float32 node (encoder.Config.Float32) are float32 and its update is
// computed in float32, β₁, β₂, ε, η and the bias corrections rounded to
// float32 once per step.
type adam struct {
	lr, beta1, beta2, eps float64
	t                     int
	f64                   params[float64]
	f32                   params[float32]
	// Scalar nodes hold *G.F64 values, not arrays: their entries in f64 are
	// one-element staging slices, synced with the nodes around every use.
	scalars []scalarParam
}

// params are the parameters of one element type: their values and
// gradients (aliased) and their moments.
type params[T opkit.Elem] struct {
	val, grad, m, v [][]T
}

func (p *params[T]) add(val, grad []T) {
	p.val = append(p.val, val)
	p.grad = append(p.grad, grad)
	p.m = append(p.m, make([]T, len(val)))
	p.v = append(p.v, make([]T, len(val)))
}

// size is the number of entries.
func (p *params[T]) size() int {
	n := 0
	for _, v := range p.val {
		n += len(v)
	}
	return n
}

// scalarParam is a scalar node. Its value and gradient objects are looked
// up on every use: the machine may bind new *G.F64 objects on each run.
type scalarParam struct {
	k int // index into f64
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
			a.f64.val[s.k][0] = float64(*val)
		}
		a.f64.grad[s.k][0] = 0
		if deriv != nil {
			a.f64.grad[s.k][0] = float64(*deriv)
		}
	}
}

func (a *adam) push() {
	for _, s := range a.scalars {
		val, deriv := s.ptrs()
		if val != nil {
			*val = G.F64(a.f64.val[s.k][0])
		}
		if deriv != nil {
			*deriv = G.F64(a.f64.grad[s.k][0])
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
			a.scalars = append(a.scalars, scalarParam{k: len(a.f64.val), n: n})
			a.f64.add([]float64{float64(*sv)}, []float64{float64(*sd)})
			continue
		}
		gv, err := n.Grad()
		if err != nil {
			return nil, fmt.Errorf("adam: node %s has no gradient (bind dual values): %w", n.Name(), err)
		}
		switch val := n.Value().Data().(type) {
		case []float64:
			grad, ok := gv.Data().([]float64)
			if !ok || len(grad) != len(val) {
				return nil, fmt.Errorf("adam: gradient of %s has the wrong type or size", n.Name())
			}
			a.f64.add(val, grad)
		case []float32:
			grad, ok := gv.Data().([]float32)
			if !ok || len(grad) != len(val) {
				return nil, fmt.Errorf("adam: gradient of %s has the wrong type or size", n.Name())
			}
			a.f32.add(val, grad)
		default:
			return nil, fmt.Errorf("adam: node %s holds %T, want float64 or float32 data", n.Name(), val)
		}
	}
	return a, nil
}

// gradNorm returns the Euclidean norm of all gradients, summed in float64.
func (a *adam) gradNorm() float64 {
	a.pull()
	var s float64
	for _, g := range a.f64.grad {
		for _, x := range g {
			s += x * x
		}
	}
	for _, g := range a.f32.grad {
		for _, x := range g {
			s += float64(x) * float64(x)
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
	scale(a.f64.grad, f)
	scale(a.f32.grad, f)
	a.push()
}

func scale[T opkit.Elem](gs [][]T, f float64) {
	for _, g := range gs {
		for i := range g {
			g[i] *= T(f)
		}
	}
}

// zero clears the gradients without a step.
func (a *adam) zero() {
	a.pull()
	for _, g := range a.f64.grad {
		clear(g)
	}
	for _, g := range a.f32.grad {
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
	u64 := updater[float64]{p: &a.f64, lr: a.lr, b1: a.beta1, b2: a.beta2, eps: a.eps, c1: c1, c2: c2}
	u64.run()
	u32 := updater[float32]{p: &a.f32, lr: float32(a.lr), b1: float32(a.beta1), b2: float32(a.beta2),
		eps: float32(a.eps), c1: float32(c1), c2: float32(c2)}
	u32.run()
}

// parallelAdam is the number of parameters from which step uses two
// goroutines (par.Run; handing half to another core costs a few
// microseconds, an entry a few nanoseconds).
const parallelAdam = 1 << 16

// updater is one step's update of the parameters of one element type, with
// its constants in that type.
type updater[T opkit.Elem] struct {
	p                       *params[T]
	lr, b1, b2, eps, c1, c2 T
}

// run updates every parameter, in two halves by entry count on two
// goroutines when there are many.
func (u updater[T]) run() {
	total := u.p.size()
	if total < parallelAdam || runtime.GOMAXPROCS(0) < 2 {
		for k := range u.p.val {
			u.update(k, 0, len(u.p.val[k]))
		}
		return
	}
	// Two halves by entry count, each a run of (parameter, range) pieces.
	half := total / 2
	par.Run(2, func(part int) {
		if part == 0 {
			u.updateRange(0, half)
		} else {
			u.updateRange(half, total)
		}
	})
}

// updateRange updates the entries [lo, hi) of the parameters laid end to end.
func (u updater[T]) updateRange(lo, hi int) {
	off := 0
	for k, p := range u.p.val {
		end := off + len(p)
		if from, to := max(lo, off), min(hi, end); from < to {
			u.update(k, from-off, to-off)
		}
		off = end
	}
}

// update applies the Adam update to entries [lo, hi) of parameter k:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·(m·c₁)/(√(v·c₂) + ε),  g ← 0,
//
// with c₁ = 1/(1−β₁ᵗ) and c₂ = 1/(1−β₂ᵗ) the bias corrections.
func (u updater[T]) update(k, lo, hi int) {
	b1, b2 := u.b1, u.b2
	p, g, m, v := u.p.val[k][lo:hi], u.p.grad[k][lo:hi], u.p.m[k][lo:hi], u.p.v[k][lo:hi]
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		p[i] -= u.lr * (m[i] * u.c1) / (T(math.Sqrt(float64(v[i]*u.c2))) + u.eps)
		g[i] = 0
	}
}
