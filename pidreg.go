package pidreg

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/fusion"
)

// Sentinel errors that callers can test with errors.Is.
var (
	// ErrInput reports data that cannot be used: NaN or Inf values, rows that
	// disagree between modalities, too few rows.
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
// are the samples, with a name used in reports.
type Modality struct {
	Name string
	X    *mat.Dense
}

// Dataset holds the modalities and the target of the same n samples. Y is
// n×dm: one column for a scalar target, dm columns for a vector target.
type Dataset struct {
	Modalities []Modality
	Y          *mat.Dense
}

// Rows returns the number of samples, or 0 for an empty data set.
func (d Dataset) Rows() int {
	if d.Y != nil {
		r, _ := d.Y.Dims()
		return r
	}
	if len(d.Modalities) > 0 && d.Modalities[0].X != nil {
		r, _ := d.Modalities[0].X.Dims()
		return r
	}
	return 0
}

// Dims returns the column count of every modality, in order.
func (d Dataset) Dims() []int {
	out := make([]int, len(d.Modalities))
	for i, m := range d.Modalities {
		if m.X != nil {
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

// Subset returns the data set restricted to the given rows, in that order.
// The matrices are copies.
func (d Dataset) Subset(rows []int) Dataset {
	out := Dataset{Modalities: make([]Modality, len(d.Modalities))}
	for i, m := range d.Modalities {
		out.Modalities[i] = Modality{Name: m.Name, X: takeRows(m.X, rows)}
	}
	if d.Y != nil {
		out.Y = takeRows(d.Y, rows)
	}
	return out
}

func takeRows(x *mat.Dense, rows []int) *mat.Dense {
	_, c := x.Dims()
	if len(rows) == 0 {
		return &mat.Dense{}
	}
	out := mat.NewDense(len(rows), c, nil)
	for i, r := range rows {
		out.SetRow(i, x.RawRowView(r))
	}
	return out
}

// validate checks a data set against the expected layout. dims may be nil to
// accept any column counts; needY says whether a target is required.
func (d Dataset) validate(what string, dims []int, dm int, needY bool) error {
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
		if m.X == nil || m.X.IsEmpty() {
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
		if err := finite(m.X); err != nil {
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
	if err := finite(d.Y); err != nil {
		return fmt.Errorf("%w: %s: target: %v", ErrInput, what, err)
	}
	return nil
}

func finite(x *mat.Dense) error {
	r, c := x.Dims()
	for i := 0; i < r; i++ {
		for j, v := range x.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("row %d, column %d is %v", i, j, v)
			}
		}
	}
	_ = c
	return nil
}

// InputMap chooses how input columns are standardised before the encoders.
// Either way the statistics come from the training rows only, and every
// standardised value is then clamped to the range its column took on those
// rows (Config.InputClip).
type InputMap int

const (
	// ZScore maps x ↦ (x − mean)/sd (METHOD.md §2). Columns constant on the
	// training rows get sd 1.
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

// Config sets up a model. The zero value gives the defaults of the method
// (METHOD.md §1 and §6); every field documents its default.
type Config struct {
	// Latent is the size k of each modality's latent Z. Default 64.
	Latent int
	// Hidden are the hidden widths of each modality encoder. Default {256, 128}.
	Hidden []int
	// HeadHidden are the hidden widths of the regression head. Default {256, 128}.
	HeadHidden []int
	// Dropout is the dropout rate after each hidden layer (encoders and
	// head). Default {0.3, 0.2}; give explicit zeros to disable it.
	Dropout []float64

	// Inputs chooses how every input column is standardised, on statistics
	// of the training rows only. Default ZScore, the method's choice.
	Inputs InputMap
	// InputClip bounds the standardised inputs. Every input z-score, in
	// training and in prediction, is clamped to the range its column took on
	// the training rows, and to ±InputClip when InputClip > 0. Default 0:
	// the training range only; negative: no clamping at all.
	InputClip float64

	// Epochs is the maximum number of epochs. Default 200.
	Epochs int
	// Batch is the mini-batch size. Default 256. The last partial batch of
	// each epoch is dropped (the graph has a fixed shape and BatchNorm wants
	// full batches); the rows are reshuffled every epoch.
	Batch int
	// LearnRate is Adam's step size for the encoders and the head. Default 1e-3.
	LearnRate float64
	// LambdaLearnRate is the step size of the separate Adam that trains the
	// bottleneck parameters θ. Default 0.1.
	LambdaLearnRate float64
	// ThetaInit is the initial bottleneck θ (λ = sigmoid θ). Default 4.
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
	// Defaults: window 5 epochs, δ = 0.01 bit, 5 epochs.
	Schedule fusion.Schedule
	// NoFreeze keeps computing the PID every batch for the whole run.
	NoFreeze bool
	// EqualWeights fixes the fusion weights at (⅓, ⅓, ⅓) and never computes
	// the PID during training (an ablation).
	EqualWeights bool
	// Debias applies the small-sample bias correction to every PID.
	Debias bool

	// DropBelow is the modality-selection threshold of Explain: a modality
	// whose removal would lose less than this fraction of I(ỹ; Z₁,Z₂) is
	// named in Explanation.Drop. Default 0.05.
	DropBelow float64

	// Seed seeds every random choice (initialisation, shuffling, dropout,
	// noise). The same seed and data give the same model bit for bit.
	Seed uint64
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Latent == 0 {
		c.Latent = 64
	}
	if c.Hidden == nil {
		c.Hidden = []int{256, 128}
	}
	if c.HeadHidden == nil {
		c.HeadHidden = []int{256, 128}
	}
	if c.Dropout == nil {
		c.Dropout = []float64{0.3, 0.2}
	}
	if c.Epochs == 0 {
		c.Epochs = 200
	}
	if c.Batch == 0 {
		c.Batch = 256
	}
	if c.LearnRate == 0 {
		c.LearnRate = 1e-3
	}
	if c.LambdaLearnRate == 0 {
		c.LambdaLearnRate = 0.1
	}
	if c.ThetaInit == 0 {
		c.ThetaInit = 4
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.Patience == 0 {
		c.Patience = 30
	}
	if c.PlateauPatience == 0 {
		c.PlateauPatience = 10
	}
	if c.PlateauFactor == 0 {
		c.PlateauFactor = 0.5
	}
	if c.MinLearnRate == 0 {
		c.MinLearnRate = 1e-6
	}
	if c.CS == 0 {
		c.CS = 0.1
	}
	if c.CMI == 0 {
		c.CMI = 0.1
	}
	if c.Gauss == 0 {
		c.Gauss = 0.1
	}
	if c.DropBelow == 0 {
		c.DropBelow = 0.05
	}
	if c.Bandwidth == 0 {
		c.Bandwidth = 1
	}
	return c
}

func (c Config) check() error {
	switch {
	case c.Latent < 1:
		return fmt.Errorf("%w: latent size %d", ErrInput, c.Latent)
	case c.Batch < 4:
		return fmt.Errorf("%w: batch size %d is below 4", ErrInput, c.Batch)
	case c.Epochs < 1:
		return fmt.Errorf("%w: %d epochs", ErrInput, c.Epochs)
	case len(c.Dropout) != len(c.Hidden) && len(c.Dropout) != 0:
		return fmt.Errorf("%w: %d dropout rates for %d hidden layers", ErrInput, len(c.Dropout), len(c.Hidden))
	case math.IsNaN(c.InputClip):
		return fmt.Errorf("%w: input clip is NaN", ErrInput)
	case c.Inputs != ZScore && c.Inputs != Quantile:
		return fmt.Errorf("%w: unknown %v", ErrInput, c.Inputs)
	case c.PlateauFactor <= 0 || c.PlateauFactor >= 1:
		return fmt.Errorf("%w: plateau factor %v is not in (0,1)", ErrInput, c.PlateauFactor)
	}
	for _, p := range c.Dropout {
		if p < 0 || p >= 1 || math.IsNaN(p) {
			return fmt.Errorf("%w: dropout rate %v is not in [0,1)", ErrInput, p)
		}
	}
	for _, h := range append(append([]int(nil), c.Hidden...), c.HeadHidden...) {
		if h < 1 {
			return fmt.Errorf("%w: hidden width %d", ErrInput, h)
		}
	}
	return nil
}

// on reports whether a loss weight is active (negative switches it off).
func on(w float64) bool { return w > 0 }
