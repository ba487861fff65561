package encoder

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/internal/opkit"
)

// Sentinel errors callers can test with errors.Is.
var (
	// ErrConfig reports an invalid Config or constructor argument.
	ErrConfig = errors.New("encoder: invalid configuration")
	// ErrShape reports a node or matrix of the wrong shape.
	ErrShape = errors.New("encoder: wrong shape")
	// ErrName reports a node name that is already used in the graph. gorgonia
	// hash-conses input nodes by name, so two inputs with one name would
	// silently become one node.
	ErrName = errors.New("encoder: node name already used in the graph")
	// ErrForward reports a second Forward call on the same MLP or Bottleneck.
	ErrForward = errors.New("encoder: Forward already called")
	// ErrNotFinite reports a NaN or ±Inf in an input or in weights.
	ErrNotFinite = errors.New("encoder: value is NaN or infinite")
)

// Config describes one MLP stack. Each hidden layer is
//
//	Linear → BatchNorm → ReLU → Dropout(p)
//
// and the stack ends with a Linear layer, followed by a BatchNorm when
// OutputBN is set. The zero value is the method's head minus its widths:
// hidden widths {256, 128}, dropout {0.3, 0.2} (DefaultDropout), no output BatchNorm,
// BatchNorm momentum 0.1 and epsilon 1e-5.
type Config struct {
	// Hidden holds the hidden widths. nil means {256, 128}; a non-nil empty
	// slice means no hidden layer (a single Linear map).
	Hidden []int
	// Dropout holds one drop probability in [0, 1) per hidden layer. nil means
	// DefaultDropout(len(Hidden)); explicit zeros disable dropout for that
	// layer. A non-nil slice must have one entry per hidden layer.
	Dropout []float64
	// OutputBN appends a BatchNorm after the last Linear (true for the
	// method's encoders, false for its regression head).
	OutputBN bool
	// Momentum is the BatchNorm running-statistics momentum m in the PyTorch
	// convention, running ← m·batch + (1−m)·running. 0 means 0.1.
	Momentum float64
	// Epsilon is the BatchNorm variance offset. 0 means 1e-5.
	Epsilon float64
	// Float32 holds the stack's parameters, activations and gradients in
	// float32 (the matrix products through blas32): Forward still takes and
	// returns float64 nodes and converts at both ends, the BatchNorm running
	// statistics stay float64, and Snapshot and Restore convert the
	// parameters. The default, false, is float64 throughout.
	Float32 bool
}

// resolved returns the configuration with its defaults filled in, or an error
// naming the first invalid field.
func (c Config) resolved() (Config, error) {
	r := c
	if r.Hidden == nil {
		r.Hidden = []int{256, 128}
	} else {
		r.Hidden = append([]int{}, c.Hidden...)
	}
	for i, h := range r.Hidden {
		if h < 1 {
			return r, fmt.Errorf("%w: Hidden[%d] = %d, want ≥ 1", ErrConfig, i, h)
		}
	}
	switch {
	case c.Dropout == nil:
		r.Dropout = DefaultDropout(len(r.Hidden))
	default:
		if len(c.Dropout) != len(r.Hidden) {
			return r, fmt.Errorf("%w: %d dropout probabilities for %d hidden layers", ErrConfig, len(c.Dropout), len(r.Hidden))
		}
		r.Dropout = append([]float64{}, c.Dropout...)
	}
	for i, p := range r.Dropout {
		if !(p >= 0 && p < 1) {
			return r, fmt.Errorf("%w: Dropout[%d] = %v, want 0 ≤ p < 1", ErrConfig, i, p)
		}
	}
	if r.Momentum == 0 {
		r.Momentum = 0.1
	}
	if !(r.Momentum > 0 && r.Momentum <= 1) {
		return r, fmt.Errorf("%w: Momentum = %v, want 0 < m ≤ 1", ErrConfig, c.Momentum)
	}
	if r.Epsilon == 0 {
		r.Epsilon = 1e-5
	}
	if !(r.Epsilon > 0) || math.IsInf(r.Epsilon, 1) {
		return r, fmt.Errorf("%w: Epsilon = %v, want a finite value > 0", ErrConfig, c.Epsilon)
	}
	return r, nil
}

// DefaultDropout returns the method's dropout rates for n hidden layers:
// 0.3 after the first and 0.2 after every later one ({0.3, 0.2} for the
// method's two), so any depth gets the method's pattern.
func DefaultDropout(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 0.2
	}
	if n > 0 {
		out[0] = 0.3
	}
	return out
}

// layer is one Linear (+ BatchNorm) (+ ReLU) (+ Dropout) block of an MLP.
type layer struct {
	in, out     int
	w, b        *G.Node // (in, out), (1, out)
	gamma, beta *G.Node // (1, out) BatchNorm scale and shift, nil without BN
	bn          bnOp    // the BatchNorm op and its running statistics, nil without BN
	relu        bool
	p           float64 // dropout probability
	mask        *G.Node // (batch, out) input node, nil when p == 0
}

// bnOp is a layer's BatchNorm op, a *batchNormOp of the stack's element
// type.
type bnOp interface {
	G.Op
	running() (mean, vars []float64)
}

// MLP is a multilayer perceptron whose parameters live in a gorgonia graph
// built for one fixed batch size. Create it with NewMLP, wire it with one
// Forward call, and run the graph with a TapeMachine in training mode; for
// inference take a Snapshot and call Weights.Forward.
type MLP struct {
	g         *G.ExprGraph
	name      string
	in, out   int
	batch     int
	cfg       Config
	layers    []layer
	forwarded bool
}

// NewMLP creates the parameters of an in → Hidden… → out stack in g for a
// fixed batch size. Weights are Kaiming-normal, W_ij ~ N(0, 2/fan_in) with
// fan_in the layer's input width (He et al. 2015), drawn from rng layer by
// layer in row-major order; biases are 0, BatchNorm scales 1 and shifts 0.
// The dropout masks are then drawn from rng as by ResampleDropout.
//
// Node names are prefixed with name ("name.l0.W", "name.l0.mask", …) and must
// not exist in g yet (ErrName). batch must be ≥ 2 because BatchNorm divides by
// batch−1 for its running variance.
func NewMLP(g *G.ExprGraph, name string, in, out int, cfg Config, batch int, rng *rand.Rand) (*MLP, error) {
	if g == nil || rng == nil {
		return nil, fmt.Errorf("%w: NewMLP %q needs a graph and a random source", ErrConfig, name)
	}
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("%w: NewMLP %q: in = %d, out = %d, want ≥ 1", ErrConfig, name, in, out)
	}
	if batch < 2 {
		return nil, fmt.Errorf("%w: NewMLP %q: batch = %d, want ≥ 2", ErrConfig, name, batch)
	}
	rc, err := cfg.resolved()
	if err != nil {
		return nil, fmt.Errorf("NewMLP %q: %w", name, err)
	}
	m := &MLP{g: g, name: name, in: in, out: out, batch: batch, cfg: rc}
	widths := append(append([]int{in}, rc.Hidden...), out)
	f32 := rc.Float32
	nl := len(widths) - 1
	for i := 0; i < nl; i++ {
		l := layer{in: widths[i], out: widths[i+1]}
		hidden := i < nl-1
		std := math.Sqrt(2 / float64(l.in))
		w := make([]float64, l.in*l.out)
		for j := range w {
			w[j] = std * rng.NormFloat64()
		}
		pre := fmt.Sprintf("%s.l%d.", name, i)
		if l.w, err = newMatrix(g, pre+"W", l.in, l.out, w, f32); err != nil {
			return nil, err
		}
		if l.b, err = newMatrix(g, pre+"b", 1, l.out, make([]float64, l.out), f32); err != nil {
			return nil, err
		}
		if hidden || rc.OutputBN {
			if l.gamma, err = newMatrix(g, pre+"gamma", 1, l.out, filled(l.out, 1), f32); err != nil {
				return nil, err
			}
			if l.beta, err = newMatrix(g, pre+"beta", 1, l.out, make([]float64, l.out), f32); err != nil {
				return nil, err
			}
			if f32 {
				l.bn = newBatchNormOp[float32](pre+"bn", l.out, rc.Momentum, rc.Epsilon, hidden)
			} else {
				l.bn = newBatchNormOp[float64](pre+"bn", l.out, rc.Momentum, rc.Epsilon, hidden)
			}
		}
		if hidden {
			l.relu = true
			l.p = rc.Dropout[i]
			if l.p > 0 {
				if l.mask, err = newMatrix(g, pre+"mask", batch, l.out, filled(batch*l.out, 1), f32); err != nil {
					return nil, err
				}
			}
		}
		m.layers = append(m.layers, l)
	}
	m.ResampleDropout(rng)
	return m, nil
}

func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// newMatrix adds a (rows × cols) leaf node backed by data, or by data
// rounded to float32 when f32 is set, refusing a name that already exists
// (gorgonia would merge the two nodes).
func newMatrix(g *G.ExprGraph, name string, rows, cols int, data []float64, f32 bool) (*G.Node, error) {
	if len(g.ByName(name)) > 0 {
		return nil, fmt.Errorf("%w: %q", ErrName, name)
	}
	if f32 {
		d := make([]float32, len(data))
		copyFloats(d, data)
		t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(d))
		return G.NewMatrix(g, tensor.Float32, G.WithShape(rows, cols), G.WithName(name), G.WithValue(t)), nil
	}
	t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))
	return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name), G.WithValue(t)), nil
}

// copyFloats copies src into dst, converting each value.
func copyFloats[D, S opkit.Elem](dst []D, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// setData copies src into the backing array of a leaf node, converting
// to its element type.
func setData(n *G.Node, src []float64) {
	switch d := n.Value().Data().(type) {
	case []float64:
		copy(d, src)
	case []float32:
		copyFloats(d, src)
	}
}

// In returns the input width.
func (m *MLP) In() int { return m.in }

// Out returns the output width.
func (m *MLP) Out() int { return m.out }

// Batch returns the batch size the graph is built for.
func (m *MLP) Batch() int { return m.batch }

// Config returns the configuration with its defaults filled in.
func (m *MLP) Config() Config {
	c := m.cfg
	c.Hidden = append([]int{}, c.Hidden...)
	c.Dropout = append([]float64{}, c.Dropout...)
	return c
}

// Forward wires the training-mode stack onto x, a (batch × in) node of the
// same graph, and returns the (batch × out) output node. BatchNorm uses the
// batch statistics (and updates its running statistics on every run) and
// dropout multiplies by the mask input nodes. It may be called only once.
//
// Each block is three fused custom ops (see fused.go and batchnorm.go):
// linear X·W + b (one Gemm), BatchNorm with its scale and shift, and ReLU
// times the dropout mask; their gradients are Gemms with transpose flags and
// single loops. They compute the same numbers as gorgonia's Mul,
// BroadcastAdd, BatchNorm, Rectify and HadamardProd, with far fewer copies
// and allocations. The graph is training-only: a machine in EvalMode still
// runs BatchNorm on batch statistics and applies the masks; use Snapshot and
// Weights.Forward for inference. In a Float32 stack the blocks are the
// float32 instances of the same ops, between a cast of x to float32 and a
// cast of the output back to float64. The ops rewrite their output buffers in
// place on every run, so a value read from the returned node is valid until
// the next run: copy it to keep it.
func (m *MLP) Forward(x *G.Node) (*G.Node, error) {
	if m.forwarded {
		return nil, fmt.Errorf("%w: MLP %q", ErrForward, m.name)
	}
	if x == nil || x.Graph() != m.g {
		return nil, fmt.Errorf("%w: MLP %q: input node is nil or in another graph", ErrConfig, m.name)
	}
	if s := x.Shape(); len(s) != 2 || s[0] != m.batch || s[1] != m.in {
		return nil, fmt.Errorf("%w: MLP %q: input shape %v, want (%d, %d)", ErrShape, m.name, x.Shape(), m.batch, m.in)
	}
	if x.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%w: MLP %q: input dtype %v, want float64", ErrConfig, m.name, x.Dtype())
	}
	var h *G.Node
	var err error
	if m.cfg.Float32 {
		if h, err = castNode[float64, float32](x, m.name+".in"); err == nil {
			if h, err = forwardLayers[float32](m, h); err == nil {
				h, err = castNode[float32, float64](h, m.name+".out")
			}
		}
	} else {
		h, err = forwardLayers[float64](m, x)
	}
	if err != nil {
		return nil, err
	}
	m.forwarded = true
	return h, nil
}

// forwardLayers wires the layers of m onto h, a node of element type T.
func forwardLayers[T opkit.Elem](m *MLP, h *G.Node) (*G.Node, error) {
	for i := range m.layers {
		l := &m.layers[i]
		pre := fmt.Sprintf("%s.l%d", m.name, i)
		var err error
		if h, err = linearNode[T](h, l.w, l.b, pre); err != nil {
			return nil, fmt.Errorf("MLP %q layer %d: x·W + b: %w", m.name, i, err)
		}
		switch {
		case l.bn != nil:
			// BatchNorm, and on hidden layers the ReLU and the dropout mask
			// (none when p = 0), in one op.
			if h, err = batchNormNode(l.bn.(*batchNormOp[T]), h, l.gamma, l.beta, l.mask); err != nil {
				return nil, fmt.Errorf("MLP %q layer %d: BatchNorm: %w", m.name, i, err)
			}
		case l.relu:
			if h, err = reluMaskNode[T](h, l.mask, pre); err != nil {
				return nil, fmt.Errorf("MLP %q layer %d: ReLU and dropout: %w", m.name, i, err)
			}
		}
		if l.mask != nil && !l.relu {
			return nil, fmt.Errorf("%w: MLP %q layer %d has a dropout mask but no ReLU", ErrConfig, m.name, i)
		}
	}
	return h, nil
}

// Learnables returns the trainable nodes in a fixed order: for each layer
// W, b and, with BatchNorm, its scale γ and shift β.
func (m *MLP) Learnables() G.Nodes {
	var ns G.Nodes
	for _, l := range m.layers {
		ns = append(ns, l.w, l.b)
		if l.gamma != nil {
			ns = append(ns, l.gamma, l.beta)
		}
	}
	return ns
}

// ResampleDropout refills every dropout mask in place with independent
// inverted-dropout draws: 0 with probability p', else 1/(1−p), where
//
//	p' = ⌈p·2³²⌉ / 2³²,
//
// p rounded up to a multiple of 2⁻³² (so |p' − p| < 2.4·10⁻¹⁰; the mean of an
// entry is (1−p')/(1−p), 1 to the same precision). Each rng.Uint64 gives two
// entries: masks are filled layer by layer in row-major order, entries 2i
// and 2i+1 of a mask from the low and the high 32 bits u of its i-th draw
// (dropped when u < ⌈p·2³²⌉; an odd last entry uses the low half of one
// more draw). The next RunAll reads the new masks.
func (m *MLP) ResampleDropout(rng *rand.Rand) {
	for _, l := range m.layers {
		if l.mask == nil {
			continue
		}
		switch d := l.mask.Value().Data().(type) {
		case []float64:
			fillMask(d, l.p, rng)
		case []float32:
			fillMask(d, l.p, rng)
		}
	}
}

// DropoutDraws returns buffers for DrawDropout: one per dropout layer,
// shaped like its mask.
func (m *MLP) DropoutDraws() [][]float64 {
	var d [][]float64
	for _, l := range m.layers {
		if l.mask != nil {
			d = append(d, make([]float64, l.mask.Shape().TotalSize()))
		}
	}
	return d
}

// DrawDropout makes the draws ResampleDropout makes, from rng in the same
// order, into dst (from DropoutDraws) instead of the masks. With SetDropout
// it lets the draws of a later step be made ahead, on another goroutine,
// while the graph runs on the current masks: it reads nothing the graph
// writes.
func (m *MLP) DrawDropout(dst [][]float64, rng *rand.Rand) {
	i := 0
	for _, l := range m.layers {
		if l.mask != nil {
			fillMask(dst[i], l.p, rng)
			i++
		}
	}
}

// SetDropout copies masks drawn by DrawDropout into the masks the next
// RunAll reads (rounded to float32 in a Float32 stack: the same values
// ResampleDropout writes).
func (m *MLP) SetDropout(src [][]float64) {
	i := 0
	for _, l := range m.layers {
		if l.mask == nil {
			continue
		}
		setData(l.mask, src[i])
		i++
	}
}

// fillMask fills d as ResampleDropout describes for drop probability p.
func fillMask[T opkit.Elem](d []T, p float64, rng *rand.Rand) {
	keep := T(1 / (1 - p))
	t := uint64(math.Ceil(p * (1 << 32))) // ≤ 2³², exact: p·2³² only rescales
	// keep·1[u ≥ t] without a branch: u < t is a coin flip the branch
	// predictor cannot learn.
	i := 0
	for ; i+2 <= len(d); i += 2 {
		u := rng.Uint64()
		d[i] = keep * T(b2f(u&(1<<32-1) >= t))
		d[i+1] = keep * T(b2f(u>>32 >= t))
	}
	if i < len(d) {
		d[i] = keep * T(b2f(rng.Uint64()&(1<<32-1) >= t))
	}
}

// Snapshot returns a deep copy of the parameters and BatchNorm running
// statistics, independent of the graph. Before the first run the running
// statistics are the initial mean 0 and variance 1 (or what Restore set).
func (m *MLP) Snapshot() *Weights {
	w := &Weights{Layers: make([]Layer, len(m.layers))}
	for i, l := range m.layers {
		L := Layer{
			In: l.in, Out: l.out,
			W:    cloneData(l.w),
			B:    cloneData(l.b),
			ReLU: l.relu,
		}
		if l.gamma != nil {
			L.BN = true
			L.Gamma = cloneData(l.gamma)
			L.Beta = cloneData(l.beta)
			L.Eps = m.cfg.Epsilon
			mean, vars := l.bn.running()
			L.Mean = append([]float64{}, mean...)
			L.Var = append([]float64{}, vars...)
		}
		w.Layers[i] = L
	}
	return w
}

// cloneData returns a float64 copy of a leaf node's values.
func cloneData(n *G.Node) []float64 {
	switch d := n.Value().Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		copyFloats(out, d)
		return out
	default:
		return append([]float64{}, d.([]float64)...)
	}
}

// Restore copies w's parameters into the graph's tensors (in place, so a
// machine bound to them sees the new values) and its running statistics into
// the BatchNorm ops. w must have this MLP's architecture.
//
// Restore may be called at any time between runs: before or after Forward,
// before or after creating the machine (the BatchNorm ops are this package's
// own and, unlike gorgonia's BatchNormOp, are not reset by NewTapeMachine).
func (m *MLP) Restore(w *Weights) error {
	if w == nil {
		return fmt.Errorf("%w: Restore MLP %q: nil weights", ErrConfig, m.name)
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("Restore MLP %q: %w", m.name, err)
	}
	if len(w.Layers) != len(m.layers) {
		return fmt.Errorf("%w: Restore MLP %q: %d layers, want %d", ErrShape, m.name, len(w.Layers), len(m.layers))
	}
	for i, l := range m.layers {
		L := w.Layers[i]
		if L.In != l.in || L.Out != l.out || L.BN != (l.gamma != nil) || L.ReLU != l.relu {
			return fmt.Errorf("%w: Restore MLP %q layer %d: %d→%d BN=%v ReLU=%v, want %d→%d BN=%v ReLU=%v",
				ErrShape, m.name, i, L.In, L.Out, L.BN, L.ReLU, l.in, l.out, l.gamma != nil, l.relu)
		}
		if L.BN && L.Eps != m.cfg.Epsilon {
			return fmt.Errorf("%w: Restore MLP %q layer %d: BatchNorm epsilon %v, want %v", ErrConfig, m.name, i, L.Eps, m.cfg.Epsilon)
		}
	}
	for i := range m.layers {
		l := &m.layers[i]
		L := w.Layers[i]
		setData(l.w, L.W)
		setData(l.b, L.B)
		if L.BN {
			setData(l.gamma, L.Gamma)
			setData(l.beta, L.Beta)
			mean, vars := l.bn.running()
			copy(mean, L.Mean)
			copy(vars, L.Var)
		}
	}
	return nil
}
