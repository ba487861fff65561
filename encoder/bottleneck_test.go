package encoder

import (
	"errors"
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
)

type testBottle struct {
	b    *Bottleneck
	r    *G.Node
	rd   []float64
	z    *G.Node
	loss *G.Node
	vm   G.VM
}

func buildBottle(t testing.TB, batch, k int, theta0 float64, seed uint64) *testBottle {
	t.Helper()
	rng := newRNG(seed)
	g := G.NewGraph()
	b, err := NewBottleneck(g, "bn1", batch, k, theta0)
	if err != nil {
		t.Fatal(err)
	}
	rd := randSlice(rng, batch*k)
	for i := range rd { // give the columns different means and scales
		rd[i] = rd[i]*float64(1+i%k) + float64(i%k)
	}
	r := mustInput(t, g, "R", batch, k, rd)
	z, err := b.Forward(r)
	if err != nil {
		t.Fatal(err)
	}
	loss := linearLoss(t, g, z, rng)
	if _, err := G.Grad(loss, r, b.Theta()); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(r, b.Theta()))
	t.Cleanup(func() { vm.Close() })
	b.Resample(rng)
	return &testBottle{b: b, r: r, rd: rd, z: z, loss: loss, vm: vm}
}

// bottleneckRef computes Z by hand.
func bottleneckRef(r, xi []float64, batch, k int, lambda float64) []float64 {
	rr := rows(batch, k, r)
	mean, vr := colStats(rr, 1)
	z := make([]float64, batch*k)
	for i := 0; i < batch; i++ {
		for j := 0; j < k; j++ {
			eps := mean[j] + math.Sqrt(vr[j]+VarOffset)*xi[i*k+j]
			z[i*k+j] = lambda*r[i*k+j] + (1-lambda)*eps
		}
	}
	return z
}

func TestLambdaOf(t *testing.T) {
	for _, c := range []struct{ theta, want float64 }{
		{0, 0.5},
		{4, 1 / (1 + math.Exp(-4))},
		{-2, 1 / (1 + math.Exp(2))},
		{6.9, 1 / (1 + math.Exp(-6.9))}, // 0.998994: just inside
		{6.91, LambdaMax},               // sigmoid 0.999003: clamped
		{100, LambdaMax},
		{-100, LambdaMin},
		{math.Inf(1), LambdaMax},
	} {
		if got := LambdaOf(c.theta); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("LambdaOf(%v) = %v, want %v", c.theta, got, c.want)
		}
	}
}

func TestBottleneckForward(t *testing.T) {
	const batch, k = 7, 4
	for _, theta := range []float64{4, -1, 9} {
		tb := buildBottle(t, batch, k, theta, 101)
		runOnce(t, tb.vm)
		xi := tb.b.Noise().Value().Data().([]float64)
		want := bottleneckRef(tb.rd, xi, batch, k, LambdaOf(theta))
		if d := maxAbsDiff(tb.z.Value().Data().([]float64), want); d > 1e-13 {
			t.Errorf("θ=%v: Z differs from the hand computation by %g", theta, d)
		}
		if tb.b.Lambda() != LambdaOf(theta) || tb.b.ThetaValue() != theta {
			t.Errorf("θ=%v: Lambda() = %v, ThetaValue() = %v", theta, tb.b.Lambda(), tb.b.ThetaValue())
		}
	}
}

// TestBottleneckGradientFD checks ∂L/∂R (through μ_B and σ_B) and ∂L/∂θ
// (through the sigmoid and the clamp) by central differences, inside and
// outside the clamp.
func TestBottleneckGradientFD(t *testing.T) {
	for _, theta := range []float64{4, 0.3, -3, 8, -8} {
		tb := buildBottle(t, 6, 3, theta, 102)
		runOnce(t, tb.vm)
		gr := gradData(t, tb.r)
		gt := gradData(t, tb.b.Theta())
		fdCheck(t, "dL/dR", tb.vm, tb.loss, tb.rd, gr, 1e-6, 1e-7)
		th := tb.b.Theta().Value().(*G.F64)
		h := 1e-6
		*th = G.F64(theta + h)
		runOnce(t, tb.vm)
		lp := scalarOf(t, tb.loss)
		*th = G.F64(theta - h)
		runOnce(t, tb.vm)
		lm := scalarOf(t, tb.loss)
		*th = G.F64(theta)
		fd := (lp - lm) / (2 * h)
		if math.Abs(fd-gt[0]) > 1e-7*math.Max(1, math.Abs(fd)) {
			t.Errorf("θ=%v: dL/dθ analytic %.10g, finite difference %.10g", theta, gt[0], fd)
		}
		if math.Abs(theta) > 6.91 && gt[0] != 0 {
			t.Errorf("θ=%v: λ is clamped, yet dL/dθ = %v", theta, gt[0])
		}
		if math.Abs(theta) < 6.9 && gt[0] == 0 {
			t.Errorf("θ=%v: dL/dθ = 0 inside the clamp", theta)
		}
	}
}

// TestClampOpTensorFD checks the clamp op on a vector with entries on both
// sides of both bounds.
func TestClampOpTensorFD(t *testing.T) {
	g := G.NewGraph()
	xd := []float64{-2, -0.7, -0.2, 0.1, 0.45, 0.8, 1.3}
	x := G.NewVector(g, G.Float64, G.WithShape(len(xd)), G.WithName("x"), G.WithValue(tensorOf(xd)))
	c := G.NewVector(g, G.Float64, G.WithShape(len(xd)), G.WithName("c"), G.WithValue(tensorOf([]float64{1, 2, 3, 4, 5, 6, 7})))
	y, err := clampNode(x, -0.5, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, c))))
	if _, err := G.Grad(loss, x); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	defer vm.Close()
	runOnce(t, vm)
	wantY := []float64{-0.5, -0.5, -0.2, 0.1, 0.45, 0.5, 0.5}
	if d := maxAbsDiff(y.Value().Data().([]float64), wantY); d != 0 {
		t.Errorf("clamp values %v, want %v", y.Value().Data(), wantY)
	}
	gx := gradData(t, x)
	if d := maxAbsDiff(gx, []float64{0, 0, 3, 4, 5, 0, 0}); d != 0 {
		t.Errorf("clamp gradient %v", gx)
	}
	fdCheck(t, "dclamp", vm, loss, xd, gx, 1e-6, 1e-8)
}

// TestThetaAdam: θ is a scalar learnable that Adam updates in place, and
// SetTheta changes what the next run computes.
func TestThetaAdam(t *testing.T) {
	tb := buildBottle(t, 5, 2, 4, 103)
	runOnce(t, tb.vm)
	g := gradData(t, tb.b.Theta())[0]
	solver := G.NewAdamSolver(G.WithLearnRate(0.1))
	if err := solver.Step(G.NodesToValueGrads(G.Nodes{tb.b.Theta()})); err != nil {
		t.Fatal(err)
	}
	// Adam's first step is −lr·sign(g) up to its ε.
	if want := 4 - 0.1*math.Copysign(1, g); math.Abs(tb.b.ThetaValue()-want) > 1e-6 {
		t.Errorf("after one Adam step θ = %v, want %v (grad %v)", tb.b.ThetaValue(), want, g)
	}
	tb.b.SetTheta(-1.5)
	tb.b.SetTheta(math.NaN()) // ignored
	runOnce(t, tb.vm)
	xi := tb.b.Noise().Value().Data().([]float64)
	want := bottleneckRef(tb.rd, xi, 5, 2, LambdaOf(-1.5))
	if d := maxAbsDiff(tb.z.Value().Data().([]float64), want); d > 1e-13 {
		t.Errorf("after SetTheta Z is off by %g", d)
	}
}

func TestResample(t *testing.T) {
	g := G.NewGraph()
	b, err := NewBottleneck(g, "b", 200, 50, 4)
	if err != nil {
		t.Fatal(err)
	}
	b.Resample(newRNG(104))
	d := append([]float64{}, b.Noise().Value().Data().([]float64)...)
	var s, ss float64
	for _, v := range d {
		s += v
		ss += v * v
	}
	n := float64(len(d))
	if m, v := s/n, ss/n-(s/n)*(s/n); math.Abs(m) > 5/math.Sqrt(n) || math.Abs(v-1) > 5*math.Sqrt(2/n) {
		t.Errorf("ξ mean %v variance %v, want 0 and 1", m, v)
	}
	b.Resample(newRNG(104))
	if maxAbsDiff(d, b.Noise().Value().Data().([]float64)) != 0 {
		t.Error("same seed gave different noise")
	}
}

func TestBottleneckErrors(t *testing.T) {
	g := G.NewGraph()
	if _, err := NewBottleneck(g, "b", 1, 3, 4); !errors.Is(err, ErrConfig) {
		t.Errorf("batch 1: %v", err)
	}
	if _, err := NewBottleneck(g, "b", 4, 0, 4); !errors.Is(err, ErrConfig) {
		t.Errorf("k 0: %v", err)
	}
	if _, err := NewBottleneck(g, "b", 4, 3, math.NaN()); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN θ0: %v", err)
	}
	b, err := NewBottleneck(g, "b", 4, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewBottleneck(g, "b", 4, 3, 4); !errors.Is(err, ErrName) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := b.Forward(mustInput(t, g, "r5", 4, 5, make([]float64, 20))); !errors.Is(err, ErrShape) {
		t.Errorf("wrong width: %v", err)
	}
	r := mustInput(t, g, "r", 4, 3, make([]float64, 12))
	if _, err := b.Forward(r); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Forward(r); !errors.Is(err, ErrForward) {
		t.Errorf("second Forward: %v", err)
	}
}
