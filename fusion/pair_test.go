package fusion

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/pidreg/pidreg/pid"
)

// randPair draws a two-source result with the awkward cases mixed in:
// ties of MIX and MIY, zero and tiny atoms, negative rounding noise, NaN
// and infinite fields.
func randPair(rng *rand.Rand) pid.Result {
	atom := func() float64 {
		switch rng.IntN(12) {
		case 0:
			return 0
		case 1:
			return -1e-15 * rng.Float64()
		case 2:
			return 1e-11 * rng.Float64()
		}
		return rng.ExpFloat64()
	}
	r := pid.Result{UniqueX: atom(), UniqueY: atom(), Redundancy: atom(), Synergy: atom(), Method: "closed"}
	r.MIX, r.MIY = r.UniqueX+r.Redundancy, r.UniqueY+r.Redundancy
	r.MIXY = r.MIX + r.UniqueY + r.Synergy
	switch rng.IntN(20) {
	case 0:
		r.MIY = r.MIX
	case 1:
		r.Synergy = math.NaN()
	case 2:
		r.UniqueX = math.Inf(1)
	case 3:
		r.MIX = math.NaN()
	case 4:
		r.Method = "tilde"
	}
	return r
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// pairWeights is TermWeights of the lattice of a two-source result, as the
// fixed-size vector of the former rule.
func pairWeights(t testing.TB, r pid.Result, p Policy, rng *rand.Rand) [3]float64 {
	t.Helper()
	w, err := TermWeights(pid.LatticeOf(r), p, rng)
	if err != nil {
		t.Fatalf("TermWeights of the lattice of %+v: %v", r, err)
	}
	return [3]float64(w)
}

// pairEpoch is the record of a LatticeTracker of two latents in the former
// record's form: the results as two-source results (Pair), the weights as
// a vector of three.
func pairEpoch(t testing.TB, e LatticeEpoch) epochV1 {
	t.Helper()
	mean, ok1 := e.Mean.Pair()
	win, ok2 := e.Windowed.Pair()
	if !ok1 || !ok2 || len(e.Weights) != 3 {
		t.Fatalf("not a record of two latents: %+v", e)
	}
	return epochV1{Index: e.Index, Mean: mean, Windowed: win, Weights: [3]float64(e.Weights),
		MaxChange: e.MaxChange, Batches: e.Batches, Skipped: e.Skipped, Stable: e.Stable, Frozen: e.Frozen}
}

// pairTracker is a LatticeTracker of two latents.
func pairTracker(t testing.TB, s Schedule, p Policy) *LatticeTracker {
	t.Helper()
	tr, err := NewLatticeTracker(s, p, 2)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// pairWindowed is the windowed result of a tracker of two latents.
func pairWindowed(t testing.TB, tr *LatticeTracker) pid.Result {
	t.Helper()
	r, ok := tr.Windowed().Pair()
	if !ok {
		t.Fatalf("not a tracker of two latents")
	}
	return r
}

// observePair feeds the lattice of a two-source result to tr.
func observePair(t testing.TB, tr *LatticeTracker, r pid.Result) {
	t.Helper()
	if err := tr.Observe(pid.LatticeOf(r)); err != nil {
		t.Fatal(err)
	}
}

// TestWeightsBitIdentical: TermWeights of pid.LatticeOf(r) gives the
// weights of the former two-latent rule bit for bit, for every policy, and
// Bernoulli consumes the random stream identically.
func TestWeightsBitIdentical(t *testing.T) {
	rng := newRNG(40)
	for i := 0; i < 20000; i++ {
		r := randPair(rng)
		for _, p := range []Policy{Split, Stronger, Bernoulli, Policy(5)} {
			seed := rng.Uint64()
			ra, rb := newRNG(seed), newRNG(seed)
			got, want := pairWeights(t, r, p, ra), weightsV1(r, p, rb)
			if !sameBits(got[:], want[:]) || ra.Uint64() != rb.Uint64() {
				t.Fatalf("%v on %+v: %v, former %v", p, r, got, want)
			}
			if a, b := pairWeights(t, r, p, nil), weightsV1(r, p, nil); !sameBits(a[:], b[:]) {
				t.Fatalf("%v with a nil rng on %+v: %v, former %v", p, r, a, b)
			}
		}
	}
}

// TestTrackerBitIdentical runs the former tracker and a LatticeTracker of
// two latents, fed with pid.LatticeOf of the same random sequence of batch
// results (with empty epochs and skipped results), and compares every
// record and the final state.
func TestTrackerBitIdentical(t *testing.T) {
	rng := newRNG(41)
	var froze, skipped, empty int
	for rep := 0; rep < 60; rep++ {
		s := Schedule{Window: 1 + rng.IntN(4), Delta: []float64{0.05, 0.3, 2}[rng.IntN(3)], Patience: 1 + rng.IntN(4)}
		p := Policy(rng.IntN(3))
		seed := rng.Uint64()
		ra, rb := newRNG(seed), newRNG(seed)
		old, cur := newTrackerV1(s, p), pairTracker(t, s, p)
		base := randPair(rng)
		for epoch := 0; epoch < 25; epoch++ {
			for b := rng.IntN(4); b > 0; b-- {
				r := base
				if rng.IntN(3) == 0 {
					r = randPair(rng)
				} else { // small moves so that the tracker can freeze
					r.Synergy += 0.01 * rng.NormFloat64()
				}
				old.Observe(r)
				observePair(t, cur, r)
			}
			eo, ec := old.EndEpoch(ra), pairEpoch(t, cur.EndEpoch(rb))
			if !sameEpoch(ec, eo) {
				t.Fatalf("rep %d epoch %d:\n new    %+v\n former %+v", rep, epoch, ec, eo)
			}
			skipped += ec.Skipped
			if ec.Batches == 0 {
				empty++
			}
		}
		if cur.Frozen() {
			froze++
		}
		if old.FrozenAt() != cur.FrozenAt() || old.Weights() != [3]float64(cur.Weights()) || !sameResult(old.Windowed(), pairWindowed(t, cur)) {
			t.Fatalf("rep %d: final state differs", rep)
		}
		ho, hc := old.History(), cur.History()
		if len(ho) != len(hc) {
			t.Fatal("history lengths differ")
		}
		for i := range ho {
			if !sameEpoch(pairEpoch(t, hc[i]), ho[i]) {
				t.Fatalf("rep %d: history record %d differs", rep, i)
			}
		}
	}
	// the sequence must exercise every rule
	if froze < 10 || froze > 50 || skipped == 0 || empty == 0 {
		t.Errorf("sequence too tame: %d of 60 froze, %d skipped results, %d empty epochs", froze, skipped, empty)
	}
}

// sameEpoch compares records bit for bit (NaN-safe).
func sameEpoch(a, b epochV1) bool {
	return a.Index == b.Index && sameResult(a.Mean, b.Mean) && sameResult(a.Windowed, b.Windowed) &&
		sameBits(a.Weights[:], b.Weights[:]) && sameBits([]float64{a.MaxChange}, []float64{b.MaxChange}) &&
		a.Batches == b.Batches && a.Skipped == b.Skipped && a.Stable == b.Stable && a.Frozen == b.Frozen
}

func sameResult(a, b pid.Result) bool {
	fa, fb := fieldsV1(a), fieldsV1(b)
	return a.Method == b.Method && sameBits(fa[:], fb[:])
}

// TestLayerPairBitIdentical: a Layer of two latents gives the former
// Fuser's graph values, and FuseLatents of two latents the former Fuse's,
// bit for bit; the Layer's weight node is named after the former one's.
func TestLayerPairBitIdentical(t *testing.T) {
	const r, c = 7, 5
	rng := newRNG(42)
	g := G.NewGraph()
	d1, d2 := randSlice(rng, r*c), randSlice(rng, r*c)
	z1, z2 := input(g, "z1", r, c, d1), input(g, "z2", r, c, d2)
	fo := newFuserV1(g)
	ln, err := NewLayer(g, 2)
	if err != nil {
		t.Fatal(err)
	}
	zo, err := fo.Forward(z1, z2)
	if err != nil {
		t.Fatal(err)
	}
	zn, err := ln.Forward(z1, z2)
	if err != nil {
		t.Fatal(err)
	}
	if ln.Node().Name() != "fusion.w#2" {
		t.Errorf("node name %q", ln.Node().Name())
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for i := 0; i < 20; i++ {
		w := weightsV1(randPair(rng), Policy(rng.IntN(3)), rng)
		if i == 0 {
			w = [3]float64{0, 0, 1}
		}
		if err := fo.Set(w); err != nil {
			t.Fatal(err)
		}
		if err := ln.Set(w[:]); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		a, b := zo.Value().Data().([]float64), zn.Value().Data().([]float64)
		if !sameBits(a, b) || [3]float64(ln.Weights()) != w {
			t.Fatalf("w=%v: graph values differ", w)
		}
		x, err := FuseLatents([]mat.Matrix{mat.NewDense(r, c, d1), mat.NewDense(r, c, d2)}, w[:], nil)
		if err != nil {
			t.Fatal(err)
		}
		y, err := fuseV1(mat.NewDense(r, c, d1), mat.NewDense(r, c, d2), w)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(x.RawMatrix().Data, y.RawMatrix().Data) || !sameBits(x.RawMatrix().Data, b) {
			t.Fatalf("w=%v: FuseLatents differs from the former Fuse or from the graph", w)
		}
	}
}

// TestLatticeOfRoundTrip: LatticeOf and Pair invert each other.
func TestLatticeOfRoundTrip(t *testing.T) {
	rng := newRNG(43)
	for i := 0; i < 100; i++ {
		r := randPair(rng)
		back, ok := pid.LatticeOf(r).Pair()
		if !ok || !sameResult(back, r) {
			t.Fatalf("%+v → %+v", r, back)
		}
	}
	if _, ok := (pid.LatticeResult{Sources: 3}).Pair(); ok {
		t.Error("Pair accepted three sources")
	}
}
