package transform

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
