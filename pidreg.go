package pidreg

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/transform"
)

// Sentinel errors that callers can test with errors.Is.
var (
	// ErrInput reports data or settings that cannot be used: NaN or Inf
	// values, rows that disagree between modalities, too few rows, a field
	// of Config out of its range.
	ErrInput = errors.New("pidreg: invalid input")
	// ErrDimension reports a column count that does not match the model.
	ErrDimension = errors.New("pidreg: dimension mismatch")
	// ErrNotTrained reports a call that needs a fitted model.
	ErrNotTrained = errors.New("pidreg: model is not trained")
	// ErrFormat reports a model file that is truncated, altered or of an
	// unknown version.
	ErrFormat = errors.New("pidreg: bad model file")
)

// Modality is one kind of input about the samples: an n×d matrix whose rows
// are the samples, with a name used in reports. X may be any mat.Matrix: a
// *mat.Dense, or a matrix that keeps the source's own type (bytes of
// pixels, float32) and converts in At, so a large input is held once and
// small. NaN marks a missing value; a row whose every value is NaN lacks
// the modality.
type Modality struct {
	Name string
	X    mat.Matrix
}

// Dataset holds the modalities and the target of the same n samples. Y is
// n×dm: one column for a scalar target, dm columns for a vector target.
type Dataset struct {
	Modalities []Modality
	Y          *mat.Dense
}

// Rows returns the number of samples, or 0 for an empty data set.
func (d Dataset) Rows() int {
	if d.Y != nil && !d.Y.IsEmpty() {
		r, _ := d.Y.Dims()
		return r
	}
	if len(d.Modalities) > 0 && !empty(d.Modalities[0].X) {
		r, _ := d.Modalities[0].X.Dims()
		return r
	}
	return 0
}

// Dims returns the column count of every modality, in order.
func (d Dataset) Dims() []int {
	out := make([]int, len(d.Modalities))
	for i, m := range d.Modalities {
		if !empty(m.X) {
			_, out[i] = m.X.Dims()
		}
	}
	return out
}

// Names returns the modality names, in order.
func (d Dataset) Names() []string {
	out := make([]string, len(d.Modalities))
	for i, m := range d.Modalities {
		out[i] = m.Name
	}
	return out
}

// Subset returns the data set restricted to the given rows, in that order
// (repeats allowed). The modalities' matrices are views of d's, which they
// read through (no copy, whatever their type; changes to d show through),
// the target is a copy. A row index outside [0, Rows()) is an error
// wrapping ErrInput.
func (d Dataset) Subset(rows []int) (Dataset, error) {
	n := d.Rows()
	for _, r := range rows {
		if r < 0 || r >= n {
			return Dataset{}, fmt.Errorf("%w: subset: row %d of a data set of %d rows", ErrInput, r, n)
		}
	}
	out := Dataset{Modalities: make([]Modality, len(d.Modalities))}
	for i, m := range d.Modalities {
		if !empty(m.X) {
			if r, _ := m.X.Dims(); r != n {
				return Dataset{}, fmt.Errorf("%w: subset: modality %s has %d rows, the data set %d", ErrInput, m.Name, r, n)
			}
		}
		out.Modalities[i] = Modality{Name: m.Name, X: viewRows(m.X, rows)}
	}
	if d.Y != nil && !d.Y.IsEmpty() {
		if len(rows) == 0 {
			out.Y = &mat.Dense{}
		} else {
			out.Y = mat.DenseCopyOf(viewRows(d.Y, rows))
		}
	}
	return out, nil
}

// validate checks a data set against the expected layout. dims may be nil to
// accept any column counts; needY says whether a target is required.
// Missing input values (NaN) are accepted unless missing is
// transform.Refuse; ±Inf never is, nor is any non-finite target.
func (d Dataset) validate(what string, dims []int, dm int, needY bool, missing transform.Missing) error {
	if len(d.Modalities) == 0 {
		return fmt.Errorf("%w: %s has no modalities", ErrInput, what)
	}
	if dims != nil && len(d.Modalities) != len(dims) {
		return fmt.Errorf("%w: %s has %d modalities, the model has %d", ErrDimension, what, len(d.Modalities), len(dims))
	}
	n := -1
	for i, m := range d.Modalities {
		name := m.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if empty(m.X) {
			return fmt.Errorf("%w: %s: modality %s is empty", ErrInput, what, name)
		}
		r, c := m.X.Dims()
		if dims != nil && c != dims[i] {
			return fmt.Errorf("%w: %s: modality %s has %d columns, the model expects %d", ErrDimension, what, name, c, dims[i])
		}
		if n >= 0 && r != n {
			return fmt.Errorf("%w: %s: modality %s has %d rows, the first has %d", ErrInput, what, name, r, n)
		}
		n = r
		if err := finite(m.X, missing != transform.Refuse); err != nil {
			return fmt.Errorf("%w: %s: modality %s: %v", ErrInput, what, name, err)
		}
	}
	if !needY {
		return nil
	}
	if d.Y == nil || d.Y.IsEmpty() {
		return fmt.Errorf("%w: %s has no target", ErrInput, what)
	}
	r, c := d.Y.Dims()
	if r != n {
		return fmt.Errorf("%w: %s: target has %d rows, the modalities %d", ErrInput, what, r, n)
	}
	if dm > 0 && c != dm {
		return fmt.Errorf("%w: %s: target has %d columns, the model expects %d", ErrDimension, what, c, dm)
	}
	if err := finite(d.Y, false); err != nil {
		return fmt.Errorf("%w: %s: target: %v", ErrInput, what, err)
	}
	return nil
}

// finite reports the first entry of x that is ±Inf, or NaN unless nanOK.
func finite(x mat.Matrix, nanOK bool) error {
	r, c := x.Dims()
	buf := make([]float64, c)
	for i := 0; i < r; i++ {
		for j, v := range row(x, i, buf) {
			if math.IsInf(v, 0) || (math.IsNaN(v) && !nanOK) {
				return fmt.Errorf("row %d, column %d is %v", i, j, v)
			}
		}
	}
	return nil
}

// InputMap chooses how input columns are standardised before the encoders.
// Either way the statistics come from the training rows only, and every
// standardised value is then clamped to the range its column took on those
// rows (Config.InputClip).
type InputMap int

const (
	// ZScore maps x ↦ (x − mean)/sd. Columns constant on the training rows
	// get sd 1.
	ZScore InputMap = iota
	// Quantile first maps each column through its empirical distribution on
	// the training rows to normal scores (transform.Quantile, the rank
	// inverse normal transform extended to new values), then z-scores the
	// scores. Sparse columns (element fractions, pixels that are mostly 0)
	// and heavy tails then have no extreme values, in training or later.
	Quantile
)

// String returns "zscore" or "quantile".
func (m InputMap) String() string {
	switch m {
	case ZScore:
		return "zscore"
	case Quantile:
		return "quantile"
	}
	return fmt.Sprintf("InputMap(%d)", int(m))
}

// ParseInputMap parses the names returned by String (case-insensitive); ""
// means ZScore.
func ParseInputMap(s string) (InputMap, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "zscore":
		return ZScore, nil
	case "quantile":
		return Quantile, nil
	}
	return 0, fmt.Errorf("%w: input map %q (want zscore or quantile)", ErrInput, s)
}

// Config sets up a model.
//
// The zero value gives the method's defaults, which every field documents:
// a zero field means "the default". DefaultConfig returns those defaults
// written out; a Config obtained from it (and then changed) is taken
// literally, so a zero there is a zero: a loss weight of 0 switches its term
// off, a ThetaInit of 0 starts λ at ½.
//
// One rule for negative values: where "off" makes sense (the loss weights
// CS, CMI and Gauss, ClipNorm, Patience, Schedule.Patience, InputClip) a
// negative value switches the feature off; any other negative field is an
// error. New validates every field and names the first bad one.
type Config struct {
	// Latent is the size k of each modality's latent Z. Default 64.
	Latent int
	// Hidden are the hidden widths of each modality encoder. Default {256, 128}.
	Hidden []int
	// HeadHidden are the hidden widths of the regression head. Default {256, 128}.
	HeadHidden []int
	// Dropout holds the encoders' dropout rate after each hidden layer, one
	// per entry of Hidden. Default: 0.3 after the first hidden layer and 0.2
	// after every later one ({0.3, 0.2} for the default depth); give explicit
	// zeros to disable it.
	Dropout []float64
	// HeadDropout is the same for the head, one rate per entry of
	// HeadHidden. Default: Dropout when it was given with one rate per head
	// layer (one setting for the whole network), otherwise the method's
	// pattern for the head's depth.
	HeadDropout []float64
	// Float32 trains the encoders and the head in float32: their
	// parameters, activations, gradients and Adam moments, with the matrix
	// products through blas32. The bottleneck, the regularisers, the fusion,
	// the PID and every whitening and log-determinant stay float64 (the
	// latents are widened once per batch), and so do the saved model and
	// prediction. Default false: float64 throughout. BENCHMARKS.md has what
	// it changes in speed and accuracy.
	Float32 bool

	// Inputs chooses how every input column is standardised, on statistics
	// of the training rows only. Default ZScore, the method's choice.
	Inputs InputMap
	// InputClip bounds the standardised inputs. Every input z-score, in
	// training and in prediction, is clamped to the range its column took on
	// the training rows, and to ±InputClip when InputClip > 0. Default 0:
	// the training range only; negative: no clamping at all.
	InputClip float64
	// Missing says what happens to a missing input value (NaN): replaced by
	// the median of the column's training values (transform.Median, the
	// default), by their mean (transform.Mean), or refused
	// (transform.Refuse). The fill values are stored in the model and
	// applied at prediction.
	Missing transform.Missing

	// Epochs is the maximum number of epochs. Default 200.
	Epochs int
	// Batch is the mini-batch size. Default 256. The last partial batch of
	// each epoch is dropped (the graph has a fixed shape and BatchNorm wants
	// full batches); the rows are reshuffled every epoch.
	Batch int
	// LearnRate is Adam's step size for the encoders and the head, in
	// (0, 1]. Default 1e-3.
	LearnRate float64
	// LambdaLearnRate is the step size of the separate Adam that trains the
	// bottleneck parameters θ, in [0, 10]. Default 0.1.
	LambdaLearnRate float64
	// ThetaInit is the initial bottleneck θ (λ = sigmoid θ), in [−20, 20].
	// Default 4 (λ ≈ 0.982).
	ThetaInit float64
	// ClipNorm bounds the Euclidean norm of the head's gradient. Default 1;
	// negative disables clipping.
	ClipNorm float64
	// Patience is the early-stopping patience in epochs, on the validation
	// prediction loss. Default 30; negative disables early stopping.
	Patience int
	// PlateauPatience, PlateauFactor and MinLearnRate drive the
	// reduce-on-plateau schedule of the encoder/head learning rate on the
	// validation prediction loss. Defaults 10, 0.5 and 1e-6.
	PlateauPatience int
	PlateauFactor   float64
	MinLearnRate    float64

	// CS, CMI and Gauss weigh the three regularisers in the loss
	// L = MSE + CS·(CS₁+CS₂) + CMI·(CMI₁+CMI₂) + Gauss·L_Gauss.
	// Each defaults to 0.1; a negative value switches the term off.
	CS, CMI, Gauss float64
	// Bandwidth scales the median-heuristic kernel bandwidth of every Gram
	// matrix in the conditional CMI term. Default 1.
	Bandwidth float64

	// Policy decides how the redundancy is shared between the two fusion
	// weights. Default fusion.Split.
	Policy fusion.Policy
	// Schedule is the window and freeze rule of the fusion weights.
	// Defaults: window 5 epochs, δ = 0.01 bit, 5 epochs; a negative
	// Schedule.Patience never freezes (the PID is computed every batch of
	// the run).
	Schedule fusion.Schedule
	// EqualWeights fixes the fusion weights at equal values (⅓ each for two
	// modalities) and never computes the PID during training (an ablation).
	EqualWeights bool
	// ModalityDropout is the probability, in [0, 1), with which each
	// training row drops each modality at every step (never all of a row's
	// modalities): the fusion terms of a dropped modality are zeroed and the
	// row's weights renormalised over the terms it still has. A model
	// trained with it predicts rows that lack a modality better. Default 0.
	ModalityDropout float64
	// Debias applies the small-sample bias correction to every PID.
	Debias bool
	// Measure is the redundancy measure of the decompositions, for the
	// fusion weights and the explanation: "mmi" (or "", the default) is the
	// method's Gaussian PID (its closed form, which is the
	// minimum-mutual-information PID, for a scalar target; the ~G-PID for a
	// vector target; the MMI redundancy lattice for three or more
	// modalities); "dep" is Kay & Ince's I_dep (two modalities only), which
	// gives independent sources no redundancy. See package pid.
	Measure string
	// Bootstrap is the number of bootstrap resamples of the held-out rows
	// behind the confidence intervals of the explanation's atoms, shares and
	// removal costs, and the number of permutations behind its p-values
	// (two modalities). Default 200; negative: no intervals.
	Bootstrap int

	// DropBelow is the modality-selection threshold of Explain, in [0, 1): a
	// modality whose removal would lose less than this fraction of
	// I(ỹ; Z₁,Z₂) — the upper end of the 95 % interval of that cost, when
	// there are intervals — is named in Explanation.Drop. Default 0.05.
	DropBelow float64

	// Seed seeds every random choice (initialisation, shuffling, dropout,
	// noise). The same seed and data give the same model bit for bit.
	Seed uint64

	// literal marks a Config built from DefaultConfig: its zero fields are
	// zeros, not requests for the default.
	literal bool
}

// DefaultConfig returns the method's defaults written out. Unlike the zero
// Config, a Config derived from it is taken literally: change a field to 0
// and it is 0.
func DefaultConfig() Config {
	c := Config{}.withDefaults()
	c.literal = true
	return c
}

// withDefaults returns c with every zero field set to its default (nothing
// for a literal Config, except the dropout rates, which follow the depth).
func (c Config) withDefaults() Config {
	def := func(p *float64, v float64) {
		if *p == 0 && !c.literal {
			*p = v
		}
	}
	defInt := func(p *int, v int) {
		if *p == 0 && !c.literal {
			*p = v
		}
	}
	defInt(&c.Latent, 64)
	if c.Hidden == nil {
		c.Hidden = []int{256, 128}
	}
	if c.HeadHidden == nil {
		c.HeadHidden = []int{256, 128}
	}
	if c.HeadDropout == nil {
		if c.Dropout != nil && len(c.Dropout) == len(c.HeadHidden) {
			c.HeadDropout = append([]float64(nil), c.Dropout...)
		} else {
			c.HeadDropout = encoder.DefaultDropout(len(c.HeadHidden))
		}
	}
	if c.Dropout == nil {
		c.Dropout = encoder.DefaultDropout(len(c.Hidden))
	}
	defInt(&c.Epochs, 200)
	defInt(&c.Batch, 256)
	def(&c.LearnRate, 1e-3)
	def(&c.LambdaLearnRate, 0.1)
	def(&c.ThetaInit, 4)
	def(&c.ClipNorm, 1)
	defInt(&c.Patience, 30)
	defInt(&c.PlateauPatience, 10)
	defInt(&c.Bootstrap, 200)
	def(&c.PlateauFactor, 0.5)
	def(&c.MinLearnRate, 1e-6)
	def(&c.CS, 0.1)
	def(&c.CMI, 0.1)
	def(&c.Gauss, 0.1)
	def(&c.DropBelow, 0.05)
	def(&c.Bandwidth, 1)
	return c
}

// check validates a resolved Config and names the first bad field.
func (c Config) check() error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("%w: Config.%s = %v, want %s", ErrInput, field, v, want)
	}
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi } // false for NaN
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Latent < 1 || c.Latent > 1<<12:
		return bad("Latent", c.Latent, "1 … 4096")
	case c.Epochs < 1:
		return bad("Epochs", c.Epochs, "≥ 1")
	case c.Batch < 4:
		return bad("Batch", c.Batch, "≥ 4")
	case !(c.LearnRate > 0 && c.LearnRate <= 1):
		return bad("LearnRate", c.LearnRate, "a step size in (0, 1]")
	case !in(c.LambdaLearnRate, 0, 10):
		return bad("LambdaLearnRate", c.LambdaLearnRate, "a step size in [0, 10]")
	case !in(c.ThetaInit, -20, 20):
		return bad("ThetaInit", c.ThetaInit, "a finite θ in [−20, 20]")
	case !finite(c.ClipNorm) || (c.ClipNorm == 0 && c.literal):
		return bad("ClipNorm", c.ClipNorm, "a norm > 0, or negative for no clipping")
	case c.PlateauPatience < 0:
		return bad("PlateauPatience", c.PlateauPatience, "≥ 0")
	case !(c.PlateauFactor > 0 && c.PlateauFactor < 1):
		return bad("PlateauFactor", c.PlateauFactor, "a factor in (0, 1)")
	case !in(c.MinLearnRate, 0, c.LearnRate):
		return bad("MinLearnRate", c.MinLearnRate, fmt.Sprintf("a rate in [0, LearnRate = %g]", c.LearnRate))
	case !finite(c.CS):
		return bad("CS", c.CS, "a finite weight (negative: off)")
	case !finite(c.CMI):
		return bad("CMI", c.CMI, "a finite weight (negative: off)")
	case !finite(c.Gauss):
		return bad("Gauss", c.Gauss, "a finite weight (negative: off)")
	case !(c.Bandwidth > 0) || math.IsInf(c.Bandwidth, 0):
		return bad("Bandwidth", c.Bandwidth, "a finite scale > 0")
	case !(c.DropBelow >= 0 && c.DropBelow < 1):
		return bad("DropBelow", c.DropBelow, "a fraction in [0, 1)")
	case math.IsNaN(c.InputClip):
		return bad("InputClip", c.InputClip, "a bound (0: the training range, negative: no clamping)")
	case c.Inputs != ZScore && c.Inputs != Quantile:
		return bad("Inputs", c.Inputs, "ZScore or Quantile")
	case c.Missing != transform.Median && c.Missing != transform.Mean && c.Missing != transform.Refuse:
		return bad("Missing", c.Missing, "transform.Median, Mean or Refuse")
	case c.Measure != "" && c.Measure != "mmi" && c.Measure != pid.MethodDep:
		return bad("Measure", fmt.Sprintf("%q", c.Measure), `"mmi" or "dep"`)
	case c.Policy != fusion.Split && c.Policy != fusion.Stronger && c.Policy != fusion.Bernoulli:
		return bad("Policy", c.Policy, "fusion.Split, Stronger or Bernoulli")
	case c.Schedule.Window < 0:
		return bad("Schedule.Window", c.Schedule.Window, "≥ 0 (0: the default of 5 epochs)")
	case !(c.ModalityDropout >= 0 && c.ModalityDropout < 1):
		return bad("ModalityDropout", c.ModalityDropout, "a probability in [0, 1)")
	case !(c.Schedule.Delta >= 0) || math.IsInf(c.Schedule.Delta, 0):
		return bad("Schedule.Delta", c.Schedule.Delta, "a finite δ ≥ 0 in bits (0: the default of 0.01)")
	}
	if err := checkLayers("Hidden", "Dropout", c.Hidden, c.Dropout); err != nil {
		return err
	}
	return checkLayers("HeadHidden", "HeadDropout", c.HeadHidden, c.HeadDropout)
}

// checkLayers checks a stack's widths and its dropout rates.
func checkLayers(wname, dname string, widths []int, drop []float64) error {
	for i, h := range widths {
		if h < 1 {
			return fmt.Errorf("%w: Config.%s[%d] = %d, want a width ≥ 1", ErrInput, wname, i, h)
		}
	}
	if len(drop) != len(widths) {
		return fmt.Errorf("%w: Config.%s has %d rates for the %d layers of Config.%s", ErrInput, dname, len(drop), len(widths), wname)
	}
	for i, p := range drop {
		if !(p >= 0 && p < 1) {
			return fmt.Errorf("%w: Config.%s[%d] = %v, want a rate in [0, 1)", ErrInput, dname, i, p)
		}
	}
	return nil
}

// pidOptions returns the options of the model's decompositions: the
// measure, and the bias correction when asked.
func (c Config) pidOptions(debias bool) pid.Options {
	o := pid.Options{Debias: debias}
	if c.Measure == pid.MethodDep {
		o.Method = pid.MethodDep
	}
	return o
}

// on reports whether a loss weight is active (zero or negative switches it off).
func on(w float64) bool { return w > 0 }

// lossWeights returns the regularisers' weights by loss-term name: the one
// place where a Config field meets its term (internal/trainer's table).
func (c Config) lossWeights() map[string]float64 {
	return map[string]float64{"cs": c.CS, "cmi": c.CMI, "gauss": c.Gauss}
}
