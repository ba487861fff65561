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

// TestExpAffineLanes: expAffine (four lanes in AVX2 where the CPU has it)
// gives the bits of expAffineGo for every length, offset and kind of
// argument, off the fast path included, in place or not.
func TestExpAffineLanes(t *testing.T) {
	if !expAVX2 {
		t.Log("no AVX2: expAffine is expAffineGo")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -800, 720, expLo, expHi, math.Nextafter(expLo, -1000), 0, math.Copysign(0, -1)}
	draw := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return special[rng.IntN(len(special))]
		case 1:
			return 1400*rng.Float64() - 700
		default:
			return -rng.ExpFloat64() * 3
		}
	}
	for trial := range 3000 {
		n := rng.IntN(41)
		src := make([]float64, n+3)
		for i := range src {
			src[i] = draw()
		}
		off := rng.IntN(4)
		c, b := -0.5*rng.Float64()-0.01, 0.0
		if trial%3 == 0 {
			b = rng.Float64()
		}
		want := make([]float64, n)
		expAffineGo(want, src[off:off+n], c, b)
		got := make([]float64, n)
		expAffine(got, src[off:off+n], c, b)
		inPlace := append([]float64(nil), src[off:off+n]...)
		expAffine(inPlace, inPlace, c, b)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) ||
				math.Float64bits(inPlace[i]) != math.Float64bits(want[i]) && !(math.IsNaN(inPlace[i]) && math.IsNaN(want[i])) {
				t.Fatalf("trial %d, n %d, value %d: exp(%v·%v + %v) = %v (in place %v), Go kernel %v", trial, n, i, c, src[off+i], b, got[i], inPlace[i], want[i])
			}
		}
	}
}

// FuzzExpAffine compares expAffine with expAffineGo bit for bit on eight
// arguments (two blocks of four, so the vector path and its fallback run).
func FuzzExpAffine(f *testing.F) {
	f.Add(-0.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
	f.Add(1.0, 0.0, -708.0, 709.0, -709.0, 710.0, 0.0, -1e-300, 1e300, -3.5)
	f.Fuzz(func(t *testing.T, c, b, x0, x1, x2, x3, x4, x5, x6, x7 float64) {
		src := []float64{x0, x1, x2, x3, x4, x5, x6, x7}
		want, got := make([]float64, 8), make([]float64, 8)
		expAffineGo(want, src, c, b)
		expAffine(got, src, c, b)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Fatalf("exp(%v·%v + %v) = %v, Go kernel %v", c, src[i], b, got[i], want[i])
			}
		}
	})
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
	b.Run("expAffineGo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			expAffineGo(dst, src, -0.5, 0)
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
