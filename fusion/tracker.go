package fusion

import (
	"errors"
	"math"
	"math/rand/v2"

	"github.com/pidreg/pidreg/pid"
)

// Sentinel errors callers can test with errors.Is.
var (
	// ErrPolicy reports an unknown policy name.
	ErrPolicy = errors.New("fusion: unknown policy")
	// ErrShape reports inputs of mismatched or wrong shapes.
	ErrShape = errors.New("fusion: wrong shape")
	// ErrNotFinite reports a NaN or infinite input or weight.
	ErrNotFinite = errors.New("fusion: value is NaN or infinite")
)

// Schedule sets the epoch window and the freezing rule. Zero (or negative)
// fields take the method's defaults.
type Schedule struct {
	Window   int     // W, epochs averaged into the stored atoms; ≤ 0 → 5
	Delta    float64 // δ in bits: an epoch is stable when every windowed atom moved less than δ; ≤ 0 or NaN → 0.01
	Patience int     // K, consecutive stable epochs that freeze the weights; ≤ 0 → 5
}

func (s Schedule) resolved() Schedule {
	if s.Window <= 0 {
		s.Window = 5
	}
	if !(s.Delta > 0) {
		s.Delta = 0.01
	}
	if s.Patience <= 0 {
		s.Patience = 5
	}
	return s
}

// Epoch records what the tracker did at one EndEpoch call.
type Epoch struct {
	// Index counts EndEpoch calls from 0.
	Index int
	// Mean is the average of the batch decompositions observed this epoch
	// (every field, atoms and mutual informations); zero without batches.
	Mean pid.Result
	// Windowed is the average of the last ≤ W epoch means: the stored atoms
	// after this epoch.
	Windowed pid.Result
	// Weights are the stored fusion weights after this epoch.
	Weights [3]float64
	// MaxChange is max |ΔU_X|, |ΔU_Y|, |ΔRed|, |ΔSyn| of the windowed atoms
	// from the previous epoch's, in bits; −1 when it is not defined (the
	// first epoch with batches, an epoch without batches, a frozen epoch).
	MaxChange float64
	// Batches is the number of decompositions averaged into Mean; Skipped
	// counts observed results dropped for a NaN or infinite field.
	Batches, Skipped int
	// Stable counts consecutive stable epochs up to and including this one.
	Stable int
	// Frozen reports whether the weights are frozen after this epoch.
	Frozen bool
}

// Tracker turns per-batch decompositions into the stored fusion weights:
// batch results → epoch mean → sliding window of the last W epoch means →
// windowed atoms and weights, and freezes when the windowed atoms settle.
//
// Rules, per EndEpoch:
//
//   - An epoch with at least one observed batch appends its mean to the
//     window (dropping the oldest beyond W); the windowed result is the
//     average of the epoch means in the window, so before W epochs exist it
//     averages the ones there are. The weights follow from it by Weights.
//   - MaxChange compares the new windowed atoms with the previous ones. The
//     epoch is stable when MaxChange < δ and the window is full (W epoch
//     means): freezing cannot start before that. A stable epoch increments the
//     stable count, any other epoch with batches resets it to 0.
//   - When the stable count reaches K the tracker freezes: the windowed atoms
//     and weights stay as they are, Observe ignores further results and the
//     trainer may stop computing the PID. The earliest possible freeze is at
//     epoch index W+K−2 (9 with the defaults).
//   - An epoch without observed batches changes nothing: window, weights and
//     stable count are kept, MaxChange is −1.
//
// Before the first epoch closes the stored weights are (⅓, ⅓, ⅓) and the
// windowed result is zero. A Tracker is not safe for concurrent use.
type Tracker struct {
	s       Schedule
	p       Policy
	sum     [7]float64 // running sums of the batch fields
	method  string
	batches int
	skipped int
	window  []pid.Result
	win     pid.Result
	have    bool // win holds a windowed result
	weights [3]float64
	stable  int
	frozen  int // epoch index of the freeze, −1 before
	index   int
	history []Epoch
}

// NewTracker returns a tracker with the schedule's defaults filled in.
func NewTracker(s Schedule, p Policy) *Tracker {
	return &Tracker{s: s.resolved(), p: p, frozen: -1, weights: [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}}
}

// Schedule returns the schedule with its defaults filled in.
func (t *Tracker) Schedule() Schedule { return t.s }

// Policy returns the redundancy policy.
func (t *Tracker) Policy() Policy { return t.p }

func fields(r pid.Result) [7]float64 {
	return [7]float64{r.MIX, r.MIY, r.MIXY, r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy}
}

func fromFields(f [7]float64, method string) pid.Result {
	return pid.Result{MIX: f[0], MIY: f[1], MIXY: f[2], UniqueX: f[3], UniqueY: f[4], Redundancy: f[5], Synergy: f[6], Method: method}
}

// Observe adds the decomposition of one training batch to the current epoch.
// It is ignored once the tracker is frozen; a result with a NaN or infinite
// field is counted in Epoch.Skipped and otherwise ignored.
func (t *Tracker) Observe(r pid.Result) {
	if t.frozen >= 0 {
		return
	}
	f := fields(r)
	for _, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.skipped++
			return
		}
	}
	for i, v := range f {
		t.sum[i] += v
	}
	if t.method == "" {
		t.method = r.Method
	}
	t.batches++
}

// EndEpoch closes the current epoch, updates the window, the stored weights
// and the freezing state as described on Tracker, and returns the epoch's
// record (also appended to History). rng is used only by the Bernoulli
// policy, once per epoch with batches.
func (t *Tracker) EndEpoch(rng *rand.Rand) Epoch {
	e := Epoch{Index: t.index, Batches: t.batches, Skipped: t.skipped, MaxChange: -1}
	t.index++
	if t.frozen < 0 && t.batches > 0 {
		var mean [7]float64
		for i, v := range t.sum {
			mean[i] = v / float64(t.batches)
		}
		e.Mean = fromFields(mean, t.method)
		t.window = append(t.window, e.Mean)
		if len(t.window) > t.s.Window {
			t.window = append(t.window[:0], t.window[len(t.window)-t.s.Window:]...)
		}
		var avg [7]float64
		for _, r := range t.window {
			for i, v := range fields(r) {
				avg[i] += v
			}
		}
		for i := range avg {
			avg[i] /= float64(len(t.window))
		}
		win := fromFields(avg, t.method)
		if t.have {
			e.MaxChange = maxAtomChange(t.win, win)
		}
		if e.MaxChange >= 0 && e.MaxChange < t.s.Delta && len(t.window) == t.s.Window {
			t.stable++
		} else {
			t.stable = 0
		}
		t.win, t.have = win, true
		t.weights = Weights(win, t.p, rng)
		if t.stable >= t.s.Patience {
			t.frozen = e.Index
		}
	}
	e.Windowed = t.win
	e.Weights = t.weights
	e.Stable = t.stable
	e.Frozen = t.frozen >= 0
	t.sum = [7]float64{}
	t.batches, t.skipped, t.method = 0, 0, ""
	t.history = append(t.history, e)
	return e
}

func maxAtomChange(a, b pid.Result) float64 {
	m := math.Abs(a.UniqueX - b.UniqueX)
	m = math.Max(m, math.Abs(a.UniqueY-b.UniqueY))
	m = math.Max(m, math.Abs(a.Redundancy-b.Redundancy))
	return math.Max(m, math.Abs(a.Synergy-b.Synergy))
}

// Frozen reports whether the weights are frozen.
func (t *Tracker) Frozen() bool { return t.frozen >= 0 }

// FrozenAt returns the index of the epoch at whose end the tracker froze,
// or −1 if it has not.
func (t *Tracker) FrozenAt() int { return t.frozen }

// Windowed returns the stored (windowed) decomposition; zero before the
// first epoch with batches.
func (t *Tracker) Windowed() pid.Result { return t.win }

// Weights returns the stored fusion weights, used for validation, test and
// inference; (⅓, ⅓, ⅓) before the first epoch with batches.
func (t *Tracker) Weights() [3]float64 { return t.weights }

// History returns a copy of the records of all closed epochs.
func (t *Tracker) History() []Epoch { return append([]Epoch(nil), t.history...) }
