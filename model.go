package pidreg

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/transform"
)

// Model is a multimodal regression model: one encoder per modality, the
// PID-weighted fusion z = w₁Z₁ + w₂Z₂ + w₃(Z₁⊙Z₂) and a regression head.
// With a single modality it is a plain MLP regressor (z = Z₁), which the
// benchmarks use as the unimodal and early-fusion baselines.
//
// A Model is created by New, trained by Fit, and used by Predict, Evaluate
// and Explain; Save and Load move it to and from a file. Its methods are not
// safe for concurrent use while Fit runs; a trained model may predict from
// several goroutines.
type Model struct {
	cfg   Config
	names []string
	dims  []int
	dm    int

	inputs []*transform.Pipeline // per modality, fitted on the training split
	target *transform.Pipeline   // z-score of the target, fitted on the training split

	net     *encoder.Network
	lambdas []float64
	exp     Explanation
	trained bool

	columns [][]string // input column names per modality, if known
	targets []string   // target column names, if known
}

// New returns an untrained model for modalities with the given column
// counts: one (a plain regressor) or more (the PID needs two; the
// decomposition is exact for up to pid.MaxExactSources, a one-vs-rest
// reduction beyond). Zero fields of cfg take their documented defaults (see
// Config); every field is validated here.
func New(cfg Config, dims ...int) (*Model, error) {
	if len(dims) < 1 || len(dims) > pid.MaxSources {
		return nil, fmt.Errorf("%w: %d modalities: pidreg takes 1 to %d", ErrInput, len(dims), pid.MaxSources)
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
	if err := batchFits(len(dims), c.Latent, 1, c.Batch, false, len(dims) >= 2 && !c.EqualWeights); err != nil {
		return nil, err
	}
	if c.Measure == pid.MethodDep && len(dims) != 2 {
		return nil, fmt.Errorf("%w: Config.Measure \"dep\" decomposes two modalities, have %d (use \"mmi\")", ErrInput, len(dims))
	}
	return &Model{cfg: c, dims: append([]int(nil), dims...)}, nil
}

// SetColumns records the names of the input columns of each modality and of
// the target columns, so that a saved model can find its columns in a
// file by name, and errors and reports can name them. Either may be nil.
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
	m.columns = nil
	if modalities != nil {
		m.columns = make([][]string, len(modalities))
		for i, c := range modalities {
			m.columns[i] = append([]string(nil), c...)
		}
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

// BLAS names the matrix-product backend compiled in: "gonum" (pure Go, the
// default) or "openblas" (build tag openblas, needs cgo and libopenblas-dev).
func BLAS() string { return blasName }

// Config returns the model's configuration with every default filled in.
func (m *Model) Config() Config { return m.cfg }

// Names returns the modality names seen by Fit.
func (m *Model) Names() []string { return append([]string(nil), m.names...) }

// Dims returns the modality column counts.
func (m *Model) Dims() []int { return append([]int(nil), m.dims...) }

// Weights returns the stored fusion weights, one per fusion term (for two
// modalities w₁, w₂ and w₁₂ of Z₁, Z₂ and Z₁⊙Z₂; Explanation.Terms names
// them); nil for a one-modality or untrained model.
func (m *Model) Weights() []float64 {
	if m.net == nil {
		return nil
	}
	return append([]float64(nil), m.net.Fusion...)
}

// presence returns which rows of d have which modality, row-major n×M: a
// row lacks a modality when every cell of it is missing (NaN). It returns
// nil when every row has every modality, and an error naming the first row
// that has none.
func (m *Model) presence(d Dataset) ([]bool, error) {
	n, nm := d.Rows(), len(d.Modalities)
	var present []bool
	for i, mod := range d.Modalities {
		_, c := mod.X.Dims()
		buf := make([]float64, c)
		for r := range n {
			if !allNaN(row(mod.X, r, buf)) {
				continue
			}
			if present == nil {
				present = make([]bool, n*nm)
				for k := range present {
					present[k] = true
				}
			}
			present[r*nm+i] = false
		}
	}
	for r := 0; present != nil && r < n; r++ {
		if !slices.Contains(present[r*nm:(r+1)*nm], true) {
			return nil, fmt.Errorf("%w: row %d has no modality: every cell of it is missing", ErrInput, r)
		}
	}
	return present, nil
}

func allNaN(row []float64) bool {
	for _, v := range row {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

// maskOf turns rows [lo, hi) of a presence slice into a fusion mask
// (1 present, 0 absent), or nil when present is nil.
func maskOf(present []bool, nm, lo, hi int) *mat.Dense {
	if present == nil {
		return nil
	}
	mask := mat.NewDense(hi-lo, nm, nil)
	raw := mask.RawMatrix().Data
	for k, p := range present[lo*nm : hi*nm] {
		if p {
			raw[k] = 1
		}
	}
	return mask
}

// columnNames returns the names of modality i's columns for messages: the
// names set by SetColumns, or nil.
func (m *Model) columnNames(i int) []string {
	if i < len(m.columns) {
		return m.columns[i]
	}
	return nil
}

// scaleInputs maps every modality of d through its fitted pipeline, whole.
func (m *Model) scaleInputs(d Dataset) ([]mat.Matrix, error) {
	xs := make([]mat.Matrix, len(d.Modalities))
	for i, mod := range d.Modalities {
		x, err := m.inputs[i].Transform(mod.X)
		if err != nil {
			return nil, fmt.Errorf("%w: modality %s: %v", ErrInput, mod.Name, err)
		}
		xs[i] = x
	}
	return xs, nil
}

// predictScaled returns the network's outputs (z-scored target units) for
// the rows of d, transforming and predicting block by block. A row that
// lacks a modality (every cell of it missing) is predicted from the others
// with the fusion weights renormalised over the terms it has.
func (m *Model) predictScaled(d Dataset) (*mat.Dense, error) {
	present, err := m.presence(d)
	if err != nil {
		return nil, err
	}
	if present != nil && len(m.dims) == 1 {
		return nil, fmt.Errorf("%w: rows lack the model's only modality", ErrInput)
	}
	out := mat.NewDense(d.Rows(), m.dm, nil)
	block := make([]mat.Matrix, len(m.dims))
	err = m.transformBlocks(d, func(lo int, xs []*mat.Dense) error {
		for i, x := range xs {
			block[i] = x
		}
		r, _ := xs[0].Dims()
		var mask mat.Matrix
		if mk := maskOf(present, len(m.dims), lo, lo+r); mk != nil {
			mask = mk
		}
		p, err := m.net.Forward(block, mask)
		if err != nil {
			return err
		}
		out.Slice(lo, lo+r, 0, m.dm).(*mat.Dense).Copy(p)
		return nil
	})
	return out, err
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
	if err := d.validate("out of range", m.dims, m.dm, false, m.cfg.Missing); err != nil {
		return 0, err
	}
	n := d.Rows()
	hit := make([]bool, n)
	for i, mod := range d.Modalities {
		rows, err := m.inputs[i].Clamped(mod.X)
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
// original unit. d.Y is ignored and may be nil. When the model knows its
// modality names (from Fit), every named modality of d must carry the same
// name in the same place: swapped modalities are refused.
func (m *Model) Predict(d Dataset) (*mat.Dense, error) {
	if !m.trained {
		return nil, ErrNotTrained
	}
	if err := d.validate("predict", m.dims, m.dm, false, m.cfg.Missing); err != nil {
		return nil, err
	}
	if err := m.checkNames(d); err != nil {
		return nil, err
	}
	out, err := m.predictScaled(d)
	if err != nil {
		return nil, fmt.Errorf("pidreg: predict: %w", err)
	}
	if out, err = m.target.Inverse(out); err != nil {
		return nil, fmt.Errorf("pidreg: predict: %w", err)
	}
	return out, nil
}

// checkNames refuses a data set whose modality names (where set) differ
// from the model's, position by position.
func (m *Model) checkNames(d Dataset) error {
	for i, mod := range d.Modalities {
		if mod.Name != "" && i < len(m.names) && m.names[i] != "" && mod.Name != m.names[i] {
			return fmt.Errorf("%w: modality %d is named %q, the model's is %q (modalities out of order?)", ErrInput, i+1, mod.Name, m.names[i])
		}
	}
	return nil
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
	if err := d.validate("evaluate", m.dims, m.dm, true, m.cfg.Missing); err != nil {
		return Metrics{}, err
	}
	p, err := m.Predict(d)
	if err != nil {
		return Metrics{}, err
	}
	return Score(p, d.Y)
}
