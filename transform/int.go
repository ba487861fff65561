package transform

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// Blom is Blom's (1958) offset c = 3/8 for the rank-based inverse normal
// transform; it makes the expected normal order statistics nearly unbiased.
// Other common offsets are van der Waerden's c = 0, Tukey's c = 1/3 and the
// rankit c = 1/2.
const Blom = 3.0 / 8

// Sentinel errors that callers may test with errors.Is.
var (
	// ErrNonFinite reports a NaN or ±Inf in the input.
	ErrNonFinite = errors.New("non-finite value")
	// ErrTooFew reports fewer values (or rows) than a transform needs.
	ErrTooFew = errors.New("too few values")
	// ErrOffset reports a rank offset c outside [0, 1).
	ErrOffset = errors.New("rank offset outside [0, 1)")
	// ErrShape reports mismatched lengths or matrix dimensions.
	ErrShape = errors.New("shape mismatch")
)

// maxRankLen bounds len(x) in InverseNormal: the in-place algorithm packs an
// index and a doubled rank into one float64 as idx·(2n+1) + 2r ≤ 2n² + n − 1,
// which must stay below 2⁵³ to be an exact integer.
const maxRankLen = 1<<26 - 1

// InverseNormal writes the rank-based inverse normal transform of x to dst and
// returns dst:
//
//	ỹ_i = Φ⁻¹((r_i − c) / (n − 2c + 1)),
//
// where r_i ∈ {1, …, n} is the rank of x_i (tied values share the average of
// their ranks), Φ⁻¹ is the standard normal quantile function and c ∈ [0, 1) is
// the offset (Blom for the default 3/8). The result depends on x only through
// its ranks, so it is invariant to any strictly increasing map of x; without
// ties it is symmetric about 0 (the transform of −x is −ỹ exactly).
//
// If dst is nil a new slice is allocated; otherwise len(dst) must equal len(x)
// and InverseNormal allocates nothing. dst may be x itself (in-place
// transform, which costs one temporary copy); it must not overlap x otherwise.
//
// InverseNormal returns an error wrapping ErrTooFew if len(x) < 2, ErrOffset
// for c outside [0, 1), ErrNonFinite naming the first NaN or ±Inf, and
// ErrShape for a dst of the wrong length.
//
// Complexity: two O(n log n) sorts and n quantile evaluations.
func InverseNormal(dst, x []float64, c float64) ([]float64, error) {
	n := len(x)
	if !(c >= 0 && c < 1) {
		return nil, fmt.Errorf("transform: inverse normal: offset c = %v: %w", c, ErrOffset)
	}
	if n < 2 {
		return nil, fmt.Errorf("transform: inverse normal of %d values, need at least 2: %w", n, ErrTooFew)
	}
	if n > maxRankLen {
		return nil, fmt.Errorf("transform: inverse normal of %d values, at most %d supported: %w", n, maxRankLen, ErrShape)
	}
	if i := firstNonFinite(x); i >= 0 {
		return nil, fmt.Errorf("transform: inverse normal: x[%d] = %v: %w", i, x[i], ErrNonFinite)
	}
	switch {
	case dst == nil:
		dst = make([]float64, n)
	case len(dst) != n:
		return nil, fmt.Errorf("transform: inverse normal: len(dst) = %d, len(x) = %d: %w", len(dst), n, ErrShape)
	case &dst[0] == &x[0]:
		x = slices.Clone(x)
	}
	inverseNormal(dst, x, c)
	return dst, nil
}

// inverseNormal is InverseNormal on validated input. It uses dst as its only
// workspace:
//
//  1. dst[k] = k, then sort dst so that x[dst[0]] ≤ x[dst[1]] ≤ …;
//  2. walk the tie groups of the sorted order and replace dst[k] by the exact
//     integer code idx·(2n+1) + 2r, with 2r the doubled average rank;
//  3. sort the codes, which orders them by idx (2r < 2n+1), and decode.
func inverseNormal(dst, x []float64, c float64) {
	n := len(x)
	for i := range dst {
		dst[i] = float64(i)
	}
	slices.SortFunc(dst, func(a, b float64) int { return cmp.Compare(x[int(a)], x[int(b)]) })
	shift := float64(2*n + 1)
	for k := 0; k < n; {
		v := x[int(dst[k])]
		j := k + 1
		for j < n && x[int(dst[j])] == v {
			j++
		}
		// Sorted positions k..j-1 hold ranks k+1..j; their average doubled is k+1+j.
		r2 := float64(k + 1 + j)
		for t := k; t < j; t++ {
			dst[t] = dst[t]*shift + r2
		}
		k = j
	}
	slices.Sort(dst)
	nf := float64(n)
	den := nf - 2*c + 1
	for i := range dst {
		r := (dst[i] - float64(i)*shift) / 2
		dst[i] = rankQuantile(r, nf, c, den)
	}
}

// rankQuantile returns Φ⁻¹((r − c)/den) for a rank r out of n, evaluating the
// upper half as −Φ⁻¹((n + 1 − r − c)/den) so that mirrored ranks map to exactly
// opposite scores.
func rankQuantile(r, n, c, den float64) float64 {
	if 2*r > n+1 {
		return -mathext.NormalQuantile((n + 1 - r - c) / den)
	}
	return mathext.NormalQuantile((r - c) / den)
}

// InverseNormalDense applies the inverse normal transform with offset c to
// every column of x independently and stores the result in dst, which is
// allocated when nil and must otherwise have the shape of x (it may be x
// itself). It returns dst. Errors name the offending column and row.
func InverseNormalDense(dst *mat.Dense, x mat.Matrix, c float64) (*mat.Dense, error) {
	r, cols := x.Dims()
	if !(c >= 0 && c < 1) {
		return nil, fmt.Errorf("transform: inverse normal: offset c = %v: %w", c, ErrOffset)
	}
	if r < 2 || cols < 1 {
		return nil, fmt.Errorf("transform: inverse normal of a %d×%d matrix, need at least 2 rows and 1 column: %w", r, cols, ErrTooFew)
	}
	if r > maxRankLen {
		return nil, fmt.Errorf("transform: inverse normal of %d rows, at most %d supported: %w", r, maxRankLen, ErrShape)
	}
	if dst == nil {
		dst = mat.NewDense(r, cols, nil)
	} else if dr, dc := dst.Dims(); dr != r || dc != cols {
		return nil, fmt.Errorf("transform: inverse normal: dst is %d×%d, x is %d×%d: %w", dr, dc, r, cols, ErrShape)
	}
	in := make([]float64, r)
	out := make([]float64, r)
	for j := range cols {
		mat.Col(in, j, x)
		if i := firstNonFinite(in); i >= 0 {
			return nil, fmt.Errorf("transform: inverse normal: column %d, row %d = %v: %w", j, i, in[i], ErrNonFinite)
		}
		inverseNormal(out, in, c)
		dst.SetCol(j, out)
	}
	return dst, nil
}

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1.
func firstNonFinite(x []float64) int {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return i
		}
	}
	return -1
}
