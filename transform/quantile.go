package transform

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// DefaultKnots is the number of knots per column FitQuantile keeps when it is
// given maxKnots ≤ 0 (scikit-learn's QuantileTransformer uses the same 1000
// quantiles by default).
const DefaultKnots = 1000

// Quantile maps every column to normal scores through its empirical
// distribution on the fitted rows: the rank-based inverse normal transform of
// InverseNormal (Blom's offset), extended to values it was not fitted on.
//
// For column j with fitted values x_1 … x_n, a knot value v gets the score
//
//	s(v) = Φ⁻¹((r(v) − 3/8) / (n + 1/4)),
//
// where r(v) is v's average rank among the fitted values (a value shared by
// c rows spans c ranks and gets their mean). A new value between two knots
// gets the linear interpolation of their scores, and a value outside the
// fitted range gets the score of the nearest end: the map is continuous,
// non-decreasing and bounded by ±Φ⁻¹(1 − 5/(8n+2)) (≈ ±3.7 for n = 3 500),
// so a held-out row never lands far outside what a model was trained on.
//
// On the fitted rows the transform equals InverseNormal column by column as
// long as a column has at most the kept number of distinct values; otherwise
// the knots are the values at evenly spaced ranks (always the minimum and
// maximum, and both neighbours of a heavily tied value such as the 0 of a
// sparse column), each with its exact score, and the rows between are
// interpolated.
//
// Compared with a z-score, the map is invariant to every increasing
// transformation of a column on the fitted rows, gives heavy tails and
// outliers no leverage, and turns a sparse column (most rows 0, a few
// positive) into two well-separated levels instead of a few extreme values.
// Fit it on the training rows only.
type Quantile struct {
	// Knots[j] holds the increasing knot values of column j.
	Knots [][]float64
	// Scores[j][k] is the normal score of Knots[j][k]; non-decreasing in k.
	Scores [][]float64
	// Constant lists, in increasing order, the columns with a single value
	// on the fitted rows. Their one knot scores 0, so they transform to 0.
	Constant []int
	// Names optionally names the columns for error messages; it is empty or
	// has one entry per column.
	Names []string
}

// FitQuantile fits a Quantile to the columns of x (n×d, n ≥ 2). Each column
// keeps the values at maxKnots evenly spaced ranks as knots (maxKnots ≤ 0
// means DefaultKnots; otherwise it must be at least 2), plus the two
// neighbours of every value shared by so many rows that it holds two of those
// ranks, so at most 2·maxKnots knots in all. names, when given, must have d
// entries.
//
// It returns an error wrapping ErrTooFew for fewer than 2 rows, no column or
// maxKnots = 1, ErrShape when len(names) is wrong and ErrNonFinite naming the
// column and row of the first NaN or ±Inf.
//
// Complexity: O(d·n log n) time, O(n + d·maxKnots) memory.
func FitQuantile(x mat.Matrix, maxKnots int, names ...string) (*Quantile, error) {
	r, c := x.Dims()
	if len(names) != 0 && len(names) != c {
		return nil, fmt.Errorf("transform: fit quantile: %d names for %d columns: %w", len(names), c, ErrShape)
	}
	if r < 2 || c < 1 {
		return nil, fmt.Errorf("transform: fit quantile on %d rows × %d columns, need at least 2 rows and 1 column: %w", r, c, ErrTooFew)
	}
	if maxKnots <= 0 {
		maxKnots = DefaultKnots
	}
	if maxKnots < 2 {
		return nil, fmt.Errorf("transform: fit quantile with %d knot per column, need at least 2: %w", maxKnots, ErrTooFew)
	}
	q := &Quantile{Knots: make([][]float64, c), Scores: make([][]float64, c)}
	if len(names) != 0 {
		q.Names = append([]string(nil), names...)
	}
	col := make([]float64, r)
	var f quantileFitter
	for j := range c {
		for i := range r {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("transform: fit quantile: %s, row %d = %v: %w", q.label(j), i, v, ErrNonFinite)
			}
			col[i] = v
		}
		q.Knots[j], q.Scores[j] = f.fit(col, maxKnots)
		if len(q.Knots[j]) == 1 {
			q.Constant = append(q.Constant, j)
		}
	}
	return q, nil
}

// quantileFitter fits one column's knots and scores, reusing its scratch
// across columns.
type quantileFitter struct{ ends, targets []int }

// fit returns the knots and scores of the finite values col (sorted in
// place; len(col) ≥ 2, maxKnots ≥ 2) as FitQuantile documents them.
func (f *quantileFitter) fit(col []float64, maxKnots int) (knots, scores []float64) {
	r := len(col)
	n := float64(r)
	den := n - 2*Blom + 1
	slices.Sort(col)
	// Tie groups: ends[g] is one past the last sorted position of group g.
	ends := f.ends[:0]
	for lo := 0; lo < r; {
		hi := lo + 1
		for hi < r && col[hi] == col[lo] {
			hi++
		}
		ends = append(ends, hi)
		lo = hi
	}
	// Keep every group when there are at most K of them. Otherwise keep
	// a group when it holds one of the target positions
	// t_k = round(k·(n−1)/(K−1)), k = 0 … K−1 (so the minimum and the
	// maximum are always kept). A group holding two or more targets is
	// a value shared by many rows, and the score jumps from the rows
	// below it to the rows above it: keep its neighbours too, or the
	// interpolation would smear the jump over a whole knot spacing.
	targets := f.targets[:0]
	k, next := 0, 0
	for _, hi := range ends {
		t := 0
		for next < hi && k < maxKnots {
			t++
			k++
			next = int(math.Round(float64(k) * float64(r-1) / float64(maxKnots-1)))
		}
		targets = append(targets, t)
	}
	lo := 0
	for g, hi := range ends {
		if len(ends) <= maxKnots || targets[g] > 0 || (g > 0 && targets[g-1] > 1) || (g+1 < len(ends) && targets[g+1] > 1) {
			// Sorted positions lo..hi−1 hold ranks lo+1..hi; mean (lo+1+hi)/2.
			knots = append(knots, col[lo])
			scores = append(scores, rankQuantile(float64(lo+1+hi)/2, n, Blom, den))
		}
		lo = hi
	}
	if len(knots) == 1 {
		scores[0] = 0 // exact: the mid-rank (n+1)/2 is the median
	}
	f.ends, f.targets = ends, targets
	return knots, scores
}

// Transform returns the normal scores of x, which must have as many columns
// as the Quantile. Errors name the column and row of a NaN or ±Inf
// (ErrNonFinite) and report a column mismatch (ErrShape).
func (q *Quantile) Transform(x mat.Matrix) (*mat.Dense, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, c := x.Dims()
	if c != len(q.Knots) {
		return nil, fmt.Errorf("transform: quantile: matrix has %d columns, quantile map was fitted on %d: %w", c, len(q.Knots), ErrShape)
	}
	if r == 0 {
		return nil, fmt.Errorf("transform: quantile of a matrix with no rows: %w", ErrTooFew)
	}
	out := mat.NewDense(r, c, nil)
	for i := range r {
		row := out.RawRowView(i)
		for j := range c {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("transform: quantile: %s, row %d = %v: %w", q.label(j), i, v, ErrNonFinite)
			}
			row[j] = q.score(j, v)
		}
	}
	return out, nil
}

// score maps v through column j's piecewise-linear map.
func (q *Quantile) score(j int, v float64) float64 {
	kn, sc := q.Knots[j], q.Scores[j]
	k, found := slices.BinarySearch(kn, v)
	switch {
	case found:
		return sc[k]
	case k == 0:
		return sc[0]
	case k == len(kn):
		return sc[len(sc)-1]
	}
	t := (v - kn[k-1]) / (kn[k] - kn[k-1])
	return sc[k-1] + t*(sc[k]-sc[k-1])
}

// value is the inverse of score: it maps a normal score back to a value of
// column j by linear interpolation between the knots, and a score beyond
// the end scores to the end knot. Where several knots share a score (a
// constant stretch of the map) it returns the first of them.
func (q *Quantile) value(j int, s float64) float64 {
	kn, sc := q.Knots[j], q.Scores[j]
	k, found := slices.BinarySearch(sc, s)
	switch {
	case found:
		return kn[k]
	case k == 0:
		return kn[0]
	case k == len(sc):
		return kn[len(kn)-1]
	}
	t := (s - sc[k-1]) / (sc[k] - sc[k-1])
	return kn[k-1] + t*(kn[k]-kn[k-1])
}

// Validate checks that the Quantile is usable: one knot list and one score
// list per column (at least one column), each column with at least one knot,
// strictly increasing finite knots, non-decreasing finite scores, Names empty
// or of the right length and Constant holding increasing indices of
// single-knot columns. It is useful after a Quantile has been decoded from a
// file.
func (q *Quantile) Validate() error {
	if q == nil || len(q.Knots) == 0 || len(q.Knots) != len(q.Scores) {
		n, m := 0, 0
		if q != nil {
			n, m = len(q.Knots), len(q.Scores)
		}
		return fmt.Errorf("transform: quantile map has %d knot lists and %d score lists: %w", n, m, ErrShape)
	}
	if len(q.Names) != 0 && len(q.Names) != len(q.Knots) {
		return fmt.Errorf("transform: quantile map has %d names for %d columns: %w", len(q.Names), len(q.Knots), ErrShape)
	}
	for j, kn := range q.Knots {
		sc := q.Scores[j]
		if len(kn) == 0 || len(kn) != len(sc) {
			return fmt.Errorf("transform: quantile map of %s has %d knots and %d scores: %w", q.label(j), len(kn), len(sc), ErrShape)
		}
		for k := range kn {
			if math.IsNaN(kn[k]) || math.IsInf(kn[k], 0) || math.IsNaN(sc[k]) || math.IsInf(sc[k], 0) {
				return fmt.Errorf("transform: quantile map of %s: knot %d (%v, %v) is not finite: %w", q.label(j), k, kn[k], sc[k], ErrNonFinite)
			}
			if k > 0 && (kn[k] <= kn[k-1] || sc[k] < sc[k-1]) {
				return fmt.Errorf("transform: quantile map of %s: knot %d does not increase: %w", q.label(j), k, ErrShape)
			}
		}
	}
	if !increasingIn(q.Constant, len(q.Knots), func(j int) bool { return len(q.Knots[j]) == 1 }) {
		return fmt.Errorf("transform: quantile constant columns %v are not increasing single-knot columns: %w", q.Constant, ErrShape)
	}
	return nil
}

// label names column j for messages: `column 3 ("x2")` or `column 3`.
func (q *Quantile) label(j int) string { return columnLabel(q.Names, j) }
