// The AVX2 BatchNorm row loops of package encoder.
//
// Each kernel is the Go loop of the same name in encoder/bnrows.go
// without its "Go" suffix, four float64 columns at a time (or, for the
// kernels whose name ends in 32AVX2, the float32 instance of the loop,
// eight float32 columns at a time): the same IEEE
// operations in the same order (separate multiplications and additions, no
// fused multiply-add), so every value is bit for bit the Go one. Go's
// max(x, 0) (NaN for NaN, +0 for −0) is VMAXPD with the zero first
// followed by adding +0, and the indicator 1[x ≥ 0] is an ordered compare
// ANDed with 1.0, multiplied in as the Go code multiplies by it. A kernel
// handles len(first slice) rounded down to a multiple of its lanes (4 or
// 8); the Go side does the rest.

package main

import (
	"fmt"
	"math"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rows is the scaffolding of one elementwise kernel over slices of one
// precision: the loop over blocks of a register's lanes and the loads and
// stores of the slices named in the signature.
type rows struct {
	ctx   *Context
	e     lanes
	bases map[string]Register
	i     Register
}

// lanes are the instructions and constants of one precision's kernels.
type lanes struct {
	elem
	suffix                       string // of the kernel names: "AVX2" or "32AVX2"
	add, sub, max, cmp, and, xor func(*Context, ...Op)
	one                          Mem // a register of 1.0s
}

func bnKernels(ctx *Context) {
	one64 := ctx.StaticGlobal("bnconst")
	ctx.DataAttributes(RODATA | NOPTR)
	for k := range 4 {
		ctx.AddDatum(8*k, U64(math.Float64bits(1)))
	}
	one32 := ctx.StaticGlobal("bnconst32")
	ctx.DataAttributes(RODATA | NOPTR)
	for k := range 8 {
		ctx.AddDatum(4*k, U32(math.Float32bits(1)))
	}
	bnKernelsOf(ctx, lanes{f64, "AVX2", (*Context).VADDPD, (*Context).VSUBPD, (*Context).VMAXPD, (*Context).VCMPPD, (*Context).VANDPD, (*Context).VXORPD, one64})
	bnKernelsOf(ctx, lanes{f32, "32AVX2", (*Context).VADDPS, (*Context).VSUBPS, (*Context).VMAXPS, (*Context).VCMPPS, (*Context).VANDPS, (*Context).VXORPS, one32})
}

// bnKernelsOf emits the kernels of one precision.
func bnKernelsOf(ctx *Context, e lanes) {
	elementwise := func(ctx *Context, name string, slices []string, what string, body func(*rows)) {
		elementwiseOf(ctx, e, strings.TrimSuffix(name, "AVX2")+e.suffix, slices, what, body)
	}

	elementwise(ctx, "addRowAVX2", []string{"acc", "h"}, "acc += h", func(r *rows) {
		r.st("acc", r.add(r.ld("acc"), r.ld("h")))
	})
	elementwise(ctx, "addSqDevRowAVX2", []string{"acc", "h", "mean"}, "acc += (h − mean)²", func(r *rows) {
		d := r.sub(r.ld("h"), r.ld("mean"))
		r.st("acc", r.add(r.ld("acc"), r.mul(d, d)))
	})
	// y = γ·(h·α + shift) + β, then the ReLU and the mask.
	out := func(r *rows) VecVirtual {
		xh := r.add(r.mul(r.ld("h"), r.ld("alpha")), r.ld("shift"))
		return r.add(r.mul(r.ld("gamma"), xh), r.ld("beta"))
	}
	elementwise(ctx, "bnRowAVX2", []string{"y", "h", "alpha", "shift", "gamma", "beta"}, "y = γ·(h·α + shift) + β", func(r *rows) {
		r.st("y", out(r))
	})
	elementwise(ctx, "bnReluRowAVX2", []string{"y", "h", "alpha", "shift", "gamma", "beta"}, "y = max(γ·(h·α + shift) + β, 0)", func(r *rows) {
		r.st("y", r.relu(out(r)))
	})
	elementwise(ctx, "bnReluMaskRowAVX2", []string{"y", "h", "m", "alpha", "shift", "gamma", "beta"}, "y = max(γ·(h·α + shift) + β, 0)·m", func(r *rows) {
		r.st("y", r.mul(r.relu(out(r)), r.ld("m")))
	})

	// The first backward pass, fused: the gradient d through the ReLU and
	// the mask, then the column sums of d·x̂, d, d·γ and (h − mean)·d·γ.
	back := func(d func(r *rows, xh VecVirtual) VecVirtual) func(r *rows) {
		return func(r *rows) {
			xh := r.add(r.mul(r.ld("h"), r.ld("alpha")), r.ld("shift"))
			g := d(r, xh)
			if g != nil {
				r.st("d", g)
			} else {
				g = r.ld("g")
			}
			r.st("dg", r.add(r.ld("dg"), r.mul(g, xh)))
			r.st("db", r.add(r.ld("db"), g))
			gj := r.mul(g, r.ld("gamma"))
			r.st("sum", r.add(r.ld("sum"), gj))
			r.st("dot", r.add(r.ld("dot"), r.mul(r.sub(r.ld("h"), r.ld("mean")), gj)))
		}
	}
	pos := func(r *rows, xh VecVirtual) VecVirtual {
		return r.indicator(r.add(r.mul(r.ld("gamma"), xh), r.ld("beta")))
	}
	sums := []string{"dg", "db", "sum", "dot", "g", "h", "alpha", "shift", "gamma", "beta", "mean"}
	elementwise(ctx, "bnBackRowAVX2", sums, "the first backward pass without ReLU", back(func(*rows, VecVirtual) VecVirtual { return nil }))
	elementwise(ctx, "bnBackReluRowAVX2", append([]string{"d"}, sums...), "the first backward pass through the ReLU",
		back(func(r *rows, xh VecVirtual) VecVirtual { return r.mul(r.ld("g"), pos(r, xh)) }))
	elementwise(ctx, "bnBackReluMaskRowAVX2", append([]string{"d", "m"}, sums...), "the first backward pass through the ReLU and the mask",
		back(func(r *rows, xh VecVirtual) VecVirtual { return r.mul(r.mul(r.ld("g"), r.ld("m")), pos(r, xh)) }))

	elementwise(ctx, "bnGradRowAVX2", []string{"d", "h", "g", "gamma", "mean", "k", "gmean", "alpha"}, "d = α·(g·γ − (h − mean)·k − gmean)", func(r *rows) {
		gj := r.mul(r.ld("g"), r.ld("gamma"))
		t := r.mul(r.sub(r.ld("h"), r.ld("mean")), r.ld("k"))
		r.st("d", r.mul(r.sub(r.sub(gj, t), r.ld("gmean")), r.ld("alpha")))
	})
}

// elementwiseOf emits name(slices ...[]T) for e's element type T, whose
// loop runs body once per block of e.lanes columns of the first slice.
func elementwiseOf(ctx *Context, e lanes, name string, slices []string, what string, body func(*rows)) {
	sig := fmt.Sprintf("func(%s []%s)", strings.Join(slices, ", "), e.goType)
	like := "as the Go loop of the same name without the suffix does"
	if e.suffix != "AVX2" {
		like = "as the float32 instance of the Go loop of the same name without the suffix does"
	}
	function(ctx, name, sig,
		fmt.Sprintf("%s computes %s on the first len(%s) rounded down to a multiple of %d columns,", name, what, slices[0], e.lanes),
		like+". The other slices must be as long. Needs AVX2.")
	r := &rows{ctx: ctx, e: e, bases: map[string]Register{}}
	for _, s := range slices {
		r.bases[s] = base(ctx, s)
	}
	n := GP64()
	ctx.Load(ctx.Param(slices[0]).Len(), n)
	ctx.ANDQ(I32(-e.lanes), n)
	r.i = GP64()
	ctx.XORQ(r.i, r.i)
	ctx.Label(name + "_loop")
	ctx.CMPQ(r.i, n)
	ctx.JAE(LabelRef(name + "_done"))
	body(r)
	ctx.ADDQ(U8(e.lanes), r.i)
	ctx.JMP(LabelRef(name + "_loop"))
	ctx.Label(name + "_done")
	ctx.VZEROUPPER()
	ctx.RET()
}

func (r *rows) at(s string) Mem { return Mem{Base: r.bases[s], Index: r.i, Scale: uint8(r.e.size)} }

func (r *rows) ld(s string) VecVirtual {
	v := YMM()
	r.e.load(r.ctx, r.at(s), v)
	return v
}

func (r *rows) st(s string, v VecVirtual) { r.e.load(r.ctx, v, r.at(s)) }

func (r *rows) add(a, b VecVirtual) VecVirtual {
	v := YMM()
	r.e.add(r.ctx, b, a, v)
	return v
}

// sub is a − b.
func (r *rows) sub(a, b VecVirtual) VecVirtual {
	v := YMM()
	r.e.sub(r.ctx, b, a, v)
	return v
}

func (r *rows) mul(a, b VecVirtual) VecVirtual {
	v := YMM()
	r.e.mul(r.ctx, b, a, v)
	return v
}

// relu is Go's max(x, 0): VMAXP returns its second source x unless the
// zero is greater (so NaN stays NaN), and adding +0 turns −0 into +0.
func (r *rows) relu(x VecVirtual) VecVirtual {
	z := YMM()
	r.e.xor(r.ctx, z, z, z)
	v := YMM()
	r.e.max(r.ctx, x, z, v)
	r.e.add(r.ctx, z, v, v)
	return v
}

// indicator is 1.0 where x ≥ 0 (ordered: false for NaN), else 0.0.
func (r *rows) indicator(x VecVirtual) VecVirtual {
	z := YMM()
	r.e.xor(r.ctx, z, z, z)
	m := YMM()
	r.e.cmp(r.ctx, Imm(cmpGEOQ), z, x, m)
	r.e.and(r.ctx, r.e.one, m, m)
	return m
}
