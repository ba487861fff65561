package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	PIDReg         = "pidreg"        // the method with its defaults
	Concat         = "concat"        // early fusion: one encoder on the concatenated inputs
	Late           = "late"          // two unimodal models, predictions averaged
	EqualWeights   = "equal-weights" // fusion fixed at (⅓, ⅓, ⅓), no PID in training
	NoCMI          = "no-cmi"        // conditional CS-CMI regulariser off
	NoCS           = "no-cs"         // CS divergence regulariser off
	NoGauss        = "no-gauss"      // Gaussianity regulariser off
	NoFreeze       = "no-freeze"     // the PID and the weights are updated for the whole run
	UnimodalPrefix = "unimodal:"
)

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

// Models returns every model of the benchmark for two modalities with the
// given names, in the order of the table.
func Models(names []string) []string {
	out := []string{PIDReg, Concat, Late}
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
	case PIDReg, Concat, Late, EqualWeights, NoCMI, NoCS, NoGauss, NoFreeze:
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
// d must have exactly two modalities and a target. All models share the
// encoder and training settings of base; the run on split i uses the seed
// base.Seed+i, so the models of one split start from the same random state
// wherever their graphs agree. The variants are:
//
//	pidreg          base
//	concat          one encoder on [X₁ X₂] (early fusion), Latent as base
//	late            unimodal:X₁ and unimodal:X₂, predictions averaged
//	unimodal:NAME   one encoder on modality NAME
//	equal-weights   base with EqualWeights
//	no-cmi/no-cs/no-gauss  base with CMI/CS/Gauss = −1
//	no-freeze       base with NoFreeze
//
// A unimodal model is trained once per split and shared by unimodal:NAME,
// late and the modality-selection check. For late, s/epoch is the sum of the
// two models' (the cost of an epoch of the pair) and epochs the larger count.
//
// When pidreg is in models, the table also holds the modality-selection
// check of every split: pidreg's Explain (Cost, Share, Drop), the test error
// of the unimodal model that keeps the other modality, and the median time
// of Predict on the test rows of both models.
//
// progress, if not nil, receives one line per trained model. Cancelling ctx
// stops the run within one training step with an error wrapping ctx.Err().
func Run(ctx context.Context, d pidreg.Dataset, splits []runner.Split, models []string, base pidreg.Config, progress io.Writer) (*Table, error) {
	names := d.Names()
	if len(names) != 2 {
		return nil, fmt.Errorf("%w: the benchmark needs two modalities, got %d", ErrInput, len(names))
	}
	if names[0] == names[1] {
		return nil, fmt.Errorf("%w: both modalities are named %q", ErrInput, names[0])
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
	for i, s := range splits {
		cfg := base
		cfg.Seed = base.Seed + uint64(i)
		b := &bencher{ctx: ctx, cfg: cfg, uni: map[int]*fitted{}}
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
	cfg              pidreg.Config
	train, val, test pidreg.Dataset
	bi               *fitted         // the pidreg model, once trained
	uni              map[int]*fitted // unimodal models by modality index
}

func (b *bencher) model(name string) (*fitted, error) {
	cfg := b.cfg
	switch name {
	case PIDReg:
		return b.pidreg()
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
		return fit(b.ctx, cfg, concat(b.train), concat(b.val), concat(b.test))
	case Late:
		return b.late()
	default:
		m, _ := strings.CutPrefix(name, UnimodalPrefix)
		i := slices.Index(b.train.Names(), m)
		return b.unimodal(i)
	}
	return fit(b.ctx, cfg, b.train, b.val, b.test)
}

// unimodal trains (once) the model on modality i alone.
func (b *bencher) unimodal(i int) (*fitted, error) {
	if f, ok := b.uni[i]; ok {
		return f, nil
	}
	f, err := fit(b.ctx, b.cfg, only(b.train, i), only(b.val, i), only(b.test, i))
	if err != nil {
		return nil, err
	}
	b.uni[i] = f
	return f, nil
}

// late averages the test predictions of the two unimodal models.
func (b *bencher) late() (*fitted, error) {
	f1, err := b.unimodal(0)
	if err != nil {
		return nil, err
	}
	f2, err := b.unimodal(1)
	if err != nil {
		return nil, err
	}
	var p mat.Dense
	p.Add(f1.pred, f2.pred)
	p.Scale(0.5, &p)
	met, err := pidreg.Score(&p, b.test.Y)
	if err != nil {
		return nil, err
	}
	return &fitted{pred: &p, truth: col0(b.test.Y), metrics: met, spe: f1.spe + f2.spe, epochs: max(f1.epochs, f2.epochs),
		seconds: f1.seconds + f2.seconds}, nil
}

// fit trains one model and scores it on the test rows.
func fit(ctx context.Context, cfg pidreg.Config, train, val, test pidreg.Dataset) (*fitted, error) {
	m, err := pidreg.New(cfg, train.Dims()...)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	hist, err := m.Fit(ctx, train, val)
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

// concat returns the data set with one modality [X₁ X₂] named "X₁+X₂".
func concat(d pidreg.Dataset) pidreg.Dataset {
	a, b := d.Modalities[0], d.Modalities[1]
	if d.Rows() == 0 || a.X.IsEmpty() {
		return pidreg.Dataset{Modalities: []pidreg.Modality{{Name: a.Name + "+" + b.Name, X: &mat.Dense{}}}, Y: d.Y}
	}
	r, c1 := a.X.Dims()
	_, c2 := b.X.Dims()
	x := mat.NewDense(r, c1+c2, nil)
	x.Slice(0, r, 0, c1).(*mat.Dense).Copy(a.X)
	x.Slice(0, r, c1, c1+c2).(*mat.Dense).Copy(b.X)
	return pidreg.Dataset{Modalities: []pidreg.Modality{{Name: a.Name + "+" + b.Name, X: x}}, Y: d.Y}
}

// selection is the modality-selection check of one split: it takes the
// modality whose removal Explain says costs least, trains (or reuses) the
// unimodal model on the other one, and times Predict of both.
func (b *bencher) selection(names []string) (Selection, error) {
	bi, err := b.pidreg()
	if err != nil {
		return Selection{}, err
	}
	e := bi.model.Explain()
	if len(e.Cost) != 2 {
		return Selection{}, fmt.Errorf("the model's explanation has %d modality costs", len(e.Cost))
	}
	drop := 0
	if e.Cost[1] < e.Cost[0] {
		drop = 1
	}
	keep := 1 - drop
	uni, err := b.unimodal(keep)
	if err != nil {
		return Selection{}, err
	}
	tb, err := medianPredict(bi.model, b.test)
	if err != nil {
		return Selection{}, err
	}
	tu, err := medianPredict(uni.model, only(b.test, keep))
	if err != nil {
		return Selection{}, err
	}
	return Selection{
		Recommended: e.Drop, Candidate: names[drop], Keep: names[keep],
		Cost: e.Cost, Share: e.Share,
		Bimodal: bi.metrics, Unimodal: uni.metrics,
		BimodalPredict: tb.Seconds(), UnimodalPredict: tu.Seconds(),
	}, nil
}

// pidreg trains (once) the model with the base configuration.
func (b *bencher) pidreg() (*fitted, error) {
	if b.bi != nil {
		return b.bi, nil
	}
	f, err := fit(b.ctx, b.cfg, b.train, b.val, b.test)
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
