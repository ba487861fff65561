package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/regularizer"
	"github.com/pidreg/pidreg/transform"
)

// Spec describes the network, the losses and the optimisers of a training
// graph. Every field must be set (the root package resolves the defaults);
// New checks the shapes, the encoder package the layer settings.
type Spec struct {
	// Dims holds the input columns of each modality (one or more).
	Dims []int
	// Targets is the number of target columns dm.
	Targets int
	// Batch is the fixed batch size of the graph.
	Batch int
	// Latent is the size k of every modality's latent.
	Latent int
	// Encoder configures every modality encoder (OutputBN is forced on),
	// Head the regression head (OutputBN forced off).
	Encoder, Head encoder.Config
	// ThetaInit is the initial bottleneck θ.
	ThetaInit float64
	// Weights weigh the regularisers by term name ("cs", "cmi", "gauss");
	// a term whose weight is not > 0 is not built. See Terms.
	Weights map[string]float64
	// Bandwidth scales the median-heuristic bandwidth of the CMI term's
	// Gram matrices.
	Bandwidth float64
	// LearnRate is the initial step size of the encoder and head Adam,
	// LambdaLearnRate that of the bottleneck θ Adam.
	LearnRate, LambdaLearnRate float64
	// ClipNorm bounds the Euclidean norm of the head's gradient; ≤ 0 means
	// no clipping.
	ClipNorm float64
	// Policy shares the redundancy between the fusion weights set from each
	// batch's PID, PID are the options of that decomposition.
	Policy fusion.Policy
	PID    pid.Options
	// ModalityDropout is the probability with which each training row drops
	// each modality (never all of them): the terms of a dropped modality are
	// zeroed and the row's fusion weights renormalised over the rest.
	ModalityDropout float64
	// Masked makes the fusion per-row even without modality dropout: the
	// training rows lack some modalities (Inputs.Present).
	Masked bool
}

// Trainer is the gorgonia graph of one training step, built once for a
// fixed batch size, with the buffers its input nodes are bound to, the
// optimisers and the loss terms. It is not safe for concurrent use; two
// Trainers (two graphs) may run in two goroutines.
type Trainer struct {
	spec     Spec
	batch, k int
	rng      *rand.Rand

	g  *G.ExprGraph
	vm G.VM

	x    []*G.Node   // modality inputs, batch×d
	xBuf [][]float64 // their backing arrays
	yBuf []float64   // z-scored target, batch×dm
	yt   []float64   // INT of the target, batch×dm (PID and Gaussianity input)
	q    [][]float64 // N(0,1) draws for the CS terms, batch×k
	gram [][]float64 // κ(X_m), batch×batch, for the CMI terms
	rest [][]float64 // ∘_{j≠m} κ(X_j) for the CMI terms of M ≥ 3 modalities
	gate *G.Node     // Gaussianity on (1) or off (0), a scalar input

	enc    []*encoder.MLP
	bott   []*encoder.Bottleneck
	head   *encoder.MLP
	layer  *fusion.Layer       // fusion with one weight vector, or
	masked *fusion.MaskedLayer // per-row fusion weights (missing modalities)
	w      []float64           // the fusion weights of the next step
	mask   *mat.Dense          // batch × M presence of the modalities (masked only)
	z      []*G.Node
	r      []*G.Node // encoder outputs before the bottleneck
	pred   *G.Node
	yNode  *G.Node

	terms   []builtTerm
	lossVal []float64 // tap of the total loss
	zVal    [][]float64

	// The optimisers alias the gradient arrays, which the tape machine
	// allocates on its first run: they are made after it (makeOptimisers).
	learn                     [3]G.Nodes // encoders, head, bottleneck θs
	lr                        float64    // current encoder/head learning rate
	optEnc, optHead, optTheta *adam

	// The next step, prepared ahead (PrepareNext): its rows, its random draws
	// and its batch data, made on another goroutine while a step's graph
	// runs. pending is closed once they are made (nil when nothing is being
	// made); ready says that next holds draws made ahead that the next load
	// has to use (without, load draws into next itself),
	// dataReady that nextData holds the data of the rows dataRows of
	// aheadXs and aheadY. aheadRows are the rows PrepareNext announced
	// (empty: none).
	aheadRows        []int
	dataRows         []int
	aheadXs          *Inputs
	aheadY           *mat.Dense
	ready, dataReady bool
	drawing          bool // the pending work includes the draws
	dataErr          error
	pending          chan struct{}
	next             *draws
	nextData         *batchData
}

// batchData is what a batch's data alone determines: the rows of each
// modality, the target rows, the target's INT (nil without it), the Gram
// matrices of the raw inputs and their products over the other
// modalities.
type batchData struct {
	x          [][]float64
	y, yt      []float64
	gram, rest [][]float64
}

// copyTo copies d into e, of the same shapes.
func (d *batchData) copyTo(e *batchData) {
	for i := range d.x {
		copy(e.x[i], d.x[i])
	}
	copy(e.y, d.y)
	copy(e.yt, d.yt)
	for i := range d.gram {
		copy(e.gram[i], d.gram[i])
	}
	for i := range d.rest {
		copy(e.rest[i], d.rest[i])
	}
}

// like returns a batchData of d's shapes.
func (d *batchData) like() *batchData {
	dup := func(s [][]float64) [][]float64 {
		out := make([][]float64, len(s))
		for i := range s {
			out[i] = make([]float64, len(s[i]))
		}
		return out
	}
	e := &batchData{x: dup(d.x), y: make([]float64, len(d.y)), gram: dup(d.gram), rest: dup(d.rest)}
	if d.yt != nil {
		e.yt = make([]float64, len(d.yt))
	}
	return e
}

// draws holds one step's random draws outside the graph: the CS reference
// draws, the dropout masks of each encoder and then of the head, and the
// bottleneck noise of each modality.
type draws struct {
	q     [][]float64
	masks [][][]float64
	noise [][]float64
}

// New builds the training graph of spec. The encoder and head weights and
// the first dropout masks are drawn from rng, which the Trainer keeps for
// the per-step draws (dropout masks, bottleneck noise, the CS reference
// sample, the Bernoulli redundancy policy): the caller shares one seeded
// source with it, and the same seed gives the same run bit for bit.
func New(spec Spec, rng *rand.Rand) (*Trainer, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	t := &Trainer{spec: spec, batch: spec.Batch, k: spec.Latent, rng: rng, g: G.NewGraph(), lr: spec.LearnRate}
	g, k, batch := t.g, spec.Latent, spec.Batch
	encCfg := spec.Encoder
	encCfg.OutputBN = true
	headCfg := spec.Head
	headCfg.OutputBN = false

	var encLearn, thetas G.Nodes
	for i, d := range spec.Dims {
		x, buf := t.input(fmt.Sprintf("x%d", i+1), batch, d)
		t.x, t.xBuf = append(t.x, x), append(t.xBuf, buf)
		e, err := encoder.NewMLP(g, fmt.Sprintf("enc%d", i+1), d, k, encCfg, batch, rng)
		if err != nil {
			return nil, fmt.Errorf("encoder %d: %w", i+1, err)
		}
		r, err := e.Forward(x)
		if err != nil {
			return nil, fmt.Errorf("encoder %d: %w", i+1, err)
		}
		b, err := encoder.NewBottleneck(g, fmt.Sprintf("bottleneck%d", i+1), batch, k, spec.ThetaInit)
		if err != nil {
			return nil, fmt.Errorf("bottleneck %d: %w", i+1, err)
		}
		z, err := b.Forward(r)
		if err != nil {
			return nil, fmt.Errorf("bottleneck %d: %w", i+1, err)
		}
		t.enc, t.bott, t.z, t.r = append(t.enc, e), append(t.bott, b), append(t.z, z), append(t.r, r)
		encLearn = append(encLearn, e.Learnables()...)
		thetas = append(thetas, b.Theta())
	}
	fused := t.z[0]
	if m := t.sources(); m >= 2 {
		var err error
		t.w = equalWeights(m)
		if spec.ModalityDropout > 0 || spec.Masked {
			if t.masked, err = fusion.NewMaskedLayer(g, m, batch); err != nil {
				return nil, fmt.Errorf("fusion: %w", err)
			}
			t.mask = mat.NewDense(batch, m, nil)
			fused, err = t.masked.Forward(t.z...)
		} else {
			if t.layer, err = fusion.NewLayer(g, m); err != nil {
				return nil, fmt.Errorf("fusion: %w", err)
			}
			fused, err = t.layer.Forward(t.z...)
		}
		if err != nil {
			return nil, fmt.Errorf("fusion: %w", err)
		}
	}
	head, err := encoder.NewMLP(g, "head", k, spec.Targets, headCfg, batch, rng)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	t.head = head
	if t.pred, err = head.Forward(fused); err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	t.yNode, t.yBuf = t.input("y", batch, spec.Targets)
	if t.sources() >= 2 {
		t.yt = make([]float64, batch*spec.Targets) // the PID's target (and the Gaussianity loss's)
	}

	loss, err := t.buildTerms()
	if err != nil {
		return nil, err
	}
	all := append(append(append(G.Nodes{}, encLearn...), head.Learnables()...), thetas...)
	if _, err := G.Grad(loss, all...); err != nil {
		return nil, fmt.Errorf("gradients: %w", err)
	}
	// Taps go in after Grad: its analysis refuses non-differentiable
	// consumers of a differentiable path; the machine runs them all the same.
	if t.lossVal, err = tap(loss, "loss"); err != nil {
		return nil, err
	}
	for i := range t.terms {
		bt := &t.terms[i]
		if bt.val, err = tap(bt.node, "term."+bt.name); err != nil {
			return nil, err
		}
	}
	if t.sources() >= 2 {
		for i, z := range t.z {
			v, err := tap(z, fmt.Sprintf("z%d", i+1))
			if err != nil {
				return nil, err
			}
			t.zVal = append(t.zVal, v)
		}
	}
	t.vm = G.NewTapeMachine(g, G.BindDualValues(all...))
	t.learn = [3]G.Nodes{encLearn, head.Learnables(), thetas}
	return t, nil
}

func (s Spec) check() error {
	switch {
	case len(s.Dims) < 1 || len(s.Dims) > pid.MaxSources:
		return fmt.Errorf("trainer: %d modalities, want 1 to %d", len(s.Dims), pid.MaxSources)
	case !(s.ModalityDropout >= 0 && s.ModalityDropout < 1):
		return fmt.Errorf("trainer: modality dropout %v, want a probability in [0, 1)", s.ModalityDropout)
	case s.Targets < 1 || s.Batch < 2 || s.Latent < 1:
		return fmt.Errorf("trainer: %d targets, batch %d, latent %d", s.Targets, s.Batch, s.Latent)
	}
	for i, d := range s.Dims {
		if d < 1 {
			return fmt.Errorf("trainer: modality %d has %d columns", i+1, d)
		}
	}
	for name := range s.Weights {
		if termIndex(name) < 0 {
			return fmt.Errorf("trainer: unknown loss term %q", name)
		}
	}
	return nil
}

// input adds a (r × c) input node bound to a new buffer it returns.
func (t *Trainer) input(name string, r, c int) (*G.Node, []float64) {
	buf := make([]float64, r*c)
	n := G.NewMatrix(t.g, tensor.Float64, G.WithShape(r, c), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(buf))))
	return n, buf
}

// sources is the number of modalities.
func (t *Trainer) sources() int { return len(t.spec.Dims) }

// Close releases the machine.
func (t *Trainer) Close() error { return t.vm.Close() }

func (t *Trainer) makeOptimisers() error {
	var err error
	if t.optEnc, err = newAdam(t.learn[0], t.lr); err != nil {
		return err
	}
	if t.optHead, err = newAdam(t.learn[1], t.lr); err != nil {
		return err
	}
	t.optTheta, err = newAdam(t.learn[2], t.spec.LambdaLearnRate)
	return err
}

// SetLearnRate changes the encoder and head learning rate (the bottleneck's
// stays), as a reduce-on-plateau schedule does.
func (t *Trainer) SetLearnRate(lr float64) {
	t.lr = lr
	if t.optEnc != nil {
		t.optEnc.lr, t.optHead.lr = lr, lr
	}
}

// equalWeights returns the equal fusion weights of m latents.
func equalWeights(m int) []float64 {
	w := make([]float64, fusion.NumTerms(m))
	for i := range w {
		w[i] = 1 / float64(len(w))
	}
	return w
}

// SetFusion sets the fusion weights (fusion.Terms order) read by the next
// step. It is a no-op for one modality.
func (t *Trainer) SetFusion(w []float64) error {
	switch {
	case t.layer != nil:
		if err := t.layer.Set(w); err != nil {
			return err
		}
	case t.masked != nil:
		// Checked here; written with each batch's mask by load.
		if len(w) != len(t.w) {
			return fmt.Errorf("trainer: %d fusion weights, want %d", len(w), len(t.w))
		}
	default:
		return nil
	}
	copy(t.w, w)
	return nil
}

// Freeze switches off what is only needed while the fusion weights are
// learnt from the batch PIDs: the Gaussianity term (its op then skips all
// work). The weights stay as last set.
func (t *Trainer) Freeze() error {
	if t.gate == nil {
		return nil
	}
	return G.Let(t.gate, 0.0)
}

// Stats are the loss values of one training step and its batch PID when one
// was computed.
type Stats struct {
	// Loss is the total loss, Terms each term's unweighted value in the
	// order of Terms().
	Loss  float64
	Terms []float64
	PID   *pid.LatticeResult
}

// Step runs one training step on the rows idx of the prepared training data
// (xs: the standardised inputs, y: the z-scored target): load
// the batch, run the graph forward and backward, compute the batch PID (when
// withPID and there are two modalities) and set the next step's fusion
// weights from it, clip the head's gradient and update every parameter.
func (t *Trainer) Step(xs *Inputs, y *mat.Dense, idx []int, withPID bool) (Stats, error) {
	var st Stats
	if len(idx) != t.batch {
		return st, fmt.Errorf("trainer: step on %d rows, the graph is built for %d", len(idx), t.batch)
	}
	if err := t.load(xs, y, idx); err != nil {
		return st, err
	}
	if len(t.aheadRows) > 0 {
		t.startNext(xs, y)
		defer t.settle() // nothing made ahead outlives the step, whatever it returns
	}
	defer t.vm.Reset()
	if err := t.vm.RunAll(); err != nil {
		return st, err
	}
	if t.optEnc == nil {
		if err := t.makeOptimisers(); err != nil {
			return st, err
		}
	}
	st.Loss = t.lossVal[0]
	st.Terms = make([]float64, len(t.terms))
	for i, bt := range t.terms {
		st.Terms[i] = bt.val[0]
	}
	if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
		return st, fmt.Errorf("the loss is %v (try a smaller learning rate)", st.Loss)
	}
	if withPID && t.sources() >= 2 {
		// The PID of this batch's latents sets the fusion weights of the
		// next step (one step of lag: the graph runs as a whole).
		zs := make([]mat.Matrix, len(t.zVal))
		for i, v := range t.zVal {
			zs[i] = mat.NewDense(t.batch, t.k, v)
		}
		r, err := Decompose(mat.NewDense(t.batch, t.spec.Targets, t.yt), zs, t.spec.PID)
		if err != nil {
			return st, fmt.Errorf("PID: %w", err)
		}
		st.PID = &r
		w, err := fusion.TermWeights(r, t.spec.Policy, t.rng)
		if err != nil {
			return st, err
		}
		if err := t.SetFusion(w); err != nil {
			return st, err
		}
	}
	if t.spec.ClipNorm > 0 {
		t.optHead.clip(t.spec.ClipNorm)
	}
	t.optEnc.step()
	t.optHead.step()
	t.optTheta.step()
	return st, nil
}

// load copies the rows idx of the prepared training data into the bound
// input buffers and fills the per-batch constants (INT target, Gram
// matrices, CS reference draws, dropout masks, bottleneck noise).
func (t *Trainer) load(xs *Inputs, y *mat.Dense, idx []int) error {
	if len(xs.Dims) != t.sources() {
		return fmt.Errorf("trainer: %d modalities, the graph has %d", len(xs.Dims), t.sources())
	}
	for m, d := range xs.Dims {
		if d != t.spec.Dims[m] {
			return fmt.Errorf("trainer: modality %d has %d columns, the graph %d", m+1, d, t.spec.Dims[m])
		}
	}
	t.settle()
	bound := t.boundData()
	if t.dataReady && xs == t.aheadXs && y == t.aheadY && slices.Equal(idx, t.dataRows) {
		t.nextData.copyTo(&bound)
	} else if err := t.fillData(&bound, xs, y, idx); err != nil {
		return err
	}
	t.dataReady = false
	t.spare()
	if !t.ready {
		t.next.make(t)
	}
	t.ready = false
	t.next.set(t)
	if t.masked != nil {
		t.drawMask(xs, idx)
		if err := t.masked.Set(t.w, t.mask); err != nil {
			return fmt.Errorf("fusion weights: %w", err)
		}
	}
	return nil
}

// fillData computes the batch data of the rows idx into d.
func (t *Trainer) fillData(d *batchData, xs *Inputs, y *mat.Dense, idx []int) error {
	for m, dim := range xs.Dims {
		buf := d.x[m]
		for i, r := range idx {
			dst := buf[i*dim : (i+1)*dim]
			for j, v := range xs.row(m, r) {
				dst[j] = float64(v)
			}
		}
	}
	dm := t.spec.Targets
	for i, r := range idx {
		copy(d.y[i*dm:(i+1)*dm], y.RawRowView(r))
	}
	if d.yt != nil {
		if _, err := transform.InverseNormalDense(mat.NewDense(t.batch, dm, d.yt), mat.NewDense(t.batch, dm, d.y), transform.Blom); err != nil {
			return fmt.Errorf("INT of the target: %w", err)
		}
	}
	for m, g := range d.gram {
		xm := mat.NewDense(t.batch, t.spec.Dims[m], d.x[m])
		if _, _, err := regularizer.Gram(g, xm, t.spec.Bandwidth); err != nil {
			return fmt.Errorf("Gram matrix of modality %d: %w", m+1, err)
		}
	}
	for m, r := range d.rest {
		// ∘_{j≠m} κ(X_j): the product kernel of the other modalities.
		first := true
		for j, g := range d.gram {
			if j == m {
				continue
			}
			if first {
				copy(r, g)
				first = false
				continue
			}
			for i, v := range g {
				r[i] *= v
			}
		}
	}
	return nil
}

// drawMask fills the batch's presence mask: a modality is present in a row
// when the row has it (Inputs.Present) and modality dropout did not drop it.
// Each present modality is dropped with probability ModalityDropout, one
// rng.Float64 per row and modality; a row left with no modality keeps one
// of those it has, drawn uniformly (rng.IntN).
func (t *Trainer) drawMask(xs *Inputs, idx []int) {
	m := t.sources()
	p := t.spec.ModalityDropout
	has := make([]int, 0, m)
	for i, r := range idx {
		row := t.mask.RawRowView(i)
		has = has[:0]
		kept := 0
		for j := range row {
			row[j] = 0
			if !xs.present(r, j) {
				continue
			}
			has = append(has, j)
			if p == 0 || t.rng.Float64() >= p {
				row[j] = 1
				kept++
			}
		}
		if kept == 0 && len(has) > 0 {
			row[has[t.rng.IntN(len(has))]] = 1
		}
	}
}

// Network returns a graph-free copy of the trainable state with the given
// fusion weights: the encoders and the head with their BatchNorm running
// statistics, for validation, inference and saving.
func (t *Trainer) Network(fusionWeights []float64) *encoder.Network {
	n := &encoder.Network{Head: t.head.Snapshot()}
	for _, e := range t.enc {
		n.Encoders = append(n.Encoders, e.Snapshot())
	}
	if t.sources() >= 2 {
		n.Fusion = append([]float64(nil), fusionWeights...)
	}
	return n
}

// Decompose is the PID of the batch (or any rows): for two sources the
// two-source decomposition (closed form for a scalar target, ~G-PID for a
// vector one, or opt.Method) as a lattice; for more, the MMI redundancy
// lattice.
func Decompose(y mat.Matrix, zs []mat.Matrix, opt pid.Options) (pid.LatticeResult, error) {
	if len(zs) == 2 {
		r, err := pid.FromSamples(y, zs[0], zs[1], opt)
		if err != nil {
			return pid.LatticeResult{}, err
		}
		return pid.LatticeOf(r), nil
	}
	return pid.LatticeFromSamples(y, zs, opt)
}

// Lambdas returns the current bottleneck λ of each modality.
func (t *Trainer) Lambdas() []float64 {
	out := make([]float64, len(t.bott))
	for i, b := range t.bott {
		out[i] = b.Lambda()
	}
	return out
}

// PrepareNext says that the next Step is followed directly by a step on the
// rows next (of the same inputs), or, with nil, that it is not. The next
// Step then prepares that step while its graph runs, on another goroutine:
// its batch data (rows, the target's INT, the Gram matrices) and its random
// draws. Every step draws from the Trainer's rng in one order (the CS
// reference draws, the dropout masks, the bottleneck noise, then the
// presence mask of missing modalities), so the draws made ahead are the
// very numbers the step after would draw, and the run is the same bit for
// bit, provided nothing else draws from rng in between: the caller gives
// rows only when the step after follows directly (not at the end of an
// epoch, where it shuffles and the epoch's bookkeeping may draw). With the
// Bernoulli policy, whose coin each step draws after the graph runs, only
// the data is prepared. A step on other rows or inputs than announced
// computes its own data. It holds for one Step.
func (t *Trainer) PrepareNext(next []int) { t.aheadRows = append(t.aheadRows[:0], next...) }

// startNext starts preparing the step after this one, on xs and y.
func (t *Trainer) startNext(xs *Inputs, y *mat.Dense) {
	rows := t.aheadRows
	t.aheadRows = t.aheadRows[:0]
	if len(rows) != t.batch {
		return
	}
	ny, _ := y.Dims()
	for _, r := range rows {
		if r < 0 || r >= xs.N || r >= ny {
			return // the step after will say what is wrong
		}
	}
	t.spare()
	t.aheadXs, t.aheadY = xs, y
	t.dataRows = append(t.dataRows[:0], rows...)
	t.drawing = t.spec.Policy != fusion.Bernoulli
	done := make(chan struct{})
	t.pending = done
	go func() {
		defer close(done)
		if t.drawing {
			t.next.make(t)
		}
		t.dataErr = t.fillData(t.nextData, xs, y, t.dataRows)
	}()
}

// boundData is the batch data the graph reads.
func (t *Trainer) boundData() batchData {
	return batchData{x: t.xBuf, y: t.yBuf, yt: t.yt, gram: t.gram, rest: t.rest}
}

// spare makes the buffers of t.next and t.nextData on first use.
func (t *Trainer) spare() {
	if t.next != nil {
		return
	}
	t.next = &draws{q: make([][]float64, len(t.q)), noise: make([][]float64, len(t.bott))}
	for i, q := range t.q {
		t.next.q[i] = make([]float64, len(q))
	}
	for _, e := range t.enc {
		t.next.masks = append(t.next.masks, e.DropoutDraws())
	}
	t.next.masks = append(t.next.masks, t.head.DropoutDraws())
	for i := range t.bott {
		t.next.noise[i] = make([]float64, t.batch*t.k)
	}
	bound := t.boundData()
	t.nextData = bound.like()
}

// settle waits for the work started by startNext; the next load uses
// what it made.
func (t *Trainer) settle() {
	if t.pending != nil {
		<-t.pending
		t.pending = nil
		t.ready = t.drawing
		t.dataReady = t.dataErr == nil
	}
}

// make draws one step's numbers from t.rng into d, in the one order of a
// step: the CS reference draws, the dropout masks of the encoders and then
// of the head (as MLP.ResampleDropout draws them), the bottleneck noise (as
// Bottleneck.Resample does).
func (d *draws) make(t *Trainer) {
	for _, q := range d.q {
		for i := range q {
			q[i] = t.rng.NormFloat64()
		}
	}
	for i, e := range t.enc {
		e.DrawDropout(d.masks[i], t.rng)
	}
	t.head.DrawDropout(d.masks[len(t.enc)], t.rng)
	for i, b := range t.bott {
		d.noise[i] = b.DrawNoise(d.noise[i], t.rng)
	}
}

// set puts draws where the graph reads them.
func (d *draws) set(t *Trainer) {
	for i, q := range d.q {
		copy(t.q[i], q)
	}
	for i, e := range t.enc {
		e.SetDropout(d.masks[i])
	}
	t.head.SetDropout(d.masks[len(t.enc)])
	for i, b := range t.bott {
		b.SetNoise(d.noise[i])
	}
}
