package regularizer

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gaussGraph builds Gaussianity(x, weight) with weight an input scalar node.
func gaussGraph(weight float64) func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	return func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		w := G.NewScalar(g, tensor.Float64, G.WithName("weight"), G.WithValue(weight))
		return Gaussianity(x, w)
	}
}

// correlated returns n×p data with correlated columns drawn by gen.
func correlated(rng *rand.Rand, n, p int, gen func() float64) *mat.Dense {
	f := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		prev := 0.0
		for j := 0; j < p; j++ {
			v := gen() + 0.5*prev
			f.Set(i, j, v)
			prev = v
		}
	}
	return f
}

func TestGaussianityGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct {
		n, p   int
		weight float64
		gen    func() float64
	}{
		{40, 4, 1, rng.ExpFloat64},
		{30, 3, 0.3, rng.Float64},
		{50, 6, 2, rng.NormFloat64},
	} {
		f := correlated(rng, tc.n, tc.p, tc.gen)
		gl := buildLoss(t, f, gaussGraph(tc.weight))
		// h = 1e-5: larger steps cross sort-order swaps (kinks), smaller ones hit rounding.
		worst := gradCheck(t, gl, rng, 60, nil, 1e-5, 1e-5)
		t.Logf("n=%d p=%d weight %v: worst rel err %.2e", tc.n, tc.p, tc.weight, worst)
	}
}

func TestGaussianityForwardMatchesValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, gen := range []func() float64{rng.NormFloat64, rng.ExpFloat64, rng.Float64} {
		f := correlated(rng, 256, 1+8+8, gen)
		for _, w := range []float64{1, 0.25} {
			gl := buildLoss(t, f, gaussGraph(w))
			got := gl.run(t)
			want, err := GaussianityValue(f)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-w*want) > 1e-10*math.Max(1e-3, want) {
				t.Errorf("weight %v: op %.15g, want %.15g", w, got, w*want)
			}
		}
	}
}

// Gaussian data give a small loss; uniform and exponential data larger ones,
// at the shapes the trainer uses (p = 1 + 64 + 64).
func TestGaussianityAnalytic(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const n, p = 256, 129
	val := func(gen func() float64) float64 {
		v, err := GaussianityValue(correlated(rng, n, p, gen))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	gauss := val(rng.NormFloat64)
	unif := val(rng.Float64)
	expo := val(rng.ExpFloat64)
	t.Logf("−log W: Gaussian %.3g, uniform %.3g, exponential %.3g", gauss, unif, expo)
	if gauss > 2e-3 {
		t.Errorf("Gaussian data: loss %v, want < 2e-3", gauss)
	}
	if unif < 5*gauss || expo < 5*gauss {
		t.Errorf("non-Gaussian data not clearly penalised: Gaussian %v, uniform %v, exponential %v", gauss, unif, expo)
	}
}

// Whitening with a diagonal-proportional ridge makes the loss invariant to
// column scaling and to adding a constant per column.
func TestGaussianityInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	f := correlated(rng, 100, 5, rng.ExpFloat64)
	base, err := GaussianityValue(f)
	if err != nil {
		t.Fatal(err)
	}
	g := mat.DenseCopyOf(f)
	for j, s := range []float64{1e-3, 7, 1, 250, 0.5} {
		for i := 0; i < 100; i++ {
			g.Set(i, j, s*g.At(i, j)+float64(j)*3)
		}
	}
	got, err := GaussianityValue(g)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-base) > 1e-9*base {
		t.Errorf("after column scaling and shifts: %.15g, before %.15g", got, base)
	}
}

// Weight 0 skips all work: value 0 and zero gradient even for data the
// loss would reject.
func TestGaussianityWeightZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	f := correlated(rng, 20, 3, rng.ExpFloat64)
	f.Set(0, 0, math.NaN()) // never looked at
	gl := buildLoss(t, f, gaussGraph(0))
	v, g := gl.grad(t)
	if v != 0 {
		t.Errorf("value %v, want 0", v)
	}
	for i, x := range g {
		if x != 0 {
			t.Fatalf("grad[%d] = %v, want 0", i, x)
		}
	}
}

// Switching the weight between runs of one machine takes effect.
func TestGaussianityWeightSwitch(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	f := correlated(rng, 60, 4, rng.ExpFloat64)
	g := G.NewGraph()
	x := inputMatrix(g, "f", f)
	wv := G.NewF64(1)
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"), G.WithValue(wv))
	l, err := Gaussianity(x, w)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	want, err := GaussianityValue(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, weight := range []float64{1, 0, 0.5} {
		if err := G.Let(w, weight); err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		got := l.Value().Data().(float64)
		vm.Reset()
		if math.Abs(got-weight*want) > 1e-12 {
			t.Errorf("weight %v: %v, want %v", weight, got, weight*want)
		}
	}
}

func TestGaussianityErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	good := correlated(rng, 30, 3, rng.NormFloat64)
	nan := mat.DenseCopyOf(good)
	nan.Set(3, 2, math.Inf(-1))
	constCol := mat.DenseCopyOf(good)
	for i := 0; i < 30; i++ {
		constCol.Set(i, 1, 0.1) // 0.1 is inexact: centring leaves rounding residue
	}
	for _, tc := range []struct {
		name string
		f    mat.Matrix
		want error
	}{
		{"inf", nan, ErrNonFinite},
		{"wide", normal(rng, 5, 5), ErrTooFewRows},
		{"constant column", constCol, ErrDegenerate},
	} {
		if _, err := GaussianityValue(tc.f); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	gl := buildLoss(t, constCol, gaussGraph(1))
	if err := gl.vm.RunAll(); err == nil || !strings.Contains(err.Error(), ErrDegenerate.Error()) {
		t.Errorf("op on a constant column: err = %v, want it to mention %q", err, ErrDegenerate)
	}
	gl = buildLoss(t, good, gaussGraph(-1))
	if err := gl.vm.RunAll(); err == nil || !strings.Contains(err.Error(), ErrParameter.Error()) {
		t.Errorf("negative weight: err = %v, want it to mention %q", err, ErrParameter)
	}
	g := G.NewGraph()
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"))
	if _, err := Gaussianity(inputMatrix(g, "f", normal(rng, 4, 6)), w); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("build with 4×6 f: err = %v, want ErrTooFewRows", err)
	}
	if _, err := Gaussianity(inputMatrix(g, "f2", good), inputMatrix(g, "wm", normal(rng, 2, 2))); !errors.Is(err, ErrDimension) {
		t.Errorf("build with a matrix weight: err = %v, want ErrDimension", err)
	}
}

// argsort agrees with a comparison sort, including negative values, ±0,
// duplicates and values that differ only in their lowest bits.
func TestArgsort(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, nn := range []int{1, 2, 7, 1000, 33024} {
		v := make([]float64, nn)
		for i := range v {
			switch rng.IntN(6) {
			case 0:
				v[i] = 0
			case 1:
				v[i] = math.Copysign(0, -1)
			case 2:
				v[i] = 1 + float64(rng.IntN(4))*math.SmallestNonzeroFloat64
			case 3:
				v[i] = math.Nextafter(1, 2)
			default:
				v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
			}
		}
		idx := make([]int32, nn)
		argsort(idx, v, make([]uint64, 2*nn), make([]int32, nn))
		seen := make([]bool, nn)
		for r, i := range idx {
			if seen[i] {
				t.Fatalf("n=%d: index %d twice", nn, i)
			}
			seen[i] = true
			if r > 0 && v[idx[r-1]] > v[i] {
				t.Fatalf("n=%d: not sorted at %d: %v > %v", nn, r, v[idx[r-1]], v[i])
			}
		}
	}
}
