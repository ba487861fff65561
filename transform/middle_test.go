package transform

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// middleSorted is the reference: the two middle values of a sorted copy.
func middleSorted(v []float64) (lo, hi float64) {
	s := slices.Clone(v)
	slices.Sort(s)
	m := len(s)
	return s[(m-1)/2], s[m/2]
}

// Middle agrees with sorting, bit for bit, on inputs chosen to defeat the
// sample: ties, few distinct values, sorted and reversed runs, one row of
// outliers as in packed pairwise distances, zeros, and lengths on both sides
// of the small-input cut-off; v is left unchanged.
func TestMiddleMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	gens := map[string]func(i, m int) float64{
		"uniform":   func(int, int) float64 { return rng.Float64() },
		"exp":       func(int, int) float64 { return rng.ExpFloat64() },
		"3 values":  func(int, int) float64 { return float64(rng.IntN(3)) },
		"2 values":  func(int, int) float64 { return float64(rng.IntN(2)) },
		"constant":  func(int, int) float64 { return 7 },
		"sorted":    func(i, _ int) float64 { return float64(i) },
		"reversed":  func(i, m int) float64 { return float64(m - i) },
		"half zero": func(i, _ int) float64 { return float64(i%2) * rng.Float64() },
		"mostly 0":  func(i, m int) float64 { return float64(b2i(i > m*3/5)) * rng.Float64() },
		"blocks": func(i, m int) float64 { // runs, as rows of a packed distance matrix
			return float64((i*37/m)%5) + 1e-3*rng.Float64()
		},
		"outlier run": func(i, m int) float64 { // a block of huge distances at the front
			if i < m/3 {
				return 1e6 + rng.Float64()
			}
			return rng.Float64()
		},
		"quantised": func(int, int) float64 { return math.Round(rng.NormFloat64()*4) / 4 },
		"tiny":      func(int, int) float64 { return rng.Float64() * 1e-300 },
	}
	for _, m := range []int{1, 2, 3, 4, 5, 100, 2047, 2048, 2049, 5000, 32640, 32641, 100000} {
		for name, gen := range gens {
			v := make([]float64, m)
			for i := range v {
				v[i] = gen(i, m)
			}
			orig := slices.Clone(v)
			wantLo, wantHi := middleSorted(v)
			for _, extra := range []int{0, 1, 4096} {
				work := make([]float64, m+extra)
				lo, hi := Middle(v, work)
				if lo != wantLo || hi != wantHi {
					t.Fatalf("m=%d %s work+%d: Middle = (%v, %v), want (%v, %v)", m, name, extra, lo, hi, wantLo, wantHi)
				}
				if !slices.Equal(v, orig) {
					t.Fatalf("m=%d %s: Middle modified its input", m, name)
				}
			}
		}
	}
}

// Random shuffles of adversarial multisets: the median value sits in a run
// of ties that straddles the middle ranks.
func TestMiddleTiesAtTheMiddle(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	for trial := 0; trial < 200; trial++ {
		m := 2048 + rng.IntN(40000)
		v := make([]float64, m)
		run := 1 + rng.IntN(m/4)
		start := m/2 - rng.IntN(run)
		for i := range v {
			switch {
			case i < start:
				v[i] = rng.Float64()
			case i < start+run:
				v[i] = 1
			default:
				v[i] = 1 + rng.Float64()
			}
		}
		rng.Shuffle(m, func(i, j int) { v[i], v[j] = v[j], v[i] })
		wantLo, wantHi := middleSorted(v)
		lo, hi := Middle(v, make([]float64, m))
		if lo != wantLo || hi != wantHi {
			t.Fatalf("trial %d (m=%d, run %d at %d): (%v, %v), want (%v, %v)", trial, m, run, start, lo, hi, wantLo, wantHi)
		}
	}
}

// BenchmarkMiddle: the median of the 32 640 pairwise distances of 256 rows,
// Middle against quickselect on a copy (the previous method).
func BenchmarkMiddle(b *testing.B) {
	rng := rand.New(rand.NewPCG(65, 66))
	const n = 256
	x := make([]float64, n*8)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	var v []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			s := 0.0
			for c := 0; c < 8; c++ {
				d := x[i*8+c] - x[j*8+c]
				s += d * d
			}
			v = append(v, s)
		}
	}
	work := make([]float64, len(v))
	b.Run("Middle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Middle(v, work)
		}
	})
	b.Run("quickselect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			copy(work, v)
			k := len(work) / 2
			Select(work, k)
			lo := work[0]
			for _, x := range work[1:k] {
				lo = max(lo, x)
			}
		}
	})
}
