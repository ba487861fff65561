package regularizer

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

func csGraph(q *mat.Dense) func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	return func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		return CSDivergence(x, inputMatrix(g, "q", q))
	}
}

func TestCSDivergenceGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, m, k int }{{30, 30, 4}, {25, 17, 3}, {40, 40, 8}} {
		r := normal(rng, tc.n, tc.k)
		// Shift and stretch so that the divergence is well above the floor.
		for i := 0; i < tc.n; i++ {
			r.Set(i, 0, 1.5*r.At(i, 0)+1)
		}
		q := normal(rng, tc.m, tc.k)
		gl := buildLoss(t, r, csGraph(q))
		worst := gradCheck(t, gl, rng, 60, medianPairRows(r), 1e-5, 1e-5)
		t.Logf("n=%d m=%d k=%d: worst rel err %.2e", tc.n, tc.m, tc.k, worst)
	}
}

func TestCSDivergenceForwardMatchesValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, shift := range []float64{0, 0.5, 3} {
		r := normal(rng, 64, 6)
		for i := 0; i < 64; i++ {
			r.Set(i, 2, r.At(i, 2)+shift)
		}
		q := normal(rng, 64, 6)
		gl := buildLoss(t, r, csGraph(q))
		got := gl.run(t)
		want, err := CSDivergenceValue(r, q)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-10*math.Max(1, want) {
			t.Errorf("shift %v: op %.15g, value %.15g", shift, got, want)
		}
	}
}

// A sample from N(0,I) against a fresh N(0,I) sample gives a small divergence,
// a shifted sample a large one, growing with the shift.
func TestCSDivergenceAnalytic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, k = 256, 8
	same, err := CSDivergenceValue(normal(rng, n, k), normal(rng, n, k))
	if err != nil {
		t.Fatal(err)
	}
	prev := same
	for _, shift := range []float64{0.5, 1, 2} {
		r := normal(rng, n, k)
		for i := 0; i < n; i++ {
			for j := 0; j < k; j++ {
				r.Set(i, j, r.At(i, j)+shift)
			}
		}
		v, err := CSDivergenceValue(r, normal(rng, n, k))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("shift %.1f per coordinate: CS = %.4f (same distribution: %.4f)", shift, v, same)
		if v <= prev {
			t.Errorf("shift %v: CS %v not larger than at the smaller shift (%v)", shift, v, prev)
		}
		prev = v
	}
	if same > 0.05 {
		t.Errorf("same distribution: CS = %v, want < 0.05", same)
	}
	if prev < 20*same+0.5 {
		t.Errorf("shift 2: CS = %v, not clearly above the same-distribution value %v", prev, same)
	}
}

// Far-away data: log-sum-exp keeps the value finite where a plain mean of
// kernels underflows to 0.
func TestCSDivergenceFarAway(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	r := normal(rng, 50, 4)
	for i := 0; i < 50; i++ {
		r.Set(i, 0, r.At(i, 0)+1e3)
	}
	v, err := CSDivergenceValue(r, normal(rng, 50, 4))
	if err != nil {
		t.Fatal(err)
	}
	if math.IsInf(v, 0) || v < 1e3 {
		t.Errorf("CS = %v, want a large finite value", v)
	}
}

func TestCSDivergenceErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	good := normal(rng, 10, 3)
	bad := mat.DenseCopyOf(good)
	bad.Set(4, 1, math.NaN())
	same := mat.NewDense(10, 3, nil) // all rows equal: median distance 0
	for _, tc := range []struct {
		name string
		r, q mat.Matrix
		want error
	}{
		{"nan", bad, good, ErrNonFinite},
		{"nan q", good, bad, ErrNonFinite},
		{"cols", good, normal(rng, 10, 2), ErrDimension},
		{"one row", normal(rng, 1, 3), good, ErrTooFewRows},
		{"collapsed", same, good, ErrDegenerate},
	} {
		if _, err := CSDivergenceValue(tc.r, tc.q); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// The op reports the same problems from the machine's Run. The tape
	// machine re-formats op errors, so only the message survives.
	gl := buildLoss(t, same, csGraph(good))
	if err := gl.vm.RunAll(); err == nil || !strings.Contains(err.Error(), ErrDegenerate.Error()) {
		t.Errorf("op on collapsed rows: err = %v, want it to mention %q", err, ErrDegenerate)
	}
	g := G.NewGraph()
	if _, err := CSDivergence(inputMatrix(g, "r", good), inputMatrix(g, "q", normal(rng, 10, 2))); !errors.Is(err, ErrDimension) {
		t.Errorf("build with mismatched columns: err = %v, want ErrDimension", err)
	}
}
