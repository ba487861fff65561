package pidreg

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/regularizer"
	"github.com/pidreg/pidreg/transform"
)

// Epoch is what Fit reports after each epoch.
type Epoch struct {
	Epoch int `json:"epoch"` // 1-based
	// Mean training losses over the epoch's batches (z-scored target).
	Loss  float64 `json:"loss"`
	MSE   float64 `json:"mse"`
	CS    float64 `json:"cs"`
	CMI   float64 `json:"cmi"`
	Gauss float64 `json:"gauss"`
	// ValMSE is the validation prediction loss (z-scored target), NaN
	// without a validation set.
	ValMSE float64 `json:"val_mse"`
	// PID is the mean of this epoch's batch decompositions; Windowed the
	// sliding-window mean that sets the stored weights.
	PID      pid.Result `json:"pid"`
	Windowed pid.Result `json:"windowed"`
	// Weights are the stored fusion weights after this epoch.
	Weights   [3]float64 `json:"weights"`
	Lambdas   []float64  `json:"lambdas"`
	LearnRate float64    `json:"learn_rate"`
	Frozen    bool       `json:"frozen"`
	Best      bool       `json:"best"` // this epoch improved the validation loss
	Seconds   float64    `json:"seconds"`
}

// FitOption adjusts one call of Fit.
type FitOption func(*fitOptions)

type fitOptions struct {
	progress func(Epoch)
}

// WithProgress calls fn after every epoch, from the goroutine running Fit.
func WithProgress(fn func(Epoch)) FitOption {
	return func(o *fitOptions) { o.progress = fn }
}

// trainer is the gorgonia graph of one training step, built once for a
// fixed batch size, with the buffers its input nodes are bound to.
type trainer struct {
	cfg      Config
	batch, k int
	dims     []int
	dm       int

	g  *G.ExprGraph
	vm G.VM

	x    []*G.Node   // modality inputs, batch×d
	xBuf [][]float64 // their backing arrays
	yBuf []float64   // z-scored target, batch×dm
	yt   []float64   // INT of the target, batch×dm (Gaussianity input)
	q    [][]float64 // N(0,1) draws for the CS terms, batch×k
	gram [][]float64 // κ(X_m), batch×batch, for the CMI terms
	gw   *G.Node     // Gaussianity weight (a scalar input)

	enc   []*encoder.MLP
	bott  []*encoder.Bottleneck
	head  *encoder.MLP
	fuser *fusion.Fuser
	z     []*G.Node

	loss, mse, cs, cmi, gauss *G.Node
	// Copies of values taken while the machine runs (see tapOp): the
	// latents for the PID and the loss terms for the report.
	zVal                                     [][]float64
	lossVal, mseVal, csVal, cmiVal, gaussVal []float64

	// The optimisers alias the gradient arrays, which the tape machine
	// allocates on its first run: they are made after it (makeOptimisers).
	learn                     [3]G.Nodes // encoders, head, bottleneck θs
	lr                        float64    // current encoder/head learning rate
	optEnc, optHead, optTheta *adam
}

func (t *trainer) makeOptimisers() error {
	var err error
	if t.optEnc, err = newAdam(t.learn[0], t.lr); err != nil {
		return err
	}
	if t.optHead, err = newAdam(t.learn[1], t.lr); err != nil {
		return err
	}
	t.optTheta, err = newAdam(t.learn[2], t.cfg.LambdaLearnRate)
	return err
}

// setLearnRate changes the encoder and head learning rate.
func (t *trainer) setLearnRate(lr float64) {
	t.lr = lr
	if t.optEnc != nil {
		t.optEnc.lr, t.optHead.lr = lr, lr
	}
}

func newTrainer(cfg Config, dims []int, dm, batch int, rng *rand.Rand) (*trainer, error) {
	t := &trainer{cfg: cfg, batch: batch, k: cfg.Latent, dims: dims, dm: dm, g: G.NewGraph(), lr: cfg.LearnRate}
	g, k := t.g, cfg.Latent
	input := func(name string, r, c int) (*G.Node, []float64) {
		buf := make([]float64, r*c)
		n := G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(buf))))
		return n, buf
	}
	encCfg := encoder.Config{Hidden: cfg.Hidden, Dropout: cfg.Dropout, OutputBN: true}
	headCfg := encoder.Config{Hidden: cfg.HeadHidden, Dropout: cfg.Dropout}

	var encLearn, headLearn, thetas G.Nodes
	var rs []*G.Node
	for i, d := range dims {
		x, buf := input(fmt.Sprintf("x%d", i+1), batch, d)
		t.x, t.xBuf = append(t.x, x), append(t.xBuf, buf)
		e, err := encoder.NewMLP(g, fmt.Sprintf("enc%d", i+1), d, k, encCfg, batch, rng)
		if err != nil {
			return nil, fmt.Errorf("encoder %d: %w", i+1, err)
		}
		r, err := e.Forward(x)
		if err != nil {
			return nil, fmt.Errorf("encoder %d: %w", i+1, err)
		}
		b, err := encoder.NewBottleneck(g, fmt.Sprintf("bottleneck%d", i+1), batch, k, cfg.ThetaInit)
		if err != nil {
			return nil, fmt.Errorf("bottleneck %d: %w", i+1, err)
		}
		z, err := b.Forward(r)
		if err != nil {
			return nil, fmt.Errorf("bottleneck %d: %w", i+1, err)
		}
		t.enc, t.bott, t.z = append(t.enc, e), append(t.bott, b), append(t.z, z)
		rs = append(rs, r)
		encLearn = append(encLearn, e.Learnables()...)
		thetas = append(thetas, b.Theta())
	}
	fused := t.z[0]
	if len(dims) == 2 {
		t.fuser = fusion.NewFuser(g)
		var err error
		if fused, err = t.fuser.Forward(t.z[0], t.z[1]); err != nil {
			return nil, fmt.Errorf("fusion: %w", err)
		}
		if err := t.fuser.Set([3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}); err != nil {
			return nil, err
		}
	}
	head, err := encoder.NewMLP(g, "head", k, dm, headCfg, batch, rng)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	t.head = head
	headLearn = head.Learnables()
	pred, err := head.Forward(fused)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	y, ybuf := input("y", batch, dm)
	t.yBuf = ybuf
	t.mse = G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, y))))))
	loss := t.mse

	scaled := func(w float64, n *G.Node) *G.Node {
		return G.Must(G.Mul(n, G.NewConstant(w)))
	}
	if on(cfg.CS) {
		var sum *G.Node
		for i, r := range rs {
			q, qbuf := input(fmt.Sprintf("q%d", i+1), batch, k)
			t.q = append(t.q, qbuf)
			cs, err := regularizer.CSDivergence(r, q)
			if err != nil {
				return nil, fmt.Errorf("CS divergence: %w", err)
			}
			if sum == nil {
				sum = cs
			} else {
				sum = G.Must(G.Add(sum, cs))
			}
		}
		t.cs = sum
		loss = G.Must(G.Add(loss, scaled(cfg.CS, sum)))
	}
	if on(cfg.CMI) && len(dims) == 2 {
		var grams []*G.Node
		for i := range dims {
			n, buf := input(fmt.Sprintf("gram%d", i+1), batch, batch)
			grams, t.gram = append(grams, n), append(t.gram, buf)
		}
		// CMI₁ = I(Z₁; X₂ | X₁), CMI₂ = I(Z₂; X₁ | X₂).
		c1, err := regularizer.CMI(t.z[0], grams[0], grams[1], cfg.Bandwidth)
		if err != nil {
			return nil, fmt.Errorf("CMI: %w", err)
		}
		c2, err := regularizer.CMI(t.z[1], grams[1], grams[0], cfg.Bandwidth)
		if err != nil {
			return nil, fmt.Errorf("CMI: %w", err)
		}
		t.cmi = G.Must(G.Add(c1, c2))
		loss = G.Must(G.Add(loss, scaled(cfg.CMI, t.cmi)))
	}
	if on(cfg.Gauss) && len(dims) == 2 {
		ytn, ytbuf := input("ytilde", batch, dm)
		t.yt = ytbuf
		t.gw = G.NewScalar(g, tensor.Float64, G.WithName("gauss_weight"), G.WithValue(cfg.Gauss))
		f := G.Must(G.Concat(1, ytn, t.z[0], t.z[1]))
		gl, err := regularizer.Gaussianity(f, t.gw)
		if err != nil {
			return nil, fmt.Errorf("Gaussianity: %w", err)
		}
		t.gauss = gl
		loss = G.Must(G.Add(loss, gl))
	}
	t.loss = loss
	if t.yt == nil && len(dims) == 2 {
		t.yt = make([]float64, batch*dm) // the PID's target, without the Gaussianity node
	}

	all := append(append(append(G.Nodes{}, encLearn...), headLearn...), thetas...)
	if _, err := G.Grad(loss, all...); err != nil {
		return nil, fmt.Errorf("gradients: %w", err)
	}
	// Taps go in after Grad: its analysis refuses non-differentiable
	// consumers of a differentiable path; the machine runs them all the same.
	taps := []struct {
		n   *G.Node
		dst *[]float64
	}{{t.loss, &t.lossVal}, {t.mse, &t.mseVal}, {t.cs, &t.csVal}, {t.cmi, &t.cmiVal}, {t.gauss, &t.gaussVal}}
	for i, tp := range taps {
		if tp.n == nil {
			*tp.dst = []float64{0}
			continue
		}
		if *tp.dst, err = tap(tp.n, fmt.Sprintf("loss%d", i)); err != nil {
			return nil, err
		}
	}
	if len(dims) == 2 {
		for i, z := range t.z {
			v, err := tap(z, fmt.Sprintf("z%d", i+1))
			if err != nil {
				return nil, err
			}
			t.zVal = append(t.zVal, v)
		}
	}
	t.vm = G.NewTapeMachine(g, G.BindDualValues(all...))
	t.learn = [3]G.Nodes{encLearn, headLearn, thetas}
	return t, nil
}

// setGauss sets the weight of the Gaussianity loss; 0 makes its op skip
// all work (the loss is not computed once the PID is frozen).
func (t *trainer) setGauss(w float64) error {
	if t.gw == nil {
		return nil
	}
	return G.Let(t.gw, w)
}

// load copies the rows idx of the scaled training data into the bound
// input buffers and fills the per-batch constants (INT target, Gram
// matrices, CS reference draws, dropout masks, bottleneck noise).
func (t *trainer) load(xs []*mat.Dense, y *mat.Dense, idx []int, rng *rand.Rand) error {
	for m, x := range xs {
		d := t.dims[m]
		buf := t.xBuf[m]
		for i, r := range idx {
			copy(buf[i*d:(i+1)*d], x.RawRowView(r))
		}
	}
	for i, r := range idx {
		copy(t.yBuf[i*t.dm:(i+1)*t.dm], y.RawRowView(r))
	}
	if t.yt != nil {
		if err := intColumns(t.yt, t.yBuf, t.batch, t.dm); err != nil {
			return err
		}
	}
	for m, g := range t.gram {
		xm := mat.NewDense(t.batch, t.dims[m], t.xBuf[m])
		if _, _, err := regularizer.Gram(g, xm, t.cfg.Bandwidth); err != nil {
			return fmt.Errorf("Gram matrix of modality %d: %w", m+1, err)
		}
	}
	for _, q := range t.q {
		for i := range q {
			q[i] = rng.NormFloat64()
		}
	}
	for _, e := range t.enc {
		e.ResampleDropout(rng)
	}
	t.head.ResampleDropout(rng)
	for _, b := range t.bott {
		b.Resample(rng)
	}
	return nil
}

// intColumns writes the rank inverse normal transform of each column of the
// row-major batch×dm matrix src into dst.
func intColumns(dst, src []float64, batch, dm int) error {
	col := make([]float64, batch)
	out := make([]float64, batch)
	for j := 0; j < dm; j++ {
		for i := 0; i < batch; i++ {
			col[i] = src[i*dm+j]
		}
		if _, err := transform.InverseNormal(out, col, transform.Blom); err != nil {
			return err
		}
		for i := 0; i < batch; i++ {
			dst[i*dm+j] = out[i]
		}
	}
	return nil
}

// stepStats are the loss terms of one training step, and its batch PID
// when one was computed.
type stepStats struct {
	loss, mse, cs, cmi, gauss float64
	pid                       *pid.Result
}

// step runs one training step on the rows idx: load the batch, run the
// graph forward and backward, compute the batch PID (when withPID) and set
// the next step's fusion weights from it, clip the head's gradient, and
// update every parameter.
func (t *trainer) step(xs []*mat.Dense, y *mat.Dense, idx []int, rng *rand.Rand, withPID bool, opt pid.Options) (stepStats, error) {
	var st stepStats
	if err := t.load(xs, y, idx, rng); err != nil {
		return st, err
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
	st = stepStats{loss: t.lossVal[0], mse: t.mseVal[0], cs: t.csVal[0], cmi: t.cmiVal[0], gauss: t.gaussVal[0]}
	if math.IsNaN(st.loss) || math.IsInf(st.loss, 0) {
		return st, fmt.Errorf("the loss is %v (try a smaller learning rate)", st.loss)
	}
	if withPID && t.fuser != nil {
		// The PID of this batch's latents sets the fusion weights of the
		// next step (one step of lag: the graph runs as a whole).
		z1 := mat.NewDense(t.batch, t.k, t.zVal[0])
		z2 := mat.NewDense(t.batch, t.k, t.zVal[1])
		r, err := pid.FromSamples(mat.NewDense(t.batch, t.dm, t.yt), z1, z2, opt)
		if err != nil {
			return st, fmt.Errorf("PID: %w", err)
		}
		st.pid = &r
		if err := t.fuser.Set(fusion.Weights(r, t.cfg.Policy, rng)); err != nil {
			return st, err
		}
	}
	if t.cfg.ClipNorm > 0 {
		t.optHead.clip(t.cfg.ClipNorm)
	}
	t.optEnc.step()
	t.optHead.step()
	t.optTheta.step()
	return st, nil
}

// snapshot is a graph-free copy of the trainable state.
type snapshot struct {
	enc     []*encoder.Weights
	head    *encoder.Weights
	weights [3]float64
	lambdas []float64
	atoms   pid.Result
}

func (t *trainer) snapshot(w [3]float64, atoms pid.Result) snapshot {
	s := snapshot{head: t.head.Snapshot(), weights: w, atoms: atoms}
	for i, e := range t.enc {
		s.enc = append(s.enc, e.Snapshot())
		s.lambdas = append(s.lambdas, t.bott[i].Lambda())
	}
	return s
}

func (t *trainer) lambdas() []float64 {
	out := make([]float64, len(t.bott))
	for i, b := range t.bott {
		out[i] = b.Lambda()
	}
	return out
}

// Fit trains the model on train, using val for early stopping and the
// learning-rate schedule (val may be empty: then the model of the last epoch
// is kept and the schedule never fires). Scalers are fitted on train only.
// It returns the per-epoch history. Cancelling ctx stops Fit within one
// training step; the model then holds the best weights seen so far (if any
// epoch finished) and the error wraps ctx.Err().
func (m *Model) Fit(ctx context.Context, train, val Dataset, opts ...FitOption) ([]Epoch, error) {
	var fo fitOptions
	for _, o := range opts {
		o(&fo)
	}
	if err := train.validate("training data", m.dims, 0, true); err != nil {
		return nil, err
	}
	_, dm := train.Y.Dims()
	hasVal := val.Rows() > 0
	if hasVal {
		if err := val.validate("validation data", m.dims, dm, true); err != nil {
			return nil, err
		}
	}
	cfg := m.cfg
	n := train.Rows()
	batch := min(cfg.Batch, n)
	if batch < 4 {
		return nil, fmt.Errorf("%w: %d training rows; need at least 4", ErrInput, n)
	}
	twoSources := len(m.dims) == 2
	pidOn := twoSources && !cfg.EqualWeights
	if pidOn {
		need := 2*cfg.Latent + dm + 2
		if batch < need {
			return nil, fmt.Errorf("%w: batch of %d rows is too small for the PID of %d latent dimensions (need ≥ %d)", ErrInput, batch, 2*cfg.Latent+dm, need)
		}
	}

	m.dm = dm
	m.names = train.Names()
	m.xs = make([]scaler, len(m.dims))
	xs := make([]*mat.Dense, len(m.dims))
	var constant []string
	for i, mod := range train.Modalities {
		s, x, err := fitInput(mod.X, "modality "+mod.Name, cfg)
		if err != nil {
			return nil, err
		}
		m.xs[i], xs[i] = s, x
		for _, c := range s.Constant {
			constant = append(constant, fmt.Sprintf("%s[%d]", mod.Name, c))
		}
	}
	ys, err := fitScaler(train.Y, "target")
	if err != nil {
		return nil, err
	}
	m.ys = ys
	y := ys.apply(train.Y)
	var vxs []*mat.Dense
	var vy *mat.Dense
	if hasVal {
		if vxs, err = m.scaleInputs(val); err != nil {
			return nil, err
		}
		vy = ys.apply(val.Y)
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	t, err := newTrainer(cfg, m.dims, dm, batch, rng)
	if err != nil {
		return nil, fmt.Errorf("pidreg: building the graph: %w", err)
	}
	defer t.vm.Close()

	sched := cfg.Schedule
	if cfg.NoFreeze {
		sched.Patience = math.MaxInt32
	}
	tracker := fusion.NewTracker(sched, cfg.Policy)
	equal := [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	stored := equal
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	pidOpt := pid.Options{Debias: cfg.Debias}
	lr := cfg.LearnRate
	var hist []Epoch
	var best snapshot
	haveBest := false
	bestVal, plateauBest := math.Inf(1), math.Inf(1)
	sinceBest, plateauBad := 0, 0
	frozen := !pidOn
	steps := n / batch

	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var sum Epoch
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				m.finish(t, best, haveBest, stored, hist, tracker, constant)
				return hist, fmt.Errorf("pidreg: fit stopped at epoch %d: %w", epoch, err)
			}
			st, err := t.step(xs, y, perm[s*batch:(s+1)*batch], rng, !frozen, pidOpt)
			if err != nil {
				return hist, fmt.Errorf("pidreg: epoch %d, step %d: %w", epoch, s+1, err)
			}
			sum.Loss += st.loss
			sum.MSE += st.mse
			sum.CS += st.cs
			sum.CMI += st.cmi
			sum.Gauss += st.gauss
			if st.pid != nil {
				tracker.Observe(*st.pid)
			}
		}
		inv := 1 / float64(steps)
		e := Epoch{Epoch: epoch, Loss: sum.Loss * inv, MSE: sum.MSE * inv, CS: sum.CS * inv,
			CMI: sum.CMI * inv, Gauss: sum.Gauss * inv, LearnRate: lr, ValMSE: math.NaN()}
		if pidOn && !frozen {
			ep := tracker.EndEpoch(rng)
			e.PID, e.Windowed = ep.Mean, ep.Windowed
			stored = tracker.Weights()
			if ep.Frozen && !cfg.NoFreeze {
				frozen = true
				if err := t.fuser.Set(stored); err != nil {
					return hist, err
				}
				if err := t.setGauss(0); err != nil {
					return hist, fmt.Errorf("pidreg: switching off the Gaussianity loss: %w", err)
				}
			}
		} else if pidOn {
			e.PID, e.Windowed = tracker.Windowed(), tracker.Windowed()
		} else if twoSources {
			if err := t.fuser.Set(equal); err != nil {
				return hist, err
			}
		}
		e.Frozen = frozen && pidOn
		e.Weights = stored
		e.Lambdas = t.lambdas()

		snap := t.snapshot(stored, tracker.Windowed())
		if hasVal {
			v, err := m.valLoss(snap, vxs, vy)
			if err != nil {
				return hist, fmt.Errorf("pidreg: epoch %d: validation: %w", epoch, err)
			}
			e.ValMSE = v
			if v < bestVal {
				bestVal, best, haveBest, sinceBest, e.Best = v, snap, true, 0, true
			} else {
				sinceBest++
			}
			// ReduceLROnPlateau (PyTorch defaults: relative threshold 1e-4).
			if v < plateauBest*(1-1e-4) {
				plateauBest, plateauBad = v, 0
			} else if plateauBad++; plateauBad > cfg.PlateauPatience {
				lr = math.Max(lr*cfg.PlateauFactor, cfg.MinLearnRate)
				t.setLearnRate(lr)
				plateauBad = 0
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
	if hasVal {
		if err := m.explainHeldOut(vxs, val.Y); err != nil {
			return hist, err
		}
	} else if err := m.explainHeldOut(xs, train.Y); err != nil {
		return hist, err
	}
	return hist, nil
}

// valLoss is the prediction MSE of a snapshot on scaled validation data.
func (m *Model) valLoss(s snapshot, xs []*mat.Dense, y *mat.Dense) (float64, error) {
	mm := &Model{enc: s.enc, head: s.head, weights: s.weights, names: m.names}
	p, err := mm.predictScaled(xs)
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

// finish installs the best snapshot (or the current state when no epoch
// finished) and the training record.
func (m *Model) finish(t *trainer, best snapshot, ok bool, stored [3]float64, hist []Epoch, tr *fusion.Tracker, constant []string) {
	if !ok {
		best = t.snapshot(stored, tr.Windowed())
	}
	m.enc, m.head, m.weights, m.lambdas = best.enc, best.head, best.weights, best.lambdas
	m.trained = true
	m.exp = Explanation{
		Names:           m.names,
		PID:             best.atoms,
		Weights:         best.weights,
		Lambdas:         best.lambdas,
		FrozenAt:        -1,
		History:         hist,
		ConstantColumns: constant,
	}
	if at := tr.FrozenAt(); at >= 0 && len(m.dims) == 2 && !m.cfg.EqualWeights {
		m.exp.FrozenAt = at + 1 // the tracker counts epochs from 0
	}
}
