package datasets

import "errors"

// Sentinel errors. Every error returned by this package wraps at most one of
// them, so callers can branch with errors.Is while the message names the file,
// line and column at fault.
var (
	// ErrFormat reports a malformed file: a bad IDX magic number, a truncated
	// file, a missing or duplicated CSV column, a ragged row, or a value that
	// is not a finite number.
	ErrFormat = errors.New("malformed data")
	// ErrMismatch reports files that should describe the same rows but do
	// not: image and label counts that differ, or two Superconductivity files
	// whose row counts or critical temperatures disagree.
	ErrMismatch = errors.New("files disagree")
	// ErrTooFew reports a split that cannot give every part with a positive
	// fraction at least one row (or one group).
	ErrTooFew = errors.New("too few rows or groups")
	// ErrArgument reports an invalid argument: a nil random source, a
	// negative count, or fractions that are negative, non-finite or all zero.
	ErrArgument = errors.New("invalid argument")
)
