package pidreg

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/transform"
)

// Model is a multimodal regression model: one encoder per modality, the
// PID-weighted fusion z = w₁Z₁ + w₂Z₂ + w₃(Z₁⊙Z₂) and a regression head.
// With a single modality it is a plain MLP regressor (z = Z₁), which the
// benchmarks use as the unimodal and early-fusion baselines.
//
// A Model is created by New, trained by Fit, and used by Predict, Evaluate
// and Explain; Save and Load move it to and from a file. Its methods are not
// safe for concurrent use while Fit runs.
type Model struct {
	cfg   Config
	names []string
	dims  []int
	dm    int

	xs []scaler // per modality, fitted on the training split
	ys scaler   // target, fitted on the training split

	enc     []*encoder.Weights
	head    *encoder.Weights
	weights [3]float64
	lambdas []float64
	exp     Explanation
	trained bool

	columns [][]string // input column names per modality, if known
	targets []string   // target column names, if known
}

// SetColumns records the names of the input columns of each modality and of
// the target columns, so that a saved model can find its columns in a
// file by name. Either may be nil.
func (m *Model) SetColumns(modalities [][]string, target []string) error {
	if modalities != nil {
		if len(modalities) != len(m.dims) {
			return fmt.Errorf("%w: column names for %d modalities, the model has %d", ErrDimension, len(modalities), len(m.dims))
		}
		for i, c := range modalities {
			if len(c) != m.dims[i] {
				return fmt.Errorf("%w: %d column names for modality %d of %d columns", ErrDimension, len(c), i+1, m.dims[i])
			}
		}
	}
	if target != nil && m.dm > 0 && len(target) != m.dm {
		return fmt.Errorf("%w: %d target names for %d target columns", ErrDimension, len(target), m.dm)
	}
	m.columns = make([][]string, len(modalities))
	for i, c := range modalities {
		m.columns[i] = append([]string(nil), c...)
	}
	if modalities == nil {
		m.columns = nil
	}
	m.targets = append([]string(nil), target...)
	return nil
}

// Columns returns the input column names per modality set by SetColumns,
// or nil.
func (m *Model) Columns() [][]string {
	if m.columns == nil {
		return nil
	}
	out := make([][]string, len(m.columns))
	for i, c := range m.columns {
		out[i] = append([]string(nil), c...)
	}
	return out
}

// TargetColumns returns the target column names set by SetColumns, or nil.
func (m *Model) TargetColumns() []string { return append([]string(nil), m.targets...) }

// scaler is a fitted z-score map x ↦ (x − Mean)/Scale per column. Constant
// columns have Scale 1 (they are centred, never divided by zero). When Lo and
// Hi are set (inputs, not the target), each z-score is clamped to
// [Lo[j], Hi[j]]: the range the column took on the training rows, narrowed to
// ±clip. Clamping changes no training value when clip is off; it stops a
// held-out row from sending the network far outside anything it was fitted on.
type scaler struct {
	Mean, Scale []float64
	Constant    []int
	Lo, Hi      []float64
	// Q, when set, maps the raw inputs to normal scores first (Config.Inputs
	// = Quantile); Mean and Scale then standardise those scores.
	Q *transform.Quantile
}

// fitInput fits the input map of one modality on its training rows x and
// returns it with the mapped training rows.
func fitInput(x *mat.Dense, what string, cfg Config) (scaler, *mat.Dense, error) {
	var q *transform.Quantile
	if cfg.Inputs == Quantile {
		var err error
		if q, err = transform.FitQuantile(x, 0); err != nil {
			return scaler{}, nil, fmt.Errorf("%w: quantile map of %s: %v", ErrInput, what, err)
		}
		if x, err = q.Transform(x); err != nil {
			return scaler{}, nil, fmt.Errorf("%w: quantile map of %s: %v", ErrInput, what, err)
		}
	}
	s, err := fitScaler(x, what)
	if err != nil {
		return scaler{}, nil, err
	}
	s.Q = q
	// Standardise before the bounds exist (no clamping), then take the
	// bounds from the result and clamp it to them.
	z := x // Q's output, not the caller's matrix
	if q == nil {
		z = mat.DenseCopyOf(x)
	}
	s.standardise(z)
	if cfg.InputClip >= 0 {
		s.bound(z, cfg.InputClip)
		s.clamp(z)
	}
	return s, z, nil
}

// input maps raw input rows x through Q (if set), then standardises and
// clamps them. With Q the standardisation runs in place on Q's output, so
// only one n×d matrix is allocated either way.
func (s scaler) input(x mat.Matrix) (*mat.Dense, error) {
	if s.Q == nil {
		return s.apply(x), nil
	}
	q, err := s.Q.Transform(x)
	if err != nil {
		return nil, err
	}
	s.standardise(q)
	return q, nil
}

// clamped reports for each row of x whether input would clamp one of its
// values: outside the quantile map's knots, or a standardised value outside
// [Lo, Hi].
func (s scaler) clamped(x mat.Matrix) ([]bool, error) {
	r, c := x.Dims()
	out := make([]bool, r)
	if s.Q != nil {
		for i := range r {
			for j := range c {
				kn := s.Q.Knots[j]
				if v := x.At(i, j); v < kn[0] || v > kn[len(kn)-1] {
					out[i] = true
				}
			}
		}
		q, err := s.Q.Transform(x)
		if err != nil {
			return nil, err
		}
		x = q
	}
	if len(s.Lo) != c || len(s.Hi) != c {
		return out, nil
	}
	for i := range r {
		for j := range c {
			if z := (x.At(i, j) - s.Mean[j]) / s.Scale[j]; z < s.Lo[j] || z > s.Hi[j] {
				out[i] = true
			}
		}
	}
	return out, nil
}

func fitScaler(x *mat.Dense, what string) (scaler, error) {
	s, err := transform.FitScaler(x)
	if err != nil {
		return scaler{}, fmt.Errorf("%w: scaling %s: %v", ErrInput, what, err)
	}
	return scaler{
		Mean:     append([]float64(nil), s.Mean...),
		Scale:    append([]float64(nil), s.Scale...),
		Constant: append([]int(nil), s.Constant...),
	}, nil
}

// bound sets Lo and Hi to the range of the standardised training rows z,
// narrowed to ±clip when clip > 0.
func (s *scaler) bound(z *mat.Dense, clip float64) {
	r, c := z.Dims()
	s.Lo, s.Hi = make([]float64, c), make([]float64, c)
	for j := range c {
		s.Lo[j], s.Hi[j] = math.Inf(1), math.Inf(-1)
	}
	for i := range r {
		for j, v := range z.RawRowView(i) {
			s.Lo[j], s.Hi[j] = math.Min(s.Lo[j], v), math.Max(s.Hi[j], v)
		}
	}
	if clip > 0 {
		for j := range c {
			s.Lo[j], s.Hi[j] = math.Max(s.Lo[j], -clip), math.Min(s.Hi[j], clip)
		}
	}
}

// clamp clamps already standardised values z to [Lo, Hi] in place.
func (s scaler) clamp(z *mat.Dense) {
	r, _ := z.Dims()
	for i := 0; i < r; i++ {
		row := z.RawRowView(i)
		for j, v := range row {
			row[j] = math.Min(math.Max(v, s.Lo[j]), s.Hi[j])
		}
	}
}

// apply returns (x − Mean)/Scale as a new matrix, clamped to [Lo, Hi] when
// they are set.
func (s scaler) apply(x mat.Matrix) *mat.Dense {
	out := mat.DenseCopyOf(x)
	s.standardise(out)
	return out
}

// standardise replaces z by (z − Mean)/Scale in place, clamped to [Lo, Hi]
// when they are set.
func (s scaler) standardise(z *mat.Dense) {
	r, c := z.Dims()
	clamp := len(s.Lo) == c && len(s.Hi) == c
	for i := 0; i < r; i++ {
		row := z.RawRowView(i)
		for j, v := range row {
			v = (v - s.Mean[j]) / s.Scale[j]
			if clamp {
				v = math.Min(math.Max(v, s.Lo[j]), s.Hi[j])
			}
			row[j] = v
		}
	}
}

// invert maps z-scores back to the original unit, in place.
func (s scaler) invert(z *mat.Dense) {
	r, _ := z.Dims()
	for i := 0; i < r; i++ {
		row := z.RawRowView(i)
		for j := range row {
			row[j] = row[j]*s.Scale[j] + s.Mean[j]
		}
	}
}

// New returns an untrained model for modalities with the given column
// counts (one or two modalities; the PID needs two). Zero fields of cfg take
// their documented defaults.
func New(cfg Config, dims ...int) (*Model, error) {
	if len(dims) < 1 || len(dims) > 2 {
		return nil, fmt.Errorf("%w: %d modalities: pidreg decomposes two sources (one gives a plain regressor)", ErrInput, len(dims))
	}
	for i, d := range dims {
		if d < 1 {
			return nil, fmt.Errorf("%w: modality %d has %d columns", ErrInput, i+1, d)
		}
	}
	c := cfg.withDefaults()
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(c.Dropout) != len(c.HeadHidden) {
		return nil, fmt.Errorf("%w: %d dropout rates for %d head layers", ErrInput, len(c.Dropout), len(c.HeadHidden))
	}
	return &Model{cfg: c, dims: append([]int(nil), dims...)}, nil
}

// BLAS names the matrix-product backend compiled in: "gonum" (pure Go, the
// default) or "openblas" (build tag openblas, needs cgo and libopenblas-dev).
func BLAS() string { return blasName }

// Config returns the model's configuration with every default filled in.
func (m *Model) Config() Config { return m.cfg }

// Names returns the modality names seen by Fit.
func (m *Model) Names() []string { return append([]string(nil), m.names...) }

// Dims returns the modality column counts.
func (m *Model) Dims() []int { return append([]int(nil), m.dims...) }

// Weights returns the stored fusion weights (w₁, w₂, w₃).
func (m *Model) Weights() [3]float64 { return m.weights }

// latents runs the encoders in inference mode (BatchNorm running statistics,
// no dropout, no bottleneck noise) on already scaled inputs.
func (m *Model) latents(xs []*mat.Dense) ([]*mat.Dense, error) {
	zs := make([]*mat.Dense, len(xs))
	for i, x := range xs {
		z, err := m.enc[i].Forward(x)
		if err != nil {
			return nil, fmt.Errorf("encoder %s: %w", m.names[i], err)
		}
		zs[i] = z
	}
	return zs, nil
}

// predictBlock is the number of rows Predict pushes through the network at
// a time: a block's activations (≈ 2k × 256 floats per layer) stay in cache
// and are recycled by the allocator, where a whole 10 000-row pass would
// allocate and fault in over 100 MB.
const predictBlock = 1024

// predictScaled returns the head's output in z-score units for scaled inputs.
func (m *Model) predictScaled(xs []*mat.Dense) (*mat.Dense, error) {
	n, _ := xs[0].Dims()
	out := mat.NewDense(n, m.head.Out(), nil)
	block := make([]*mat.Dense, len(xs))
	for lo := 0; lo < n; lo += predictBlock {
		hi := min(lo+predictBlock, n)
		for i, x := range xs {
			_, c := x.Dims()
			block[i] = x.Slice(lo, hi, 0, c).(*mat.Dense)
		}
		zs, err := m.latents(block)
		if err != nil {
			return nil, err
		}
		fused := zs[0]
		if len(zs) == 2 {
			if fused, err = fusion.Fuse(zs[0], zs[1], m.weights); err != nil {
				return nil, err
			}
		}
		p, err := m.head.Forward(fused)
		if err != nil {
			return nil, err
		}
		out.Slice(lo, hi, 0, m.head.Out()).(*mat.Dense).Copy(p)
	}
	return out, nil
}

func (m *Model) scaleInputs(d Dataset) ([]*mat.Dense, error) {
	xs := make([]*mat.Dense, len(d.Modalities))
	for i, mod := range d.Modalities {
		x, err := m.xs[i].input(mod.X)
		if err != nil {
			return nil, fmt.Errorf("%w: modality %s: %v", ErrInput, mod.Name, err)
		}
		xs[i] = x
	}
	return xs, nil
}

// OutOfRange returns how many rows of d have at least one input value the
// model clamps before its encoders (see Config.InputClip): a value beyond the
// range its column took on the training rows, or beyond ±InputClip, or
// outside the quantile map's training values. Predictions for those rows
// extrapolate; a large count says d is not distributed like the training
// data. d.Y is ignored and may be nil.
func (m *Model) OutOfRange(d Dataset) (int, error) {
	if !m.trained {
		return 0, ErrNotTrained
	}
	if err := d.validate("out of range", m.dims, m.dm, false); err != nil {
		return 0, err
	}
	n := d.Rows()
	hit := make([]bool, n)
	for i, mod := range d.Modalities {
		rows, err := m.xs[i].clamped(mod.X)
		if err != nil {
			return 0, fmt.Errorf("%w: modality %s: %v", ErrInput, mod.Name, err)
		}
		for r, c := range rows {
			hit[r] = hit[r] || c
		}
	}
	count := 0
	for _, c := range hit {
		if c {
			count++
		}
	}
	return count, nil
}

// Predict returns the predictions for every row of d, n×dm, in the target's
// original unit. d.Y is ignored and may be nil.
func (m *Model) Predict(d Dataset) (*mat.Dense, error) {
	if !m.trained {
		return nil, ErrNotTrained
	}
	if err := d.validate("predict", m.dims, m.dm, false); err != nil {
		return nil, err
	}
	xs, err := m.scaleInputs(d)
	if err != nil {
		return nil, fmt.Errorf("pidreg: predict: %w", err)
	}
	out, err := m.predictScaled(xs)
	if err != nil {
		return nil, fmt.Errorf("pidreg: predict: %w", err)
	}
	m.ys.invert(out)
	return out, nil
}

// Metrics are regression errors in the target's original unit, averaged
// over every target column: mean squared error, its root, mean absolute
// error and the coefficient of determination R² = 1 − SSE/SST.
type Metrics struct {
	MSE  float64 `json:"mse"`
	RMSE float64 `json:"rmse"`
	MAE  float64 `json:"mae"`
	R2   float64 `json:"r2"`
}

// Score compares predictions with the truth (both n×dm).
func Score(pred, truth mat.Matrix) (Metrics, error) {
	r, c := truth.Dims()
	pr, pc := pred.Dims()
	if r != pr || c != pc {
		return Metrics{}, fmt.Errorf("%w: predictions are %d×%d, truth %d×%d", ErrDimension, pr, pc, r, c)
	}
	if r == 0 {
		return Metrics{}, fmt.Errorf("%w: no rows to score", ErrInput)
	}
	var sse, sae, sst float64
	for j := 0; j < c; j++ {
		var mean float64
		for i := 0; i < r; i++ {
			mean += truth.At(i, j)
		}
		mean /= float64(r)
		for i := 0; i < r; i++ {
			t := truth.At(i, j)
			e := pred.At(i, j) - t
			sse += e * e
			sae += math.Abs(e)
			sst += (t - mean) * (t - mean)
		}
	}
	n := float64(r * c)
	out := Metrics{MSE: sse / n, MAE: sae / n}
	out.RMSE = math.Sqrt(out.MSE)
	if sst > 0 {
		out.R2 = 1 - sse/sst
	} else {
		out.R2 = math.NaN()
	}
	return out, nil
}

// Evaluate predicts d and scores the predictions against d.Y.
func (m *Model) Evaluate(d Dataset) (Metrics, error) {
	if !m.trained {
		return Metrics{}, ErrNotTrained
	}
	if err := d.validate("evaluate", m.dims, m.dm, true); err != nil {
		return Metrics{}, err
	}
	p, err := m.Predict(d)
	if err != nil {
		return Metrics{}, err
	}
	return Score(p, d.Y)
}
