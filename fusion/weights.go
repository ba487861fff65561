package fusion

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers can test with errors.Is.
var (
	// ErrPolicy reports an unknown policy name.
	ErrPolicy = errors.New("fusion: unknown policy")
	// ErrShape reports inputs of mismatched or wrong shapes.
	ErrShape = errors.New("fusion: wrong shape")
	// ErrNotFinite reports a NaN or infinite input or weight.
	ErrNotFinite = errors.New("fusion: value is NaN or infinite")
	// ErrMask reports a modality mask with an entry other than 0 or 1.
	ErrMask = errors.New("fusion: invalid modality mask")
)

// Policy decides how the bits of an atom that several sets of modalities
// can each provide (a redundancy) are shared among those sets.
type Policy int

const (
	// Split gives each set an equal share (the default); for two
	// modalities, half of the redundancy each.
	Split Policy = iota
	// Stronger gives the whole atom to the set with the largest mutual
	// information I(ỹ; Z_A) with the target; a tie splits it equally.
	Stronger
	// Bernoulli gives the whole atom to one set drawn uniformly at random
	// at every call; for two modalities this is the fair coin of the
	// published reference. Its expectation is Split.
	Bernoulli
)

// String returns "split", "stronger" or "bernoulli".
func (p Policy) String() string {
	switch p {
	case Split:
		return "split"
	case Stronger:
		return "stronger"
	case Bernoulli:
		return "bernoulli"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy parses the names returned by String (case-insensitive); ""
// means Split.
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "split":
		return Split, nil
	case "stronger":
		return Stronger, nil
	case "bernoulli":
		return Bernoulli, nil
	}
	return Split, fmt.Errorf("%w: unknown policy %q (want split, stronger or bernoulli)", ErrPolicy, s)
}

// totalFloor is the total information (bits) below which the weights are equal.
const totalFloor = 1e-10
