// The AVX2 BatchNorm row loops of package encoder.
//
// Each kernel is the Go loop of the same name in encoder/batchnorm.go
// without its "Go" suffix, four columns at a time: the same IEEE
// operations in the same order (separate multiplications and additions, no
// fused multiply-add), so every value is bit for bit the Go one. Go's
// max(x, 0) (NaN for NaN, +0 for −0) is VMAXPD with the zero first
// followed by adding +0, and the indicator 1[x ≥ 0] is an ordered compare
// ANDed with 1.0, multiplied in as the Go code multiplies by it. A kernel
// handles len(first slice) rounded down to a multiple of 4; the Go side
// does the rest.

package main

import (
	"fmt"
	"math"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rows is the scaffolding of one elementwise kernel over float64 slices:
// the loop over blocks of four and the loads and stores of the slices
// named in the signature.
type rows struct {
	ctx   *Context
	name  string
	bases map[string]Register
	i     Register
	one   Mem // four 1.0s
	zero  VecVirtual
}

// bnConsts is the read-only data of the BatchNorm kernels: four 1.0s.
var bnConsts Mem

func bnKernels(ctx *Context) {
	bnConsts = ctx.StaticGlobal("bnconst")
	ctx.DataAttributes(RODATA | NOPTR)
	for k := range 4 {
		ctx.AddDatum(8*k, U64(math.Float64bits(1)))
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

// elementwise emits name(slices ...[]float64), whose loop runs body once
// per block of four columns of the first slice.
func elementwise(ctx *Context, name string, slices []string, what string, body func(*rows)) {
	sig := fmt.Sprintf("func(%s []float64)", strings.Join(slices, ", "))
	function(ctx, name, sig,
		fmt.Sprintf("%s computes %s on the first len(%s) rounded down to a multiple of 4 columns,", name, what, slices[0]),
		"as the Go loop of the same name without the suffix does. The other slices must be as long. Needs AVX2.")
	r := &rows{ctx: ctx, name: name, bases: map[string]Register{}}
	for _, s := range slices {
		r.bases[s] = base(ctx, s)
	}
	n := GP64()
	ctx.Load(ctx.Param(slices[0]).Len(), n)
	ctx.ANDQ(I32(-4), n)
	r.i = GP64()
	ctx.XORQ(r.i, r.i)
	ctx.Label(name + "_loop")
	ctx.CMPQ(r.i, n)
	ctx.JAE(LabelRef(name + "_done"))
	body(r)
	ctx.ADDQ(U8(4), r.i)
	ctx.JMP(LabelRef(name + "_loop"))
	ctx.Label(name + "_done")
	ctx.VZEROUPPER()
	ctx.RET()
}

func (r *rows) at(s string) Mem { return Mem{Base: r.bases[s], Index: r.i, Scale: 8} }

func (r *rows) ld(s string) VecVirtual {
	v := YMM()
	r.ctx.VMOVUPD(r.at(s), v)
	return v
}

func (r *rows) st(s string, v VecVirtual) { r.ctx.VMOVUPD(v, r.at(s)) }

func (r *rows) add(a, b VecVirtual) VecVirtual {
	v := YMM()
	r.ctx.VADDPD(b, a, v)
	return v
}

// sub is a − b.
func (r *rows) sub(a, b VecVirtual) VecVirtual {
	v := YMM()
	r.ctx.VSUBPD(b, a, v)
	return v
}

func (r *rows) mul(a, b VecVirtual) VecVirtual {
	v := YMM()
	r.ctx.VMULPD(b, a, v)
	return v
}

// relu is Go's max(x, 0): VMAXPD returns its second source x unless the
// zero is greater (so NaN stays NaN), and adding +0 turns −0 into +0.
func (r *rows) relu(x VecVirtual) VecVirtual {
	z := YMM()
	r.ctx.VXORPD(z, z, z)
	v := YMM()
	r.ctx.VMAXPD(x, z, v)
	r.ctx.VADDPD(z, v, v)
	return v
}

// indicator is 1.0 where x ≥ 0 (ordered: false for NaN), else 0.0.
func (r *rows) indicator(x VecVirtual) VecVirtual {
	z := YMM()
	r.ctx.VXORPD(z, z, z)
	m := YMM()
	r.ctx.VCMPPD(Imm(cmpGEOQ), z, x, m)
	r.ctx.VANDPD(bnConsts, m, m)
	return m
}
