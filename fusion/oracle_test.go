package fusion

// The two-latent implementation before the lattice generalisation, kept
// verbatim (renamed, its Epoch record with it) as the oracle of the
// bit-for-bit tests of the general code for two latents (pair_test.go):
// TermWeights of pid.LatticeOf, LatticeTracker fed with LatticeOf, Layer
// and FuseLatents.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pidreg/pidreg/pid"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// weightsV1 is the two-latent weight rule before the lattice generalisation; it returns the fusion weights (w1, w2, w3) for Z1, Z2 and Z1⊙Z2 from a
// decomposition r of the information the latents carry about the target:
//
//	T  = U_X + U_Y + Red + Syn
//	w1 = (U_X + s_X·Red)/T,  w2 = (U_Y + s_Y·Red)/T,  w3 = Syn/T,
//
// where the redundancy shares (s_X, s_Y), s_X + s_Y = 1, follow the policy:
// (½, ½) for Split; (1, 0) or (0, 1) towards the larger of r.MIX and r.MIY
// for Stronger (½, ½ on a tie); a fair coin drawn from rng for Bernoulli.
// Negative atoms (rounding) count as 0. When T < 1e-10, or an atom is NaN or
// infinite, the weights are (⅓, ⅓, ⅓). The weights are ≥ 0 and sum to 1.
//
// rng is used only by Bernoulli; with a nil rng Bernoulli falls back to
// Split, and an unknown policy value also behaves as Split.
func weightsV1(r pid.Result, p Policy, rng *rand.Rand) [3]float64 {
	ux, uy := math.Max(r.UniqueX, 0), math.Max(r.UniqueY, 0)
	red, syn := math.Max(r.Redundancy, 0), math.Max(r.Synergy, 0)
	total := ux + uy + red + syn
	if !(total >= totalFloor) || math.IsInf(total, 0) {
		return [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	}
	sx := 0.5
	switch p {
	case Stronger:
		switch {
		case r.MIX > r.MIY:
			sx = 1
		case r.MIY > r.MIX:
			sx = 0
		}
	case Bernoulli:
		if rng != nil {
			sx = float64(rng.IntN(2))
		}
	}
	return [3]float64{(ux + sx*red) / total, (uy + (1-sx)*red) / total, syn / total}
}

// epochV1 records what trackerV1 did at one EndEpoch call.
type epochV1 struct {
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

// trackerV1 turns per-batch decompositions into the stored fusion weights:
// batch results → epoch mean → sliding window of the last W epoch means →
// windowed atoms and weights, and freezes when the windowed atoms settle.
//
// Rules, per EndEpoch:
//
//   - An epoch with at least one observed batch appends its mean to the
//     window (dropping the oldest beyond W); the windowed result is the
//     average of the epoch means in the window, so before W epochs exist it
//     averages the ones there are. The weights follow from it by weightsV1.
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
// windowed result is zero. A trackerV1 is not safe for concurrent use.
type trackerV1 struct {
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
	history []epochV1
}

// newTrackerV1 returns a tracker with the schedule's defaults filled in.
func newTrackerV1(s Schedule, p Policy) *trackerV1 {
	return &trackerV1{s: s.resolved(), p: p, frozen: -1, weights: [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}}
}

// Schedule returns the schedule with its defaults filled in.
func (t *trackerV1) Schedule() Schedule { return t.s }

// Policy returns the redundancy policy.
func (t *trackerV1) Policy() Policy { return t.p }

func fieldsV1(r pid.Result) [7]float64 {
	return [7]float64{r.MIX, r.MIY, r.MIXY, r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy}
}

func fromFieldsV1(f [7]float64, method string) pid.Result {
	return pid.Result{MIX: f[0], MIY: f[1], MIXY: f[2], UniqueX: f[3], UniqueY: f[4], Redundancy: f[5], Synergy: f[6], Method: method}
}

// Observe adds the decomposition of one training batch to the current epoch.
// It is ignored once the tracker is frozen; a result with a NaN or infinite
// field is counted in epochV1.Skipped and otherwise ignored.
func (t *trackerV1) Observe(r pid.Result) {
	if t.frozen >= 0 {
		return
	}
	f := fieldsV1(r)
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
// and the freezing state as described on trackerV1, and returns the epoch's
// record (also appended to History). rng is used only by the Bernoulli
// policy, once per epoch with batches.
func (t *trackerV1) EndEpoch(rng *rand.Rand) epochV1 {
	e := epochV1{Index: t.index, Batches: t.batches, Skipped: t.skipped, MaxChange: -1}
	t.index++
	if t.frozen < 0 && t.batches > 0 {
		var mean [7]float64
		for i, v := range t.sum {
			mean[i] = v / float64(t.batches)
		}
		e.Mean = fromFieldsV1(mean, t.method)
		t.window = append(t.window, e.Mean)
		if len(t.window) > t.s.Window {
			t.window = append(t.window[:0], t.window[len(t.window)-t.s.Window:]...)
		}
		var avg [7]float64
		for _, r := range t.window {
			for i, v := range fieldsV1(r) {
				avg[i] += v
			}
		}
		for i := range avg {
			avg[i] /= float64(len(t.window))
		}
		win := fromFieldsV1(avg, t.method)
		if t.have {
			e.MaxChange = maxAtomChangeV1(t.win, win)
		}
		if e.MaxChange >= 0 && e.MaxChange < t.s.Delta && len(t.window) == t.s.Window {
			t.stable++
		} else {
			t.stable = 0
		}
		t.win, t.have = win, true
		t.weights = weightsV1(win, t.p, rng)
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

func maxAtomChangeV1(a, b pid.Result) float64 {
	m := math.Abs(a.UniqueX - b.UniqueX)
	m = math.Max(m, math.Abs(a.UniqueY-b.UniqueY))
	m = math.Max(m, math.Abs(a.Redundancy-b.Redundancy))
	return math.Max(m, math.Abs(a.Synergy-b.Synergy))
}

// Frozen reports whether the weights are frozen.
func (t *trackerV1) Frozen() bool { return t.frozen >= 0 }

// FrozenAt returns the index of the epoch at whose end the tracker froze,
// or −1 if it has not.
func (t *trackerV1) FrozenAt() int { return t.frozen }

// Windowed returns the stored (windowed) decomposition; zero before the
// first epoch with batches.
func (t *trackerV1) Windowed() pid.Result { return t.win }

// Weights returns the stored fusion weights, used for validation, test and
// inference; (⅓, ⅓, ⅓) before the first epoch with batches.
func (t *trackerV1) Weights() [3]float64 { return t.weights }

// History returns a copy of the records of all closed epochs.
func (t *trackerV1) History() []epochV1 { return append([]epochV1(nil), t.history...) }

// fuserV1 holds the fusion weights as a 3-vector input node of a graph. The
// weights are constants for the graph: no gradient is computed for them.
type fuserV1 struct {
	w         *G.Node
	forwarded bool
}

// newFuserV1 adds the weight node to g, named "fusion.w" (or "fusion.w#2", …
// if that name is taken, since gorgonia merges input nodes with equal
// names), with the initial value (⅓, ⅓, ⅓).
func newFuserV1(g *G.ExprGraph) *fuserV1 {
	name := "fusion.w"
	for i := 2; len(g.ByName(name)) > 0; i++ {
		name = fmt.Sprintf("fusion.w#%d", i)
	}
	t := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}))
	return &fuserV1{w: G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName(name), G.WithValue(t))}
}

// Node returns the weight input node.
func (f *fuserV1) Node() *G.Node { return f.w }

// Forward wires z = w1·Z1 + w2·Z2 + w3·(Z1⊙Z2) for two float64 matrices of
// the same shape in the fuserV1's graph. It may be called only once.
func (f *fuserV1) Forward(z1, z2 *G.Node) (*G.Node, error) {
	if f.forwarded {
		return nil, fmt.Errorf("fusion: fuserV1.Forward already called")
	}
	if z1 == nil || z2 == nil || z1.Graph() != f.w.Graph() || z2.Graph() != f.w.Graph() {
		return nil, fmt.Errorf("%w: fuserV1.Forward: nil input or input from another graph", ErrShape)
	}
	s1, s2 := z1.Shape(), z2.Shape()
	if len(s1) != 2 || !s1.Eq(s2) {
		return nil, fmt.Errorf("%w: fuserV1.Forward: shapes %v and %v, want two equal matrix shapes", ErrShape, s1, s2)
	}
	if z1.Dtype() != tensor.Float64 || z2.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%w: fuserV1.Forward: dtypes %v and %v, want float64", ErrShape, z1.Dtype(), z2.Dtype())
	}
	var ws [3]*G.Node
	for i := range ws {
		n, err := G.Slice(f.w, G.S(i))
		if err != nil {
			return nil, fmt.Errorf("fusion: fuserV1.Forward: w%d: %w", i+1, err)
		}
		ws[i] = n
	}
	prod, err := G.HadamardProd(z1, z2)
	if err != nil {
		return nil, fmt.Errorf("fusion: fuserV1.Forward: Z1⊙Z2: %w", err)
	}
	terms := [3]*G.Node{z1, z2, prod}
	var z *G.Node
	for i, term := range terms {
		s, err := G.Mul(ws[i], term)
		if err != nil {
			return nil, fmt.Errorf("fusion: fuserV1.Forward: w%d term: %w", i+1, err)
		}
		if z == nil {
			z = s
		} else if z, err = G.Add(z, s); err != nil {
			return nil, fmt.Errorf("fusion: fuserV1.Forward: sum: %w", err)
		}
	}
	f.forwarded = true
	return z, nil
}

// Set writes w into the weight node in place; the next RunAll reads it.
// Non-finite weights are refused, leaving the node unchanged.
func (f *fuserV1) Set(w [3]float64) error {
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: fuserV1.Set: w%d = %v", ErrNotFinite, i+1, v)
		}
	}
	copy(f.w.Value().Data().([]float64), w[:])
	return nil
}

// Get returns the weights currently in the node.
func (f *fuserV1) Get() [3]float64 {
	var w [3]float64
	copy(w[:], f.w.Value().Data().([]float64))
	return w
}

// fuseV1 is the inference mirror of fuserV1: it returns w1·Z1 + w2·Z2 +
// w3·(Z1⊙Z2) for two matrices of the same shape, in the same order of
// operations as the graph.
func fuseV1(z1, z2 mat.Matrix, w [3]float64) (*mat.Dense, error) {
	if z1 == nil || z2 == nil {
		return nil, fmt.Errorf("%w: Fuse: nil input", ErrShape)
	}
	r, c := z1.Dims()
	r2, c2 := z2.Dims()
	if r != r2 || c != c2 || r == 0 || c == 0 {
		return nil, fmt.Errorf("%w: Fuse: %d×%d and %d×%d, want equal non-empty shapes", ErrShape, r, c, r2, c2)
	}
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: Fuse: w%d = %v", ErrNotFinite, i+1, v)
		}
	}
	out := mat.NewDense(r, c, nil)
	raw := out.RawMatrix()
	// row accessors: direct slices for RawMatrixer inputs (mat.Dense), At otherwise
	rowOf := func(m mat.Matrix, buf []float64) func(i int) []float64 {
		if rm, ok := m.(mat.RawMatrixer); ok {
			rr := rm.RawMatrix()
			return func(i int) []float64 { return rr.Data[i*rr.Stride : i*rr.Stride+c] }
		}
		return func(i int) []float64 {
			for j := range buf {
				buf[j] = m.At(i, j)
			}
			return buf
		}
	}
	row1, row2 := rowOf(z1, make([]float64, c)), rowOf(z2, make([]float64, c))
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		x1, x2 := row1(i), row2(i)
		for j := range row {
			a, b := x1[j], x2[j]
			if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
				return nil, fmt.Errorf("%w: Fuse: row %d column %d: %v, %v", ErrNotFinite, i, j, a, b)
			}
			row[j] = float64(float64(w[0]*a)+float64(w[1]*b)) + float64(w[2]*float64(a*b))
		}
	}
	return out, nil
}

// gorgoniaFuse is the graph the fusion op replaced, built from gorgonia
// nodes as Layer (masked false: w a vector) and MaskedLayer (w a rows ×
// NumTerms matrix) built it: every weight node, then every product, then
// the weighted terms and their sum, in term order.
func gorgoniaFuse(w *G.Node, zs []*G.Node, masked bool) *G.Node {
	m := len(zs)
	terms := Terms(m)
	ws := make([]*G.Node, len(terms))
	for t := range terms {
		if masked {
			ws[t] = G.Must(G.Reshape(G.Must(G.Slice(w, nil, G.S(t))), tensor.Shape{zs[0].Shape()[0], 1}))
		} else {
			ws[t] = G.Must(G.Slice(w, G.S(t)))
		}
	}
	nodes := make([]*G.Node, len(terms))
	for t, src := range terms {
		nodes[t] = zs[src[0]]
		if len(src) == 2 {
			nodes[t] = G.Must(G.HadamardProd(zs[src[0]], zs[src[1]]))
		}
	}
	var z *G.Node
	for t, term := range nodes {
		var s *G.Node
		if masked {
			s = G.Must(G.BroadcastHadamardProd(ws[t], term, []byte{1}, nil))
		} else {
			s = G.Must(G.Mul(ws[t], term))
		}
		if z == nil {
			z = s
		} else {
			z = G.Must(G.Add(z, s))
		}
	}
	return z
}
