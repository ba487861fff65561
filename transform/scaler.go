package transform

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// constantTol is the relative spread below which a column counts as constant:
// a column is constant when its standard deviation is at most
// constantTol·max_i |x_ij|, that is, when its values differ only by a few
// units in the last place (or not at all).
const constantTol = 64 * 0x1p-52

// Scaler standardises columns: Transform maps x_ij to (x_ij − Mean[j])/Scale[j]
// and Inverse maps z_ij back to z_ij·Scale[j] + Mean[j].
//
// A Scaler is fitted on the training rows only (FitScaler) and then applied
// to validation, test and new rows, so no statistic of held-out data leaks
// into the model. Its exported fields are all a saved model needs to rebuild
// it.
type Scaler struct {
	// Mean is the per-column mean of the fitted data.
	Mean []float64
	// Scale is the per-column population standard deviation (divisor n, as
	// numpy's std and scikit-learn's StandardScaler), or 1 for a constant
	// column.
	Scale []float64
	// Constant lists, in increasing order, the columns whose fitted values
	// were constant (see FitScaler). They transform to 0 and invert to their
	// constant; callers may want to report or drop them.
	Constant []int
	// Names optionally names the columns for error messages; it is empty or
	// has one entry per column.
	Names []string
}

// FitScaler fits a Scaler to the columns of x (n×d, n ≥ 2). names, when
// given, must have d entries and are used in error messages and kept in the
// Scaler.
//
// Mean and Scale are computed by the corrected two-pass algorithm. A column
// whose standard deviation is at most 64·ε·max|x_ij| (ε the float64 machine
// epsilon; this includes exactly constant columns) is reported in Constant and
// gets Scale 1, so the transform stays finite.
//
// FitScaler returns an error wrapping ErrTooFew for fewer than 2 rows or no
// column, ErrShape when len(names) is wrong and ErrNonFinite naming the
// column and row of the first NaN or ±Inf.
func FitScaler(x mat.Matrix, names ...string) (*Scaler, error) {
	r, c := x.Dims()
	if len(names) != 0 && len(names) != c {
		return nil, fmt.Errorf("transform: fit scaler: %d names for %d columns: %w", len(names), c, ErrShape)
	}
	if r < 2 || c < 1 {
		return nil, fmt.Errorf("transform: fit scaler on %d rows × %d columns, need at least 2 rows and 1 column: %w", r, c, ErrTooFew)
	}
	s := &Scaler{Mean: make([]float64, c), Scale: make([]float64, c)}
	if len(names) != 0 {
		s.Names = append([]string(nil), names...)
	}
	col := make([]float64, r)
	for j := range c {
		mat.Col(col, j, x)
		if i := firstNonFinite(col); i >= 0 {
			return nil, fmt.Errorf("transform: fit scaler: %s, row %d = %v: %w", s.label(j), i, col[i], ErrNonFinite)
		}
		var constant bool
		if s.Mean[j], s.Scale[j], constant = scaleColumn(col); constant {
			s.Constant = append(s.Constant, j)
		}
	}
	return s, nil
}

// scaleColumn returns the mean and scale of one column's finite values and
// whether FitScaler calls it constant (its scale is then 1).
func scaleColumn(col []float64) (mean, scale float64, constant bool) {
	mean, sd := meanStd(col)
	maxAbs := 0.0
	for _, v := range col {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	if sd <= constantTol*maxAbs {
		return mean, 1, true
	}
	return mean, sd, false
}

// Transform returns the standardised copy (x_ij − Mean[j])/Scale[j] of x,
// which must have as many columns as the Scaler. Errors name the column and
// row of a NaN or ±Inf (ErrNonFinite) and report a column mismatch (ErrShape).
func (s *Scaler) Transform(x mat.Matrix) (*mat.Dense, error) {
	return s.apply("transform", x, func(v float64, j int) float64 { return (v - s.Mean[j]) / s.Scale[j] })
}

// Inverse returns z_ij·Scale[j] + Mean[j], undoing Transform. Its errors are
// those of Transform.
func (s *Scaler) Inverse(z mat.Matrix) (*mat.Dense, error) {
	return s.apply("inverse", z, func(v float64, j int) float64 { return v*s.Scale[j] + s.Mean[j] })
}

func (s *Scaler) apply(op string, x mat.Matrix, f func(v float64, j int) float64) (*mat.Dense, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	r, c := x.Dims()
	if c != len(s.Mean) {
		return nil, fmt.Errorf("transform: scaler %s: matrix has %d columns, scaler was fitted on %d: %w", op, c, len(s.Mean), ErrShape)
	}
	if r == 0 {
		return nil, fmt.Errorf("transform: scaler %s of a matrix with no rows: %w", op, ErrTooFew)
	}
	out := mat.NewDense(r, c, nil)
	for i := range r {
		row := out.RawRowView(i)
		for j := range c {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("transform: scaler %s: %s, row %d = %v: %w", op, s.label(j), i, v, ErrNonFinite)
			}
			row[j] = f(v, j)
		}
	}
	return out, nil
}

// Validate checks that the Scaler is usable: Mean and Scale have the same
// non-zero length, every Mean is finite, every Scale finite and positive,
// Names is empty or of the same length, and Constant holds increasing valid
// column indices. It is useful after a Scaler has been decoded from a file.
func (s *Scaler) Validate() error {
	if s == nil || len(s.Mean) == 0 || len(s.Mean) != len(s.Scale) {
		n, m := 0, 0
		if s != nil {
			n, m = len(s.Mean), len(s.Scale)
		}
		return fmt.Errorf("transform: scaler has %d means and %d scales: %w", n, m, ErrShape)
	}
	if len(s.Names) != 0 && len(s.Names) != len(s.Mean) {
		return fmt.Errorf("transform: scaler has %d names for %d columns: %w", len(s.Names), len(s.Mean), ErrShape)
	}
	for j := range s.Mean {
		if m := s.Mean[j]; math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("transform: scaler mean of %s = %v: %w", s.label(j), m, ErrNonFinite)
		}
		if sc := s.Scale[j]; !(sc > 0) || math.IsInf(sc, 0) {
			return fmt.Errorf("transform: scaler scale of %s = %v, want finite and > 0: %w", s.label(j), sc, ErrNonFinite)
		}
	}
	if !increasingIn(s.Constant, len(s.Mean), func(int) bool { return true }) {
		return fmt.Errorf("transform: scaler constant columns %v not increasing in [0, %d): %w", s.Constant, len(s.Mean), ErrShape)
	}
	return nil
}

// label names column j for messages: `column 3 ("x2")` or `column 3`.
func (s *Scaler) label(j int) string { return columnLabel(s.Names, j) }

// columnLabel names column j for messages: `column 3 ("x2")` or `column 3`.
func columnLabel(names []string, j int) string {
	if j < len(names) {
		return fmt.Sprintf("column %d (%q)", j, names[j])
	}
	return fmt.Sprintf("column %d", j)
}

// increasingIn reports whether cols holds strictly increasing indices in
// [0, n), each satisfying ok.
func increasingIn(cols []int, n int, ok func(j int) bool) bool {
	prev := -1
	for _, j := range cols {
		if j <= prev || j >= n || !ok(j) {
			return false
		}
		prev = j
	}
	return true
}
