package fusion

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pidreg/pidreg/pid"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

// result builds a consistent decomposition from its four atoms.
func result(ux, uy, red, syn float64) pid.Result {
	return pid.Result{
		MIX: ux + red, MIY: uy + red, MIXY: ux + uy + red + syn,
		UniqueX: ux, UniqueY: uy, Redundancy: red, Synergy: syn, Method: "closed",
	}
}

func near(a, b [3]float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

func TestWeightsPolicies(t *testing.T) {
	third := [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	cases := []struct {
		name string
		r    pid.Result
		p    Policy
		want [3]float64
	}{
		// T = 0.2 + 0 + 0.6 + 0.2 = 1
		{"split", result(0.2, 0, 0.6, 0.2), Split, [3]float64{0.5, 0.3, 0.2}},
		// MIX = 0.8 > MIY = 0.6: Red goes to X
		{"stronger X", result(0.2, 0, 0.6, 0.2), Stronger, [3]float64{0.8, 0, 0.2}},
		// T = 4: MIY = 3 > MIX = 2
		{"stronger Y", result(0, 1, 2, 1), Stronger, [3]float64{0, 0.75, 0.25}},
		// equal MI: split
		{"stronger tie", result(0.5, 0.5, 1, 2), Stronger, [3]float64{0.25, 0.25, 0.5}},
		{"pure synergy", result(0, 0, 0, 3), Split, [3]float64{0, 0, 1}},
		{"zero", result(0, 0, 0, 0), Split, third},
		{"tiny", result(1e-12, 0, 1e-12, 0), Stronger, third},
		{"NaN", result(math.NaN(), 0, 1, 1), Split, third},
		{"Inf", result(math.Inf(1), 0, 1, 1), Split, third},
		// negative rounding noise counts as 0: T = 1 + 1
		{"negative atom", result(-1e-15, 1, 1, 0), Split, [3]float64{0.25, 0.75, 0}},
		{"unknown policy", result(0.2, 0, 0.6, 0.2), Policy(7), [3]float64{0.5, 0.3, 0.2}},
		{"bernoulli nil rng", result(0.2, 0, 0.6, 0.2), Bernoulli, [3]float64{0.5, 0.3, 0.2}},
	}
	for _, c := range cases {
		got := Weights(c.r, c.p, nil)
		if !near(got, c.want, 1e-15) {
			t.Errorf("%s: Weights = %v, want %v", c.name, got, c.want)
		}
		if s := got[0] + got[1] + got[2]; math.Abs(s-1) > 1e-15 {
			t.Errorf("%s: weights sum to %v", c.name, s)
		}
	}
}

// TestWeightsRandom: on random decompositions the weights are ≥ 0, sum to 1,
// w3 = Syn/T for every policy, and w1 − w2 = (U_X − U_Y)/T under Split.
func TestWeightsRandom(t *testing.T) {
	rng := newRNG(1)
	for i := 0; i < 1000; i++ {
		r := result(rng.ExpFloat64(), rng.ExpFloat64(), rng.ExpFloat64(), rng.ExpFloat64())
		total := r.UniqueX + r.UniqueY + r.Redundancy + r.Synergy
		for _, p := range []Policy{Split, Stronger, Bernoulli} {
			w := Weights(r, p, rng)
			if w[0] < 0 || w[1] < 0 || w[2] < 0 || math.Abs(w[0]+w[1]+w[2]-1) > 1e-14 {
				t.Fatalf("%v on %+v: %v", p, r, w)
			}
			if math.Abs(w[2]-r.Synergy/total) > 1e-15 {
				t.Fatalf("%v: w3 = %v, want %v", p, w[2], r.Synergy/total)
			}
			// the redundancy goes entirely to one side (or is split)
			sx := (w[0]*total - r.UniqueX) / r.Redundancy
			switch p {
			case Split:
				if math.Abs(sx-0.5) > 1e-9 {
					t.Fatalf("split share %v", sx)
				}
			default:
				if math.Abs(sx) > 1e-9 && math.Abs(sx-1) > 1e-9 && math.Abs(sx-0.5) > 1e-9 {
					t.Fatalf("%v share %v", p, sx)
				}
			}
		}
	}
}

// TestBernoulliMeanIsSplit: the coin's average over many draws is Split, and
// each draw is one of the two extreme allocations.
func TestBernoulliMeanIsSplit(t *testing.T) {
	r := result(0.1, 0.3, 0.4, 0.2) // T = 1
	rng := newRNG(2)
	const n = 20000
	var mean [3]float64
	xs := 0
	for i := 0; i < n; i++ {
		w := Weights(r, Bernoulli, rng)
		switch {
		case near(w, [3]float64{0.5, 0.3, 0.2}, 1e-15):
			xs++
		case near(w, [3]float64{0.1, 0.7, 0.2}, 1e-15):
		default:
			t.Fatalf("draw %v is neither allocation", w)
		}
		for j := range mean {
			mean[j] += w[j] / n
		}
	}
	// w1 = 0.1 + 0.4·B, B ~ Bernoulli(½): sd of the mean 0.4·0.5/√n
	se := 0.4 * 0.5 / math.Sqrt(n)
	split := Weights(r, Split, nil)
	if !near(mean, split, 5*se) {
		t.Errorf("Bernoulli mean %v, Split %v (5 s.e. = %.4f)", mean, split, 5*se)
	}
	if frac := float64(xs) / n; math.Abs(frac-0.5) > 5*0.5/math.Sqrt(n) {
		t.Errorf("coin gave X %.4f of the time", frac)
	}
}

func TestParsePolicy(t *testing.T) {
	for _, p := range []Policy{Split, Stronger, Bernoulli} {
		q, err := ParsePolicy(p.String())
		if err != nil || q != p {
			t.Errorf("round trip of %v: %v, %v", p, q, err)
		}
	}
	if p, err := ParsePolicy(" Stronger "); err != nil || p != Stronger {
		t.Errorf("case/space: %v %v", p, err)
	}
	if p, err := ParsePolicy(""); err != nil || p != Split {
		t.Errorf("empty: %v %v", p, err)
	}
	if _, err := ParsePolicy("coin"); !errors.Is(err, ErrPolicy) {
		t.Errorf("unknown: %v", err)
	}
	if Policy(9).String() != "Policy(9)" {
		t.Error(Policy(9).String())
	}
}

func TestFuserMatchesFuse(t *testing.T) {
	const r, c = 5, 4
	rng := newRNG(3)
	g := G.NewGraph()
	d1, d2 := randSlice(rng, r*c), randSlice(rng, r*c)
	z1 := input(g, "z1", r, c, d1)
	z2 := input(g, "z2", r, c, d2)
	f := NewFuser(g)
	z, err := f.Forward(z1, z2)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for _, w := range [][3]float64{{1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.5, 0.3, 0.2}, {0, 0, 1}} {
		if err := f.Set(w); err != nil {
			t.Fatal(err)
		}
		if f.Get() != w {
			t.Fatalf("Get = %v after Set(%v)", f.Get(), w)
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		want, err := Fuse(mat.NewDense(r, c, d1), mat.NewDense(r, c, d2), w)
		if err != nil {
			t.Fatal(err)
		}
		got := z.Value().Data().([]float64)
		for i, v := range want.RawMatrix().Data {
			// and against the formula directly
			direct := w[0]*d1[i] + w[1]*d2[i] + w[2]*d1[i]*d2[i]
			if math.Abs(got[i]-v) > 1e-15 || math.Abs(direct-v) > 1e-14 {
				t.Fatalf("w=%v entry %d: graph %v, Fuse %v, formula %v", w, i, got[i], v, direct)
			}
		}
	}
	if err := f.Set([3]float64{math.NaN(), 0, 1}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Set NaN: %v", err)
	}
	if f.Get() != [3]float64{0, 0, 1} {
		t.Error("a refused Set changed the weights")
	}
}

// TestFuserGradient: ∂L/∂Z1 and ∂L/∂Z2 agree with finite differences, and no
// gradient node exists for the weights.
func TestFuserGradient(t *testing.T) {
	const r, c = 4, 3
	rng := newRNG(4)
	g := G.NewGraph()
	d1, d2 := randSlice(rng, r*c), randSlice(rng, r*c)
	z1 := input(g, "z1", r, c, d1)
	z2 := input(g, "z2", r, c, d2)
	f := NewFuser(g)
	z, err := f.Forward(z1, z2)
	if err != nil {
		t.Fatal(err)
	}
	cw := input(g, "C", r, c, randSlice(rng, r*c))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(z, cw))))
	if _, err := G.Grad(loss, z1, z2); err != nil {
		t.Fatal(err)
	}
	if f.Node().Deriv() != nil {
		t.Error("the weight node got a gradient node")
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(z1, z2))
	defer vm.Close()
	if err := f.Set([3]float64{0.2, 0.5, 0.3}); err != nil {
		t.Fatal(err)
	}
	gradCheck(t, vm, loss, []*G.Node{z1, z2}, [][]float64{d1, d2})
	if _, err := f.Node().Grad(); err == nil {
		t.Error("the weight node reports a gradient value")
	}
}

func TestFuserErrors(t *testing.T) {
	g := G.NewGraph()
	a := input(g, "a", 3, 2, make([]float64, 6))
	b := input(g, "b", 2, 3, make([]float64, 6))
	f := NewFuser(g)
	if _, err := f.Forward(a, b); !errors.Is(err, ErrShape) {
		t.Errorf("mismatched shapes: %v", err)
	}
	if _, err := f.Forward(a, a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Forward(a, a); err == nil {
		t.Error("second Forward accepted")
	}
	// a second fuser gets its own node
	f2 := NewFuser(g)
	if f2.Node() == f.Node() || f2.Node().Name() != "fusion.w#2" {
		t.Errorf("second fuser node %q shares the first", f2.Node().Name())
	}
	if _, err := Fuse(mat.NewDense(2, 2, nil), mat.NewDense(2, 3, nil), [3]float64{}); !errors.Is(err, ErrShape) {
		t.Errorf("Fuse shapes: %v", err)
	}
	if _, err := Fuse(mat.NewDense(1, 2, []float64{1, math.NaN()}), mat.NewDense(1, 2, nil), [3]float64{}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Fuse NaN: %v", err)
	}
	if _, err := Fuse(mat.NewDense(1, 1, nil), mat.NewDense(1, 1, nil), [3]float64{math.Inf(1), 0, 0}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Fuse Inf weight: %v", err)
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

func input(g *G.ExprGraph, name string, r, c int, d []float64) *G.Node {
	return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(d))))
}

// TestFuseViews: a transposed (non-raw) input gives the same result as its copy.
func TestFuseViews(t *testing.T) {
	rng := newRNG(5)
	a := mat.NewDense(3, 4, randSlice(rng, 12))
	b := mat.NewDense(4, 3, randSlice(rng, 12))
	var bt mat.Dense
	bt.CloneFrom(b.T())
	w := [3]float64{0.2, 0.3, 0.5}
	x, err := Fuse(a, b.T(), w)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := Fuse(a, &bt, w)
	if !mat.Equal(x, y) {
		t.Error("view and copy differ")
	}
	if _, err := Fuse(a, mat.NewDense(4, 3, []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, math.NaN()}).T(), w); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN in view: %v", err)
	}
}
