package encoder

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

// mustInput adds a (r × c) float64 input node backed by data.
func mustInput(t testing.TB, g *G.ExprGraph, name string, r, c int, data []float64) *G.Node {
	t.Helper()
	n, err := newMatrix(g, name, r, c, data, false)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// linearLoss returns Σ out ⊙ C for a fixed random C, a loss whose gradient
// w.r.t. out is the generic matrix C.
func linearLoss(t testing.TB, g *G.ExprGraph, out *G.Node, rng *rand.Rand) *G.Node {
	t.Helper()
	s := out.Shape()
	c := mustInput(t, g, "lossC", s[0], s[1], randSlice(rng, s[0]*s[1]))
	p, err := G.HadamardProd(out, c)
	if err != nil {
		t.Fatal(err)
	}
	l, err := G.Sum(p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func runOnce(t testing.TB, vm G.VM) {
	t.Helper()
	vm.Reset()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

func scalarOf(t testing.TB, n *G.Node) float64 {
	t.Helper()
	switch v := n.Value().(type) {
	case *G.F64:
		return float64(*v)
	default:
		d, ok := v.Data().(float64)
		if !ok {
			t.Fatalf("node %v holds %T, want a float64 scalar", n.Name(), v.Data())
		}
		return d
	}
}

func gradData(t testing.TB, n *G.Node) []float64 {
	t.Helper()
	g, err := n.Grad()
	if err != nil {
		t.Fatalf("grad of %s: %v", n.Name(), err)
	}
	switch v := g.(type) {
	case *G.F64:
		return []float64{float64(*v)}
	default:
		return append([]float64{}, v.Data().([]float64)...)
	}
}

// fdCheck compares analytic gradients with central differences of the loss
// with respect to every entry of data (which backs a node of the graph run by vm).
func fdCheck(t *testing.T, what string, vm G.VM, loss *G.Node, data, analytic []float64, h, tol float64) {
	t.Helper()
	if len(data) != len(analytic) {
		t.Fatalf("%s: %d entries but %d gradients", what, len(data), len(analytic))
	}
	worst := 0.0
	for i := range data {
		orig := data[i]
		data[i] = orig + h
		runOnce(t, vm)
		lp := scalarOf(t, loss)
		data[i] = orig - h
		runOnce(t, vm)
		lm := scalarOf(t, loss)
		data[i] = orig
		fd := (lp - lm) / (2 * h)
		err := math.Abs(fd-analytic[i]) / math.Max(1, math.Abs(fd))
		worst = math.Max(worst, err)
		if err > tol {
			t.Errorf("%s[%d]: analytic %.10g, finite difference %.10g (err %.2g)", what, i, analytic[i], fd, err)
		}
	}
	t.Logf("%s: %d entries, worst scaled error %.2g", what, len(data), worst)
}

func denseOf(r, c int, data []float64) *mat.Dense {
	return mat.NewDense(r, c, append([]float64{}, data...))
}

func maxAbsDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func tensorOf(d []float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(len(d)), tensor.WithBacking(d))
}
