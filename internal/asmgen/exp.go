// The AVX2 exponential of package regularizer.
//
// expAffineAVX2 is the scalar kernel expAffine of regularizer/exp.go (Tang's
// table-driven method) four lanes at a time: the same operations in the
// same order, each a separate IEEE multiplication, addition or subtraction
// (no fused multiply-add), so every result is bit for bit the scalar one.
// Two gathers fetch the table's head and tail. The one operation without a
// 64-bit AVX2 form, the arithmetic shift k >> 7 of the scale 2^m, is a
// logical shift: the scale keeps only the low 12 bits of (k >> 7) + 1023,
// on which the two shifts agree.
//
// A block of four arguments of which one is off the fast path
// (−708 ≤ x ≤ 709, false for NaN) ends the call; it returns how many
// values it wrote, and the Go side computes that block and calls again.

package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The constants of the scalar kernel that do not depend on start-up
// computations (regularizer/exp.go; expStepHi, expStepLo and the table are
// passed as arguments).
const (
	expTableBits = 7
	expShifter   = 0x1.8p52
	expLo, expHi = -708.0, 709.0
)

// vcmp predicates (Intel's imm8 encoding): ordered, non-signalling.
const (
	cmpGEOQ = 0x1d
	cmpLEOQ = 0x12
)

func expKernels(ctx *Context) {
	// Each constant four times, one YMM load each.
	consts := ctx.StaticGlobal("expconst")
	ctx.DataAttributes(RODATA | NOPTR)
	var off int
	vec := func(bits uint64) Mem {
		at := off
		for range 4 {
			ctx.AddDatum(off, U64(bits))
			off += 8
		}
		return consts.Offset(at)
	}
	f := math.Float64bits
	lo, hi := vec(f(expLo)), vec(f(expHi))
	inv, shifter := vec(f((1<<expTableBits)/math.Ln2)), vec(f(expShifter))
	mask := vec(1<<expTableBits - 1)
	c120, c24, c6, half, one := vec(f(1.0/120)), vec(f(1.0/24)), vec(f(1.0/6)), vec(f(0.5)), vec(f(1))
	bias := vec(1023)

	function(ctx, "expAffineAVX2", "func(dst, src []float64, c, b, stepHi, stepLo float64, tab *[256]float64) int",
		"expAffineAVX2 sets dst[i] = exp(c·src[i] + b) for i < n, four at a time, as the scalar expAffine does,",
		"and returns n: len(dst) rounded down to a multiple of 4, or the start of the first block of four",
		"with an argument off the fast path [−708, 709]. stepHi + stepLo = ln2/128 and tab holds 2^(i/128)",
		"as head and tail pairs. src must be at least as long as dst and may be dst. Needs AVX2.")
	d, s, t := base(ctx, "dst"), base(ctx, "src"), GP64()
	ctx.Load(ctx.Param("tab"), t)
	n := GP64()
	ctx.Load(ctx.Param("dst").Len(), n)
	ctx.ANDQ(I32(-4), n)
	i := GP64()
	ctx.XORQ(i, i)

	// Y0…Y3 hold c, b, stepHi and stepLo; the rest are temporaries.
	yc, yb, ysh, ysl := Y0, Y1, Y2, Y3
	for _, a := range []struct {
		name string
		r    VecPhysical
	}{{"c", yc}, {"b", yb}, {"stepHi", ysh}, {"stepLo", ysl}} {
		ctx.VBROADCASTSD(param(ctx, a.name), a.r)
	}
	x, tt, k, kf, r, u, idx, th, tl, p, g := Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14
	m := GP32()

	ctx.Label("exp_loop")
	ctx.CMPQ(i, n)
	ctx.JAE(LabelRef("exp_done"))
	elem := Mem{Base: s, Index: i, Scale: 8}
	// x = float64(c·v) + b, and the fast-path test.
	ctx.VMULPD(elem, yc, x)
	ctx.VADDPD(yb, x, x)
	ctx.VCMPPD(Imm(cmpGEOQ), lo, x, u)
	ctx.VCMPPD(Imm(cmpLEOQ), hi, x, tt)
	ctx.VANDPD(tt, u, u)
	ctx.VMOVMSKPD(u, m)
	ctx.CMPL(m, U8(15))
	ctx.JNE(LabelRef("exp_done"))
	// t = float64(x·128/ln2) + shifter; k = bits(t) − bits(shifter);
	// kf = t − shifter.
	ctx.VMULPD(inv, x, tt)
	ctx.VADDPD(shifter, tt, tt)
	ctx.VPSUBQ(shifter, tt, k)
	ctx.VSUBPD(shifter, tt, kf)
	// r = float64(x − float64(kf·stepHi)) − float64(kf·stepLo)
	ctx.VMULPD(ysh, kf, u)
	ctx.VSUBPD(u, x, r)
	ctx.VMULPD(ysl, kf, u)
	ctx.VSUBPD(u, r, r)
	// th, tl = tab[2i], tab[2i+1] for i = k & 127.
	ctx.VPAND(mask, k, idx)
	ctx.VPADDQ(idx, idx, idx)
	ctx.VPCMPEQQ(g, g, g)
	ctx.VGATHERQPD(g, Mem{Base: t, Index: idx, Scale: 8}, th)
	ctx.VPCMPEQQ(g, g, g)
	ctx.VGATHERQPD(g, Mem{Base: t, Index: idx, Scale: 8, Disp: 8}, tl)
	// p(r) = exp(r) − 1 by Horner's rule.
	ctx.VMULPD(c120, r, p)
	ctx.VADDPD(c24, p, p)
	for _, coef := range []Mem{c6, half, one} {
		ctx.VMULPD(r, p, p)
		ctx.VADDPD(coef, p, p)
	}
	ctx.VMULPD(r, p, p)
	// s = th + (tl + float64(th·p)), times 2^m = bits((k >> 7 + 1023) << 52).
	ctx.VMULPD(p, th, p)
	ctx.VADDPD(p, tl, p)
	ctx.VADDPD(p, th, p)
	ctx.VPSRLQ(U8(expTableBits), k, k)
	ctx.VPADDQ(bias, k, k)
	ctx.VPSLLQ(U8(52), k, k)
	ctx.VMULPD(k, p, p)
	ctx.VMOVUPD(p, Mem{Base: d, Index: i, Scale: 8})
	ctx.ADDQ(U8(4), i)
	ctx.JMP(LabelRef("exp_loop"))

	ctx.Label("exp_done")
	ctx.Store(i, ctx.ReturnIndex(0))
	ctx.VZEROUPPER()
	ctx.RET()
}
