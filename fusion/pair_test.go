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

// TestWeightsBitIdentical: the wrapper over TermWeights gives the weights of
// the former two-latent implementation bit for bit, for every policy, and
// Bernoulli consumes the random stream identically.
func TestWeightsBitIdentical(t *testing.T) {
	rng := newRNG(40)
	for i := 0; i < 20000; i++ {
		r := randPair(rng)
		for _, p := range []Policy{Split, Stronger, Bernoulli, Policy(5)} {
			seed := rng.Uint64()
			ra, rb := newRNG(seed), newRNG(seed)
			got, want := Weights(r, p, ra), weightsV1(r, p, rb)
			if !sameBits(got[:], want[:]) || ra.Uint64() != rb.Uint64() {
				t.Fatalf("%v on %+v: %v, former %v", p, r, got, want)
			}
			if a, b := Weights(r, p, nil), weightsV1(r, p, nil); !sameBits(a[:], b[:]) {
				t.Fatalf("%v with a nil rng on %+v: %v, former %v", p, r, a, b)
			}
		}
	}
}

// TestTrackerBitIdentical runs the former tracker and the wrapper on the
// same random sequence of batch results (with empty epochs and skipped
// results) and compares every record.
func TestTrackerBitIdentical(t *testing.T) {
	rng := newRNG(41)
	var froze, skipped, empty int
	for rep := 0; rep < 60; rep++ {
		s := Schedule{Window: 1 + rng.IntN(4), Delta: []float64{0.05, 0.3, 2}[rng.IntN(3)], Patience: 1 + rng.IntN(4)}
		p := Policy(rng.IntN(3))
		seed := rng.Uint64()
		ra, rb := newRNG(seed), newRNG(seed)
		old, cur := newTrackerV1(s, p), NewTracker(s, p)
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
				cur.Observe(r)
			}
			eo, ec := old.EndEpoch(ra), cur.EndEpoch(rb)
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
		if old.FrozenAt() != cur.FrozenAt() || old.Weights() != cur.Weights() || !sameResult(old.Windowed(), cur.Windowed()) {
			t.Fatalf("rep %d: final state differs", rep)
		}
		if len(old.History()) != len(cur.History()) {
			t.Fatal("history lengths differ")
		}
	}
	// the sequence must exercise every rule
	if froze < 10 || froze > 50 || skipped == 0 || empty == 0 {
		t.Errorf("sequence too tame: %d of 60 froze, %d skipped results, %d empty epochs", froze, skipped, empty)
	}
}

// sameEpoch compares records bit for bit (NaN-safe).
func sameEpoch(a, b Epoch) bool {
	return a.Index == b.Index && sameResult(a.Mean, b.Mean) && sameResult(a.Windowed, b.Windowed) &&
		sameBits(a.Weights[:], b.Weights[:]) && sameBits([]float64{a.MaxChange}, []float64{b.MaxChange}) &&
		a.Batches == b.Batches && a.Skipped == b.Skipped && a.Stable == b.Stable && a.Frozen == b.Frozen
}

func sameResult(a, b pid.Result) bool {
	fa, fb := fieldsV1(a), fieldsV1(b)
	return a.Method == b.Method && sameBits(fa[:], fb[:])
}

// TestFuserBitIdentical: the Fuser wrapper builds the same graph values as
// the former Fuser, and Fuse matches the former Fuse, bit for bit.
func TestFuserBitIdentical(t *testing.T) {
	const r, c = 7, 5
	rng := newRNG(42)
	g := G.NewGraph()
	d1, d2 := randSlice(rng, r*c), randSlice(rng, r*c)
	z1, z2 := input(g, "z1", r, c, d1), input(g, "z2", r, c, d2)
	fo, fn := newFuserV1(g), NewFuser(g)
	zo, err := fo.Forward(z1, z2)
	if err != nil {
		t.Fatal(err)
	}
	zn, err := fn.Forward(z1, z2)
	if err != nil {
		t.Fatal(err)
	}
	if fn.Node().Name() != "fusion.w#2" {
		t.Errorf("node name %q", fn.Node().Name())
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for i := 0; i < 20; i++ {
		w := Weights(randPair(rng), Policy(rng.IntN(3)), rng)
		if i == 0 {
			w = [3]float64{0, 0, 1}
		}
		if err := fo.Set(w); err != nil {
			t.Fatal(err)
		}
		if err := fn.Set(w); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		a, b := zo.Value().Data().([]float64), zn.Value().Data().([]float64)
		if !sameBits(a, b) || fn.Get() != w {
			t.Fatalf("w=%v: graph values differ", w)
		}
		x, err := Fuse(mat.NewDense(r, c, d1), mat.NewDense(r, c, d2), w)
		if err != nil {
			t.Fatal(err)
		}
		y, err := fuseV1(mat.NewDense(r, c, d1), mat.NewDense(r, c, d2), w)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(x.RawMatrix().Data, y.RawMatrix().Data) || !sameBits(x.RawMatrix().Data, b) {
			t.Fatalf("w=%v: Fuse differs from the former Fuse or from the graph", w)
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
