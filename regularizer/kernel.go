package regularizer

import (
	"fmt"
	"math"

	"github.com/pidreg/pidreg/transform"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Gram fills dst with the Gaussian kernel matrix of the rows of x,
//
//	K_ij = exp(−‖x_i − x_j‖² / (2σ²)),   σ = scale · median_{i<j} ‖x_i − x_j‖,
//
// row-major n×n (symmetric, unit diagonal), and returns it with σ. This is
// the median heuristic (Schölkopf & Smola 2002; Garreau, Jitkrittum &
// Kanagawa 2017). The median is over the n(n−1)/2 distinct pairs; for an even
// count it is the mean of the two middle distances. scale == 0 means the
// default 1.
//
// If dst has length ≥ n·n its first n·n entries are used and no memory is
// allocated when x is a *mat.Dense (any other mat.Matrix is copied once);
// otherwise a new slice is allocated. Gram is meant for the constant inputs of
// [CMI] (M = κ(X_cond), K = κ(X_other)), computed per batch outside the graph.
//
// Errors: fewer than 2 rows (ErrTooFewRows), NaN/Inf in x (ErrNonFinite), a
// negative or non-finite scale (ErrParameter), or a zero median distance
// (ErrDegenerate).
func Gram(dst []float64, x mat.Matrix, scale float64) ([]float64, float64, error) {
	g, err := checkedRaw("Gram: x", x, 2)
	if err != nil {
		return nil, 0, err
	}
	scale, err = resolveScale("Gram", scale)
	if err != nil {
		return nil, 0, err
	}
	n := g.Rows
	if len(dst) < n*n {
		dst = make([]float64, n*n)
	}
	dst = dst[:n*n]
	packSqDist(dst, g)
	p := n * (n - 1) / 2
	copy(dst[p:2*p], dst[:p])
	med := medianSqrt(dst[p : 2*p])
	if !(med > 0) {
		return nil, 0, fmt.Errorf("%w: Gram: median pairwise distance of the %d rows is 0", ErrDegenerate, n)
	}
	sigma := scale * med
	expandGram(dst, n, sigma)
	return dst, sigma, nil
}

// GramBandwidth is [Gram] with a fixed bandwidth σ > 0 instead of the median
// heuristic: K_ij = exp(−‖x_i − x_j‖²/(2σ²)). Use it to freeze a bandwidth
// (for example one measured on the whole training split).
func GramBandwidth(dst []float64, x mat.Matrix, sigma float64) ([]float64, error) {
	g, err := checkedRaw("GramBandwidth: x", x, 2)
	if err != nil {
		return nil, err
	}
	if !(sigma > 0) || math.IsInf(sigma, 1) {
		return nil, fmt.Errorf("%w: GramBandwidth: sigma = %v, want a finite value > 0", ErrParameter, sigma)
	}
	n := g.Rows
	if len(dst) < n*n {
		dst = make([]float64, n*n)
	}
	dst = dst[:n*n]
	packSqDist(dst, g)
	expandGram(dst, n, sigma)
	return dst, nil
}

// resolveScale maps the zero value to the default 1 and rejects bad scales.
func resolveScale(what string, scale float64) (float64, error) {
	if scale == 0 {
		return 1, nil
	}
	if !(scale > 0) || math.IsInf(scale, 1) {
		return 0, fmt.Errorf("%w: %s: scale = %v, want a finite value > 0 (0 means 1)", ErrParameter, what, scale)
	}
	return scale, nil
}

// packSqDist writes the n(n−1)/2 squared distances ‖x_i − x_j‖², i < j, in
// row order into dst[:n(n−1)/2], using dst (n·n) as the Syrk workspace.
//
// In place: Syrk leaves the Gram x xᵀ in the upper triangle; entry (i,j) is
// read at position i·n+j and written at its packed position
// p(i,j) = i·n − i(i+1)/2 + j − i − 1 < i·n + j, so a write never clobbers an
// entry still to be read, and the diagonals x_j·x_j (j > i) sit beyond every
// packed position of row i. The diagonal of row i is saved before row i is
// packed.
func packSqDist(dst []float64, x blas64.General) {
	n := x.Rows
	blas64.Syrk(blas.NoTrans, 1, x, 0, blas64.Symmetric{Uplo: blas.Upper, N: n, Data: dst, Stride: n})
	p := 0
	for i := 0; i < n; i++ {
		di := dst[i*n+i]
		for j := i + 1; j < n; j++ {
			v := di + dst[j*n+j] - 2*dst[i*n+j]
			if v < 0 { // rounding of the expansion for (near-)coincident rows
				v = 0
			}
			dst[p] = v
			p++
		}
	}
}

// expandGram turns the packed squared distances in dst[:n(n−1)/2] into the
// full symmetric kernel matrix in place. Entries are processed in reverse
// order, so the write position i·n+j ≥ p(i,j) never holds a packed entry that
// is still unread.
func expandGram(dst []float64, n int, sigma float64) {
	c := -1 / (2 * sigma * sigma)
	p := n*(n-1)/2 - 1
	for i := n - 1; i >= 0; i-- {
		for j := n - 1; j > i; j-- {
			dst[i*n+j] = math.Exp(c * dst[p])
			p--
		}
	}
	for i := 0; i < n; i++ {
		dst[i*n+i] = 1
	}
	mirrorUpper(dst, n)
}

// mirrorUpper copies the strict upper triangle of the n×n matrix a into its
// strict lower triangle, in 32×32 tiles to keep the transposed access in
// cache.
func mirrorUpper(a []float64, n int) {
	const bs = 32
	for ib := 0; ib < n; ib += bs {
		for jb := ib; jb < n; jb += bs {
			for i := ib; i < min(ib+bs, n); i++ {
				for j := max(jb, i+1); j < min(jb+bs, n); j++ {
					a[j*n+i] = a[i*n+j]
				}
			}
		}
	}
}

// sqDistUpper fills the strict upper triangle of d (n×n, stride n) with
// ‖x_i − x_j‖² and returns the squared row norms in norms (length n). The
// lower triangle and the diagonal of d are left undefined.
func sqDistUpper(d, norms []float64, x blas64.General) {
	n := x.Rows
	blas64.Syrk(blas.NoTrans, 1, x, 0, blas64.Symmetric{Uplo: blas.Upper, N: n, Data: d, Stride: n})
	for i := 0; i < n; i++ {
		norms[i] = d[i*n+i]
	}
	for i := 0; i < n; i++ {
		ni := norms[i]
		row := d[i*n : (i+1)*n]
		for j := i + 1; j < n; j++ {
			v := ni + norms[j] - 2*row[j]
			if v < 0 {
				v = 0
			}
			row[j] = v
		}
	}
}

// gatherUpper copies the strict upper triangle of d (n×n) into buf (length
// n(n−1)/2) in row order.
func gatherUpper(buf, d []float64, n int) {
	p := 0
	for i := 0; i < n; i++ {
		p += copy(buf[p:], d[i*n+i+1:(i+1)*n])
	}
}

// medianSqrt returns the median of √v over v in buf (squared distances); for
// an even count the mean of the two middle square roots. buf is reordered.
func medianSqrt(buf []float64) float64 {
	m := len(buf)
	if m == 0 {
		return 0
	}
	k := m / 2
	hi := transform.Select(buf, k)
	if m%2 == 1 {
		return math.Sqrt(hi)
	}
	lo := buf[0]
	for _, v := range buf[1:k] {
		if v > lo {
			lo = v
		}
	}
	return (math.Sqrt(lo) + math.Sqrt(hi)) / 2
}

// checkedRaw returns x as a row-major blas64.General (without copying for a
// *mat.Dense or other non-transposed mat.RawMatrixer) after checking that it
// has at least minRows rows, at least one column and only finite entries.
func checkedRaw(what string, x mat.Matrix, minRows int) (blas64.General, error) {
	if x == nil {
		return blas64.General{}, fmt.Errorf("%w: %s is nil", ErrDimension, what)
	}
	r, c := x.Dims()
	if c < 1 {
		return blas64.General{}, fmt.Errorf("%w: %s has %d columns", ErrDimension, what, c)
	}
	if r < minRows {
		return blas64.General{}, fmt.Errorf("%w: %s has %d rows, need at least %d", ErrTooFewRows, what, r, minRows)
	}
	var g blas64.General
	if rm, ok := x.(mat.RawMatrixer); ok {
		g = rm.RawMatrix()
	} else {
		g = mat.DenseCopyOf(x).RawMatrix()
	}
	if err := checkFinite(what, g); err != nil {
		return blas64.General{}, err
	}
	return g, nil
}

// checkFinite reports the first NaN or Inf of g.
func checkFinite(what string, g blas64.General) error {
	for i := 0; i < g.Rows; i++ {
		for j, v := range g.Data[i*g.Stride : i*g.Stride+g.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: %s[%d,%d] = %v", ErrNonFinite, what, i, j, v)
			}
		}
	}
	return nil
}

// checkFiniteSlice reports the first NaN or Inf of v.
func checkFiniteSlice(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s[%d] = %v", ErrNonFinite, what, i, x)
		}
	}
	return nil
}

// grow returns s resliced to length n, reallocating only when its capacity
// is too small.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
