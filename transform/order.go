package transform

import "math"

// Select reorders a so that a[k] is its k-th smallest element (0-based),
// a[:k] ≤ a[k] ≤ a[k+1:], and returns a[k]: an O(len(a)) expected-time order
// statistic (Hoare 1961, "Algorithm 65: Find"). Quickselect with a median-of-three
// pivot and Hoare partitioning (which splits runs of equal keys evenly). The
// input must be free of NaN, and 0 ≤ k < len(a).
func Select(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo-1, hi+1
		for {
			for i++; a[i] < pivot; i++ {
			}
			for j--; a[j] > pivot; j-- {
			}
			if i >= j {
				break
			}
			a[i], a[j] = a[j], a[i]
		}
		// a[lo..j] ≤ pivot ≤ a[j+1..hi]
		if k <= j {
			hi = j
		} else {
			lo = j + 1
		}
	}
	return a[k]
}

// median returns the median of v (reordered in place; len(v) ≥ 1): the
// middle value, or the mean of the two middle values.
func median(v []float64) float64 {
	n := len(v)
	hi := Select(v, n/2)
	if n%2 == 1 {
		return hi
	}
	lo := v[0]
	for _, x := range v[1 : n/2] {
		lo = max(lo, x)
	}
	return lo + (hi-lo)/2
}

// middleSmall is the length below which Middle selects on a copy directly.
const middleSmall = 2048

// Middle returns the two middle order statistics of v without reordering
// it: for an odd length m both are the median v₍ₘ/₂₎ (0-based ranks of the
// sorted values), for an even length lo = v₍ₘ/₂₋₁₎ and hi = v₍ₘ/₂₎, whose mean
// is the median. v must be non-empty and free of NaN; work is scratch space
// of length at least len(v) (its contents are overwritten).
//
// The values are exactly those of sorting v. For long inputs Middle draws a
// deterministic sample of s ≈ m^(2/3) values spread evenly over v, takes
// its order statistics a little below and above the sample median as a
// bracket [p, q] (Floyd & Rivest, "Algorithm 489", CACM 18(3), 1975), then in
// one pass over v counts the values below p and gathers those inside
// [p, q], which hold both middle ranks unless the sample was unlucky, and
// finishes with Select on the few gathered values. When the bracket misses
// (the pass proves it: the count below p exceeds the lower middle rank, or
// the gathered values end before the upper one) it selects on a copy of all
// of v, so the answer never depends on the sample. Runs of equal values
// need no gathering: if p = q the count alone decides.
func Middle(v, work []float64) (lo, hi float64) {
	m := len(v)
	kHi := m / 2
	kLo := (m - 1) / 2
	if m < middleSmall {
		return middleCopy(v, work, kLo, kHi)
	}
	// Sample: s values at evenly spaced positions, in work[:s].
	s := int(math.Cbrt(float64(m) * float64(m)))
	for i := 0; i < s; i++ {
		work[i] = v[int(uint64(i)*uint64(m)/uint64(s))]
	}
	sample := work[:s]
	// Bracket ranks: the sample ranks of kLo and kHi, widened by 2√s
	// (about four standard deviations of a sample rank).
	delta := int(2*math.Sqrt(float64(s))) + 1
	a := max(kLo*s/m-delta, 0)
	b := min(kHi*s/m+delta, s-1)
	q := Select(sample, b)
	p := Select(sample[:b+1], a)

	// One pass: count values below p, gather values in [p, q] into the
	// rest of work (without a data-dependent branch: every value is
	// written, the write position advances only for those inside).
	gather := work[s:]
	less, in := 0, 0
	if p == q {
		for _, x := range v {
			less += b2i(x < p)
			in += b2i(x == p)
		}
		if less <= kLo && kHi < less+in {
			return p, p
		}
		return middleCopy(v, work, kLo, kHi)
	}
	// Writes past the end of gather land on its last slot, so a bracket
	// that gathered len(gather) values or more is treated as a miss.
	last := len(gather) - 1
	for _, x := range v {
		less += b2i(x < p)
		gather[min(in, last)] = x
		in += b2i(x >= p) & b2i(x <= q)
	}
	if !(less <= kLo && kHi < less+in) || in > last {
		return middleCopy(v, work, kLo, kHi)
	}
	return middleOf(gather[:in], kLo-less, kHi-less)
}

// middleCopy is Middle by selection on a copy of v in work.
func middleCopy(v, work []float64, kLo, kHi int) (lo, hi float64) {
	c := work[:len(v)]
	copy(c, v)
	return middleOf(c, kLo, kHi)
}

// middleOf returns the order statistics kLo and kHi = kLo or kLo+1 of a,
// reordering a.
func middleOf(a []float64, kLo, kHi int) (lo, hi float64) {
	lo = Select(a, kLo)
	if kHi == kLo {
		return lo, lo
	}
	hi = a[kHi]
	for _, x := range a[kHi:] {
		hi = min(hi, x)
	}
	return lo, hi
}

// b2i returns 1 for true and 0 for false without a branch.
func b2i(b bool) int {
	var k int
	if b {
		k = 1
	}
	return k
}
