package regularizer

import (
	"math"
	"math/big"
)

// Every exponential of a Gaussian kernel in this package goes through
// expAffine: one loop over a slice, so that a vectorised implementation can
// replace the scalar one in a single place.
//
// The scalar kernel is the table-driven method of Tang ("Table-driven
// implementation of the exponential function in IEEE floating-point
// arithmetic", ACM TOMS 15(2), 1989): with N = 128,
//
//	x = (128·m + i)·ln2/128 + r,   0 ≤ i < 128,   |r| ≤ ln2/256,
//	exp(x) = 2^m · 2^(i/128) · exp(r),
//
// where k = 128·m + i is x·128/ln2 rounded to the nearest integer, r is
// computed with ln2/128 split into a 35-bit head (so that k times it is
// exact for |k| < 2¹⁸) and a tail, exp(r) − 1 is its Taylor polynomial of
// degree 5 (truncation below 6·10⁻¹⁹ relative for |r| ≤ ln2/256), and
// 2^(i/128) is held as a head and a tail, each rounded to nearest from a
// 256-bit value computed at start-up. The result is
//
//	2^m · (T_i + (t_i + T_i·p(r))),
//
// one rounding of a value whose other errors are far below half an ulp: the
// test measures at most 1 ulp against a 256-bit reference (and against
// math.Exp, itself within 1 ulp) over the arguments the kernels use. The
// arithmetic has no fused multiply-adds (every product is converted to
// float64), so results are the same on every architecture.
//
// The fast path covers −708 ≤ x ≤ 709, where 2^m is a normal number; any
// other argument (Gaussian kernels of points more than ≈ 37.6 bandwidths
// apart, where the result is subnormal or 0, and non-finite values) goes to
// math.Exp. It is 3–4 times faster than math.Exp on amd64 (BenchmarkExp).

const (
	expTableBits = 7
	expTableSize = 1 << expTableBits
	// expShifter rounds to an integer by addition: for |y| < 2⁵¹,
	// (y + 1.5·2⁵²) − 1.5·2⁵² is y rounded to nearest and the low bits of
	// the sum hold that integer.
	expShifter = 0x1.8p52
	expInvStep = expTableSize / math.Ln2 // 128/ln2
	expLo      = -708.0
	expHi      = 709.0
)

// expStepHi + expStepLo = ln2/128 to about 2⁻⁹⁰; expStepHi has 35
// significant bits. expTable holds T_i (even entries) and t_i (odd entries).
var (
	expStepHi, expStepLo float64
	expTable             [2 * expTableSize]float64
)

func init() {
	const prec = 256
	ln2 := bigLn2(prec)
	step := new(big.Float).SetPrec(prec).Quo(ln2, big.NewFloat(expTableSize))
	f, _ := step.Float64()
	hi := math.Float64frombits(math.Float64bits(f) &^ (1<<(52-34) - 1)) // keep 35 bits
	expStepHi = hi
	expStepLo, _ = new(big.Float).SetPrec(prec).Sub(step, big.NewFloat(hi)).Float64()

	// 2^(1/128) by seven square roots of 2, then its powers.
	root := new(big.Float).SetPrec(prec).SetInt64(2)
	for range expTableBits {
		root.Sqrt(root)
	}
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := range expTableSize {
		h, _ := p.Float64()
		l, _ := new(big.Float).SetPrec(prec).Sub(p, big.NewFloat(h)).Float64()
		expTable[2*i], expTable[2*i+1] = h, l
		p.Mul(p, root)
	}
}

// bigLn2 returns ln 2 to prec bits from ln 2 = Σ_{k≥1} 1/(k·2ᵏ).
func bigLn2(prec uint) *big.Float {
	sum := new(big.Float).SetPrec(prec + 32)
	term := new(big.Float).SetPrec(prec + 32)
	pow := new(big.Float).SetPrec(prec + 32).SetInt64(1)
	for k := int64(1); k <= int64(prec)+16; k++ {
		pow.Quo(pow, big.NewFloat(2))
		term.Quo(pow, new(big.Float).SetInt64(k))
		sum.Add(sum, term)
	}
	return sum.SetPrec(prec)
}

// fastExp returns eˣ with the table-driven kernel (math.Exp outside
// [expLo, expHi]).
func fastExp(x float64) float64 {
	var one [1]float64
	expAffine(one[:], []float64{x}, 1, 0)
	return one[0]
}

// expAffine sets dst[i] = exp(c·src[i] + b) for every i < len(dst), where
// c·src[i] is rounded before b is added. dst and src may be the same slice;
// src must be at least as long as dst. The kernel is written out in the loop
// (a call per element would cost as much as the kernel).
func expAffine(dst, src []float64, c, b float64) {
	src = src[:len(dst)]
	tab := &expTable
	for j, v := range src {
		x := float64(c*v) + b
		if !(x >= expLo && x <= expHi) {
			dst[j] = math.Exp(x)
			continue
		}
		t := float64(x*expInvStep) + expShifter
		k := int64(math.Float64bits(t) - math.Float64bits(expShifter))
		kf := t - expShifter
		r := float64(x-float64(kf*expStepHi)) - float64(kf*expStepLo)
		i := uint(k) & (expTableSize - 1)
		th, tl := tab[2*i], tab[2*i+1]
		// p(r) = exp(r) − 1 by Horner's rule
		p := float64(r*(1.0/120)) + 1.0/24
		p = float64(p*r) + 1.0/6
		p = float64(p*r) + 0.5
		p = float64(p*r) + 1
		p = float64(p * r)
		s := th + (tl + float64(th*p))
		dst[j] = s * math.Float64frombits(uint64(k>>expTableBits+1023)<<52)
	}
}
