package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// normFractions checks that the three fractions are finite, non-negative
// and not all zero, and returns them divided by their sum, so {70, 10, 20}
// and {0.7, 0.1, 0.2} mean the same split.
func normFractions(frac [3]float64) ([3]float64, error) {
	var sum float64
	for k, f := range frac {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return frac, fmt.Errorf("datasets: split fraction %d is %v, want finite and ≥ 0: %w", k, f, ErrArgument)
		}
		sum += f
	}
	if sum <= 0 {
		return frac, fmt.Errorf("datasets: split fractions %v sum to zero: %w", frac, ErrArgument)
	}
	for k := range frac {
		frac[k] /= sum
	}
	return frac, nil
}

var partNames = [3]string{"train", "validation", "test"}

// SplitRows splits the rows 0…n−1 at random into train, validation and test
// parts of sizes proportional to frac (normalised to sum to one). The sizes
// are the largest-remainder rounding of frac_k·n, so they differ from
// frac_k·n by less than one row and sum to n. Each part is returned in
// ascending row order; together the parts hold every row exactly once. A
// part with a zero fraction is empty; a part with a positive fraction that
// would receive no row is an ErrTooFew error. The split depends only on n,
// frac and the state of rng.
func SplitRows(n int, frac [3]float64, rng *rand.Rand) (train, val, test []int, err error) {
	if rng == nil {
		return nil, nil, nil, fmt.Errorf("datasets: SplitRows: nil random source: %w", ErrArgument)
	}
	if n < 0 {
		return nil, nil, nil, fmt.Errorf("datasets: SplitRows: %d rows: %w", n, ErrArgument)
	}
	f, err := normFractions(frac)
	if err != nil {
		return nil, nil, nil, err
	}
	// Largest-remainder (Hamilton) rounding of f_k·n; ties go to the
	// earlier part.
	var cnt [3]int
	var rem [3]float64
	total := 0
	for k := range f {
		x := f[k] * float64(n)
		cnt[k] = int(math.Floor(x))
		rem[k] = x - float64(cnt[k])
		total += cnt[k]
	}
	for total < n {
		best := -1
		for k := range rem {
			if f[k] > 0 && (best < 0 || rem[k] > rem[best]) {
				best = k
			}
		}
		cnt[best]++
		rem[best] = -1
		total++
	}
	for k := range f {
		if f[k] > 0 && cnt[k] == 0 {
			return nil, nil, nil, fmt.Errorf("datasets: SplitRows: %d rows give the %s part (fraction %.3g) no row: %w",
				n, partNames[k], f[k], ErrTooFew)
		}
	}
	perm := rng.Perm(n)
	parts := [3][]int{}
	start := 0
	for k := range parts {
		parts[k] = slices.Clone(perm[start : start+cnt[k]])
		slices.Sort(parts[k])
		start += cnt[k]
	}
	return parts[0], parts[1], parts[2], nil
}

// SplitByGroup splits rows into train, validation and test parts so that no
// group (for instance a patient) has rows in two parts: groups[i] is the
// group of row i, and whole groups are assigned.
//
// The distinct groups are put in random order (from rng). The first groups
// seed each part with a positive fraction, one group each; every further
// group goes to the part with the largest row deficit t_k − c_k, where
// t_k = frac_k·n is the target and c_k the rows assigned so far (ties to the
// earlier part). A part only receives a group while its deficit is positive
// or while seeding, so with g the size of the largest group every part ends
// with c_k ≤ t_k + g rows, and since the counts sum to n,
//
//	|c_k − t_k| ≤ 2g.
//
// The fractions are therefore close when groups are small relative to the
// data. Each part is returned in ascending row order; together the parts
// hold every row exactly once. Fewer distinct groups than parts with a
// positive fraction is an ErrTooFew error. The split depends only on groups,
// frac and the state of rng.
func SplitByGroup(groups []int, frac [3]float64, rng *rand.Rand) (train, val, test []int, err error) {
	if rng == nil {
		return nil, nil, nil, fmt.Errorf("datasets: SplitByGroup: nil random source: %w", ErrArgument)
	}
	f, err := normFractions(frac)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(groups)
	rows := make(map[int][]int)
	for i, g := range groups {
		rows[g] = append(rows[g], i)
	}
	ids := make([]int, 0, len(rows))
	for g := range rows {
		ids = append(ids, g)
	}
	slices.Sort(ids) // map order is random; the shuffle must only depend on rng
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })

	var active []int // parts with a positive fraction
	for k := range f {
		if f[k] > 0 {
			active = append(active, k)
		}
	}
	if len(ids) < len(active) {
		return nil, nil, nil, fmt.Errorf("datasets: SplitByGroup: %d distinct groups cannot fill %d parts: %w",
			len(ids), len(active), ErrTooFew)
	}
	var target [3]float64
	for k := range f {
		target[k] = f[k] * float64(n)
	}
	var parts [3][]int
	for i, g := range ids {
		k := -1
		if i < len(active) {
			k = active[i]
		} else {
			for _, a := range active {
				if k < 0 || target[a]-float64(len(parts[a])) > target[k]-float64(len(parts[k])) {
					k = a
				}
			}
		}
		parts[k] = append(parts[k], rows[g]...)
	}
	for k := range parts {
		slices.Sort(parts[k])
	}
	return parts[0], parts[1], parts[2], nil
}
