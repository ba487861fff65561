package fusion

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/pidreg/pidreg/pid"
)

func closeResult(a, b pid.Result, tol float64) bool {
	fa, fb := fieldsV1(a), fieldsV1(b)
	for i := range fa {
		if math.Abs(fa[i]-fb[i]) > tol {
			return false
		}
	}
	return true
}

func TestScheduleDefaults(t *testing.T) {
	tr := pairTracker(t, Schedule{Delta: math.NaN(), Window: -3}, Split)
	if s := tr.Schedule(); s != (Schedule{Window: 5, Delta: 0.01, Patience: 5}) {
		t.Errorf("defaults %+v", s)
	}
	if [3]float64(tr.Weights()) != [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3} || pairWindowed(t, tr) != (pid.Result{}) || tr.FrozenAt() != -1 || tr.Frozen() {
		t.Error("fresh tracker state")
	}
	// A negative patience never freezes, however stable the atoms.
	never := pairTracker(t, Schedule{Patience: -1, Window: 2}, Split)
	r := pid.LatticeOf(pid.Result{MIX: 1, MIY: 0.5, MIXY: 1.2, UniqueX: 0.5, Redundancy: 0.5, Synergy: 0.2})
	for range 50 {
		if err := never.Observe(r); err != nil {
			t.Fatal(err)
		}
		never.EndEpoch(nil)
	}
	if never.Frozen() {
		t.Error("a tracker with Patience −1 froze")
	}
}

// TestTrackerWindow scripts two batches per epoch and checks epoch means,
// the sliding window of W = 3 epoch means, MaxChange and the weights.
func TestTrackerWindow(t *testing.T) {
	tr := pairTracker(t, Schedule{Window: 3, Delta: 1e-9, Patience: 100}, Split)
	epochMean := func(i int) pid.Result { return result(float64(i+1), float64(2*i), 2, float64(i%2)) }
	var prev pid.Result
	for i := 0; i < 6; i++ {
		m := epochMean(i)
		// two batches whose average is m
		observePair(t, tr, result(m.UniqueX-1, m.UniqueY, m.Redundancy-1, m.Synergy))
		observePair(t, tr, result(m.UniqueX+1, m.UniqueY, m.Redundancy+1, m.Synergy))
		e := pairEpoch(t, tr.EndEpoch(nil))
		if e.Index != i || e.Batches != 2 || e.Frozen {
			t.Fatalf("epoch %d record %+v", i, e)
		}
		if !closeResult(e.Mean, m, 1e-12) || e.Mean.Method != "closed" {
			t.Errorf("epoch %d mean %+v, want %+v", i, e.Mean, m)
		}
		// window: epochs max(0, i−2) … i
		var want [7]float64
		lo := max(0, i-2)
		for j := lo; j <= i; j++ {
			for k, v := range fieldsV1(epochMean(j)) {
				want[k] += v / float64(i-lo+1)
			}
		}
		wr := fromFieldsV1(want, "closed")
		if !closeResult(e.Windowed, wr, 1e-12) || !closeResult(pairWindowed(t, tr), wr, 1e-12) {
			t.Errorf("epoch %d windowed %+v, want %+v", i, e.Windowed, wr)
		}
		if e.Weights != pairWeights(t, e.Windowed, Split, nil) || [3]float64(tr.Weights()) != e.Weights {
			t.Errorf("epoch %d weights %v, want %v", i, e.Weights, pairWeights(t, e.Windowed, Split, nil))
		}
		if i == 0 {
			if e.MaxChange != -1 {
				t.Errorf("first epoch MaxChange %v, want −1", e.MaxChange)
			}
		} else if mc := maxAtomChangeV1(prev, wr); math.Abs(e.MaxChange-mc) > 1e-12 {
			t.Errorf("epoch %d MaxChange %v, want %v", i, e.MaxChange, mc)
		}
		prev = wr
	}
	// spot value: epoch 3 window = epochs 1..3 → U_X = (2+3+4)/3 = 3, U_Y = (2+4+6)/3 = 4
	h := tr.History()
	h3 := pairEpoch(t, h[3])
	if len(h) != 6 || math.Abs(h3.Windowed.UniqueX-3) > 1e-12 || math.Abs(h3.Windowed.UniqueY-4) > 1e-12 {
		t.Errorf("epoch 3 windowed %+v", h[3].Windowed)
	}
	// epoch 2 → 3: U_X 2 → 3, U_Y 2 → 4, Syn 1/3 → 2/3: max change 2
	if math.Abs(h3.MaxChange-2) > 1e-12 {
		t.Errorf("epoch 3 MaxChange %v, want 2", h[3].MaxChange)
	}
	h[0].Index = 99
	if tr.History()[0].Index != 0 {
		t.Error("History returned the internal slice")
	}
}

// observeEpochs feeds one batch per epoch with the given synergy values
// (U_X = 1, Red = 0.5) and returns the records.
func observeEpochs(t *testing.T, tr *LatticeTracker, syn []float64) []epochV1 {
	t.Helper()
	var es []epochV1
	for _, s := range syn {
		if !math.IsNaN(s) {
			observePair(t, tr, result(1, 0, 0.5, s))
		}
		es = append(es, pairEpoch(t, tr.EndEpoch(nil)))
	}
	return es
}

// TestFreezeScripted: W = 3, K = 2, δ = 0.1 on synergies 0, 1, 1, 1, 1, 1, 1.
// Windowed Syn: 0, ½, ⅔, 1, 1, 1 → changes −, ½, ⅙ (full window, too big),
// ⅓, 0 (stable 1), 0 (stable 2 → freeze at epoch 5).
func TestFreezeScripted(t *testing.T) {
	tr := pairTracker(t, Schedule{Window: 3, Delta: 0.1, Patience: 2}, Stronger)
	es := observeEpochs(t, tr, []float64{0, 1, 1, 1, 1, 1})
	wantStable := []int{0, 0, 0, 0, 1, 2}
	for i, e := range es {
		if e.Stable != wantStable[i] {
			t.Errorf("epoch %d stable count %d, want %d (MaxChange %v)", i, e.Stable, wantStable[i], e.MaxChange)
		}
		if e.Frozen != (i == 5) {
			t.Errorf("epoch %d Frozen = %v", i, e.Frozen)
		}
	}
	if tr.FrozenAt() != 5 || !tr.Frozen() {
		t.Fatalf("FrozenAt = %d, want 5", tr.FrozenAt())
	}
	w, win := [3]float64(tr.Weights()), pairWindowed(t, tr)
	// after the freeze observations are ignored and nothing moves
	observePair(t, tr, result(9, 9, 9, 9))
	e := pairEpoch(t, tr.EndEpoch(nil))
	if e.Index != 6 || !e.Frozen || e.Batches != 0 || e.MaxChange != -1 || e.Weights != w || e.Windowed != win || tr.FrozenAt() != 5 {
		t.Errorf("epoch after the freeze: %+v", e)
	}
	// frozen weights: T = 1 + 0.5 + 1, Red to X (MIX = 1.5 > MIY = 0.5)
	if !near(w, [3]float64{1.5 / 2.5, 0, 1 / 2.5}, 1e-15) {
		t.Errorf("frozen weights %v", w)
	}
}

// TestFreezeNeedsFullWindow: a constant sequence is stable from the second
// epoch on, but the earliest freeze is at epoch W+K−2.
func TestFreezeNeedsFullWindow(t *testing.T) {
	for _, c := range []struct{ w, k int }{{4, 1}, {5, 5}, {1, 3}, {2, 1}} {
		tr := pairTracker(t, Schedule{Window: c.w, Delta: 0.01, Patience: c.k}, Split)
		syn := make([]float64, c.w+c.k+3)
		for i := range syn {
			syn[i] = 0.25
		}
		es := observeEpochs(t, tr, syn)
		want := c.w + c.k - 2
		if c.w == 1 {
			want = c.k // W = 1: the first epoch has no previous windowed value
		}
		if tr.FrozenAt() != want {
			t.Errorf("W=%d K=%d: froze at %d, want %d", c.w, c.k, tr.FrozenAt(), want)
		}
		for i := 0; i < want; i++ {
			if es[i].Frozen {
				t.Errorf("W=%d K=%d: frozen at epoch %d already", c.w, c.k, i)
			}
		}
	}
}

// TestStableResets: a jump resets the stable count. W = 2, K = 3, δ = 0.1:
// windowed Syn 1, 1, 1, 3, 5, 5, 5, 5 → stable 0, 1, 2, 0, 0, 1, 2, 3 (freeze).
func TestStableResets(t *testing.T) {
	tr := pairTracker(t, Schedule{Window: 2, Delta: 0.1, Patience: 3}, Split)
	es := observeEpochs(t, tr, []float64{1, 1, 1, 5, 5, 5, 5, 5, 5})
	want := []int{0, 1, 2, 0, 0, 1, 2, 3}
	for i, w := range want {
		if es[i].Stable != w {
			t.Errorf("epoch %d stable %d, want %d", i, es[i].Stable, w)
		}
	}
	if tr.FrozenAt() != 7 {
		t.Errorf("FrozenAt %d, want 7", tr.FrozenAt())
	}
}

// TestEmptyEpoch: an epoch without batches keeps the window, the weights and
// the stable count; a NaN result is skipped.
func TestEmptyEpoch(t *testing.T) {
	tr := pairTracker(t, Schedule{Window: 2, Delta: 0.1, Patience: 3}, Split)
	es := observeEpochs(t, tr, []float64{1, 1, math.NaN(), 1, 1})
	if e := es[2]; e.Batches != 0 || e.MaxChange != -1 || e.Stable != 1 || e.Windowed != es[1].Windowed || e.Weights != es[1].Weights || e.Mean != (pid.Result{}) {
		t.Errorf("empty epoch %+v", e)
	}
	if es[3].Stable != 2 || es[4].Stable != 3 || tr.FrozenAt() != 4 {
		t.Errorf("stable counts %d %d, FrozenAt %d", es[3].Stable, es[4].Stable, tr.FrozenAt())
	}
	tr2 := pairTracker(t, Schedule{}, Split)
	observePair(t, tr2, result(1, 1, 1, 1))
	bad := result(1, 1, 1, 1)
	bad.MIXY = math.NaN()
	observePair(t, tr2, bad)
	e := pairEpoch(t, tr2.EndEpoch(nil))
	if e.Batches != 1 || e.Skipped != 1 || !closeResult(e.Mean, result(1, 1, 1, 1), 0) {
		t.Errorf("skipped result: %+v", e)
	}
	// an empty first epoch leaves the initial state
	tr3 := pairTracker(t, Schedule{}, Split)
	if e := pairEpoch(t, tr3.EndEpoch(nil)); e.Weights != [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3} || e.Index != 0 || e.Frozen {
		t.Errorf("empty first epoch %+v", e)
	}
}

func TestTrackerBernoulliDeterministic(t *testing.T) {
	run := func() []epochV1 {
		tr := pairTracker(t, Schedule{Window: 2}, Bernoulli)
		rng := newRNG(7)
		var es []epochV1
		for i := 0; i < 12; i++ {
			observePair(t, tr, result(0.1, 0.2, 0.5, 0.2))
			es = append(es, pairEpoch(t, tr.EndEpoch(rng)))
		}
		return es
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different histories")
	}
	seen := map[[3]float64]bool{}
	for _, e := range a {
		seen[e.Weights] = true
	}
	if len(seen) != 2 {
		t.Errorf("Bernoulli produced %d distinct weight vectors over 12 epochs, want 2", len(seen))
	}
}

// TestLatticeTracker: for three and five latents the windowed result is the
// average of the epoch means of every number, the weights are TermWeights
// of it, results of another shape are refused, and the records are copies.
func TestLatticeTracker(t *testing.T) {
	rng := newRNG(70)
	for _, m := range []int{3, 5} {
		tr, err := NewLatticeTracker(Schedule{Window: 2, Delta: 1e-9, Patience: 100}, Stronger, m)
		if err != nil {
			t.Fatal(err)
		}
		if w := tr.Weights(); len(w) != NumTerms(m) || w[0] != 1/float64(NumTerms(m)) || tr.Windowed().Validate() != nil || tr.Sources() != m {
			t.Fatalf("fresh tracker of %d: %v", m, w)
		}
		var means []pid.LatticeResult
		for epoch := 0; epoch < 4; epoch++ {
			a, b := randLattice(t, rng, m, nil), randLattice(t, rng, m, nil)
			for _, r := range []pid.LatticeResult{a, b} {
				if err := tr.Observe(r); err != nil {
					t.Fatal(err)
				}
			}
			bad := a
			bad.Atoms = append([]float64(nil), a.Atoms...)
			bad.Atoms[0] = math.NaN()
			if err := tr.Observe(bad); err != nil {
				t.Fatal(err)
			}
			if err := tr.Observe(randLattice(t, rng, m-1, nil)); !errors.Is(err, ErrShape) {
				t.Fatalf("result of %d sources accepted by a tracker of %d: %v", m-1, m, err)
			}
			e := tr.EndEpoch(nil)
			fa, fb := flatten(a), flatten(b)
			mean := make([]float64, len(fa))
			for i := range fa {
				mean[i] = (fa[i] + fb[i]) / 2
			}
			means = append(means, tr.unflatten(mean, "mmi"))
			lo := max(0, len(means)-2)
			win := make([]float64, len(fa))
			for _, r := range means[lo:] {
				for i, v := range flatten(r) {
					win[i] += v / float64(len(means)-lo)
				}
			}
			if e.Batches != 2 || e.Skipped != 1 || e.Mean.Method != "mmi" {
				t.Fatalf("M=%d epoch %d: %+v", m, epoch, e)
			}
			for i, v := range flatten(e.Windowed) {
				if math.Abs(v-win[i]) > 1e-14 {
					t.Fatalf("M=%d epoch %d: windowed number %d = %v, want %v", m, epoch, i, v, win[i])
				}
			}
			want, err := TermWeights(e.Windowed, Stronger, nil)
			if err != nil || !sameBits(want, e.Weights) || !sameBits(want, tr.Weights()) {
				t.Fatalf("M=%d epoch %d: weights %v, TermWeights %v (%v)", m, epoch, e.Weights, want, err)
			}
			e.Weights[0], e.Windowed.Atoms[0] = -1, -1
			h := tr.History()
			if h[epoch].Weights[0] == -1 || h[epoch].Windowed.Atoms[0] == -1 {
				t.Fatal("a record shares its slices with the tracker")
			}
		}
	}
	if _, err := NewLatticeTracker(Schedule{}, Split, 0); !errors.Is(err, ErrShape) {
		t.Errorf("tracker of 0 latents: %v", err)
	}
}
