package fusion

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pidreg/pidreg/pid"
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
		got := pairWeights(t, c.r, c.p, nil)
		if !near(got, c.want, 1e-15) {
			t.Errorf("%s: weights %v, want %v", c.name, got, c.want)
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
			w := pairWeights(t, r, p, rng)
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
		w := pairWeights(t, r, Bernoulli, rng)
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
	split := pairWeights(t, r, Split, nil)
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
