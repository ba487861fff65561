package regularizer

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradScale multiplies every loss under test before G.Grad, so the checks
// also cover the upstream gradient g ≠ 1 that the backward ops receive.
const gradScale = 1.7

// graphLoss is a built graph: x is a learnable matrix, loss a scalar node.
type graphLoss struct {
	g    *G.ExprGraph
	x    *G.Node
	xv   []float64 // backing data of x (edit in place, then rerun)
	loss *G.Node
	vm   G.VM
}

// buildLoss builds gradScale·build(x) on a fresh graph with x = x0, calls
// G.Grad and makes a TapeMachine with x's dual value bound.
func buildLoss(t testing.TB, x0 *mat.Dense, build func(g *G.ExprGraph, x *G.Node) (*G.Node, error)) *graphLoss {
	t.Helper()
	r, c := x0.Dims()
	g := G.NewGraph()
	xv := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			xv[i*c+j] = x0.At(i, j)
		}
	}
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(xv))))
	l, err := build(g, x)
	if err != nil {
		t.Fatalf("building the loss: %v", err)
	}
	scaled, err := G.Mul(l, G.NewConstant(gradScale))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(scaled, x); err != nil {
		t.Fatalf("G.Grad: %v", err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	t.Cleanup(func() { vm.Close() })
	return &graphLoss{g: g, x: x, xv: xv, loss: l, vm: vm}
}

// run evaluates the graph and returns the (unscaled) loss.
func (gl *graphLoss) run(t testing.TB) float64 {
	t.Helper()
	if err := gl.vm.RunAll(); err != nil {
		t.Fatalf("RunAll: %v", err)
	}
	v := gl.loss.Value().Data().(float64)
	gl.vm.Reset()
	gl.zeroGrad(t)
	return v
}

// zeroGrad clears x's dual value: gradients accumulate there across runs.
func (gl *graphLoss) zeroGrad(t testing.TB) {
	t.Helper()
	gv, err := gl.x.Grad()
	if err != nil {
		t.Fatal(err)
	}
	d := gv.Data().([]float64)
	for i := range d {
		d[i] = 0
	}
}

// grad runs the graph once and returns the loss and a copy of ∂(gradScale·loss)/∂x.
func (gl *graphLoss) grad(t testing.TB) (float64, []float64) {
	t.Helper()
	if err := gl.vm.RunAll(); err != nil {
		t.Fatalf("RunAll: %v", err)
	}
	v := gl.loss.Value().Data().(float64)
	gv, err := gl.x.Grad()
	if err != nil {
		t.Fatal(err)
	}
	out := append([]float64(nil), gv.Data().([]float64)...)
	gl.vm.Reset()
	gl.zeroGrad(t)
	return v, out
}

// gradCheck compares the analytic gradient of gradScale·loss with central
// finite differences on `count` random entries of x whose row is not in
// skipRows. The error of entry e is |analytic − fd| / max(|analytic|, |fd|,
// 1e-3·max|analytic|) (the floor keeps near-zero entries from dominating);
// it fails if any exceeds tol. It returns the largest error.
func gradCheck(t *testing.T, gl *graphLoss, rng *rand.Rand, count int, skipRows map[int]bool, h, tol float64) float64 {
	t.Helper()
	_, ga := gl.grad(t)
	gmax := 0.0
	for _, v := range ga {
		gmax = math.Max(gmax, math.Abs(v))
	}
	if gmax == 0 {
		t.Fatalf("analytic gradient is identically zero")
	}
	c := gl.x.Shape()[1]
	worst := 0.0
	for tries := 0; count > 0 && tries < 100*count; tries++ {
		idx := rng.IntN(len(gl.xv))
		if skipRows[idx/c] {
			continue
		}
		count--
		x0 := gl.xv[idx]
		step := h * math.Max(1, math.Abs(x0))
		gl.xv[idx] = x0 + step
		fp := gl.run(t)
		gl.xv[idx] = x0 - step
		fm := gl.run(t)
		gl.xv[idx] = x0
		fd := gradScale * (fp - fm) / (2 * step)
		den := math.Max(math.Max(math.Abs(ga[idx]), math.Abs(fd)), 1e-3*gmax)
		e := math.Abs(ga[idx]-fd) / den
		if e > worst {
			worst = e
		}
		if e > tol {
			t.Errorf("entry %d (row %d, col %d): analytic %.10g, finite difference %.10g, rel err %.3g",
				idx, idx/c, idx%c, ga[idx], fd, e)
		}
	}
	if count > 0 {
		t.Fatalf("could not pick enough entries outside the skipped rows")
	}
	return worst
}

// inputMatrix adds an input node holding a copy of m.
func inputMatrix(g *G.ExprGraph, name string, m *mat.Dense) *G.Node {
	r, c := m.Dims()
	v := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v[i*c+j] = m.At(i, j)
		}
	}
	return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(v))))
}

// normal returns an r×c matrix of N(0,1) draws.
func normal(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return mat.NewDense(r, c, d)
}

// medianPairRows returns the rows of the pair(s) whose distance is the
// median pairwise distance of the rows of x (brute force by sorting); the
// median bandwidth depends on these rows only.
func medianPairRows(x mat.Matrix) map[int]bool {
	n, _ := x.Dims()
	type pr struct {
		d    float64
		a, b int
	}
	var ps []pr
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			d := 0.0
			_, c := x.Dims()
			for j := 0; j < c; j++ {
				v := x.At(a, j) - x.At(b, j)
				d += v * v
			}
			ps = append(ps, pr{d, a, b})
		}
	}
	// selection by sort: small n in tests
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].d < ps[j-1].d; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	out := map[int]bool{}
	m := len(ps)
	mids := []int{m / 2}
	if m%2 == 0 {
		mids = append(mids, m/2-1)
	}
	for _, i := range mids {
		out[ps[i].a] = true
		out[ps[i].b] = true
	}
	return out
}
