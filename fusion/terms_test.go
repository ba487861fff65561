package fusion

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/pid"
)

func TestTerms(t *testing.T) {
	for m, want := range []int{0, 1, 3, 6, 10, 15} {
		if NumTerms(m) != want || len(Terms(m)) != want {
			t.Errorf("M=%d: NumTerms %d, len(Terms) %d, want %d", m, NumTerms(m), len(Terms(m)), want)
		}
		for k, src := range Terms(m) {
			if len(src) == 2 && pairTerm(m, src[0], src[1]) != k {
				t.Errorf("M=%d: pairTerm%v = %d, want %d", m, src, pairTerm(m, src[0], src[1]), k)
			}
		}
	}
	got := Terms(3)
	want := [][]int{{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}}
	for k := range want {
		if len(got[k]) != len(want[k]) || got[k][0] != want[k][0] || got[k][len(got[k])-1] != want[k][len(want[k])-1] {
			t.Errorf("Terms(3) = %v, want %v", got, want)
		}
	}
	if NumTerms(-1) != 0 || Terms(0) != nil {
		t.Error("empty term lists")
	}
}

// zeroLattice returns a valid all-zero result of m sources with the given
// atoms set by name ("{a}{b,c}" with sources a, b, c, …) and subset
// informations.
func zeroLattice(t *testing.T, m int, atoms map[string]float64, mi map[pid.Set]float64) pid.LatticeResult {
	t.Helper()
	r := pid.LatticeResult{Sources: m, Reduced: m > pid.MaxExactSources, Method: "mmi",
		Atoms: make([]float64, pid.NumAtoms(m)), MIEach: make([]float64, m), MIRest: make([]float64, m)}
	if !r.Reduced {
		r.SubsetMI = make([]float64, 1<<uint(m)-1)
		for s, v := range mi {
			r.SubsetMI[s-1] = v
		}
	}
	names := []string{"a", "b", "c", "d", "e", "f"}
	for name, v := range atoms {
		found := false
		for k := range r.Atoms {
			if r.Name(k, names) == name {
				r.Atoms[k] = v
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("no atom %s for %d sources", name, m)
		}
	}
	return r
}

// TestTermWeightsAnalytic checks the rule on single atoms.
func TestTermWeightsAnalytic(t *testing.T) {
	s6 := 1.0 / 6
	for _, c := range []struct {
		m     int
		atoms map[string]float64
		mi    map[pid.Set]float64
		p     Policy
		want  []float64 // latents, then pairs ab ac (ad) bc (bd cd)
	}{
		{3, map[string]float64{"{a}{b,c}": 2}, nil, Split, []float64{0.5, 0, 0, 0, 0, 0.5}},
		{3, map[string]float64{"{a}{b,c}": 2}, map[pid.Set]float64{pid.SetOf(0): 1, pid.SetOf(1, 2): 2}, Stronger, []float64{0, 0, 0, 0, 0, 1}},
		{3, map[string]float64{"{a}{b,c}": 2}, map[pid.Set]float64{pid.SetOf(0): 2, pid.SetOf(1, 2): 2}, Stronger, []float64{0.5, 0, 0, 0, 0, 0.5}},
		{3, map[string]float64{"{a,b,c}": 1}, nil, Split, []float64{0, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}},
		{3, map[string]float64{"{a}": 1, "{b}{c}": 1, "{a,b}{a,c}": 2}, nil, Split, []float64{0.25, 0.125, 0.125, 0.25, 0.25, 0}},
		{3, map[string]float64{"{a}{b}{c}": 3}, map[pid.Set]float64{pid.SetOf(0): 1, pid.SetOf(1): 3, pid.SetOf(2): 3}, Stronger, []float64{0, 0.5, 0.5, 0, 0, 0}},
		{4, map[string]float64{"{a,b,c,d}": 1}, nil, Split, []float64{0, 0, 0, 0, s6, s6, s6, s6, s6, s6}},
		{4, map[string]float64{"{a}{b}{c}{d}": 1}, nil, Split, []float64{0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0, 0}},
		{4, map[string]float64{"{d}{a,b,c}": 1}, nil, Split, []float64{0, 0, 0, 0.5, s6, s6, 0, s6, 0, 0}},
		{1, map[string]float64{"{a}": 1}, nil, Stronger, []float64{1}},
		{3, nil, nil, Split, []float64{s6, s6, s6, s6, s6, s6}},
		{3, map[string]float64{"{a}": 1e-11}, nil, Split, []float64{s6, s6, s6, s6, s6, s6}},
		{3, map[string]float64{"{a}": math.NaN(), "{b}": 1}, nil, Split, []float64{s6, s6, s6, s6, s6, s6}},
		{3, map[string]float64{"{a}": -1e-14, "{b}": 1}, nil, Split, []float64{0, 1, 0, 0, 0, 0}},
	} {
		r := zeroLattice(t, c.m, c.atoms, c.mi)
		got, err := TermWeights(r, c.p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k := range c.want {
			if math.Abs(got[k]-c.want[k]) > 1e-15 {
				t.Errorf("M=%d %v %v: weights %v, want %v", c.m, c.atoms, c.p, got, c.want)
				break
			}
		}
	}
}

// refWeights is the weight rule written term by term from the antichains
// as [][]int, with the shares of each atom from share(k, sets).
func refWeights(r pid.LatticeResult, share func(k int, sets [][]int) []float64) []float64 {
	terms := Terms(r.Sources)
	w := make([]float64, len(terms))
	var total float64
	for _, a := range r.Atoms {
		total += math.Max(a, 0)
	}
	shares := make([][]float64, len(r.Atoms))
	for k := range r.Atoms {
		shares[k] = share(k, r.Antichain(k))
	}
	for ti, term := range terms {
		for k, a := range r.Atoms {
			for si, set := range r.Antichain(k) {
				var c float64
				switch {
				case len(set) == len(term) && len(set) <= 2 && set[0] == term[0] && set[len(set)-1] == term[len(term)-1]:
					c = 1
				case len(set) > 2 && len(term) == 2 && contains(set, term[0]) && contains(set, term[1]):
					c = 2 / float64(len(set)*(len(set)-1))
				}
				w[ti] += math.Max(a, 0) * shares[k][si] * c
			}
		}
		w[ti] /= total
	}
	return w
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func splitShare(_ int, sets [][]int) []float64 {
	out := make([]float64, len(sets))
	for i := range out {
		out[i] = 1 / float64(len(sets))
	}
	return out
}

// strongerShare gives equal shares to the sets of largest information.
func strongerShare(r pid.LatticeResult) func(int, [][]int) []float64 {
	return func(_ int, sets [][]int) []float64 {
		mi := make([]float64, len(sets))
		best := math.Inf(-1)
		for i, s := range sets {
			mi[i], _ = r.MIOf(pid.SetOf(s...))
			best = math.Max(best, mi[i])
		}
		out := make([]float64, len(sets))
		n := 0
		for i := range sets {
			if mi[i] == best {
				out[i] = 1
				n++
			}
		}
		for i := range out {
			out[i] /= float64(n)
		}
		return out
	}
}

// randLattice decomposes c, or a random covariance when c is nil, of a
// scalar target and m scalar sources.
func randLattice(tb testing.TB, rng *rand.Rand, m int, c *mat.SymDense) pid.LatticeResult {
	d := 1 + m
	if c == nil {
		f := mat.NewDense(d+2, d, randSlice(rng, (d+2)*d))
		c = mat.NewSymDense(d, nil)
		c.SymOuterK(1, f.T())
	}
	dims := make([]int, m)
	for i := range dims {
		dims[i] = 1
	}
	r, err := pid.Lattice(c, 1, dims, pid.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// latticeCases returns decompositions of random covariances for 1 … 6
// sources (reduced beyond 4), the first of each with all informations
// of equal-size sets tied.
func latticeCases(t *testing.T, rng *rand.Rand) []pid.LatticeResult {
	var out []pid.LatticeResult
	for m := 1; m <= 6; m++ {
		for rep := 0; rep < 8; rep++ {
			var c *mat.SymDense
			if rep == 0 { // ỹ = Σ Z_i + E, Z_i iid: every information tied by symmetry
				c = mat.NewSymDense(1+m, nil)
				c.SetSym(0, 0, float64(m+1))
				for i := 1; i <= m; i++ {
					c.SetSym(0, i, 1)
					c.SetSym(i, i, 1)
				}
			}
			out = append(out, randLattice(t, rng, m, c))
		}
	}
	return out
}

// TestTermWeightsRule compares TermWeights with refWeights on lattice and
// reduced results for Split, Stronger and Bernoulli (replaying the draws),
// and checks that the weights are ≥ 0 and sum to 1.
func TestTermWeightsRule(t *testing.T) {
	rng := newRNG(50)
	for _, r := range latticeCases(t, rng) {
		seed := rng.Uint64()
		replay := newRNG(seed)
		bern := func(k int, sets [][]int) []float64 {
			out := make([]float64, len(sets))
			if len(sets) == 1 {
				out[0] = 1
			} else {
				out[len(sets)-1-replay.IntN(len(sets))] = 1
			}
			return out
		}
		for _, c := range []struct {
			p     Policy
			rng   *rand.Rand
			share func(int, [][]int) []float64
		}{{Split, nil, splitShare}, {Stronger, nil, strongerShare(r)}, {Bernoulli, newRNG(seed), bern}} {
			got, err := TermWeights(r, c.p, c.rng)
			if err != nil {
				t.Fatal(err)
			}
			want := refWeights(r, c.share)
			var sum float64
			for k := range got {
				sum += got[k]
				if got[k] < 0 || math.Abs(got[k]-want[k]) > 1e-14 {
					t.Fatalf("M=%d %v: weight %d = %v, rule %v", r.Sources, c.p, k, got[k], want[k])
				}
			}
			if math.Abs(sum-1) > 1e-14 {
				t.Fatalf("M=%d %v: weights sum to %v", r.Sources, c.p, sum)
			}
			if c.p == Bernoulli && c.rng.Uint64() != replay.Uint64() {
				t.Fatalf("M=%d: Bernoulli drew a different number of values", r.Sources)
			}
		}
	}
}

// TestTermWeightsBernoulliMean: averaged over many draws Bernoulli gives
// the Split weights.
func TestTermWeightsBernoulliMean(t *testing.T) {
	rng := newRNG(51)
	r := latticeCases(t, rng)[8*2+3] // three sources
	split, _ := TermWeights(r, Split, nil)
	const n = 20000
	mean := make([]float64, len(split))
	for i := 0; i < n; i++ {
		w, _ := TermWeights(r, Bernoulli, rng)
		for k := range w {
			mean[k] += w[k] / n
		}
	}
	for k := range mean {
		// each weight is a sum of bounded independent draws: 5 s.e. ≤ 5·0.5/√n
		if math.Abs(mean[k]-split[k]) > 5*0.5/math.Sqrt(n) {
			t.Errorf("term %d: Bernoulli mean %v, Split %v", k, mean[k], split[k])
		}
	}
}

func TestTermWeightsErrors(t *testing.T) {
	for _, r := range []pid.LatticeResult{{}, {Sources: 3, Atoms: make([]float64, 4)}, {Sources: 70}} {
		if _, err := TermWeights(r, Split, nil); !errors.Is(err, ErrShape) || !errors.Is(err, pid.ErrDimension) && !errors.Is(err, pid.ErrSources) {
			t.Errorf("malformed %+v: %v", r, err)
		}
	}
}

// TestRowWeights checks the mask rule on every pattern of three modalities.
func TestRowWeights(t *testing.T) {
	w := []float64{0.1, 0.2, 0.05, 0.3, 0.25, 0.1}
	zeroPair := []float64{0, 0, 0.4, 0.6, 0, 0}
	mask := mat.NewDense(8, 3, nil)
	for r := 0; r < 8; r++ {
		for i := 0; i < 3; i++ {
			if r&(1<<uint(i)) != 0 {
				mask.Set(r, i, 1)
			}
		}
	}
	for _, ws := range [][]float64{w, zeroPair} {
		rw, err := RowWeights(ws, mask)
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < 8; r++ {
			row := rw.RawRowView(r)
			var sum, kept float64
			count := 0
			for k, src := range Terms(3) {
				in := true
				for _, i := range src {
					in = in && r&(1<<uint(i)) != 0
				}
				if !in && row[k] != 0 {
					t.Errorf("mask %03b: absent term %d has weight %v", r, k, row[k])
				}
				if in {
					kept += ws[k]
					count++
				}
				sum += row[k]
			}
			switch {
			case r == 7:
				if !sameBits(row, ws) {
					t.Errorf("full row %v, want %v unchanged", row, ws)
				}
			case r == 0:
				if sum != 0 {
					t.Errorf("empty row %v", row)
				}
			default:
				if math.Abs(sum-1) > 1e-15 {
					t.Errorf("mask %03b: row %v sums to %v", r, row, sum)
				}
				for k := range row {
					want := ws[k] / kept
					if kept == 0 {
						want = 1 / float64(count)
					}
					if row[k] != 0 && math.Abs(row[k]-want) > 1e-15 {
						t.Errorf("mask %03b: term %d weight %v, want %v", r, k, row[k], want)
					}
				}
			}
		}
	}
	for _, c := range []struct {
		w    []float64
		mask mat.Matrix
		want error
	}{
		{w, nil, ErrShape},
		{w[:5], mask, ErrShape},
		{[]float64{math.NaN(), 0, 0, 0, 0, 0}, mask, ErrNotFinite},
		{w, mat.NewDense(1, 3, []float64{1, 0.5, 0}), ErrMask},
		{w, mat.NewDense(1, 3, []float64{1, math.NaN(), 0}), ErrMask},
	} {
		if _, err := RowWeights(c.w, c.mask); !errors.Is(err, c.want) {
			t.Errorf("RowWeights(%v): %v, want %v", c.w, err, c.want)
		}
	}
}
