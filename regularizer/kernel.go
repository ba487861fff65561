package regularizer

import (
	"fmt"
	"math"
	"runtime"

	"github.com/pidreg/pidreg/internal/par"
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
// If dst has length ≥ n·n its first n·n entries are used and, when x is a
// *mat.Dense (any other mat.Matrix is copied once), no buffer is allocated
// (only the closure of the two-part loop and, when the second part runs on
// its own goroutine, a wait group: two small objects); otherwise a new slice
// is allocated. Gram is meant for the constant inputs of
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
	p := packGram(dst, g)
	med := medianSqrt(dst[:p], dst[p:])
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
	packGram(dst, g)
	expandGram(dst, n, sigma)
	return dst, nil
}

// packGram writes the n(n−1)/2 squared distances of the rows of x, in row
// order, into dst[:n(n−1)/2] and returns their number, using dst (n·n) for
// the Syrk.
//
// In place: Syrk leaves the Gram x xᵀ in the upper triangle; entry (i,j)
// is read at position i·n+j and written at its packed position
// packedRow(i,n) + j − i − 1 < i·n + j, so a write never clobbers an entry
// still to be read, and the diagonals x_j·x_j (j > i) sit beyond every
// packed position of row i. The diagonal of row i is read before row i is
// packed.
func packGram(dst []float64, x blas64.General) int {
	n := x.Rows
	syrkUpper(dst, x)
	p := 0
	for i := 0; i < n; i++ {
		di := dst[i*n+i]
		for j := i + 1; j < n; j++ {
			dst[p] = max(di+dst[j*n+j]-2*dst[i*n+j], 0)
			p++
		}
	}
	return p
}

// expandGram turns the packed squared distances in dst[:n(n−1)/2] into the
// full symmetric kernel matrix in place: each row's distances are moved to
// its strict upper triangle, rows in reverse order (row i's target
// i·n+i+1 … lies beyond every packed row before it and its packed rows
// after it have been moved already), then the exponentials, the unit
// diagonal and the mirror run in two parts of rows.
func expandGram(dst []float64, n int, sigma float64) {
	c := -1 / (2 * sigma * sigma)
	for i := n - 1; i >= 0; i-- {
		p := packedRow(i, n)
		copy(dst[i*n+i+1:(i+1)*n], dst[p:p+n-1-i])
	}
	inTwo(concurrent(n*(n-1)/2), func(part int) {
		lo, hi := rowsOf(part, n)
		for i := lo; i < hi; i++ {
			row := dst[i*n+i+1 : (i+1)*n]
			expAffine(row, row, c, 0)
			dst[i*n+i] = 1
		}
		mirrorRows(dst, n, lo, hi) // reads only this part's rows
	})
}

// mirror copies the strict upper triangle of the n×n matrix a into its
// strict lower triangle.
func mirror(a []float64, n int) {
	inTwo(concurrent(n*(n-1)/2), func(part int) {
		lo, hi := rowsOf(part, n)
		mirrorRows(a, n, lo, hi)
	})
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

// The O(n²) loops over pairs of rows run in two parts with a fixed
// partition that depends only on n: rows [0, s) and [s, n), split so that
// both parts hold about half of the pairs (triSplit) or half of the rows.
// Each part writes its own rows and its own partial sums, which are combined
// in a fixed order afterwards, so the results are the same bit for bit
// whether the parts run one after the other or on two goroutines (par.Run),
// for any GOMAXPROCS. Small problems stay on the calling goroutine: below
// parallelPairs pairs the exponentials of one part take a few
// microseconds, about what handing a part to another core costs.

// parallelPairs is the least number of pairs for which the two parts of a
// pairwise loop run concurrently.
const parallelPairs = 4096

// concurrent reports whether work over pairs pairs should use two
// goroutines.
func concurrent(pairs int) bool {
	return pairs >= parallelPairs && runtime.GOMAXPROCS(0) > 1
}

// inTwo calls f(0) and f(1), on two goroutines (par.Run) when two is set.
func inTwo(two bool, f func(part int)) {
	if !two {
		f(0)
		f(1)
		return
	}
	par.Run(2, f)
}

// triSplit returns the row s that splits the strict upper triangle of an
// n×n matrix into rows [0, s) and [s, n) with about equal numbers of pairs.
func triSplit(n int) int {
	half, p := n*(n-1)/4, 0
	for i := 0; i < n; i++ {
		if p >= half {
			return i
		}
		p += n - 1 - i
	}
	return n
}

// packedRow returns the offset of row i in the packed strict upper
// triangle of an n×n matrix (row order): Σ_{r<i} (n−1−r).
func packedRow(i, n int) int { return i*n - i*(i+1)/2 }

// rowsOf returns the row range [lo, hi) of part 0 or 1 of an n×n upper
// triangle split by triSplit.
func rowsOf(part, n int) (lo, hi int) {
	s := triSplit(n)
	if part == 0 {
		return 0, s
	}
	return s, n
}

// syrkUpper sets the upper triangle (diagonal included) of the n×n matrix
// d (stride n) to x xᵀ.
func syrkUpper(d []float64, x blas64.General) {
	blas64.Syrk(blas.NoTrans, 1, x, 0, blas64.Symmetric{Uplo: blas.Upper, N: x.Rows, Data: d, Stride: x.Rows})
}

// packDist writes the squared distances ‖x_i − x_j‖² = g_ii + g_jj − 2g_ij,
// i < j, of the upper triangle of the Gram matrix g = x xᵀ (n×n, stride n)
// into dist (length n(n−1)/2, row order), and the squared norms g_ii into
// norms (length n) when it is not nil. Rounding of the expansion can make a
// distance of (near-)coincident rows negative; it is set to 0.
func packDist(dist, norms, g []float64, n int) {
	p := 0
	for i := 0; i < n; i++ {
		gi := g[i*n+i]
		if norms != nil {
			norms[i] = gi
		}
		row := g[i*n+i+1 : (i+1)*n]
		out := dist[p : p+len(row)]
		for j, v := range row {
			out[j] = max(gi+g[(i+1+j)*(n+1)]-2*v, 0)
		}
		p += len(row)
	}
}

// kernelRows sets, for the rows [lo, hi) of the n×n matrix k (stride n),
// k_ij = exp(c·dist_ij) for j > i from the packed distances and k_ii = 1.
// With up (length n) not nil it also sets up[i] = Σ_{j>i} k_ij and adds
// k_ij to col[j] (length n): the two halves of the row sums of the
// symmetric kernel matrix, accumulated in row order.
func kernelRows(k, dist []float64, n, lo, hi int, c float64, up, col []float64) {
	for i := lo; i < hi; i++ {
		row := k[i*n+i+1 : (i+1)*n]
		expAffine(row, dist[packedRow(i, n):], c, 0)
		k[i*n+i] = 1
		if up == nil {
			continue
		}
		col := col[i+1 : n]
		acc := 0.0
		for j, v := range row {
			acc += v
			col[j] += v
		}
		up[i] = acc
	}
}

// medianSqrt returns the median of √v over v in dist (squared distances,
// left unchanged); for an even count the mean of the two middle square
// roots. work must be at least as long as dist.
func medianSqrt(dist, work []float64) float64 {
	if len(dist) == 0 {
		return 0
	}
	lo, hi := transform.Middle(dist, work)
	if len(dist)%2 == 1 {
		return math.Sqrt(hi)
	}
	return (math.Sqrt(lo) + math.Sqrt(hi)) / 2
}

// mirrorRows copies the strict upper triangle of the rows [lo, hi) of the
// n×n matrix a into the matching entries of its strict lower triangle
// (columns [lo, hi) of the rows below), in 32×32 tiles to keep the
// transposed access in cache. Two calls with disjoint row ranges write
// disjoint entries.
func mirrorRows(a []float64, n, lo, hi int) {
	const bs = 32
	for ib := lo; ib < hi; ib += bs {
		ie := min(ib+bs, hi)
		for jb := ib; jb < n; jb += bs {
			je := min(jb+bs, n)
			for j := max(jb, ib+1); j < je; j++ {
				dst := a[j*n+ib : j*n+min(ie, j)]
				for t := range dst {
					dst[t] = a[(ib+t)*n+j]
				}
			}
		}
	}
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
