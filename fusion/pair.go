package fusion

// The two-latent API: thin wrappers over the general code (TermWeights,
// Layer, FuseLatents, LatticeTracker) that give bit-identical results to
// the two-latent implementation they replaced.

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/pidreg/pidreg/pid"
)

// pairResult converts a result of the tracker of two latents back.
func pairResult(l pid.LatticeResult) pid.Result {
	r, _ := l.Pair()
	return r
}

// Weights returns the fusion weights (w1, w2, w3) for Z1, Z2 and Z1⊙Z2 from a
// decomposition r of the information the latents carry about the target:
//
//	T  = U_X + U_Y + Red + Syn
//	w1 = (U_X + s_X·Red)/T,  w2 = (U_Y + s_Y·Red)/T,  w3 = Syn/T,
//
// where the redundancy shares (s_X, s_Y), s_X + s_Y = 1, follow the policy:
// (½, ½) for Split; (1, 0) or (0, 1) towards the larger of r.MIX and r.MIY
// for Stronger (½, ½ on a tie); a fair coin drawn from rng for Bernoulli
// (rng.IntN(2) = 1 gives the redundancy to X). Negative atoms (rounding)
// count as 0. When T < 1e-10, or an atom is NaN or infinite, the weights
// are (⅓, ⅓, ⅓). The weights are ≥ 0 and sum to 1. It is TermWeights of
// pid.LatticeOf(r).
//
// rng is used only by Bernoulli; with a nil rng Bernoulli falls back to
// Split, and an unknown policy value also behaves as Split.
func Weights(r pid.Result, p Policy, rng *rand.Rand) [3]float64 {
	w, err := TermWeights(pid.LatticeOf(r), p, rng)
	if err != nil { // unreachable: PairLattice is always valid
		return [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	}
	return [3]float64(w)
}

// Fuser holds the fusion weights of two latents as a 3-vector input node of
// a graph: the Layer of two latents. The weights are constants for the
// graph: no gradient is computed for them.
type Fuser struct{ l *Layer }

// NewFuser adds the weight node to g, named "fusion.w" (or "fusion.w#2", …
// if that name is taken, since gorgonia merges input nodes with equal
// names), with the initial value (⅓, ⅓, ⅓). It panics on a nil graph.
func NewFuser(g *G.ExprGraph) *Fuser {
	l, err := NewLayer(g, 2)
	if err != nil {
		panic(err)
	}
	return &Fuser{l: l}
}

// Node returns the weight input node.
func (f *Fuser) Node() *G.Node { return f.l.Node() }

// Forward wires z = w1·Z1 + w2·Z2 + w3·(Z1⊙Z2) for two float64 matrices of
// the same shape in the Fuser's graph. It may be called only once.
func (f *Fuser) Forward(z1, z2 *G.Node) (*G.Node, error) { return f.l.Forward(z1, z2) }

// Set writes w into the weight node in place; the next RunAll reads it.
// Non-finite weights are refused, leaving the node unchanged.
func (f *Fuser) Set(w [3]float64) error { return f.l.Set(w[:]) }

// Get returns the weights currently in the node.
func (f *Fuser) Get() [3]float64 { return [3]float64(f.l.Weights()) }

// Fuse is the inference mirror of Fuser: it returns w1·Z1 + w2·Z2 +
// w3·(Z1⊙Z2) for two matrices of the same shape, in the same order of
// operations as the graph. It is FuseLatents of the pair without a mask.
func Fuse(z1, z2 mat.Matrix, w [3]float64) (*mat.Dense, error) {
	return FuseLatents([]mat.Matrix{z1, z2}, w[:], nil)
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

// Tracker is the LatticeTracker of two latents fed with two-source
// decompositions (see LatticeTracker for the rules). Before the first
// epoch closes the stored weights are (⅓, ⅓, ⅓) and the windowed result is
// zero. A Tracker is not safe for concurrent use.
type Tracker struct {
	t       *LatticeTracker
	history []Epoch
}

// NewTracker returns a tracker with the schedule's defaults filled in.
func NewTracker(s Schedule, p Policy) *Tracker {
	t, err := NewLatticeTracker(s, p, 2)
	if err != nil { // unreachable for two latents
		panic(err)
	}
	return &Tracker{t: t}
}

// Schedule returns the schedule with its defaults filled in.
func (t *Tracker) Schedule() Schedule { return t.t.Schedule() }

// Policy returns the redundancy policy.
func (t *Tracker) Policy() Policy { return t.t.Policy() }

// Observe adds the decomposition of one training batch to the current epoch.
// It is ignored once the tracker is frozen; a result with a NaN or infinite
// field is counted in Epoch.Skipped and otherwise ignored.
func (t *Tracker) Observe(r pid.Result) {
	_ = t.t.Observe(pid.LatticeOf(r)) // a pair is always of the tracker's shape
}

// EndEpoch closes the current epoch, updates the window, the stored weights
// and the freezing state as described on LatticeTracker, and returns the
// epoch's record (also appended to History). rng is used only by the
// Bernoulli policy, once per epoch with batches.
func (t *Tracker) EndEpoch(rng *rand.Rand) Epoch {
	e := t.t.EndEpoch(rng)
	out := Epoch{
		Index: e.Index, Mean: pairResult(e.Mean), Windowed: pairResult(e.Windowed), Weights: [3]float64(e.Weights),
		MaxChange: e.MaxChange, Batches: e.Batches, Skipped: e.Skipped, Stable: e.Stable, Frozen: e.Frozen,
	}
	t.history = append(t.history, out)
	return out
}

// Frozen reports whether the weights are frozen.
func (t *Tracker) Frozen() bool { return t.t.Frozen() }

// FrozenAt returns the index of the epoch at whose end the tracker froze,
// or −1 if it has not.
func (t *Tracker) FrozenAt() int { return t.t.FrozenAt() }

// Windowed returns the stored (windowed) decomposition; zero before the
// first epoch with batches.
func (t *Tracker) Windowed() pid.Result { return pairResult(t.t.Windowed()) }

// Weights returns the stored fusion weights, used for validation, test and
// inference; (⅓, ⅓, ⅓) before the first epoch with batches.
func (t *Tracker) Weights() [3]float64 { return [3]float64(t.t.Weights()) }

// History returns a copy of the records of all closed epochs.
func (t *Tracker) History() []Epoch { return append([]Epoch(nil), t.history...) }
