package fusion

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pidreg/pidreg/pid"
)

// Schedule sets the epoch window and the freezing rule. Zero fields take
// the method's defaults; a negative Patience never freezes (the rule of
// pidreg.Config: negative switches a feature off).
type Schedule struct {
	Window   int     // W, epochs averaged into the stored atoms; ≤ 0 → 5
	Delta    float64 // δ in bits: an epoch is stable when every windowed atom moved less than δ; ≤ 0 or NaN → 0.01
	Patience int     // K, consecutive stable epochs that freeze the weights; 0 → 5, < 0: never
}

func (s Schedule) resolved() Schedule {
	if s.Window <= 0 {
		s.Window = 5
	}
	if !(s.Delta > 0) {
		s.Delta = 0.01
	}
	switch {
	case s.Patience == 0:
		s.Patience = 5
	case s.Patience < 0:
		s.Patience = math.MaxInt
	}
	return s
}

// LatticeEpoch records what a LatticeTracker did at one EndEpoch call.
type LatticeEpoch struct {
	// Index counts EndEpoch calls from 0.
	Index int
	// Mean is the average of the batch decompositions observed this epoch
	// (every number: atoms and informations); all zero without batches.
	Mean pid.LatticeResult
	// Windowed is the average of the last ≤ W epoch means: the stored atoms
	// after this epoch.
	Windowed pid.LatticeResult
	// Weights are the stored fusion weights after this epoch, in the order
	// of Terms.
	Weights []float64
	// MaxChange is the largest |Δπ| over the windowed atoms from the
	// previous epoch's, in bits; −1 when it is not defined (the first epoch
	// with batches, an epoch without batches, a frozen epoch).
	MaxChange float64
	// Batches is the number of decompositions averaged into Mean; Skipped
	// counts observed results dropped for a NaN or infinite number.
	Batches, Skipped int
	// Stable counts consecutive stable epochs up to and including this one.
	Stable int
	// Frozen reports whether the weights are frozen after this epoch.
	Frozen bool
}

// LatticeTracker turns per-batch lattice decompositions of M latents into
// the stored fusion weights: batch results → epoch mean → sliding window of
// the last W epoch means → windowed atoms and weights (TermWeights), and
// freezes when the windowed atoms settle.
//
// Rules, per EndEpoch:
//
//   - An epoch with at least one observed batch appends its mean to the
//     window (dropping the oldest beyond W); the windowed result is the
//     average of the epoch means in the window, so before W epochs exist it
//     averages the ones there are. Every number of the results is averaged:
//     the atoms and all the informations (which the Stronger policy reads).
//   - MaxChange compares the new windowed atoms with the previous ones. The
//     epoch is stable when MaxChange < δ and the window is full (W epoch
//     means): freezing cannot start before that. A stable epoch increments
//     the stable count, any other epoch with batches resets it to 0.
//   - When the stable count reaches K the tracker freezes: the windowed atoms
//     and weights stay as they are, Observe ignores further results and the
//     trainer may stop computing the decomposition. The earliest possible
//     freeze is at epoch index W+K−2 (9 with the defaults).
//   - An epoch without observed batches changes nothing: window, weights and
//     stable count are kept, MaxChange is −1.
//
// Before the first epoch closes the stored weights are equal (1/NumTerms)
// and the windowed result is all zero. A LatticeTracker is not safe for
// concurrent use.
type LatticeTracker struct {
	s         Schedule
	p         Policy
	m         int
	atoms     int       // number of atoms, the leading numbers of a flattened result
	sum       []float64 // running sums of the batch numbers
	method    string
	batches   int
	skipped   int
	window    [][]float64
	win       []float64
	winMethod string // Method of the windowed result: the first batch's of its last epoch
	have      bool   // win holds a windowed result
	weights   []float64
	stable    int
	frozen    int // epoch index of the freeze, −1 before
	index     int
	history   []LatticeEpoch
}

// NewLatticeTracker returns a tracker for the decompositions of m latents
// (1 ≤ m ≤ pid.MaxSources) with the schedule's defaults filled in. The
// error wraps ErrShape for m out of range.
func NewLatticeTracker(s Schedule, p Policy, m int) (*LatticeTracker, error) {
	if m < 1 || m > pid.MaxSources {
		return nil, fmt.Errorf("%w: NewLatticeTracker: %d latents, want 1 to %d", ErrShape, m, pid.MaxSources)
	}
	t := &LatticeTracker{s: s.resolved(), p: p, m: m, frozen: -1, atoms: pid.NumAtoms(m)}
	n := len(flatten(t.zero()))
	t.sum, t.win = make([]float64, n), make([]float64, n)
	t.weights = make([]float64, NumTerms(m))
	for i := range t.weights {
		t.weights[i] = 1 / float64(len(t.weights))
	}
	return t, nil
}

// zero returns the all-zero result of the tracker's shape.
func (t *LatticeTracker) zero() pid.LatticeResult {
	r := pid.LatticeResult{
		Sources: t.m, Reduced: t.m > pid.MaxExactSources,
		Atoms: make([]float64, t.atoms), MIEach: make([]float64, t.m), MIRest: make([]float64, t.m),
	}
	if !r.Reduced {
		r.SubsetMI = make([]float64, 1<<uint(t.m)-1)
	}
	return r
}

// flatten lists the numbers of r: Atoms, MI, MIEach, MIRest, SubsetMI.
func flatten(r pid.LatticeResult) []float64 {
	out := make([]float64, 0, len(r.Atoms)+1+2*len(r.MIEach)+len(r.SubsetMI))
	out = append(out, r.Atoms...)
	out = append(out, r.MI)
	out = append(out, r.MIEach...)
	out = append(out, r.MIRest...)
	return append(out, r.SubsetMI...)
}

// unflatten is the inverse of flatten for the tracker's shape.
func (t *LatticeTracker) unflatten(v []float64, method string) pid.LatticeResult {
	r := t.zero()
	r.Method = method
	k := copy(r.Atoms, v)
	r.MI = v[k]
	k++
	k += copy(r.MIEach, v[k:])
	k += copy(r.MIRest, v[k:])
	copy(r.SubsetMI, v[k:])
	return r
}

// Schedule returns the schedule with its defaults filled in.
func (t *LatticeTracker) Schedule() Schedule { return t.s }

// Policy returns the redundancy policy.
func (t *LatticeTracker) Policy() Policy { return t.p }

// Sources returns the number of latents.
func (t *LatticeTracker) Sources() int { return t.m }

// Observe adds the decomposition of one training batch to the current
// epoch. It is ignored once the tracker is frozen; a result with a NaN or
// infinite number is counted in LatticeEpoch.Skipped and otherwise ignored.
// A result of another shape (see pid.LatticeResult.Validate) or number of
// sources is refused with an error wrapping ErrShape.
func (t *LatticeTracker) Observe(r pid.LatticeResult) error {
	if t.frozen >= 0 {
		return nil
	}
	if err := r.Validate(); err != nil || r.Sources != t.m {
		return fmt.Errorf("%w: LatticeTracker.Observe: a result of %d sources (%v) for a tracker of %d", ErrShape, r.Sources, err, t.m)
	}
	f := flatten(r)
	for _, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.skipped++
			return nil
		}
	}
	for i, v := range f {
		t.sum[i] += v
	}
	if t.method == "" {
		t.method = r.Method
	}
	t.batches++
	return nil
}

// EndEpoch closes the current epoch, updates the window, the stored weights
// and the freezing state as described on LatticeTracker, and returns the
// epoch's record (also kept in History). rng is used only by the Bernoulli
// policy, in TermWeights once per epoch with batches.
func (t *LatticeTracker) EndEpoch(rng *rand.Rand) LatticeEpoch {
	e := LatticeEpoch{Index: t.index, Batches: t.batches, Skipped: t.skipped, MaxChange: -1, Mean: t.zero()}
	t.index++
	if t.frozen < 0 && t.batches > 0 {
		mean := make([]float64, len(t.sum))
		for i, v := range t.sum {
			mean[i] = v / float64(t.batches)
		}
		e.Mean = t.unflatten(mean, t.method)
		t.window = append(t.window, mean)
		if len(t.window) > t.s.Window {
			t.window = append(t.window[:0], t.window[len(t.window)-t.s.Window:]...)
		}
		avg := make([]float64, len(t.sum))
		for _, r := range t.window {
			for i, v := range r {
				avg[i] += v
			}
		}
		for i := range avg {
			avg[i] /= float64(len(t.window))
		}
		if t.have {
			e.MaxChange = maxChange(t.win[:t.atoms], avg[:t.atoms])
		}
		if e.MaxChange >= 0 && e.MaxChange < t.s.Delta && len(t.window) == t.s.Window {
			t.stable++
		} else {
			t.stable = 0
		}
		t.win, t.winMethod, t.have = avg, t.method, true
		if w, err := TermWeights(t.unflatten(avg, t.method), t.p, rng); err == nil {
			t.weights = w
		}
		if t.stable >= t.s.Patience {
			t.frozen = e.Index
		}
	}
	e.Windowed = t.Windowed()
	e.Weights = t.Weights()
	e.Stable = t.stable
	e.Frozen = t.frozen >= 0
	clear(t.sum)
	t.batches, t.skipped, t.method = 0, 0, ""
	t.history = append(t.history, e)
	return copyEpoch(e)
}

// maxChange returns max_k |a_k − b_k|.
func maxChange(a, b []float64) float64 {
	m := math.Abs(a[0] - b[0])
	for k := 1; k < len(a); k++ {
		m = math.Max(m, math.Abs(a[k]-b[k]))
	}
	return m
}

// Frozen reports whether the weights are frozen.
func (t *LatticeTracker) Frozen() bool { return t.frozen >= 0 }

// FrozenAt returns the index of the epoch at whose end the tracker froze,
// or −1 if it has not.
func (t *LatticeTracker) FrozenAt() int { return t.frozen }

// Windowed returns the stored (windowed) decomposition; all zero before the
// first epoch with batches. Its Method is that of the first batch of the
// last epoch averaged in.
func (t *LatticeTracker) Windowed() pid.LatticeResult {
	if !t.have {
		return t.zero()
	}
	return t.unflatten(t.win, t.winMethod)
}

// Weights returns a copy of the stored fusion weights, used for
// validation, test and inference; equal weights before the first epoch
// with batches.
func (t *LatticeTracker) Weights() []float64 { return append([]float64(nil), t.weights...) }

// History returns a copy of the records of all closed epochs.
func (t *LatticeTracker) History() []LatticeEpoch {
	out := make([]LatticeEpoch, len(t.history))
	for i, e := range t.history {
		out[i] = copyEpoch(e)
	}
	return out
}

// copyEpoch returns e with fresh slices, so callers cannot change the
// tracker's records.
func copyEpoch(e LatticeEpoch) LatticeEpoch {
	e.Mean, e.Windowed = copyResult(e.Mean), copyResult(e.Windowed)
	e.Weights = append([]float64(nil), e.Weights...)
	return e
}

func copyResult(r pid.LatticeResult) pid.LatticeResult {
	r.Atoms = append([]float64(nil), r.Atoms...)
	r.MIEach = append([]float64(nil), r.MIEach...)
	r.MIRest = append([]float64(nil), r.MIRest...)
	if r.SubsetMI != nil {
		r.SubsetMI = append([]float64(nil), r.SubsetMI...)
	}
	return r
}
