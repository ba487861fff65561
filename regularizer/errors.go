package regularizer

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these
// (test with errors.Is) and names the offending input in its message.
var (
	// ErrDimension reports inputs whose shapes do not fit together or an
	// input that is not a matrix.
	ErrDimension = errors.New("regularizer: dimension mismatch")
	// ErrTooFewRows reports a sample too small for the statistic.
	ErrTooFewRows = errors.New("regularizer: too few rows")
	// ErrNonFinite reports a NaN or ±Inf in an input.
	ErrNonFinite = errors.New("regularizer: non-finite value")
	// ErrDegenerate reports data on which the statistic is undefined: a zero
	// median pairwise distance (more than half of the rows coincide), a
	// non-positive kernel sum, or a covariance that is not positive definite.
	ErrDegenerate = errors.New("regularizer: degenerate data")
	// ErrParameter reports an invalid parameter (negative or NaN scale,
	// bandwidth or weight).
	ErrParameter = errors.New("regularizer: invalid parameter")
	// ErrDType reports a graph value that is not float64.
	ErrDType = errors.New("regularizer: value is not float64")
)
