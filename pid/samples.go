package pid

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// FromSamples computes the PID of the information that the sources x and y
// carry about the target m from samples (rows are samples, the three
// matrices must have the same number n ≥ 2 of rows). It centres the data,
// forms the sample covariance of [X, Y, M] with one symmetric rank-k update,
// and decomposes it as Decompose does; opt.N is set to n.
//
// Constant columns (see ConstantColumns) carry no information and would make
// the covariance singular, so they are dropped before the covariance is
// built: a source whose columns are all constant contributes zero
// information (its unique and redundant atoms are 0); a constant target
// gives the all-zero decomposition. Linearly dependent (collinear) but
// non-constant columns are kept and handled by the Cholesky jitter, which
// leaves the mutual informations finite. The block sizes that remain are
// the ones used by the "auto" method choice and by the bias correction.
//
// Method "dep" needs more rows than (kept) variables, ErrTooFewRows
// otherwise. Errors wrap ErrDimension, ErrTooFewRows, ErrNotFinite,
// ErrMethod, ErrSingular or gaussian.ErrNotPositiveDefinite.
func FromSamples(m, x, y mat.Matrix, opt Options) (Result, error) {
	if m == nil || x == nil || y == nil {
		return Result{}, fmt.Errorf("pid: nil sample matrix: %w", ErrDimension)
	}
	n, dm := m.Dims()
	nx, dx := x.Dims()
	ny, dy := y.Dims()
	if nx != n || ny != n {
		return Result{}, fmt.Errorf("pid: row counts differ: m has %d, x has %d, y has %d: %w", n, nx, ny, ErrDimension)
	}
	if dm == 0 || dx == 0 || dy == 0 {
		return Result{}, fmt.Errorf("pid: empty block: m, x, y have %d, %d, %d columns: %w", dm, dx, dy, ErrDimension)
	}
	if n < 2 {
		return Result{}, fmt.Errorf("pid: need at least 2 rows, have %d: %w", n, ErrTooFewRows)
	}
	if _, err := resolveMethod(opt.Method, dm); err != nil {
		return Result{}, err
	}
	// Variables as rows of zt (variable-major, n values each), in the order
	// X, Y, M; constant rows are dropped and the rest centred.
	zt := make([]float64, (dx+dy+dm)*n)
	var kept [3]int
	row := 0
	for b, blk := range []struct {
		name string
		a    mat.Matrix
	}{{"x", x}, {"y", y}, {"m", m}} {
		_, c := blk.a.Dims()
		for j := 0; j < c; j++ {
			constant, err := gaussian.CentreColumn(zt[row*n:(row+1)*n], blk.a, j)
			if err != nil {
				return Result{}, fmt.Errorf("pid: %s: %w", blk.name, alsoIs{err, ErrNotFinite})
			}
			if !constant {
				row++
				kept[b]++
			}
		}
	}
	kx, ky, km := kept[0], kept[1], kept[2]
	opt.N = n
	if km == 0 {
		method, err := resolveMethod(opt.Method, dm)
		if err != nil {
			return Result{}, err
		}
		return Result{Method: method}, nil
	}
	method, err := resolveMethod(opt.Method, km)
	if err != nil {
		return Result{}, err
	}
	if opt.Debias {
		if err := checkDebiasRows(n, km, kx, ky); err != nil {
			return Result{}, err
		}
	}
	if method == MethodDep && n <= km+kx+ky {
		return Result{}, fmt.Errorf("pid: method %q needs more rows than variables, have %d rows for %d variables "+
			"(the sample covariance is singular): %w", MethodDep, n, km+kx+ky, ErrTooFewRows)
	}
	d := kx + ky + km
	c := mat.NewSymDense(d, nil)
	if err := gaussian.CentredCovariance(c, blas64.General{Rows: d, Cols: n, Stride: n, Data: zt[:d*n]}); err != nil {
		return Result{}, fmt.Errorf("pid: %w", err)
	}
	return decompose(c, km, kx, ky, method, opt)
}

// ConstantColumns returns the indices of the columns of a whose entries are
// all equal (zero sample variance). FromSamples drops these columns from
// each block before it builds the covariance; callers can use this helper to
// report which latent dimensions were unused.
func ConstantColumns(a mat.Matrix) []int {
	_, c := a.Dims()
	keep := nonConstant(a)
	var out []int
	k := 0
	for j := 0; j < c; j++ {
		if k < len(keep) && keep[k] == j {
			k++
			continue
		}
		out = append(out, j)
	}
	return out
}

// nonConstant returns the indices of the columns of a that are not constant.
func nonConstant(a mat.Matrix) []int {
	r, c := a.Dims()
	var keep []int
	for j := 0; j < c; j++ {
		v0 := a.At(0, j)
		for i := 1; i < r; i++ {
			if a.At(i, j) != v0 {
				keep = append(keep, j)
				break
			}
		}
	}
	return keep
}
