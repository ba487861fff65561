package transform

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

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

// FitPipeline fits a Pipeline to the training rows x (n×d, n ≥ 2); x is not
// modified. Transform(x) then gives the transformed training rows, which
// the clamp leaves as they are (unless opt.Clip > 0).
//
// Missing values (NaN) are imputed first, unless opt.Missing is Refuse; the
// Fill values are the column medians (or means) of the non-missing values,
// so the fitted statistics describe the imputed data. A column with no
// non-missing value is an error; so is ±Inf, and a column whose mean or
// spread overflows float64.
//
// The fit works on blocks of fitBlock columns, read row after row (a
// matrix that computes or gathers its elements, such as a view of scattered
// rows, is then read in the order its rows are stored), on GOMAXPROCS
// goroutines that read x at the same time; the result, errors included,
// does not depend on their number. Beyond the Pipeline it needs memory for
// fitBlock + 1 columns per goroutine, never a copy of x.
func FitPipeline(x mat.Matrix, opt PipelineOptions) (*Pipeline, error) {
	r, c := x.Dims()
	if len(opt.Names) != 0 && len(opt.Names) != c {
		return nil, fmt.Errorf("transform: fit pipeline: %d names for %d columns: %w", len(opt.Names), c, ErrShape)
	}
	if r < 2 || c < 1 {
		return nil, fmt.Errorf("transform: fit pipeline on %d rows × %d columns, need at least 2 rows and 1 column: %w", r, c, ErrTooFew)
	}
	maxKnots := opt.Knots
	if maxKnots <= 0 {
		maxKnots = DefaultKnots
	}
	if opt.Quantile && maxKnots < 2 {
		return nil, fmt.Errorf("transform: fit pipeline with %d quantile knot per column, need at least 2: %w", maxKnots, ErrTooFew)
	}
	p := &Pipeline{Scaler: &Scaler{Mean: make([]float64, c), Scale: make([]float64, c)}}
	if len(opt.Names) != 0 {
		p.Names = append([]string(nil), opt.Names...)
		p.Scaler.Names = p.Names
	}
	if opt.Missing != Refuse {
		p.Fill = make([]float64, c)
	}
	if opt.Quantile {
		p.Quantile = &Quantile{Knots: make([][]float64, c), Scores: make([][]float64, c), Names: p.Names}
	}
	if opt.Clip >= 0 {
		p.Lo, p.Hi = make([]float64, c), make([]float64, c)
	}
	blocks := (c + fitBlock - 1) / fitBlock
	errs := make([]error, blocks)
	quantConst, scaleConst := make([]bool, c), make([]bool, c)
	var next atomic.Int64
	var failed atomic.Int64 // the first block with an error, or blocks
	failed.Store(int64(blocks))
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), blocks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := columnFitter{p: p, opt: opt, knots: maxKnots, block: make([]float64, min(c, fitBlock)*r), tmp: make([]float64, 0, r)}
			for {
				b := next.Add(1) - 1
				// Blocks are taken in order, so every block before the
				// first failure is fitted: the error reported is that of
				// the first bad column, whatever the scheduling.
				if b >= int64(blocks) || b > failed.Load() {
					return
				}
				j0, j1 := int(b)*fitBlock, min(int(b+1)*fitBlock, c)
				readColumns(f.block, x, j0, j1)
				for j := j0; j < j1; j++ {
					col := f.block[(j-j0)*r : (j-j0+1)*r]
					var err error
					if quantConst[j], scaleConst[j], err = f.fit(j, col); err != nil {
						errs[b] = err
						for cur := failed.Load(); b < cur && !failed.CompareAndSwap(cur, b); cur = failed.Load() {
						}
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for j := range c {
		if quantConst[j] {
			p.Quantile.Constant = append(p.Quantile.Constant, j)
		}
		if scaleConst[j] {
			p.Scaler.Constant = append(p.Scaler.Constant, j)
		}
	}
	return p, nil
}

// columnFitter fits the columns of one goroutine of FitPipeline; p's
// per-column slices are written at the column's index only.
type columnFitter struct {
	p     *Pipeline
	opt   PipelineOptions
	knots int
	block []float64 // the columns read, column after column
	tmp   []float64 // scratch of one column
	qf    quantileFitter
}

// fit fits column j of p to its values col (overwritten), reporting
// whether the quantile map and the scaler found it constant.
func (f *columnFitter) fit(j int, col []float64) (quantConst, scaleConst bool, err error) {
	p, opt := f.p, f.opt
	r := len(col)
	tmp := f.tmp[:0]
	for i, v := range col {
		switch {
		case math.IsInf(v, 0) || (math.IsNaN(v) && opt.Missing == Refuse):
			return false, false, fmt.Errorf("transform: fit pipeline: %s, row %d = %v: %w", p.label(j), i, v, ErrNonFinite)
		case !math.IsNaN(v):
			tmp = append(tmp, v)
		}
	}
	if p.Fill != nil {
		if len(tmp) == 0 {
			return false, false, fmt.Errorf("transform: fit pipeline: %s has no value on the training rows: %w", p.label(j), ErrTooFew)
		}
		if opt.Missing == Mean {
			p.Fill[j], _ = meanStd(tmp)
		} else {
			p.Fill[j] = median(tmp)
		}
		if len(tmp) < r {
			for i, v := range col {
				if math.IsNaN(v) {
					col[i] = p.Fill[j]
				}
			}
		}
	}
	if q := p.Quantile; q != nil {
		q.Knots[j], q.Scores[j] = f.qf.fit(append(tmp[:0], col...), f.knots)
		quantConst = len(q.Knots[j]) == 1
		for i, v := range col {
			col[i] = q.score(j, v)
		}
	}
	f.tmp = tmp
	mean, scale, constant := scaleColumn(col)
	if math.IsInf(mean, 0) || math.IsNaN(mean) || math.IsInf(scale, 0) || math.IsNaN(scale) {
		return false, false, fmt.Errorf("transform: fit pipeline: %s: its values are too large to standardise (the mean or spread overflows float64): %w", p.label(j), ErrNonFinite)
	}
	p.Scaler.Mean[j], p.Scaler.Scale[j] = mean, scale
	if p.Lo != nil {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range col {
			z := (v - mean) / scale
			if z < lo {
				lo = z
			}
			if z > hi {
				hi = z
			}
		}
		if opt.Clip > 0 {
			lo, hi = math.Max(lo, -opt.Clip), math.Min(hi, opt.Clip)
		}
		p.Lo[j], p.Hi[j] = lo, hi
	}
	return quantConst, constant, nil
}

// fitBlock is the number of columns FitPipeline reads at a time.
const fitBlock = 32

// readColumns copies columns [j0, j1) of x into dst, column after column
// (column j0+k at dst[k·r:]), reading x row after row.
func readColumns(dst []float64, x mat.Matrix, j0, j1 int) {
	r, _ := x.Dims()
	buf := make([]float64, j1-j0)
	for i := range r {
		for k, v := range Row(buf, x, i, j0) {
			dst[k*r+i] = v
		}
	}
}

// clamps reports whether the pipeline clamps.
func (p *Pipeline) clamps() bool { return len(p.Lo) != 0 }

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
// column count, at least one row, no ±Inf, and no NaN unless p imputes or
// the whole row is missing.
func (p *Pipeline) check(op string, x mat.Matrix) error {
	if err := p.checkShape(op, x); err != nil {
		return err
	}
	r, c := x.Dims()
	buf := make([]float64, c)
	for i := range r {
		if err := p.checkRow(op, i, Row(buf, x, i, 0)); err != nil {
			return err
		}
	}
	return nil
}

// checkShape is the part of check that does not read x's values.
func (p *Pipeline) checkShape(op string, x mat.Matrix) error {
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
	return nil
}

// checkRow checks the values of row i: no ±Inf, and no NaN unless p
// imputes or the whole row is missing.
func (p *Pipeline) checkRow(op string, i int, row []float64) error {
	absent := len(p.Fill) == 0 && allMissing(row)
	for j, v := range row {
		if math.IsInf(v, 0) || (math.IsNaN(v) && len(p.Fill) == 0 && !absent) {
			return fmt.Errorf("transform: pipeline %s: %s, row %d = %v: %w", op, p.label(j), i, v, ErrNonFinite)
		}
	}
	return nil
}

// allMissing reports whether every value of row is missing (NaN).
func allMissing(row []float64) bool {
	for _, v := range row {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

// Transform maps the rows of x through the pipeline and returns a new
// matrix. Errors report a column mismatch (ErrShape) and name the column and
// row of a ±Inf, or of a NaN when the pipeline refuses missing values
// (ErrNonFinite).
func (p *Pipeline) Transform(x mat.Matrix) (*mat.Dense, error) {
	r, c := x.Dims()
	if r == 0 || c == 0 {
		return nil, p.check("transform", x)
	}
	z := mat.NewDense(r, c, nil)
	if err := p.TransformTo(z, x); err != nil {
		return nil, err
	}
	return z, nil
}

// TransformTo writes the transform of x into dst, which must have x's
// shape; it allocates one row, so a caller can transform a large matrix
// block by block. A row whose every value is missing (a sample without this
// block of columns) maps to zeros, the standardised centre, whatever the
// missing-value policy. Its errors are those of Transform; x is read once,
// row by row, so after an error the rows of dst above the bad one hold
// their transforms and the others are unchanged.
func (p *Pipeline) TransformTo(dst *mat.Dense, x mat.Matrix) error {
	if err := p.checkShape("transform", x); err != nil {
		return err
	}
	r, c := x.Dims()
	if dr, dc := dst.Dims(); dr != r || dc != c {
		return fmt.Errorf("transform: pipeline transform into %d×%d, x is %d×%d: %w", dr, dc, r, c, ErrShape)
	}
	s, q, clamp := p.Scaler, p.Quantile, p.clamps()
	buf := make([]float64, c)
	for i := range r {
		row := dst.RawRowView(i)
		in := Row(buf, x, i, 0)
		if err := p.checkRow("transform", i, in); err != nil {
			return err
		}
		if math.IsNaN(in[0]) && allMissing(in) {
			clear(row)
			continue
		}
		for j, v := range in {
			if math.IsNaN(v) {
				v = p.Fill[j] // check refused a NaN without a Fill
			}
			if q != nil {
				v = q.score(j, v)
			}
			v = (v - s.Mean[j]) / s.Scale[j]
			if clamp {
				// v is not NaN (imputed), so comparisons clamp as
				// math.Min and math.Max would, at a fraction of the cost.
				if v < p.Lo[j] {
					v = p.Lo[j]
				} else if v > p.Hi[j] {
					v = p.Hi[j]
				}
			}
			row[j] = v
		}
	}
	return nil
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
// [Lo, Hi]. Missing values are imputed (or, for a whole missing row, set to
// the centre), so they never count.
// Predictions for clamped rows extrapolate.
func (p *Pipeline) Clamped(x mat.Matrix) ([]bool, error) {
	if err := p.check("clamped", x); err != nil {
		return nil, err
	}
	r, c := x.Dims()
	out := make([]bool, r)
	s, q, clamp := p.Scaler, p.Quantile, p.clamps()
	buf := make([]float64, c)
	for i := range r {
		for j, v := range Row(buf, x, i, 0) {
			if math.IsNaN(v) {
				continue // imputed: inside the range
			}
			if q != nil {
				if kn := q.Knots[j]; v < kn[0] || v > kn[len(kn)-1] {
					out[i] = true
				}
				v = q.score(j, v)
			}
			if z := (v - s.Mean[j]) / s.Scale[j]; clamp && (z < p.Lo[j] || z > p.Hi[j]) {
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
