package transform

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	for _, n := range []int{1, 2, 3, 10, 101, 1000} {
		for _, distinct := range []int{1, 3, 1 << 30} {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(distinct))
			}
			sorted := append([]float64(nil), v...)
			slices.Sort(sorted)
			k := rng.IntN(n)
			if got := Select(v, k); got != sorted[k] {
				t.Fatalf("n=%d distinct=%d k=%d: %v, want %v", n, distinct, k, got, sorted[k])
			}
			for i := 0; i < k; i++ {
				if v[i] > v[k] {
					t.Fatalf("not partitioned below k")
				}
			}
			for i := k + 1; i < n; i++ {
				if v[i] < v[k] {
					t.Fatalf("not partitioned above k")
				}
			}
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		v    []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{4, 1}, 2.5}, {[]float64{5, 1, 3}, 3}, {[]float64{2, 9, 1, 7}, 4.5}, {[]float64{1, 1, 1, 2}, 1}} {
		if got := median(append([]float64(nil), tc.v...)); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
