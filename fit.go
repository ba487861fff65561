package pidreg

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/internal/trainer"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/transform"
)

// Term is the value of one loss term.
type Term struct {
	// Name is the term's name: "mse" (the prediction loss on the z-scored
	// target), "cs", "cmi" or "gauss" (the regularisers, see Config).
	Name string `json:"name"`
	// Value is the term's unweighted mean over the epoch's batches.
	Value float64 `json:"value"`
}

// Epoch is what Fit reports after each epoch.
type Epoch struct {
	Epoch int `json:"epoch"` // 1-based
	// Loss is the mean total training loss over the epoch's batches
	// (z-scored target): Σ weight·term.
	Loss float64 `json:"loss"`
	// Terms are the loss terms the model computes, in a fixed order ("mse"
	// first); a term switched off by its weight is absent.
	Terms []Term `json:"terms"`
	// ValMSE is the validation prediction loss (z-scored target), NaN
	// without a validation set.
	ValMSE float64 `json:"val_mse"`
	// PID is the mean of this epoch's batch decompositions; Windowed the
	// sliding-window mean that sets the stored weights. Both are zero for
	// one modality.
	PID      pid.LatticeResult `json:"pid"`
	Windowed pid.LatticeResult `json:"windowed"`
	// Weights are the stored fusion weights after this epoch, one per
	// fusion term (Explanation.Terms).
	Weights   []float64 `json:"weights"`
	Lambdas   []float64 `json:"lambdas"`
	LearnRate float64   `json:"learn_rate"`
	Frozen    bool      `json:"frozen"`
	Best      bool      `json:"best"` // this epoch improved the validation loss
	// Seconds is the epoch's wall time, validation included. It is not
	// stored in a model file (the same seed writes the same bytes).
	Seconds float64 `json:"seconds"`
}

// Term returns the value of the named loss term, or NaN when the model does
// not compute it.
func (e Epoch) Term(name string) float64 {
	for _, t := range e.Terms {
		if t.Name == name {
			return t.Value
		}
	}
	return math.NaN()
}

// MSE returns the epoch's training prediction loss (the "mse" term).
func (e Epoch) MSE() float64 { return e.Term("mse") }

// FitOption adjusts one call of Fit.
type FitOption func(*fitOptions)

type fitOptions struct {
	progress func(Epoch)
	steps    func(Step)
}

// WithProgress calls fn after every epoch, from the goroutine running Fit.
func WithProgress(fn func(Epoch)) FitOption {
	return func(o *fitOptions) { o.progress = fn }
}

// Step says where Fit is within its run, for a progress display.
type Step struct {
	Epoch, Epochs int // the current epoch (1-based) and the maximum
	Step, Steps   int // the training step just done within the epoch (1-based) and the steps per epoch
}

// WithSteps calls fn after every training step, from the goroutine running
// Fit (keep it cheap: a step takes milliseconds).
func WithSteps(fn func(Step)) FitOption {
	return func(o *fitOptions) { o.steps = fn }
}

// snapshot is a graph-free copy of the trainable state after an epoch.
type snapshot struct {
	net     *encoder.Network
	lambdas []float64
	atoms   pid.LatticeResult
}

// spec returns the training graph's description of the model.
func (m *Model) spec(dm, batch int) trainer.Spec {
	c := m.cfg
	return trainer.Spec{
		Dims: m.dims, Targets: dm, Batch: batch, Latent: c.Latent,
		Encoder:   encoder.Config{Hidden: c.Hidden, Dropout: c.Dropout, Float32: c.Float32},
		Head:      encoder.Config{Hidden: c.HeadHidden, Dropout: c.HeadDropout, Float32: c.Float32},
		ThetaInit: c.ThetaInit, Weights: c.lossWeights(), Bandwidth: c.Bandwidth,
		LearnRate: c.LearnRate, LambdaLearnRate: c.LambdaLearnRate, ClipNorm: c.ClipNorm,
		Policy: c.Policy, PID: c.pidOptions(c.Debias),
		ModalityDropout: c.ModalityDropout,
	}
}

// plateau is PyTorch's ReduceLROnPlateau in "min" mode with its default
// relative threshold 1e-4: after more than patience epochs without a
// relative improvement of the monitored loss, the rate is multiplied by
// factor, down to floor.
type plateau struct {
	best          float64
	bad, patience int
	factor, floor float64
}

// observe takes an epoch's loss and returns the new rate.
func (p *plateau) observe(v, lr float64) float64 {
	if v < p.best*(1-1e-4) {
		p.best, p.bad = v, 0
		return lr
	}
	if p.bad++; p.bad > p.patience {
		p.bad = 0
		return math.Max(lr*p.factor, p.floor)
	}
	return lr
}

// Fit trains the model on train, using val for early stopping and the
// learning-rate schedule (val may be empty: then the model of the last epoch
// is kept and the schedule never fires). Input pipelines and the target
// scaler are fitted on train only. It returns the per-epoch history.
// Cancelling ctx stops Fit within one training step; the model then holds
// the best weights seen so far (if any epoch finished) and the error wraps
// ctx.Err().
//
// The epoch policy: every epoch reshuffles the training rows and runs
// ⌊n/Batch⌋ steps; while the fusion weights are not frozen each step
// computes its batch PID (package fusion turns them into the stored
// weights: epoch mean, window, freeze rule); after the epoch the network is
// validated with the stored weights; the best validation epoch is kept
// (early stopping after Patience epochs without improvement) and the
// learning rate is halved on a plateau.
func (m *Model) Fit(ctx context.Context, train, val Dataset, opts ...FitOption) ([]Epoch, error) {
	var fo fitOptions
	for _, o := range opts {
		o(&fo)
	}
	cfg := m.cfg
	if err := train.validate("training data", m.dims, 0, true, cfg.Missing); err != nil {
		return nil, err
	}
	_, dm := train.Y.Dims()
	hasVal := val.Rows() > 0
	if hasVal {
		if err := val.validate("validation data", m.dims, dm, true, cfg.Missing); err != nil {
			return nil, err
		}
	}
	n := train.Rows()
	batch := min(cfg.Batch, n)
	if batch < 4 {
		return nil, fmt.Errorf("%w: %d training rows; need at least 4", ErrInput, n)
	}
	sources := len(m.dims)
	pidOn := sources >= 2 && !cfg.EqualWeights
	if err := batchFits(sources, cfg.Latent, dm, batch, batch < cfg.Batch, pidOn); err != nil {
		return nil, err
	}

	m.dm = dm
	m.names = train.Names()
	xs, constant, err := m.fitInputs(train)
	if err != nil {
		return nil, err
	}
	spec := m.spec(dm, batch)
	spec.Masked = xs.Present != nil
	target, err := transform.FitPipeline(train.Y, transform.PipelineOptions{Clip: -1, Missing: transform.Refuse, Names: m.targets})
	if err != nil {
		return nil, fmt.Errorf("%w: scaling the target: %v", ErrInput, err)
	}
	y, err := target.Transform(train.Y)
	if err != nil {
		return nil, fmt.Errorf("%w: scaling the target: %v", ErrInput, err)
	}
	if len(target.Constant()) > 0 {
		return nil, fmt.Errorf("%w: the target %s is constant on the %d training rows: there is nothing to learn", ErrInput, m.targetLabel(target.Constant()[0]), n)
	}
	m.target = target
	var vxs []mat.Matrix
	var vmask mat.Matrix
	var vy *mat.Dense
	if hasVal {
		vp, err := m.presence(val)
		if err != nil {
			return nil, fmt.Errorf("validation data: %w", err)
		}
		if mk := maskOf(vp, sources, 0, val.Rows()); mk != nil {
			vmask = mk
		}
		if vxs, err = m.scaleInputs(val); err != nil {
			return nil, err
		}
		if vy, err = target.Transform(val.Y); err != nil {
			return nil, fmt.Errorf("%w: validation target: %v", ErrInput, err)
		}
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	t, err := trainer.New(spec, rng)
	if err != nil {
		return nil, fmt.Errorf("pidreg: building the graph: %w", err)
	}
	defer t.Close()
	termNames := t.Terms()

	var tracker *fusion.LatticeTracker
	if sources >= 2 {
		if tracker, err = fusion.NewLatticeTracker(cfg.Schedule, cfg.Policy, sources); err != nil {
			return nil, fmt.Errorf("pidreg: %w", err)
		}
	}
	equal := equalWeights(sources)
	stored := equal
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	lr := cfg.LearnRate
	sched := plateau{best: math.Inf(1), patience: cfg.PlateauPatience, factor: cfg.PlateauFactor, floor: cfg.MinLearnRate}
	var hist []Epoch
	var best snapshot
	haveBest := false
	bestVal := math.Inf(1)
	sinceBest := 0
	frozen := !pidOn
	steps := n / batch

	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var loss float64
		sums := make([]float64, len(termNames))
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				m.finish(t, best, haveBest, stored, hist, tracker, constant)
				return hist, fmt.Errorf("pidreg: fit stopped at epoch %d: %w", epoch, err)
			}
			// The next step is prepared while this one runs, except before
			// the epoch's end, which shuffles and keeps the books.
			var next []int
			if s+1 < steps {
				next = perm[(s+1)*batch : (s+2)*batch]
			}
			t.PrepareNext(next)
			st, err := t.Step(xs, y, perm[s*batch:(s+1)*batch], !frozen)
			if err != nil {
				return hist, fmt.Errorf("pidreg: epoch %d, step %d: %w", epoch, s+1, err)
			}
			loss += st.Loss
			for i, v := range st.Terms {
				sums[i] += v
			}
			if st.PID != nil {
				if err := tracker.Observe(*st.PID); err != nil {
					return hist, fmt.Errorf("pidreg: epoch %d, step %d: %w", epoch, s+1, err)
				}
			}
			if fo.steps != nil {
				fo.steps(Step{Epoch: epoch, Epochs: cfg.Epochs, Step: s + 1, Steps: steps})
			}
		}
		inv := 1 / float64(steps)
		e := Epoch{Epoch: epoch, Loss: loss * inv, LearnRate: lr, ValMSE: math.NaN()}
		for i, name := range termNames {
			e.Terms = append(e.Terms, Term{Name: name, Value: sums[i] * inv})
		}
		if pidOn && !frozen {
			ep := tracker.EndEpoch(rng)
			e.PID, e.Windowed = ep.Mean, ep.Windowed
			stored = tracker.Weights()
			if ep.Frozen {
				frozen = true
				if err := t.SetFusion(stored); err != nil {
					return hist, err
				}
				if err := t.Freeze(); err != nil {
					return hist, fmt.Errorf("pidreg: switching off the Gaussianity loss: %w", err)
				}
			}
		} else if pidOn {
			e.PID, e.Windowed = tracker.Windowed(), tracker.Windowed()
		} else if sources >= 2 {
			if err := t.SetFusion(equal); err != nil {
				return hist, err
			}
		}
		e.Frozen = frozen && pidOn
		e.Weights = stored
		e.Lambdas = t.Lambdas()

		snap := snapshot{net: t.Network(stored), lambdas: e.Lambdas, atoms: windowed(tracker)}
		if hasVal {
			v, err := valLoss(snap.net, vxs, vmask, vy)
			if err != nil {
				return hist, fmt.Errorf("pidreg: epoch %d: validation: %w", epoch, err)
			}
			e.ValMSE = v
			if v < bestVal {
				bestVal, best, haveBest, sinceBest, e.Best = v, snap, true, 0, true
			} else {
				sinceBest++
			}
			if lr2 := sched.observe(v, lr); lr2 != lr {
				lr = lr2
				t.SetLearnRate(lr)
			}
		} else {
			best, haveBest, e.Best = snap, true, true
		}
		e.Seconds = time.Since(start).Seconds()
		hist = append(hist, e)
		if fo.progress != nil {
			fo.progress(e)
		}
		if hasVal && cfg.Patience > 0 && sinceBest >= cfg.Patience {
			break
		}
	}
	m.finish(t, best, haveBest, stored, hist, tracker, constant)
	held, from := val, "validation"
	if !hasVal {
		held, from = train, "training"
	}
	if err := m.explainHeldOut(held, from); err != nil {
		return hist, err
	}
	return hist, nil
}

// fitInputs fits every modality's input pipeline on the training rows and
// returns the transformed rows, stored once in float32, and the constant
// columns by name. An input block whose columns are all constant is
// refused: the modality carries nothing.
func (m *Model) fitInputs(train Dataset) (*trainer.Inputs, []string, error) {
	cfg := m.cfg
	n := train.Rows()
	present, err := m.presence(train)
	if err != nil {
		return nil, nil, err
	}
	m.inputs = make([]*transform.Pipeline, len(m.dims))
	var constant []string
	for i, mod := range train.Modalities {
		x := mod.X
		if present != nil {
			// Fit on the rows that have the modality.
			var rows []int
			for r := range n {
				if present[r*len(m.dims)+i] {
					rows = append(rows, r)
				}
			}
			if len(rows) < 2 {
				return nil, nil, fmt.Errorf("%w: modality %s is missing in %d of the %d training rows: too few to learn from", ErrInput, mod.Name, n-len(rows), n)
			}
			if len(rows) < n {
				x = viewRows(x, rows)
			}
		}
		opt := transform.PipelineOptions{Quantile: cfg.Inputs == Quantile, Clip: cfg.InputClip, Missing: cfg.Missing, Names: m.columnNames(i)}
		p, err := transform.FitPipeline(x, opt)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: modality %s: %v", ErrInput, mod.Name, err)
		}
		cs := p.Constant()
		if len(cs) == m.dims[i] {
			return nil, nil, fmt.Errorf("%w: modality %s: all %d columns are constant on the %d training rows: it carries no information", ErrInput, mod.Name, len(cs), n)
		}
		for _, c := range cs {
			constant = append(constant, m.columnLabel(i, c))
		}
		m.inputs[i] = p
	}
	in := trainer.NewInputs(n, m.dims)
	in.Present = present
	err = m.transformBlocks(train, func(lo int, xs []*mat.Dense) error {
		for i, x := range xs {
			if err := in.SetRows(i, lo, x.RawMatrix().Data); err != nil {
				return err
			}
		}
		return nil
	})
	return in, constant, err
}

// transformBlocks maps the rows of every modality of d through its
// pipeline, block after block of at most blockRows rows, and hands each
// block (its first row and one standardised matrix per modality) to fn. The
// blocks' matrices are reused: fn must copy what it keeps.
func (m *Model) transformBlocks(d Dataset, fn func(lo int, xs []*mat.Dense) error) error {
	n := d.Rows()
	bufs := make([]*mat.Dense, len(m.dims))
	for i, dim := range m.dims {
		bufs[i] = mat.NewDense(min(blockRows, max(n, 1)), dim, nil)
	}
	xs := make([]*mat.Dense, len(m.dims))
	for lo := 0; lo < n; lo += blockRows {
		hi := min(lo+blockRows, n)
		for i, mod := range d.Modalities {
			xs[i] = bufs[i].Slice(0, hi-lo, 0, m.dims[i]).(*mat.Dense)
			if err := m.inputs[i].TransformTo(xs[i], sliceRows(mod.X, lo, hi)); err != nil {
				return fmt.Errorf("%w: modality %s: %v", ErrInput, mod.Name, err)
			}
		}
		if err := fn(lo, xs); err != nil {
			return err
		}
	}
	return nil
}

// blockRows is the number of rows transformBlocks maps at a time: a block's
// standardised copy (blockRows × d floats) stays in cache, where a copy of a
// whole large input would double its memory.
const blockRows = 1024

// columnLabel names column c of modality i: its header name when known,
// else name[c].
func (m *Model) columnLabel(i, c int) string {
	if names := m.columnNames(i); c < len(names) {
		return names[c]
	}
	return fmt.Sprintf("%s[%d]", m.names[i], c)
}

// targetLabel names target column j for messages.
func (m *Model) targetLabel(j int) string {
	if j < len(m.targets) {
		return fmt.Sprintf("%q", m.targets[j])
	}
	if m.dm == 1 {
		return "column"
	}
	return fmt.Sprintf("column %d", j+1)
}

// valLoss is the prediction MSE of a network on standardised validation
// data (mask: which rows have which modality, or nil).
func valLoss(net *encoder.Network, xs []mat.Matrix, mask mat.Matrix, y *mat.Dense) (float64, error) {
	p, err := net.Forward(xs, mask)
	if err != nil {
		return 0, err
	}
	r, c := p.Dims()
	var sse float64
	for i := 0; i < r; i++ {
		pr, yr := p.RawRowView(i), y.RawRowView(i)
		for j := range pr {
			d := pr[j] - yr[j]
			sse += d * d
		}
	}
	return sse / float64(r*c), nil
}

// windowed returns the tracker's windowed atoms (zero without a tracker).
func windowed(tr *fusion.LatticeTracker) pid.LatticeResult {
	if tr == nil {
		return pid.LatticeResult{}
	}
	return tr.Windowed()
}

// equalWeights returns the equal fusion weights of m modalities (none for one).
func equalWeights(m int) []float64 {
	if m < 2 {
		return nil
	}
	w := make([]float64, fusion.NumTerms(m))
	for i := range w {
		w[i] = 1 / float64(len(w))
	}
	return w
}

// batchFits checks that a batch can hold what the model computes on it:
// the batch PID (and the Gaussianity loss) of M latents of k dimensions
// and dm targets needs more rows than M·k + dm + 1 dimensions. limited
// says the batch is the number of training rows, smaller than the
// configured one, so that raising Config.Batch would not help.
func batchFits(sources, k, dm, batch int, limited, pidOn bool) error {
	if !pidOn {
		return nil
	}
	need := sources*k + dm + 2
	if batch >= need {
		return nil
	}
	most := (batch - dm - 2) / sources
	if limited {
		if most < 1 {
			return fmt.Errorf("%w: the batch PID of %d modalities needs batches of at least %d rows with %d latent dimensions each, and the %d training rows are too few for any latent size: give more training rows", ErrInput, sources, need, k, batch)
		}
		return fmt.Errorf("%w: the batch PID of %d modalities with %d latent dimensions each needs batches of at least %d rows, and there are only %d training rows: lower Config.Latent (-latent) to %d or less, or give more training rows", ErrInput, sources, k, need, batch, most)
	}
	return fmt.Errorf("%w: the batch PID of %d modalities with %d latent dimensions each needs batches of at least %d rows, have %d: raise Config.Batch (-batch) or lower Config.Latent (-latent) so that Batch ≥ M·Latent + %d", ErrInput, sources, k, need, batch, dm+2)
}

// finish installs the best snapshot (or the current state when no epoch
// finished) and the training record.
func (m *Model) finish(t *trainer.Trainer, best snapshot, ok bool, stored []float64, hist []Epoch, tr *fusion.LatticeTracker, constant []string) {
	if !ok {
		best = snapshot{net: t.Network(stored), lambdas: t.Lambdas(), atoms: windowed(tr)}
	}
	m.net, m.lambdas = best.net, best.lambdas
	m.trained = true
	m.exp = Explanation{
		Names:           m.names,
		PID:             best.atoms,
		Weights:         m.Weights(),
		Terms:           termNames(m.names),
		Measure:         measureName(m.cfg.Measure),
		Lambdas:         best.lambdas,
		FrozenAt:        -1,
		History:         hist,
		ConstantColumns: constant,
	}
	if tr != nil && tr.FrozenAt() >= 0 && !m.cfg.EqualWeights {
		m.exp.FrozenAt = tr.FrozenAt() + 1 // the tracker counts epochs from 0
	}
}

// measureName is the name of the redundancy measure of cfg.Measure.
func measureName(s string) string {
	if s == "" {
		return "mmi"
	}
	return s
}

// termNames names the fusion terms: the modalities, then "a⊙b" for every
// pair, in fusion.Terms order.
func termNames(names []string) []string {
	if len(names) < 2 {
		return nil
	}
	var out []string
	for _, t := range fusion.Terms(len(names)) {
		parts := make([]string, len(t))
		for i, s := range t {
			parts[i] = names[s]
		}
		out = append(out, strings.Join(parts, "⊙"))
	}
	return out
}
