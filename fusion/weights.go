package fusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/pidreg/pidreg/pid"
)

// Policy decides which modality's weight the redundancy joins.
type Policy int

const (
	// Split gives each modality half of the redundancy (the default).
	Split Policy = iota
	// Stronger gives the whole redundancy to the modality with the larger
	// mutual information I(M;·) with the target; a tie splits it equally.
	Stronger
	// Bernoulli gives the whole redundancy to one modality chosen by a fair
	// coin at every call, as the published reference does. Its expectation
	// is Split.
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

// Weights returns the fusion weights (w1, w2, w3) for Z1, Z2 and Z1⊙Z2 from a
// decomposition r of the information the latents carry about the target:
//
//	T  = U_X + U_Y + Red + Syn
//	w1 = (U_X + s_X·Red)/T,  w2 = (U_Y + s_Y·Red)/T,  w3 = Syn/T,
//
// where the redundancy shares (s_X, s_Y), s_X + s_Y = 1, follow the policy:
// (½, ½) for Split; (1, 0) or (0, 1) towards the larger of r.MIX and r.MIY
// for Stronger (½, ½ on a tie); a fair coin drawn from rng for Bernoulli.
// Negative atoms (rounding) count as 0. When T < 1e-10, or an atom is NaN or
// infinite, the weights are (⅓, ⅓, ⅓). The weights are ≥ 0 and sum to 1.
//
// rng is used only by Bernoulli; with a nil rng Bernoulli falls back to
// Split, and an unknown policy value also behaves as Split.
func Weights(r pid.Result, p Policy, rng *rand.Rand) [3]float64 {
	ux, uy := math.Max(r.UniqueX, 0), math.Max(r.UniqueY, 0)
	red, syn := math.Max(r.Redundancy, 0), math.Max(r.Synergy, 0)
	total := ux + uy + red + syn
	if !(total >= totalFloor) || math.IsInf(total, 0) {
		return [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	}
	sx := 0.5
	switch p {
	case Stronger:
		switch {
		case r.MIX > r.MIY:
			sx = 1
		case r.MIY > r.MIX:
			sx = 0
		}
	case Bernoulli:
		if rng != nil {
			sx = float64(rng.IntN(2))
		}
	}
	return [3]float64{(ux + sx*red) / total, (uy + (1-sx)*red) / total, syn / total}
}
