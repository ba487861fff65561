package pid

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// subsetMI holds I(ỹ; Z_A) in bits for a family of source sets: every
// non-empty subset (sets == nil, mi[s−1] for the set s) or the listed sets
// (mi[k] for sets[k]).
type subsetMI struct {
	sets []Set
	mi   []float64
}

func (g *subsetMI) set(k int) Set {
	if g.sets == nil {
		return Set(k + 1)
	}
	return g.sets[k]
}

// of returns the information of the set s, which must be in the family.
func (g *subsetMI) of(s Set) float64 {
	if g.sets == nil {
		return g.mi[s-1]
	}
	for k, t := range g.sets {
		if t == s {
			return g.mi[k]
		}
	}
	panic("pid: internal error: set not computed")
}

// monotone raises every information to the largest information of a subset
// in the family, so that I(ỹ;Z_A) ≤ I(ỹ;Z_B) holds exactly for A ⊂ B. The
// population values are monotone; estimates can break it by rounding, the
// bias correction by more.
func (g *subsetMI) monotone() {
	if g.sets == nil {
		// Increasing Set value visits every proper subset of s before s;
		// the immediate subsets suffice by transitivity.
		for k := range g.mi {
			s := Set(k + 1)
			for v := uint64(s); v != 0; v &= v - 1 {
				if t := s &^ Set(v&-v); t != 0 {
					g.mi[k] = math.Max(g.mi[k], g.mi[t-1])
				}
			}
		}
		return
	}
	// Visit by size so that a subset is final before its supersets.
	for size := 1; size <= MaxSources; size++ {
		for k, s := range g.sets {
			if s.Len() != size {
				continue
			}
			for j, t := range g.sets {
				if t != s && t.subset(s) {
					g.mi[k] = math.Max(g.mi[k], g.mi[j])
				}
			}
		}
	}
}

// errIndefinite reports a failed Cholesky factorization inside subsetInfo,
// which then retries with a larger jitter.
var errIndefinite = errors.New("indefinite")

// subsetInfo computes I(ỹ; Z_A) = ½ log₂ det C_yy − ½ log₂ det C_{y|A} for
// the sets of the family (every non-empty subset when sets is nil) from the
// covariance c ordered Z₀ … Z_{M−1}, ỹ with block sizes dims and dm; c is
// overwritten. One jitter τ, chosen by the rule of gaussian.Factorize
// (0, then gaussian.JitterStart times the mean diagonal, grown by
// gaussian.JitterGrowth at most gaussian.JitterTries times), is added to the
// whole diagonal, so that every information describes the same matrix.
func subsetInfo(c *mat.SymDense, dm int, dims []int, sets []Set) (subsetMI, error) {
	raw := c.RawSymmetric()
	d := raw.N
	diag := make([]float64, d)
	var trace float64
	for i := range diag {
		diag[i] = raw.Data[i*raw.Stride+i]
		trace += diag[i]
	}
	var w infoWork
	w.init(dm, dims, sets)
	tau := 0.0
	for try := 0; ; try++ {
		if try > 0 {
			if try == 1 {
				s := trace / float64(d)
				if !(s > 0) {
					return subsetMI{}, fmt.Errorf("pid: joint covariance (%d×%d) with mean diagonal %g: %w", d, d, s, gaussian.ErrNotPositiveDefinite)
				}
				tau = gaussian.JitterStart * s
			} else {
				tau *= gaussian.JitterGrowth
			}
			for i := range diag {
				raw.Data[i*raw.Stride+i] = diag[i] + tau
			}
		}
		err := w.run(raw)
		if err == nil {
			return w.out, nil
		}
		if !errors.Is(err, errIndefinite) {
			return subsetMI{}, err
		}
		if try == gaussian.JitterTries {
			return subsetMI{}, fmt.Errorf("pid: joint covariance (%d×%d): still indefinite with jitter %g: %w",
				d, d, tau, gaussian.ErrNotPositiveDefinite)
		}
	}
}

// infoWork holds the block layout and the scratch of subsetInfo.
type infoWork struct {
	dm   int
	dims []int
	off  []int // off[j] is the first row of block j; off[M] the first target row
	n    int   // order of the covariance
	out  subsetMI
	// elimination scratch: states[k] holds the Schur complement after k
	// eliminations, piv and panel the pivot block and the panel.
	states     [][]float64
	piv, panel []float64
	ty         []float64 // target block copy for its log-determinant
	ldY        float64   // ln det C_yy
}

func (w *infoWork) init(dm int, dims []int, sets []Set) {
	m := len(dims)
	w.dm, w.dims = dm, dims
	w.off = make([]int, m+1)
	maxd := 0
	for j, dj := range dims {
		w.off[j+1] = w.off[j] + dj
		maxd = max(maxd, dj)
	}
	w.n = w.off[m] + dm
	w.out.sets = sets
	if sets == nil {
		w.out.mi = make([]float64, 1<<uint(m)-1)
		w.states = make([][]float64, m+1)
		for k := 1; k <= m; k++ {
			r := w.n - w.off[k]
			w.states[k] = make([]float64, r*r)
		}
		w.piv = make([]float64, maxd*maxd)
		w.panel = make([]float64, maxd*(w.n-w.off[1]))
	} else {
		w.out.mi = make([]float64, len(sets))
	}
	w.ty = make([]float64, dm*dm)
}

// run fills w.out from the (jittered) covariance c, or returns an error
// wrapping errIndefinite when a factorization fails.
func (w *infoWork) run(c blas64.Symmetric) error {
	// ln det C_yy from the trailing block.
	ld, ok := w.logDetTail(c.Data, c.Stride, w.n)
	if !ok {
		return fmt.Errorf("pid: target covariance: %w", errIndefinite)
	}
	w.ldY = ld
	if w.out.sets == nil {
		return w.tree(c.Data, c.Stride, 0, 0, 0)
	}
	return w.each(c)
}

// logDetTail returns ln det of the trailing dm×dm block of the n×n upper
// triangle in a (row stride st).
func (w *infoWork) logDetTail(a []float64, st, n int) (float64, bool) {
	dm := w.dm
	o := n - dm
	if dm == 1 {
		v := a[o*st+o]
		return math.Log(v), v > 0
	}
	for i := 0; i < dm; i++ {
		copy(w.ty[i*dm+i:(i+1)*dm], a[(o+i)*st+o+i:(o+i)*st+o+dm])
	}
	t, ok := lapack64.Potrf(blas64.Symmetric{N: dm, Stride: dm, Data: w.ty, Uplo: blas.Upper})
	if !ok {
		return 0, false
	}
	return trailingLogDet(t, dm), true
}

// setInfo converts ln det C_{y|A} into I(ỹ; Z_A) in bits, floored at 0.
func (w *infoWork) setInfo(ldCond float64) float64 {
	return math.Max((w.ldY-ldCond)/(2*math.Ln2), 0)
}

// tree visits the subsets of sources in the binomial tree whose node A has
// the children A ∪ {j}, j > max A. The state of node A (the matrix a, row
// stride st) is the Schur complement C_{R,R|A} of the blocks R = first…M−1
// and the target given Z_A; first = max A + 1. A child eliminates block j
// from the state (a Cholesky of its pivot block, a triangular solve of the
// panel, a symmetric rank-d_j update) and keeps the blocks after j, so
// every subset costs one block elimination: about 1.7 times the arithmetic
// of one Cholesky factor of the whole covariance for four sources of equal
// size, against 3.5 times for a separate factorization of each [Z_A, ỹ]
// block (see BenchmarkSubsetInfo for the measured times).
func (w *infoWork) tree(a []float64, st int, set Set, first, depth int) error {
	m := len(w.dims)
	base := w.off[first]
	for j := first; j < m; j++ {
		p0, p1 := w.off[j]-base, w.off[j+1]-base
		dj := p1 - p0
		r := w.n - w.off[j+1] // order of the child state
		child := w.states[depth+1][:r*r]
		for i := 0; i < r; i++ {
			copy(child[i*r+i:(i+1)*r], a[(p1+i)*st+p1+i:(p1+i)*st+p1+r])
		}
		if dj > 0 {
			piv := w.piv[:dj*dj]
			for i := 0; i < dj; i++ {
				copy(piv[i*dj+i:(i+1)*dj], a[(p0+i)*st+p0+i:(p0+i)*st+p1])
			}
			u, ok := lapack64.Potrf(blas64.Symmetric{N: dj, Stride: dj, Data: piv, Uplo: blas.Upper})
			if !ok {
				return fmt.Errorf("pid: block %d given %v: %w", j, set.Sources(), errIndefinite)
			}
			panel := blas64.General{Rows: dj, Cols: r, Stride: r, Data: w.panel[:dj*r]}
			for i := 0; i < dj; i++ {
				copy(panel.Data[i*r:(i+1)*r], a[(p0+i)*st+p1:(p0+i)*st+p1+r])
			}
			blas64.Trsm(blas.Left, blas.Trans, 1, u, panel)
			blas64.Syrk(blas.Trans, -1, panel, 1, blas64.Symmetric{N: r, Stride: r, Data: child, Uplo: blas.Upper})
		}
		s := set | 1<<uint(j)
		ld, ok := w.logDetTail(child, r, r)
		if !ok {
			return fmt.Errorf("pid: target given %v: %w", s.Sources(), errIndefinite)
		}
		w.out.mi[s-1] = w.setInfo(ld)
		if j+1 < m {
			if err := w.tree(child, r, s, j+1, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// each computes the information of every listed set from its own Cholesky
// factor of the [Z_A, ỹ] block: ln det C_{y|A} is twice the sum of the logs
// of the trailing dm diagonal entries.
func (w *infoWork) each(c blas64.Symmetric) error {
	for k, s := range w.out.sets {
		var idx []int
		for _, i := range s.Sources() {
			for r := w.off[i]; r < w.off[i+1]; r++ {
				idx = append(idx, r)
			}
		}
		for r := w.off[len(w.dims)]; r < w.n; r++ {
			idx = append(idx, r)
		}
		q := len(idx)
		b := make([]float64, q*q)
		for i, p := range idx {
			for j := i; j < q; j++ {
				b[i*q+j] = c.Data[p*c.Stride+idx[j]]
			}
		}
		u, ok := lapack64.Potrf(blas64.Symmetric{N: q, Stride: q, Data: b, Uplo: blas.Upper})
		if !ok {
			return fmt.Errorf("pid: covariance of sources %v and the target: %w", s.Sources(), errIndefinite)
		}
		w.out.mi[k] = w.setInfo(trailingLogDet(u, w.dm))
	}
	return nil
}

// trailingLogDet returns ln det UᵀU of the trailing k×k block of the
// Cholesky factor u: that block is the factor of the Schur complement of
// the leading variables, so this is the log-determinant of the conditional
// covariance of the last k variables given the others.
func trailingLogDet(u blas64.Triangular, k int) (ld float64) {
	for i := u.N - k; i < u.N; i++ {
		ld += 2 * math.Log(u.Data[i*u.Stride+i])
	}
	return ld
}
