package gaussian

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// MutualInfo returns the Gaussian mutual information, in bits, between the
// blocks of variables indexed by a and b of the joint covariance cov:
//
//	I(a;b) = ½ log₂ det C_aa + ½ log₂ det C_bb − ½ log₂ det C_{ab,ab}.
//
// The log-determinants come from Cholesky factors: the union block [a, b] is
// factorized once (with the jitter rule of Factorize, scaled by its mean
// diagonal) and its leading block gives det C_aa; C_bb gets the same jitter so
// the three determinants describe one matrix. The result is clamped at 0
// (tiny negative round-off). a and b must be non-empty, disjoint, without
// repeats and in range, else the error wraps ErrDimension.
func MutualInfo(cov mat.Symmetric, a, b []int) (float64, error) {
	return CondMutualInfo(cov, a, b, nil)
}

// CondMutualInfo returns the Gaussian conditional mutual information in bits
//
//	I(a;b|c) = ½ log₂ det C_{ac} + ½ log₂ det C_{bc} − ½ log₂ det C_c − ½ log₂ det C_{abc},
//
// where C_{ac} is the block of cov indexed by a ∪ c, and so on; with c empty
// it is MutualInfo. It satisfies the chain rule I(a; b,c) = I(a;c) + I(a;b|c).
// Index lists must be disjoint, without repeats and in range, a and b
// non-empty (ErrDimension otherwise).
func CondMutualInfo(cov mat.Symmetric, a, b, c []int) (float64, error) {
	d := cov.SymmetricDim()
	if len(a) == 0 || len(b) == 0 {
		return 0, fmt.Errorf("gaussian: mutual information needs two non-empty blocks, have %d and %d: %w", len(a), len(b), ErrDimension)
	}
	if err := checkIndices(d, a, b, c); err != nil {
		return 0, err
	}
	// Factor [c, a, b]: leading minors give log det C_c, C_ca and C_cab.
	order := make([]int, 0, len(a)+len(b)+len(c))
	order = append(order, c...)
	order = append(order, a...)
	order = append(order, b...)
	u, tau, err := CholeskyInPlace(subSym(cov, order, 0).RawSymmetric(), nil)
	if err != nil {
		return 0, fmt.Errorf("gaussian: mutual information: %w", err)
	}
	nc, na := len(c), len(a)
	ldC := LogDetFactor(u, 0, nc)
	ldCA := ldC + LogDetFactor(u, nc, nc+na)
	ldCAB := ldCA + LogDetFactor(u, nc+na, len(order))
	// Factor [c, b] with the same jitter.
	cb := make([]int, 0, nc+len(b))
	cb = append(cb, c...)
	cb = append(cb, b...)
	v, _, err := CholeskyInPlace(subSym(cov, cb, tau).RawSymmetric(), nil)
	if err != nil {
		return 0, fmt.Errorf("gaussian: mutual information: %w", err)
	}
	ldCB := LogDetFactor(v, 0, len(cb))
	mi := (ldCA + ldCB - ldC - ldCAB) / (2 * math.Ln2)
	return math.Max(mi, 0), nil
}

// Entropy returns the differential entropy, in bits, of the Gaussian block
// indexed by a: h = ½ log₂((2πe)^|a| det C_aa).
func Entropy(cov mat.Symmetric, a []int) (float64, error) {
	if len(a) == 0 {
		return 0, fmt.Errorf("gaussian: entropy of an empty block: %w", ErrDimension)
	}
	if err := checkIndices(cov.SymmetricDim(), a); err != nil {
		return 0, err
	}
	ld, err := LogDet(subSym(cov, a, 0))
	if err != nil {
		return 0, fmt.Errorf("gaussian: entropy: %w", err)
	}
	return (float64(len(a))*math.Log(2*math.Pi*math.E) + ld) / (2 * math.Ln2), nil
}

// checkIndices verifies that the lists are in [0,d) and pairwise disjoint
// without repeats.
func checkIndices(d int, lists ...[]int) error {
	seen := make(map[int]bool)
	for _, l := range lists {
		for _, i := range l {
			if i < 0 || i >= d {
				return fmt.Errorf("gaussian: index %d out of range [0,%d): %w", i, d, ErrDimension)
			}
			if seen[i] {
				return fmt.Errorf("gaussian: index %d used twice: %w", i, ErrDimension)
			}
			seen[i] = true
		}
	}
	return nil
}

// subSym returns the block of a indexed by idx, plus tau on its diagonal.
func subSym(a mat.Symmetric, idx []int, tau float64) *mat.SymDense {
	s := mat.NewSymDense(len(idx), nil)
	for i, p := range idx {
		for j := i; j < len(idx); j++ {
			s.SetSym(i, j, a.At(p, idx[j]))
		}
		s.SetSym(i, i, s.At(i, i)+tau)
	}
	return s
}
