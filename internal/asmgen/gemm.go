// The AVX2+FMA micro-kernels of package internal/gemm.
//
// Each kernel multiplies a packed MR×kc panel of A by a packed kc×NR panel
// of B and writes the MR×NR tile of C = α·A·B + β·C. A panel holds MR
// entries of one column of A after another; a B panel holds NR entries of
// one row of B after another (see package gemm's doc.go). The tile is
// accumulated in twelve YMM registers, two per row of C, with one fused
// multiply-add per register and per k, so every entry of C is the rounded
// sum of its products taken in the order k = 0, 1, …, kc-1, starting from
// zero, and then α·sum + β·c in one more fused operation (β·c rounded
// first). That order does not depend on where the tile lies in C.

package main

import (
	"fmt"
	"log"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// mr is the number of rows of the register tile for both precisions.
const mr = 6

// unroll is how many values of k one pass of the main loop handles.
const unroll = 4

// elem describes one precision: its Go type, its size and the AVX
// instructions that act on it.
type elem struct {
	goType    string
	size      int // bytes
	lanes     int // per YMM register
	load      func(*Context, ...Op)
	broadcast func(*Context, ...Op)
	fma       func(*Context, ...Op) // VFMADD231: dst = a·b + dst
	mul       func(*Context, ...Op)
	xor       func(*Context, ...Op)
	ucomis    func(c *Context, mx, x Op)
}

var (
	f64 = elem{"float64", 8, 4, (*Context).VMOVUPD, (*Context).VBROADCASTSD, (*Context).VFMADD231PD, (*Context).VMULPD, (*Context).VXORPD, (*Context).VUCOMISD}
	f32 = elem{"float32", 4, 8, (*Context).VMOVUPS, (*Context).VBROADCASTSS, (*Context).VFMADD231PS, (*Context).VMULPS, (*Context).VXORPS, (*Context).VUCOMISS}
)

// gemmKernels emits the micro-kernels and panel-dealing loops of package
// gemm.
func gemmKernels(ctx *Context) {
	kernel(ctx, "kernelD", f64)
	kernel(ctx, "kernelS", f32)
	dealRun(ctx, "dealRunD6", f64, 6)
	dealRun(ctx, "dealRunD8", f64, 8)
	dealRun(ctx, "dealRunS6", f32, 6)
	dealRun(ctx, "dealRunS16", f32, 16)
}

// kernel emits the mr×(2·lanes) micro-kernel for one precision.
func kernel(ctx *Context, name string, e elem) {
	nr := 2 * e.lanes
	function(ctx, name, fmt.Sprintf("func(k int, a, b, c []%[1]s, ldc int, alpha, beta %[1]s)", e.goType),
		fmt.Sprintf("%s sets the %d×%d tile c = alpha·a·b + beta·c (beta·c is not read when beta is 0).", name, mr, nr),
		fmt.Sprintf("a is a packed %d×k panel (%d entries per k), b a packed k×%d panel (%d entries per k);", mr, mr, nr, nr),
		"row i of the tile starts at c[i·ldc]. k ≥ 0. Needs AVX2 and FMA; lengths are not checked.",
	)
	k, a, b, c := load(ctx, "k"), base(ctx, "a"), base(ctx, "b"), base(ctx, "c")
	ldc := index(ctx, "ldc", e)
	c3 := GP64() // row 3 of the tile
	ctx.LEAQ(Mem{Base: ldc, Index: ldc, Scale: 2}, c3)
	ctx.ADDQ(c, c3)

	rows := make([]Mem, mr)
	for i := range rows {
		base := Register(c)
		if i >= 3 {
			base = c3
		}
		switch i % 3 {
		case 0:
			rows[i] = Mem{Base: base}
		case 1:
			rows[i] = Mem{Base: base, Index: ldc, Scale: 1}
		case 2:
			rows[i] = Mem{Base: base, Index: ldc, Scale: 2}
		}
	}

	// Y0…Y11 accumulate the tile (Y[2i], Y[2i+1] = row i), Y12 and Y13 hold
	// a row of the B panel, Y14 and Y15 broadcast entries of the A panel.
	acc := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}
	for _, r := range acc {
		e.xor(ctx, r, r, r)
	}
	for _, row := range rows {
		ctx.PREFETCHT0(row)
		ctx.PREFETCHT0(row.Offset(nr*e.size - 1))
	}

	step := func(u int) {
		e.load(ctx, Mem{Base: b}.Offset(u*nr*e.size), Y12)
		e.load(ctx, Mem{Base: b}.Offset(u*nr*e.size+32), Y13)
		for i := 0; i < mr; i++ {
			t := []VecPhysical{Y14, Y15}[i%2]
			e.broadcast(ctx, Mem{Base: a}.Offset((u*mr+i)*e.size), t)
			e.fma(ctx, Y12, t, acc[2*i])
			e.fma(ctx, Y13, t, acc[2*i+1])
		}
	}

	n := GP64()
	ctx.MOVQ(k, n)
	ctx.SHRQ(Imm(uint64(log2(unroll))), n)
	ctx.JZ(LabelRef(name + "_tail"))
	ctx.Label(name + "_loop")
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ctx.ADDQ(U32(unroll*mr*e.size), a)
	ctx.ADDQ(U32(unroll*nr*e.size), b)
	ctx.DECQ(n)
	ctx.JNZ(LabelRef(name + "_loop"))

	ctx.Label(name + "_tail")
	ctx.ANDQ(Imm(unroll-1), k)
	ctx.JZ(LabelRef(name + "_store"))
	ctx.Label(name + "_tailloop")
	step(0)
	ctx.ADDQ(U32(mr*e.size), a)
	ctx.ADDQ(U32(nr*e.size), b)
	ctx.DECQ(k)
	ctx.JNZ(LabelRef(name + "_tailloop"))

	// Y12 = α in every lane; β == 0 (ordered and equal) skips reading c.
	ctx.Label(name + "_store")
	// Only VEX-encoded instructions touch the vector registers: a legacy
	// SSE one (MOVSD, UCOMISD) with the upper halves of the YMM registers
	// dirty costs hundreds of cycles on the EPYC this was measured on.
	e.broadcast(ctx, param(ctx, "alpha"), Y12)
	e.broadcast(ctx, param(ctx, "beta"), Y13)
	e.xor(ctx, X14, X14, X14)
	e.ucomis(ctx, X14, X13)
	ctx.JNE(LabelRef(name + "_beta"))
	ctx.JPS(LabelRef(name + "_beta"))
	for i, row := range rows {
		for h := 0; h < 2; h++ {
			e.mul(ctx, Y12, acc[2*i+h], acc[2*i+h])
			e.load(ctx, acc[2*i+h], row.Offset(32*h))
		}
	}
	ctx.VZEROUPPER()
	ctx.RET()

	// Y13 = β; each half row: Y14 = β·c, then Y14 = α·acc + Y14.
	ctx.Label(name + "_beta")
	for i, row := range rows {
		for h := 0; h < 2; h++ {
			e.mul(ctx, row.Offset(32*h), Y13, Y14)
			e.fma(ctx, acc[2*i+h], Y12, Y14)
			e.load(ctx, Y14, row.Offset(32*h))
		}
	}
	ctx.VZEROUPPER()
	ctx.RET()
}

// dealRun emits the packing loop that copies n runs of w entries, s[i·w:]
// to d[i·stride:], for packing the operand whose panels are contiguous in
// memory (A transposed, B not).
func dealRun(ctx *Context, name string, e elem, w int) {
	function(ctx, name, fmt.Sprintf("func(n int, d, s []%s, stride int)", e.goType),
		fmt.Sprintf("%s copies s[i·%d : i·%d+%d] to d[i·stride:] for i < n; n > 0.", name, w, w, w),
		"Needs AVX; lengths are not checked.",
	)
	n, d, src := load(ctx, "n"), base(ctx, "d"), base(ctx, "s")
	stride := index(ctx, "stride", e)

	ctx.Label(name + "_loop")
	bytes := w * e.size
	regs := []VecPhysical{Y0, Y1, Y2, Y3}
	type chunk struct {
		off, size int
		reg       Register
	}
	var chunks []chunk
	for off, i := 0, 0; off < bytes; i++ {
		switch {
		case bytes-off >= 32:
			chunks = append(chunks, chunk{off, 32, regs[i]})
		case bytes-off >= 16:
			chunks = append(chunks, chunk{off, 16, regs[i].AsX()})
		default:
			chunks = append(chunks, chunk{off, 8, regs[i].AsX()})
		}
		off += chunks[len(chunks)-1].size
	}
	for _, c := range chunks {
		move(ctx, c.size, Mem{Base: src}.Offset(c.off), c.reg)
	}
	for _, c := range chunks {
		move(ctx, c.size, c.reg, Mem{Base: d}.Offset(c.off))
	}
	ctx.ADDQ(U32(bytes), src)
	ctx.ADDQ(stride, d)
	ctx.DECQ(n)
	ctx.JNZ(LabelRef(name + "_loop"))
	ctx.VZEROUPPER()
	ctx.RET()
}

// move copies size bytes (32, 16 or 8) with a VEX-encoded move.
func move(ctx *Context, size int, src, dst Op) {
	if size == 8 {
		ctx.VMOVSD(src, dst)
		return
	}
	ctx.VMOVUPD(src, dst)
}

// function starts a NOSPLIT function with its Go signature and doc.
func function(ctx *Context, name, signature string, doc ...string) {
	ctx.Function(name)
	ctx.Attributes(NOSPLIT)
	ctx.SignatureExpr(signature)
	ctx.Doc(doc...)
}

// load loads an integer argument into a new register.
func load(ctx *Context, name string) Register {
	r := GP64()
	ctx.Load(ctx.Param(name), r)
	return r
}

// base loads the data pointer of a slice argument into a new register.
func base(ctx *Context, name string) Register {
	r := GP64()
	ctx.Load(ctx.Param(name).Base(), r)
	return r
}

// index loads an integer argument counting entries of e and turns it into
// bytes.
func index(ctx *Context, name string, e elem) Register {
	r := load(ctx, name)
	ctx.SHLQ(Imm(uint64(log2(e.size))), r)
	return r
}

// param is the address of a scalar argument.
func param(ctx *Context, name string) Mem {
	b, err := ctx.Param(name).Resolve()
	if err != nil {
		log.Fatal(err)
	}
	return b.Addr
}

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	return l
}
