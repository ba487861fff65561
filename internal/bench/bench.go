package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/datasets"
	"github.com/pidreg/pidreg/internal/runner"
)

// The model names Run understands. A unimodal model is named
// UnimodalPrefix + the modality's name, e.g. "unimodal:tens".
const (
	PIDReg       = "pidreg"        // the method with its defaults
	Concat       = "concat"        // early fusion: one encoder on the concatenated inputs
	Late         = "late"          // two unimodal models, predictions averaged
	EqualWeights = "equal-weights" // fusion fixed at (⅓, ⅓, ⅓), no PID in training
	NoCMI        = "no-cmi"        // conditional CS-CMI regulariser off
	NoCS         = "no-cs"         // CS divergence regulariser off
	NoGauss      = "no-gauss"      // Gaussianity regulariser off
	NoFreeze     = "no-freeze"     // the PID and the weights are updated for the whole run
	// ModalityDrop is the method trained with modality dropout
	// (ModalityDropoutRate): it learns to predict rows that lack a modality.
	ModalityDrop   = "modality-dropout"
	UnimodalPrefix = "unimodal:"
)

// ModalityDropoutRate is the Config.ModalityDropout of the ModalityDrop model.
const ModalityDropoutRate = 0.3

// Sentinel errors.
var (
	// ErrModel reports an unknown or repeated model name.
	ErrModel = errors.New("bench: bad model list")
	// ErrInput reports a data set or split the benchmark cannot use.
	ErrInput = errors.New("bench: invalid input")
)

// predictRepeats is how often Predict is timed for the modality-selection
// check; the median is reported.
const predictRepeats = 5

// Models returns every model of the benchmark for modalities with the
// given names, in the order of the table.
func Models(names []string) []string {
	out := []string{PIDReg, ModalityDrop, Concat, Late}
	for _, n := range names {
		out = append(out, UnimodalPrefix+n)
	}
	return append(out, EqualWeights, NoCMI, NoCS, NoGauss, NoFreeze)
}

// ParseModels parses a comma-separated model list such as
// "pidreg,concat,unimodal:tens". "" and "all" mean Models(names). Unknown
// and repeated names are ErrModel errors.
func ParseModels(list string, names []string) ([]string, error) {
	list = strings.TrimSpace(list)
	if list == "" || list == "all" {
		return Models(names), nil
	}
	var out []string
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if err := checkModel(item, names); err != nil {
			return nil, err
		}
		if slices.Contains(out, item) {
			return nil, fmt.Errorf("%w: %q given twice", ErrModel, item)
		}
		out = append(out, item)
	}
	return out, nil
}

func checkModel(name string, names []string) error {
	if m, ok := strings.CutPrefix(name, UnimodalPrefix); ok {
		if !slices.Contains(names, m) {
			return fmt.Errorf("%w: %q: no modality named %q (have %s)", ErrModel, name, m, strings.Join(names, ", "))
		}
		return nil
	}
	switch name {
	case PIDReg, ModalityDrop, Concat, Late, EqualWeights, NoCMI, NoCS, NoGauss, NoFreeze:
		return nil
	}
	return fmt.Errorf("%w: unknown model %q (want %s)", ErrModel, name, strings.Join(Models(names), ", "))
}

// Splits returns one random train/validation/test split of n rows per seed:
// split i is drawn by datasets.SplitRows from a PCG seeded with seed+i, so
// the splits of a benchmark are reproducible and differ between seeds.
func Splits(n int, frac [3]float64, seeds int, seed uint64) ([]runner.Split, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("%w: %d seeds", ErrInput, seeds)
	}
	out := make([]runner.Split, seeds)
	for i := range out {
		rng := rand.New(rand.NewPCG(seed+uint64(i), splitStream))
		tr, va, te, err := datasets.SplitRows(n, frac, rng)
		if err != nil {
			return nil, fmt.Errorf("bench: split %d: %w", i+1, err)
		}
		out[i] = runner.Split{Train: tr, Val: va, Test: te}
	}
	return out, nil
}

// splitStream is the PCG stream of the splits (the models use their own).
const splitStream = 0x5eed5911

// Sample returns n rows of d drawn without replacement (seeded), in their
// original order; n ≥ d.Rows() returns d unchanged.
func Sample(d pidreg.Dataset, n int, seed uint64) (pidreg.Dataset, error) {
	rows := d.Rows()
	if n < 1 {
		return pidreg.Dataset{}, fmt.Errorf("%w: sample of %d rows", ErrInput, n)
	}
	if n >= rows {
		return d, nil
	}
	rng := rand.New(rand.NewPCG(seed, sampleStream))
	idx := rng.Perm(rows)[:n]
	sort.Ints(idx)
	return d.Subset(idx)
}

const sampleStream = 0x5a3b1e

// fitted is one trained model (or the late-fusion pair) on one split.
type fitted struct {
	model   *pidreg.Model // nil for late fusion
	hist    []pidreg.Epoch
	pred    *mat.Dense // test predictions, original unit
	truth   []float64  // first target column of the test rows
	metrics pidreg.Metrics
	spe     float64 // mean seconds per epoch
	epochs  int
	seconds float64 // wall time of Fit
}

// Run trains every model in models on every split and returns the table.
// d must have two or more modalities and a target. All models share the
// encoder and training settings of base; the run on split i uses the seed
// base.Seed+i, so the models of one split start from the same random state
// wherever their graphs agree. The variants are:
//
//	pidreg            base
//	modality-dropout  base with ModalityDropout = ModalityDropoutRate
//	concat            one encoder on [X₁ … X_M] (early fusion), Latent as base
//	late              the unimodal models, predictions averaged
//	unimodal:NAME     one encoder on modality NAME
//	equal-weights     base with EqualWeights
//	no-cmi/no-cs/no-gauss  base with CMI/CS/Gauss = −1
//	no-freeze         base with Schedule.Patience = −1 (never freeze)
//
// A unimodal model is trained once per split and shared by unimodal:NAME,
// late and the modality-selection check. For late, s/epoch is the sum of the
// models' (the cost of an epoch of all of them) and epochs the largest count.
//
// When pidreg is in models, the table also holds the modality-selection
// check of every split: pidreg's Explain (Cost, Share, Drop), the test error
// of the model that keeps the other modalities, and the median time of
// Predict on the test rows of both models. For pidreg and modality-dropout
// it holds the robustness check: the test error when each modality is
// missing from every test row (its cells NaN).
//
// progress, if not nil, receives one line per trained model; opts are passed
// to every Fit (pidreg.WithSteps for a progress bar, say). Cancelling ctx
// stops the run within one training step with an error wrapping ctx.Err().
func Run(ctx context.Context, d pidreg.Dataset, splits []runner.Split, models []string, base pidreg.Config, progress io.Writer, opts ...pidreg.FitOption) (*Table, error) {
	names := d.Names()
	if len(names) < 2 {
		return nil, fmt.Errorf("%w: the benchmark needs two or more modalities, got %d", ErrInput, len(names))
	}
	for i, n := range names {
		if slices.Index(names, n) != i {
			return nil, fmt.Errorf("%w: two modalities are named %q", ErrInput, n)
		}
	}
	if d.Y == nil {
		return nil, fmt.Errorf("%w: no target", ErrInput)
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("%w: no models", ErrModel)
	}
	seen := map[string]bool{}
	for _, m := range models {
		if err := checkModel(m, names); err != nil {
			return nil, err
		}
		if seen[m] {
			return nil, fmt.Errorf("%w: %q given twice", ErrModel, m)
		}
		seen[m] = true
	}
	if err := checkSplits(splits, d.Rows()); err != nil {
		return nil, err
	}

	tab := &Table{Modalities: names, Seeds: len(splits), BaseSeed: base.Seed,
		TrainRows: len(splits[0].Train), ValRows: len(splits[0].Val), TestRows: len(splits[0].Test),
		first: map[string]*fitted{}}
	runs := make(map[string][]Result, len(models))
	robust := map[string][][]pidreg.Metrics{}
	for i, s := range splits {
		cfg := base
		cfg.Seed = base.Seed + uint64(i)
		b := &bencher{ctx: ctx, opts: opts, cfg: cfg, uni: map[int]*fitted{}}
		for _, p := range []struct {
			dst  *pidreg.Dataset
			rows []int
		}{{&b.train, s.Train}, {&b.val, s.Val}, {&b.test, s.Test}} {
			var err error
			if *p.dst, err = d.Subset(p.rows); err != nil {
				return nil, err
			}
		}
		for _, name := range models {
			f, err := b.model(name)
			if err != nil {
				return nil, fmt.Errorf("bench: %s, seed %d: %w", name, i+1, err)
			}
			runs[name] = append(runs[name], Result{Model: name, Split: i + 1, Metrics: f.metrics,
				SecondsPerEpoch: f.spe, Epochs: f.epochs, Seconds: f.seconds})
			if i == 0 {
				tab.first[name] = f
			}
			if progress != nil {
				fmt.Fprintf(progress, "seed %d/%d  %-16s RMSE %.4g  MAE %.4g  R² %.4f  %d epochs  %.3f s/epoch\n",
					i+1, len(splits), name, f.metrics.RMSE, f.metrics.MAE, f.metrics.R2, f.epochs, f.spe)
			}
		}
		for _, name := range []string{PIDReg, ModalityDrop} {
			if !seen[name] {
				continue
			}
			rob, err := b.robustness(name)
			if err != nil {
				return nil, fmt.Errorf("bench: robustness of %s, seed %d: %w", name, i+1, err)
			}
			robust[name] = append(robust[name], rob)
		}
		if seen[PIDReg] {
			sel, err := b.selection(names)
			if err != nil {
				return nil, fmt.Errorf("bench: modality selection, seed %d: %w", i+1, err)
			}
			sel.Split = i + 1
			tab.Selection = append(tab.Selection, sel)
			if progress != nil {
				fmt.Fprintf(progress, "seed %d/%d  selection: %s\n", i+1, len(splits), sel.line())
			}
		}
	}
	for _, name := range models {
		tab.Rows = append(tab.Rows, newRow(name, runs[name]))
	}
	for _, name := range []string{PIDReg, ModalityDrop} {
		if rs := robust[name]; len(rs) > 0 {
			r := newRobustRow(name, rs)
			r.Missing = append([]string{"none"}, names...)
			tab.Robustness = append(tab.Robustness, r)
		}
	}
	if len(tab.Selection) > 0 {
		tab.DropBelow = tab.first[PIDReg].model.Config().DropBelow
	}
	return tab, nil
}

func checkSplits(splits []runner.Split, n int) error {
	if len(splits) == 0 {
		return fmt.Errorf("%w: no splits", ErrInput)
	}
	for i, s := range splits {
		if len(s.Train) == 0 || len(s.Test) == 0 {
			return fmt.Errorf("%w: split %d has %d training and %d test rows; both must be non-empty", ErrInput, i+1, len(s.Train), len(s.Test))
		}
		for _, part := range [][]int{s.Train, s.Val, s.Test} {
			for _, r := range part {
				if r < 0 || r >= n {
					return fmt.Errorf("%w: split %d names row %d of a data set of %d rows", ErrInput, i+1, r, n)
				}
			}
		}
	}
	return nil
}

// bencher trains the models of one split.
type bencher struct {
	ctx              context.Context
	opts             []pidreg.FitOption // passed to every Fit
	cfg              pidreg.Config
	train, val, test pidreg.Dataset
	bi               *fitted         // the pidreg model, once trained
	md               *fitted         // the modality-dropout model, once trained
	uni              map[int]*fitted // unimodal models by modality index
	rest             *fitted         // the selection check's model without one modality (M > 2)
}

func (b *bencher) model(name string) (*fitted, error) {
	cfg := b.cfg
	switch name {
	case PIDReg:
		return b.pidreg()
	case ModalityDrop:
		return b.modalityDrop()
	case EqualWeights:
		cfg.EqualWeights = true
	case NoCMI:
		cfg.CMI = -1
	case NoCS:
		cfg.CS = -1
	case NoGauss:
		cfg.Gauss = -1
	case NoFreeze:
		cfg.Schedule.Patience = -1 // never freeze
	case Concat:
		return fit(b.ctx, b.opts, cfg, concat(b.train), concat(b.val), concat(b.test))
	case Late:
		return b.late()
	default:
		m, _ := strings.CutPrefix(name, UnimodalPrefix)
		i := slices.Index(b.train.Names(), m)
		return b.unimodal(i)
	}
	return fit(b.ctx, b.opts, cfg, b.train, b.val, b.test)
}

// unimodal trains (once) the model on modality i alone.
func (b *bencher) unimodal(i int) (*fitted, error) {
	if f, ok := b.uni[i]; ok {
		return f, nil
	}
	f, err := fit(b.ctx, b.opts, b.cfg, only(b.train, i), only(b.val, i), only(b.test, i))
	if err != nil {
		return nil, err
	}
	b.uni[i] = f
	return f, nil
}

// late averages the test predictions of the unimodal models.
func (b *bencher) late() (*fitted, error) {
	var p mat.Dense
	out := &fitted{truth: col0(b.test.Y)}
	m := len(b.train.Modalities)
	for i := range m {
		f, err := b.unimodal(i)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			p.CloneFrom(f.pred)
		} else {
			p.Add(&p, f.pred)
		}
		out.spe += f.spe
		out.epochs = max(out.epochs, f.epochs)
		out.seconds += f.seconds
	}
	p.Scale(1/float64(m), &p)
	met, err := pidreg.Score(&p, b.test.Y)
	if err != nil {
		return nil, err
	}
	out.pred, out.metrics = &p, met
	return out, nil
}

// fit trains one model and scores it on the test rows.
func fit(ctx context.Context, opts []pidreg.FitOption, cfg pidreg.Config, train, val, test pidreg.Dataset) (*fitted, error) {
	m, err := pidreg.New(cfg, train.Dims()...)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	hist, err := m.Fit(ctx, train, val, opts...)
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	pred, err := m.Predict(test)
	if err != nil {
		return nil, err
	}
	met, err := pidreg.Score(pred, test.Y)
	if err != nil {
		return nil, err
	}
	f := &fitted{model: m, hist: hist, pred: pred, truth: col0(test.Y), metrics: met, epochs: len(hist), seconds: secs}
	for _, e := range hist {
		f.spe += e.Seconds / float64(len(hist))
	}
	return f, nil
}

func col0(y *mat.Dense) []float64 {
	r, _ := y.Dims()
	out := make([]float64, r)
	for i := range out {
		out[i] = y.At(i, 0)
	}
	return out
}

// only returns the data set with modality i alone.
func only(d pidreg.Dataset, i int) pidreg.Dataset {
	return pidreg.Dataset{Modalities: []pidreg.Modality{d.Modalities[i]}, Y: d.Y}
}

// without returns the data set without modality i.
func without(d pidreg.Dataset, i int) pidreg.Dataset {
	out := pidreg.Dataset{Y: d.Y}
	for j, m := range d.Modalities {
		if j != i {
			out.Modalities = append(out.Modalities, m)
		}
	}
	return out
}

// missing returns the data set with every cell of modality i missing (NaN):
// rows that lack that modality.
func missing(d pidreg.Dataset, i int) pidreg.Dataset {
	out := pidreg.Dataset{Y: d.Y, Modalities: append([]pidreg.Modality(nil), d.Modalities...)}
	r, c := d.Modalities[i].X.Dims()
	x := mat.NewDense(r, c, nil)
	for k := range r {
		row := x.RawRowView(k)
		for j := range row {
			row[j] = math.NaN()
		}
	}
	out.Modalities[i].X = x
	return out
}

// concat returns the data set with one modality [X₁ … X_M] named "X₁+…+X_M".
func concat(d pidreg.Dataset) pidreg.Dataset {
	name := strings.Join(d.Names(), "+")
	if d.Rows() == 0 {
		return pidreg.Dataset{Modalities: []pidreg.Modality{{Name: name, X: &mat.Dense{}}}, Y: d.Y}
	}
	r := d.Rows()
	cols := 0
	for _, m := range d.Modalities {
		_, c := m.X.Dims()
		cols += c
	}
	x := mat.NewDense(r, cols, nil)
	at := 0
	for _, m := range d.Modalities {
		_, c := m.X.Dims()
		x.Slice(0, r, at, at+c).(*mat.Dense).Copy(m.X)
		at += c
	}
	return pidreg.Dataset{Modalities: []pidreg.Modality{{Name: name, X: x}}, Y: d.Y}
}

// selection is the modality-selection check of one split: it takes the
// modality whose removal Explain says costs least, trains (or reuses) the
// model on the other modalities (the unimodal model for two), and times
// Predict of both.
func (b *bencher) selection(names []string) (Selection, error) {
	bi, err := b.pidreg()
	if err != nil {
		return Selection{}, err
	}
	e := bi.model.Explain()
	if len(e.Cost) != len(names) {
		return Selection{}, fmt.Errorf("the model's explanation has %d modality costs for %d modalities", len(e.Cost), len(names))
	}
	drop := 0
	for i, c := range e.Cost {
		if c < e.Cost[drop] {
			drop = i
		}
	}
	var rest *fitted
	keep := strings.Join(without(pidreg.Dataset{Modalities: b.train.Modalities}, drop).Names(), "+")
	test := without(b.test, drop)
	if len(names) == 2 {
		if rest, err = b.unimodal(1 - drop); err != nil {
			return Selection{}, err
		}
	} else {
		if b.rest == nil {
			if b.rest, err = fit(b.ctx, b.opts, b.cfg, without(b.train, drop), without(b.val, drop), test); err != nil {
				return Selection{}, err
			}
		}
		rest = b.rest
	}
	tb, err := medianPredict(bi.model, b.test)
	if err != nil {
		return Selection{}, err
	}
	tu, err := medianPredict(rest.model, test)
	if err != nil {
		return Selection{}, err
	}
	return Selection{
		Recommended: e.Drop, Candidate: names[drop], Keep: keep,
		Cost: e.Cost, Share: e.Share, CostCI: e.CostCI,
		Bimodal: bi.metrics, Unimodal: rest.metrics,
		BimodalPredict: tb.Seconds(), UnimodalPredict: tu.Seconds(),
	}, nil
}

// robustness scores a trained model (pidreg or modality-dropout) on the
// test rows with each modality missing in turn.
func (b *bencher) robustness(name string) ([]pidreg.Metrics, error) {
	f, err := b.model(name)
	if err != nil {
		return nil, err
	}
	out := []pidreg.Metrics{f.metrics}
	for i := range b.test.Modalities {
		met, err := f.model.Evaluate(missing(b.test, i))
		if err != nil {
			return nil, err
		}
		out = append(out, met)
	}
	return out, nil
}

// modalityDrop trains (once) the model with modality dropout.
func (b *bencher) modalityDrop() (*fitted, error) {
	if b.md != nil {
		return b.md, nil
	}
	cfg := b.cfg
	cfg.ModalityDropout = ModalityDropoutRate
	f, err := fit(b.ctx, b.opts, cfg, b.train, b.val, b.test)
	if err != nil {
		return nil, err
	}
	b.md = f
	return f, nil
}

// pidreg trains (once) the model with the base configuration.
func (b *bencher) pidreg() (*fitted, error) {
	if b.bi != nil {
		return b.bi, nil
	}
	f, err := fit(b.ctx, b.opts, b.cfg, b.train, b.val, b.test)
	if err != nil {
		return nil, err
	}
	b.bi = f
	return f, nil
}

// medianPredict times m.Predict(d) predictRepeats times and returns the
// median.
func medianPredict(m *pidreg.Model, d pidreg.Dataset) (time.Duration, error) {
	ts := make([]time.Duration, predictRepeats)
	for i := range ts {
		start := time.Now()
		if _, err := m.Predict(d); err != nil {
			return 0, err
		}
		ts[i] = time.Since(start)
	}
	slices.Sort(ts)
	return ts[len(ts)/2], nil
}
