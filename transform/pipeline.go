package transform

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Missing says what a Pipeline does with a missing input value (NaN).
type Missing int

const (
	// Median replaces a missing value by the median of the column's
	// non-missing training values (the default).
	Median Missing = iota
	// Mean replaces it by their mean.
	Mean
	// Refuse makes any missing value an error, in fitting and afterwards.
	Refuse
)

// String returns "median", "mean" or "error".
func (m Missing) String() string {
	switch m {
	case Median:
		return "median"
	case Mean:
		return "mean"
	case Refuse:
		return "error"
	}
	return fmt.Sprintf("Missing(%d)", int(m))
}

// ParseMissing parses the names returned by String (case-insensitive); ""
// means Median.
func ParseMissing(s string) (Missing, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "median":
		return Median, nil
	case "mean":
		return Mean, nil
	case "error":
		return Refuse, nil
	}
	return 0, fmt.Errorf("transform: missing-value policy %q (want median, mean or error): %w", s, ErrShape)
}

// PipelineOptions configure FitPipeline. The zero value is a z-score with
// clamping to the training range and median imputation.
type PipelineOptions struct {
	// Quantile maps every column through its training distribution to
	// normal scores (Quantile) before the z-score.
	Quantile bool
	// Knots is the quantile map's knot budget per column (≤ 0: DefaultKnots).
	Knots int
	// Clip bounds the standardised values: 0 clamps them to the range the
	// column took on the training rows, Clip > 0 also to ±Clip, and a
	// negative Clip turns clamping off.
	Clip float64
	// Missing is the policy for missing (NaN) values.
	Missing Missing
	// Names optionally name the columns in errors and in Pipeline.Names.
	Names []string
}

// Pipeline is the fitted input map of one block of columns:
//
//	x ↦ impute ↦ [quantile map] ↦ z-score ↦ clamp,
//
// that is, a missing value is replaced by its column's Fill value, the
// column is optionally mapped to normal scores through its training
// distribution (Quantile), standardised, z = (s − Mean)/Scale (Scaler), and
// z is clamped to [Lo, Hi]. Every statistic comes from the training rows
// only. The clamp changes no training value when Clip ≤ 0; it keeps a
// held-out value that the training rows never reached from sending a model
// where it was never fitted.
//
// A Pipeline without Quantile, Lo, Hi and Fill is a plain z-score, which is
// how a model maps its target; Inverse undoes it.
type Pipeline struct {
	// Quantile, when set, maps raw values to normal scores first.
	Quantile *Quantile
	// Scaler standardises (the normal scores, or the raw values).
	Scaler *Scaler
	// Lo and Hi bound the standardised values column by column; both empty
	// means no clamping.
	Lo, Hi []float64
	// Fill holds the value that replaces a missing raw value of each
	// column; empty means missing values are refused.
	Fill []float64
	// Names optionally name the columns for error messages.
	Names []string
}

// FitPipeline fits a Pipeline to the training rows x (n×d, n ≥ 2) and
// returns it with the transformed training rows (a new matrix; x is not
// modified).
//
// Missing values (NaN) are imputed first, unless opt.Missing is Refuse; the
// Fill values are the column medians (or means) of the non-missing values,
// so the fitted statistics describe the imputed data. A column with no
// non-missing value is an error. ±Inf is always an error.
func FitPipeline(x mat.Matrix, opt PipelineOptions) (*Pipeline, *mat.Dense, error) {
	r, c := x.Dims()
	if len(opt.Names) != 0 && len(opt.Names) != c {
		return nil, nil, fmt.Errorf("transform: fit pipeline: %d names for %d columns: %w", len(opt.Names), c, ErrShape)
	}
	if r < 2 || c < 1 {
		return nil, nil, fmt.Errorf("transform: fit pipeline on %d rows × %d columns, need at least 2 rows and 1 column: %w", r, c, ErrTooFew)
	}
	p := &Pipeline{}
	if len(opt.Names) != 0 {
		p.Names = append([]string(nil), opt.Names...)
	}
	// src is what the statistics are fitted on: x itself, or an imputed
	// copy when x has missing values. z is the transformed copy.
	var src mat.Matrix = x
	if opt.Missing != Refuse {
		fill, err := p.fitFill(x, opt.Missing)
		if err != nil {
			return nil, nil, err
		}
		p.Fill = fill
		if hasNaN(x) {
			raw := mat.DenseCopyOf(x)
			p.impute(raw)
			src = raw
		}
	}
	var z *mat.Dense
	if opt.Quantile {
		q, err := FitQuantile(src, opt.Knots, opt.Names...)
		if err != nil {
			return nil, nil, err
		}
		if z, err = q.Transform(src); err != nil {
			return nil, nil, err
		}
		p.Quantile = q
	} else if d, ok := src.(*mat.Dense); ok && src != x {
		z = d
	} else {
		z = mat.DenseCopyOf(src)
	}
	s, err := FitScaler(z, opt.Names...)
	if err != nil {
		return nil, nil, err
	}
	for j := range s.Mean {
		if math.IsInf(s.Mean[j], 0) || math.IsNaN(s.Mean[j]) || math.IsInf(s.Scale[j], 0) || math.IsNaN(s.Scale[j]) {
			return nil, nil, fmt.Errorf("transform: fit pipeline: %s: its values are too large to standardise (the mean or spread overflows float64): %w", p.label(j), ErrNonFinite)
		}
	}
	p.Scaler = s
	p.standardise(z)
	if opt.Clip >= 0 {
		p.bound(z, opt.Clip)
		p.clamp(z)
	}
	return p, z, nil
}

// fitFill returns the fill value of every column of x from its non-missing
// values, and refuses ±Inf and all-missing columns.
func (p *Pipeline) fitFill(x mat.Matrix, how Missing) ([]float64, error) {
	r, c := x.Dims()
	fill := make([]float64, c)
	col := make([]float64, 0, r)
	for j := range c {
		col = col[:0]
		for i := range r {
			v := x.At(i, j)
			if math.IsInf(v, 0) {
				return nil, fmt.Errorf("transform: fit pipeline: %s, row %d = %v: %w", p.label(j), i, v, ErrNonFinite)
			}
			if !math.IsNaN(v) {
				col = append(col, v)
			}
		}
		if len(col) == 0 {
			return nil, fmt.Errorf("transform: fit pipeline: %s has no value on the training rows: %w", p.label(j), ErrTooFew)
		}
		if how == Mean {
			fill[j], _ = meanStd(col)
		} else {
			fill[j] = median(col)
		}
	}
	return fill, nil
}

// hasNaN reports whether x has a NaN entry.
func hasNaN(x mat.Matrix) bool {
	r, c := x.Dims()
	for i := range r {
		for j := range c {
			if math.IsNaN(x.At(i, j)) {
				return true
			}
		}
	}
	return false
}

// impute replaces the NaN cells of x by the Fill values in place and
// returns how many it replaced.
func (p *Pipeline) impute(x *mat.Dense) int {
	r, _ := x.Dims()
	n := 0
	for i := range r {
		row := x.RawRowView(i)
		for j, v := range row {
			if math.IsNaN(v) {
				row[j] = p.Fill[j]
				n++
			}
		}
	}
	return n
}

// bound sets Lo and Hi to the range of the standardised training rows z,
// narrowed to ±clip when clip > 0.
func (p *Pipeline) bound(z *mat.Dense, clip float64) {
	r, c := z.Dims()
	p.Lo, p.Hi = make([]float64, c), make([]float64, c)
	for j := range c {
		p.Lo[j], p.Hi[j] = math.Inf(1), math.Inf(-1)
	}
	for i := range r {
		for j, v := range z.RawRowView(i) {
			p.Lo[j], p.Hi[j] = math.Min(p.Lo[j], v), math.Max(p.Hi[j], v)
		}
	}
	if clip > 0 {
		for j := range c {
			p.Lo[j], p.Hi[j] = math.Max(p.Lo[j], -clip), math.Min(p.Hi[j], clip)
		}
	}
}

// clamp clamps standardised values z to [Lo, Hi] in place.
func (p *Pipeline) clamp(z *mat.Dense) {
	r, _ := z.Dims()
	for i := range r {
		row := z.RawRowView(i)
		for j, v := range row {
			row[j] = math.Min(math.Max(v, p.Lo[j]), p.Hi[j])
		}
	}
}

// clamps reports whether the pipeline clamps.
func (p *Pipeline) clamps() bool { return len(p.Lo) != 0 }

// standardise replaces z by (z − Mean)/Scale in place, clamped to [Lo, Hi]
// when the pipeline clamps.
func (p *Pipeline) standardise(z *mat.Dense) {
	r, _ := z.Dims()
	s, clamp := p.Scaler, p.clamps()
	for i := range r {
		row := z.RawRowView(i)
		for j, v := range row {
			v = (v - s.Mean[j]) / s.Scale[j]
			if clamp {
				v = math.Min(math.Max(v, p.Lo[j]), p.Hi[j])
			}
			row[j] = v
		}
	}
}

// Columns returns the number of columns the pipeline maps.
func (p *Pipeline) Columns() int {
	if p == nil || p.Scaler == nil {
		return 0
	}
	return len(p.Scaler.Mean)
}

// Constant returns the columns that were constant on the training rows
// (after imputation and the quantile map), in increasing order. They map to 0.
func (p *Pipeline) Constant() []int { return append([]int(nil), p.Scaler.Constant...) }

// check validates p and the shape and values of x before a transform: the
// column count, at least one row, no ±Inf, and no NaN unless p imputes.
func (p *Pipeline) check(op string, x mat.Matrix) error {
	if err := p.Validate(); err != nil {
		return err
	}
	r, c := x.Dims()
	if c != p.Columns() {
		return fmt.Errorf("transform: pipeline %s: matrix has %d columns, the pipeline was fitted on %d: %w", op, c, p.Columns(), ErrShape)
	}
	if r == 0 {
		return fmt.Errorf("transform: pipeline %s of a matrix with no rows: %w", op, ErrTooFew)
	}
	for i := range r {
		for j := range c {
			v := x.At(i, j)
			if math.IsInf(v, 0) || (math.IsNaN(v) && len(p.Fill) == 0) {
				return fmt.Errorf("transform: pipeline %s: %s, row %d = %v: %w", op, p.label(j), i, v, ErrNonFinite)
			}
		}
	}
	return nil
}

// Transform maps the rows of x through the pipeline and returns a new
// matrix. Errors report a column mismatch (ErrShape) and name the column and
// row of a ±Inf, or of a NaN when the pipeline refuses missing values
// (ErrNonFinite).
func (p *Pipeline) Transform(x mat.Matrix) (*mat.Dense, error) {
	if err := p.check("transform", x); err != nil {
		return nil, err
	}
	z := mat.DenseCopyOf(x)
	if len(p.Fill) != 0 {
		p.impute(z)
	}
	if p.Quantile != nil {
		var err error
		if z, err = p.Quantile.Transform(z); err != nil {
			return nil, err
		}
	}
	p.standardise(z)
	return z, nil
}

// Inverse maps standardised values back to the original unit: z·Scale + Mean,
// then through the inverse of the quantile map when there is one (a
// piecewise-linear map from scores back to knot values; a score beyond the
// end scores gives the end knot). Clamping and imputation cannot be undone:
// Inverse(Transform(x)) = x for complete rows inside the training range.
func (p *Pipeline) Inverse(z mat.Matrix) (*mat.Dense, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	out, err := p.Scaler.Inverse(z)
	if err != nil || p.Quantile == nil {
		return out, err
	}
	r, _ := out.Dims()
	for i := range r {
		row := out.RawRowView(i)
		for j, v := range row {
			row[j] = p.Quantile.value(j, v)
		}
	}
	return out, nil
}

// Clamped reports for each row of x whether the pipeline clamps one of its
// values: outside the quantile map's knots, or a standardised value outside
// [Lo, Hi]. Missing values are imputed first, so they never count.
// Predictions for clamped rows extrapolate.
func (p *Pipeline) Clamped(x mat.Matrix) ([]bool, error) {
	if err := p.check("clamped", x); err != nil {
		return nil, err
	}
	r, _ := x.Dims()
	out := make([]bool, r)
	v := mat.DenseCopyOf(x)
	if len(p.Fill) != 0 {
		p.impute(v)
	}
	if q := p.Quantile; q != nil {
		for i := range r {
			for j, x := range v.RawRowView(i) {
				if kn := q.Knots[j]; x < kn[0] || x > kn[len(kn)-1] {
					out[i] = true
				}
			}
		}
		var err error
		if v, err = q.Transform(v); err != nil {
			return nil, err
		}
	}
	if !p.clamps() {
		return out, nil
	}
	s := p.Scaler
	for i := range r {
		for j, x := range v.RawRowView(i) {
			if z := (x - s.Mean[j]) / s.Scale[j]; z < p.Lo[j] || z > p.Hi[j] {
				out[i] = true
			}
		}
	}
	return out, nil
}

// Validate checks that the Pipeline is usable: a valid Scaler (and
// Quantile, when set) of the same width, Lo and Hi both empty or both of
// that width with finite Lo ≤ Hi, Fill empty or of that width and finite,
// and Names empty or of that width. It is meant for pipelines read from a
// file.
func (p *Pipeline) Validate() error {
	if p == nil || p.Scaler == nil {
		return fmt.Errorf("transform: pipeline has no scaler: %w", ErrShape)
	}
	if err := p.Scaler.Validate(); err != nil {
		return err
	}
	c := p.Columns()
	if q := p.Quantile; q != nil {
		if err := q.Validate(); err != nil {
			return err
		}
		if len(q.Knots) != c {
			return fmt.Errorf("transform: pipeline: quantile map of %d columns, scaler of %d: %w", len(q.Knots), c, ErrShape)
		}
	}
	if len(p.Lo) != len(p.Hi) || (len(p.Lo) != 0 && len(p.Lo) != c) {
		return fmt.Errorf("transform: pipeline: %d lower and %d upper bounds for %d columns: %w", len(p.Lo), len(p.Hi), c, ErrShape)
	}
	for j := range p.Lo {
		if !(p.Lo[j] <= p.Hi[j]) || math.IsInf(p.Lo[j], 0) || math.IsInf(p.Hi[j], 0) {
			return fmt.Errorf("transform: pipeline: bounds [%g, %g] of %s are not a finite range: %w", p.Lo[j], p.Hi[j], p.label(j), ErrNonFinite)
		}
	}
	if len(p.Fill) != 0 && len(p.Fill) != c {
		return fmt.Errorf("transform: pipeline: %d fill values for %d columns: %w", len(p.Fill), c, ErrShape)
	}
	for j, v := range p.Fill {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("transform: pipeline: fill value of %s = %v: %w", p.label(j), v, ErrNonFinite)
		}
	}
	if len(p.Names) != 0 && len(p.Names) != c {
		return fmt.Errorf("transform: pipeline has %d names for %d columns: %w", len(p.Names), c, ErrShape)
	}
	return nil
}

// label names column j for messages: `column 3 ("x2")` or `column 3`.
func (p *Pipeline) label(j int) string { return columnLabel(p.Names, j) }
