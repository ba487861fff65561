package transform

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// Constants of the reference's blended target transform (see
// BlendedInverseNormal).
const (
	// BlendRankWeight is the weight of the robust rank score INT′.
	BlendRankWeight = 0.6
	// BlendZWeight is the weight of the clipped z-score.
	BlendZWeight = 0.4
	// BlendZClip clips the z-score to [−BlendZClip, BlendZClip].
	BlendZClip = 3.0
	// BlendFence is the multiple of the interquartile range that places the
	// outlier fences at Q1 − 2·IQR and Q3 + 2·IQR.
	BlendFence = 2.0
)

// BlendedInverseNormal writes the published reference's blended target
// transform of x to dst and returns dst. It is offered for parity with the
// reference; InverseNormal with offset Blom is the method's default.
//
// For each value
//
//	b_i = 0.6·INT′_i + 0.4·clip(z_i, −3, 3),   z_i = (x_i − x̄)/σ,
//
// with x̄ the mean and σ the population standard deviation of x (divisor n,
// as numpy's std; z_i = 0 for all i when σ = 0). INT′ is a rank score that is
// robust to outliers:
//
//   - The fences are lo = Q1 − 2·IQR and hi = Q3 + 2·IQR, with the quartiles
//     Q1, Q3 computed as numpy's default ("linear") quantile: for sorted
//     values s_0 ≤ … ≤ s_{n−1} and h = (n−1)·q, Q(q) = s_⌊h⌋ + (h−⌊h⌋)·(s_⌊h⌋+1 − s_⌊h⌋).
//   - A point inside [lo, hi] gets INT′_i = Φ⁻¹((r_i + 0.5)/(n_in + 1)), where
//     r_i ∈ {0, …, n_in−1} is its 0-based rank among the n_in inside points
//     (ties share their average rank).
//   - A point outside gets INT′_i = ±(2.5 + 0.5·clip(dev_i/σ, 0, 3)), with the
//     sign of the side it lies on and dev_i its distance beyond the nearer
//     fence (x_i − hi above, lo − x_i below), so outliers land in
//     [2.5, 4] in absolute value, increasing with their distance.
//
// The result is not symmetric about 0 and not invariant to monotone maps of
// x (the z-score part sees the raw scale); that is why it is not the default.
//
// dst follows the rules of InverseNormal (nil allocates; it may be x), and
// so do the errors. BlendedInverseNormal allocates O(n) scratch space.
func BlendedInverseNormal(dst, x []float64) ([]float64, error) {
	n := len(x)
	if n < 2 {
		return nil, fmt.Errorf("transform: blended inverse normal of %d values, need at least 2: %w", n, ErrTooFew)
	}
	if i := firstNonFinite(x); i >= 0 {
		return nil, fmt.Errorf("transform: blended inverse normal: x[%d] = %v: %w", i, x[i], ErrNonFinite)
	}
	switch {
	case dst == nil:
		dst = make([]float64, n)
	case len(dst) != n:
		return nil, fmt.Errorf("transform: blended inverse normal: len(dst) = %d, len(x) = %d: %w", len(dst), n, ErrShape)
	case &dst[0] == &x[0]:
		x = slices.Clone(x)
	}

	mean, sd := meanStd(x)
	sorted := slices.Clone(x)
	slices.Sort(sorted)
	q1 := linearQuantile(sorted, 0.25)
	q3 := linearQuantile(sorted, 0.75)
	iqr := q3 - q1
	lo, hi := q1-BlendFence*iqr, q3+BlendFence*iqr

	// Inside points are a contiguous run of the sorted values: sorted[a:b].
	a, _ := slices.BinarySearch(sorted, lo) // first ≥ lo
	b := a
	for b < n && sorted[b] <= hi {
		b++
	}
	in := sorted[a:b]
	nIn := float64(len(in))

	for i, v := range x {
		var score float64
		switch {
		case v < lo || v > hi:
			dev := v - hi
			sign := 1.0
			if v < lo {
				dev, sign = lo-v, -1
			}
			t := 0.0
			if sd > 0 {
				t = clip(dev/sd, 0, 3)
			}
			score = sign * (2.5 + 0.5*t)
		default:
			// 0-based average rank among the inside points.
			first, _ := slices.BinarySearch(in, v)
			last := first
			for last+1 < len(in) && in[last+1] == v {
				last++
			}
			r := float64(first+last) / 2
			score = mathext.NormalQuantile((r + 0.5) / (nIn + 1))
		}
		z := 0.0
		if sd > 0 {
			z = clip((v-mean)/sd, -BlendZClip, BlendZClip)
		}
		dst[i] = BlendRankWeight*score + BlendZWeight*z
	}
	return dst, nil
}

// linearQuantile is numpy's default (method="linear", Hyndman–Fan type 7)
// quantile of the sorted, non-empty slice s.
func linearQuantile(s []float64, q float64) float64 {
	h := float64(len(s)-1) * q
	i := int(math.Floor(h))
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i])
}

// meanStd returns the mean and the population (divisor n) standard deviation
// of x by the corrected two-pass algorithm.
func meanStd(x []float64) (mean, sd float64) {
	n := float64(len(x))
	for _, v := range x {
		mean += v
	}
	mean /= n
	var ss, comp float64
	for _, v := range x {
		d := v - mean
		ss += d * d
		comp += d
	}
	v := (ss - comp*comp/n) / n
	return mean, math.Sqrt(math.Max(v, 0))
}

func clip(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }
