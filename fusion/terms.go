package fusion

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/pid"
)

// NumTerms returns the number of terms of the fusion of m latents, m + m(m−1)/2:
// the m latents and their pairwise products. It is 0 for m < 1.
func NumTerms(m int) int {
	if m < 1 {
		return 0
	}
	return m + m*(m-1)/2
}

// Terms returns the sources of every term of the fusion of m latents, in
// term order: [i] for the latent Z_i, i = 0 … m−1, then [i j] for the
// product Z_i ⊙ Z_j, i < j, in lexicographic order ((0,1), (0,2), …,
// (0,m−1), (1,2), …). For m = 2 this is [0] [1] [0 1]. It returns nil for
// m < 1.
func Terms(m int) [][]int {
	if m < 1 {
		return nil
	}
	out := make([][]int, 0, NumTerms(m))
	for i := 0; i < m; i++ {
		out = append(out, []int{i})
	}
	for i := 0; i < m; i++ {
		for j := i + 1; j < m; j++ {
			out = append(out, []int{i, j})
		}
	}
	return out
}

// pairTerm returns the term index of Z_i ⊙ Z_j, i < j, among m latents.
func pairTerm(m, i, j int) int { return m + i*(2*m-i-1)/2 + (j - i - 1) }

// TermWeights returns the fusion weights of the terms of Terms(r.Sources)
// from a lattice decomposition r of the information the latents carry
// about the target. Each atom's bits go to the terms that can carry them:
//
//	w_t = (1/T) Σ_α π⁺(α) Σ_{A∈α} s_α(A) c_A(t),   T = Σ_α π⁺(α),
//
// where π⁺ = max(π, 0); c_A is 1 on the latent term of a singleton A = {i},
// 1 on the product term of a pair A = {i, j}, and 1/C(|A|,2) on each product
// term of the pairs inside a larger set; and the shares s_α(A), summing to
// 1 over the sets of α, follow the policy: 1/k for each of the k sets with
// Split; with Stronger, equal shares for the sets of largest I(ỹ; Z_A)
// (r.MIOf) and 0 for the others; with Bernoulli, 1 for one set drawn
// uniformly from rng and 0 for the others. A single-set atom gives its set
// share 1. Bernoulli draws v = rng.IntN(k) once for each atom with k ≥ 2
// sets, in atom order, and picks the set k−1−v, so that for two latents the
// draw is the coin of the former two-latent rule. With a nil rng Bernoulli
// falls back to Split, and an unknown policy behaves as Split. When T < 1e-10 bit, or an atom
// is NaN or infinite, every weight is 1/NumTerms. The weights are ≥ 0 and
// sum to 1; for two latents (pid.LatticeOf of a two-source result) they
// are those of the former two-latent rule (package doc), bit for bit.
//
// A reduced result (more than pid.MaxExactSources latents) is weighted by
// the same rule over its 4M view atoms, so each view contributes 1/M of
// the weights.
//
// The error wraps ErrShape when r is malformed (see
// pid.LatticeResult.Validate).
func TermWeights(r pid.LatticeResult, p Policy, rng *rand.Rand) ([]float64, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%w: TermWeights: %w", ErrShape, err)
	}
	m := r.Sources
	w := make([]float64, NumTerms(m))
	var total float64
	for _, a := range r.Atoms {
		total += math.Max(a, 0)
	}
	if !(total >= totalFloor) || math.IsInf(total, 0) {
		for t := range w {
			w[t] = 1 / float64(len(w))
		}
		return w, nil
	}
	if p == Bernoulli && rng == nil || p != Stronger && p != Bernoulli {
		p = Split
	}
	var share []float64
	for k, a := range r.Atoms {
		v := math.Max(a, 0)
		sets := r.Sets(k)
		share = shares(share[:0], r, sets, p, rng)
		for si, s := range sets {
			var buf [pid.MaxSources]int
			src := buf[:0]
			for rest := uint64(s); rest != 0; rest &= rest - 1 {
				src = append(src, bits.TrailingZeros64(rest))
			}
			switch len(src) {
			case 1:
				w[src[0]] += share[si] * v
			case 2:
				w[pairTerm(m, src[0], src[1])] += share[si] * v
			default:
				c := share[si] / float64(len(src)*(len(src)-1)/2)
				for x := range src {
					for y := x + 1; y < len(src); y++ {
						w[pairTerm(m, src[x], src[y])] += c * v
					}
				}
			}
		}
	}
	for t := range w {
		w[t] /= total
	}
	return w, nil
}

// shares appends the policy's share of each set of an atom to dst.
func shares(dst []float64, r pid.LatticeResult, sets []pid.Set, p Policy, rng *rand.Rand) []float64 {
	k := len(sets)
	if k == 1 {
		return append(dst, 1)
	}
	switch p {
	case Bernoulli:
		pick := k - 1 - rng.IntN(k)
		for i := 0; i < k; i++ {
			dst = append(dst, 0)
		}
		dst[pick] = 1
		return dst
	case Stronger:
		// A set wins unless another has a strictly larger information, so
		// NaN informations tie (and split) as in the former two-latent rule.
		mi := make([]float64, k)
		for i, s := range sets {
			mi[i], _ = r.MIOf(s)
		}
		win := 0
		for i := range sets {
			dst = append(dst, 1)
			for j := range sets {
				if mi[j] > mi[i] {
					dst[i] = 0
					break
				}
			}
			if dst[i] == 1 {
				win++
			}
		}
		for i := range dst {
			dst[i] /= float64(win)
		}
		return dst
	}
	for i := 0; i < k; i++ {
		dst = append(dst, 1/float64(k))
	}
	return dst
}

// RowWeights returns the per-row weights of the fusion of m latents when
// some rows lack modalities: mask is n×m with mask(r, i) = 1 when row r has
// modality i and 0 when it does not. A term is present in a row when all
// its latents are (Z_i for i present, Z_i ⊙ Z_j for i and j present).
// Row r gets
//
//	w_rt = w_t / Σ_{u present} w_u   for t present,   w_rt = 0 otherwise,
//
// with two exceptions: a row with every modality present keeps w as given
// (bit for bit, not renormalised), and a row whose present terms all have
// weight 0 gives them equal weights; a row with no modality has all
// weights 0. The result is n×NumTerms(m).
//
// Errors wrap ErrShape (len(w) ≠ NumTerms(m), empty mask), ErrNotFinite (a
// NaN or infinite weight) or ErrMask (a mask entry other than 0 or 1).
func RowWeights(w []float64, mask mat.Matrix) (*mat.Dense, error) {
	if mask == nil {
		return nil, fmt.Errorf("%w: RowWeights: nil mask", ErrShape)
	}
	n, m := mask.Dims()
	nt := NumTerms(m)
	if n == 0 || m == 0 || len(w) != nt {
		return nil, fmt.Errorf("%w: RowWeights: %d×%d mask and %d weights, want %d weights", ErrShape, n, m, len(w), nt)
	}
	if err := checkWeights("RowWeights", w); err != nil {
		return nil, err
	}
	out := mat.NewDense(n, nt, nil)
	raw := out.RawMatrix()
	present := make([]bool, m)
	terms := Terms(m)
	for r := 0; r < n; r++ {
		all := true
		for i := range present {
			switch v := mask.At(r, i); v {
			case 0, 1:
				present[i] = v == 1
				all = all && present[i]
			default:
				return nil, fmt.Errorf("%w: RowWeights: mask(%d,%d) = %v", ErrMask, r, i, v)
			}
		}
		row := raw.Data[r*raw.Stride : r*raw.Stride+nt]
		if all {
			copy(row, w)
			continue
		}
		var sum float64
		var count int
		for t, src := range terms {
			if termPresent(src, present) {
				sum += w[t]
				count++
			}
		}
		for t, src := range terms {
			switch {
			case !termPresent(src, present):
			case sum > 0:
				row[t] = w[t] / sum
			default:
				row[t] = 1 / float64(count)
			}
		}
	}
	return out, nil
}

func termPresent(src []int, present []bool) bool {
	for _, i := range src {
		if !present[i] {
			return false
		}
	}
	return true
}

// checkWeights rejects NaN and infinite weights.
func checkWeights(where string, w []float64) error {
	for t, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s: weight %d = %v", ErrNotFinite, where, t, v)
		}
	}
	return nil
}
