package regularizer

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigExp returns eˣ rounded to the nearest float64, from a 256-bit
// evaluation: eˣ = 2ᵏ·e^r with r = x − k·ln2, |r| ≤ ln2/2, by its Taylor
// series. It is independent of the table-driven kernel (no table, another
// reduction).
func bigExp(x float64, ln2 *big.Float) float64 {
	const prec = 256
	k := math.Round(x / math.Ln2)
	r := new(big.Float).SetPrec(prec).SetFloat64(x)
	r.Sub(r, new(big.Float).SetPrec(prec).Mul(ln2, big.NewFloat(k)))
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for n := int64(1); n < 80; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(n))
		sum.Add(sum, term)
	}
	sum.SetMantExp(sum, int(k))
	f, _ := sum.Float64()
	return f
}

// ulps returns |a − b| in units in the last place of b.
func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / (math.Nextafter(math.Abs(b), math.Inf(1)) - math.Abs(b))
}

// The kernel is within 1 ulp of the correctly rounded eˣ over the range the
// Gaussian kernels use (−745 < x ≤ 0, densest near 0) and the positive
// fast-path range, and math.Exp's answer is within 1 ulp of it.
func TestFastExpAccuracy(t *testing.T) {
	ln2 := bigLn2(256)
	if got, _ := ln2.Float64(); got != math.Ln2 {
		t.Fatalf("bigLn2 = %v, want %v", got, math.Ln2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var xs []float64
	for range 20000 {
		xs = append(xs, -rng.ExpFloat64()*2) // the usual kernel arguments
	}
	for range 5000 {
		xs = append(xs, -745*rng.Float64(), 709*rng.Float64(), -1e-3*rng.Float64())
	}
	// table boundaries, rounding ties of k and the fast-path ends
	for i := -300; i <= 300; i++ {
		c := float64(i) * math.Ln2 / expTableSize
		xs = append(xs, c, math.Nextafter(c, 0), math.Nextafter(c, -1), c+math.Ln2/(2*expTableSize))
	}
	xs = append(xs, 0, math.Copysign(0, -1), 1e-300, -1e-300, expLo, math.Nextafter(expLo, 0), expHi,
		math.Nextafter(expLo, -1000), -745, -745.2, -746, -1000, 710)
	worst, worstStd := 0.0, 0.0
	for _, x := range xs {
		want := bigExp(x, ln2)
		got := fastExp(x)
		if e := ulps(got, want); e > worst {
			worst = e
		}
		if e := ulps(math.Exp(x), want); e > worstStd {
			worstStd = e
		}
		if e := ulps(got, want); e > 1 {
			t.Errorf("fastExp(%v) = %v, want %v (%.2f ulp)", x, got, want, e)
		}
	}
	t.Logf("largest error over %d arguments: fastExp %.3f ulp, math.Exp %.3f ulp", len(xs), worst, worstStd)
}

func TestFastExpSpecial(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0, 1}, {math.Inf(-1), 0}, {math.Inf(1), math.Inf(1)}, {-746, 0}, {710, math.Inf(1)}, {1, math.E},
	} {
		if got := fastExp(tc.x); got != tc.want {
			t.Errorf("fastExp(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	if got := fastExp(math.NaN()); !math.IsNaN(got) {
		t.Errorf("fastExp(NaN) = %v", got)
	}
	// monotone across the table steps near 0 (where kernel values cluster)
	prev := fastExp(-1)
	for x := -1.0; x <= 0; x += 1.0 / 4096 {
		v := fastExp(x)
		if v < prev {
			t.Fatalf("not monotone at %v: %v < %v", x, v, prev)
		}
		prev = v
	}
}

func TestExpAffine(t *testing.T) {
	src := []float64{0, 1, 2.5, 100, 3000}
	dst := make([]float64, len(src))
	c, b := -0.37, 0.25
	expAffine(dst, src, c, b)
	for i, v := range src {
		if want := fastExp(float64(c*v) + b); dst[i] != want {
			t.Errorf("dst[%d] = %v, want %v", i, dst[i], want)
		}
	}
	expAffine(src, src, c, b) // in place
	for i := range src {
		if src[i] != dst[i] {
			t.Errorf("in place: %v, want %v", src[i], dst[i])
		}
	}
}

var expSink float64

// BenchmarkExp compares the kernel with math.Exp on 32 640 kernel
// arguments (the upper triangle of a 256×256 Gram matrix).
func BenchmarkExp(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := make([]float64, 256*255/2)
	for i := range src {
		src[i] = rng.ExpFloat64()
	}
	dst := make([]float64, len(src))
	b.Run("expAffine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			expAffine(dst, src, -0.5, 0)
		}
		expSink = dst[0]
	})
	b.Run("math.Exp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, v := range src {
				dst[i] = math.Exp(-0.5 * v)
			}
		}
		expSink = dst[0]
	})
}
