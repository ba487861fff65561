package encoder

import (
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/internal/opkit"
)

// Row kernels of the BatchNorm ops. Each is a Go loop (suffix Go) and, on
// amd64 with AVX2, the same loop four columns at a time in assembly
// (suffix AVX2, written by internal/asmgen: go generate ./encoder/); the
// function without a suffix runs the assembly on the first columns, a
// multiple of four, and the Go loop on the rest. Both give the same bits:
// each Go loop reslices its arguments to the row length, so that the
// compiler drops the bounds checks, and converts every product to float64,
// which forbids fused multiply-adds (keeping gorgonia's rounding), and the
// assembly performs the same operations in the same order
// (TestRowKernels).

// addRow adds the row h to acc.
func addRow(acc, h []float64) {
	n := vectorCols(len(h))
	if n > 0 {
		addRowAVX2(acc[:n], h[:n])
	}
	addRowGo(acc[n:len(h)], h[n:])
}

// addSqDevRow adds (h − mean)² to acc.
func addSqDevRow(acc, h, mean []float64) {
	n := vectorCols(len(h))
	if n > 0 {
		addSqDevRowAVX2(acc[:n], h[:n], mean[:n])
	}
	addSqDevRowGo(acc[n:len(h)], h[n:], mean[n:])
}

// bnRow sets y = γ·(h·α + shift) + β.
func bnRow(y, h, alpha, shift, gamma, beta []float64) {
	n := vectorCols(len(y))
	if n > 0 {
		bnRowAVX2(y[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n])
	}
	bnRowGo(y[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:])
}

// bnReluRow sets y = max(γ·(h·α + shift) + β, 0).
func bnReluRow(y, h, alpha, shift, gamma, beta []float64) {
	n := vectorCols(len(y))
	if n > 0 {
		bnReluRowAVX2(y[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n])
	}
	bnReluRowGo(y[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:])
}

// bnReluMaskRow sets y = max(γ·(h·α + shift) + β, 0)·m.
func bnReluMaskRow(y, h, m, alpha, shift, gamma, beta []float64) {
	n := vectorCols(len(y))
	if n > 0 {
		bnReluMaskRowAVX2(y[:n], h[:n], m[:n], alpha[:n], shift[:n], gamma[:n], beta[:n])
	}
	bnReluMaskRowGo(y[n:], h[n:], m[n:], alpha[n:], shift[n:], gamma[n:], beta[n:])
}

// bnBackRow is the first backward pass of a BatchNorm without ReLU on one
// row, with g the upstream gradient and x̂ = h·α + shift: it adds g·x̂ to
// dg, g to db, g·γ to sum and (h − mean)·g·γ to dot.
func bnBackRow(dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float64) {
	n := vectorCols(len(dg))
	if n > 0 {
		bnBackRowAVX2(dg[:n], db[:n], sum[:n], dot[:n], g[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n], mean[:n])
	}
	bnBackRowGo(dg[n:], db[n:], sum[n:], dot[n:], g[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:], mean[n:])
}

// bnBackReluRow is bnBackRow through the ReLU: it sets d = g·1[B ≥ 0],
// B = γ·x̂ + β recomputed as the forward pass computed it, and adds the
// sums of d in place of g.
func bnBackReluRow(d, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float64) {
	n := vectorCols(len(d))
	if n > 0 {
		bnBackReluRowAVX2(d[:n], dg[:n], db[:n], sum[:n], dot[:n], g[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n], mean[:n])
	}
	bnBackReluRowGo(d[n:], dg[n:], db[n:], sum[n:], dot[n:], g[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:], mean[n:])
}

// bnBackReluMaskRow is bnBackReluRow with the dropout mask:
// d = g·m·1[B ≥ 0].
func bnBackReluMaskRow(d, m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float64) {
	n := vectorCols(len(d))
	if n > 0 {
		bnBackReluMaskRowAVX2(d[:n], m[:n], dg[:n], db[:n], sum[:n], dot[:n], g[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n], mean[:n])
	}
	bnBackReluMaskRowGo(d[n:], m[n:], dg[n:], db[n:], sum[n:], dot[n:], g[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:], mean[n:])
}

// bnGradRow sets d = α·(g·γ − (h − mean)·k − gmean).
func bnGradRow(d, h, g, gamma, mean, k, gmean, alpha []float64) {
	n := vectorCols(len(d))
	if n > 0 {
		bnGradRowAVX2(d[:n], h[:n], g[:n], gamma[:n], mean[:n], k[:n], gmean[:n], alpha[:n])
	}
	bnGradRowGo(d[n:], h[n:], g[n:], gamma[n:], mean[n:], k[n:], gmean[n:], alpha[n:])
}

// rowKernels are the row kernels of one element type: the functions above
// (assembly and Go) for float64, the Go loops for float32 (rows32).
type rowKernels[T opkit.Elem] struct {
	addRow            func(acc, h []T)
	addSqDevRow       func(acc, h, mean []T)
	bnRow             func(y, h, alpha, shift, gamma, beta []T)
	bnReluRow         func(y, h, alpha, shift, gamma, beta []T)
	bnReluMaskRow     func(y, h, m, alpha, shift, gamma, beta []T)
	bnBackRow         func(dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []T)
	bnBackReluRow     func(d, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []T)
	bnBackReluMaskRow func(d, m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []T)
	bnGradRow         func(d, h, g, gamma, mean, k, gmean, alpha []T)
}

var rows64 = &rowKernels[float64]{
	addRow: addRow, addSqDevRow: addSqDevRow,
	bnRow: bnRow, bnReluRow: bnReluRow, bnReluMaskRow: bnReluMaskRow,
	bnBackRow: bnBackRow, bnBackReluRow: bnBackReluRow, bnBackReluMaskRow: bnBackReluMaskRow,
	bnGradRow: bnGradRow,
}

// rowsOf returns the row kernels of T.
func rowsOf[T opkit.Elem]() *rowKernels[T] {
	var k any = rows64
	if opkit.Dtype[T]() == tensor.Float32 {
		k = rows32
	}
	return k.(*rowKernels[T])
}

// vectorCols is the number of leading columns of a row of c the assembly
// kernels take: c rounded down to a multiple of 4 with AVX2, else 0.
func vectorCols(c int) int {
	if !bnAVX2 {
		return 0
	}
	return c &^ 3
}

func addRowGo[T opkit.Elem](acc, h []T) {
	acc = acc[:len(h)]
	for j, v := range h {
		acc[j] += v
	}
}

func addSqDevRowGo[T opkit.Elem](acc, h, mean []T) {
	acc, mean = acc[:len(h)], mean[:len(h)]
	for j, v := range h {
		d := v - mean[j]
		acc[j] += T(d * d)
	}
}

func bnRowGo[T opkit.Elem](y, h, alpha, shift, gamma, beta []T) {
	h, alpha, shift, gamma, beta = h[:len(y)], alpha[:len(y)], shift[:len(y)], gamma[:len(y)], beta[:len(y)]
	for j := range y {
		xh := T(h[j]*alpha[j]) + shift[j]
		y[j] = T(gamma[j]*xh) + beta[j]
	}
}

func bnReluRowGo[T opkit.Elem](y, h, alpha, shift, gamma, beta []T) {
	h, alpha, shift, gamma, beta = h[:len(y)], alpha[:len(y)], shift[:len(y)], gamma[:len(y)], beta[:len(y)]
	for j := range y {
		xh := T(h[j]*alpha[j]) + shift[j]
		y[j] = max(T(gamma[j]*xh)+beta[j], 0)
	}
}

func bnReluMaskRowGo[T opkit.Elem](y, h, m, alpha, shift, gamma, beta []T) {
	h, m, alpha, shift, gamma, beta = h[:len(y)], m[:len(y)], alpha[:len(y)], shift[:len(y)], gamma[:len(y)], beta[:len(y)]
	for j := range y {
		xh := T(h[j]*alpha[j]) + shift[j]
		y[j] = max(T(gamma[j]*xh)+beta[j], 0) * m[j]
	}
}

func bnBackRowGo[T opkit.Elem](dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []T) {
	c := len(dg)
	db, sum, dot, g, h, alpha, shift, gamma, mean = db[:c], sum[:c], dot[:c], g[:c], h[:c], alpha[:c], shift[:c], gamma[:c], mean[:c]
	for j := range dg {
		bnSums(j, g[j], dg, db, sum, dot, h, alpha, shift, gamma, mean)
	}
}

func bnBackReluRowGo[T opkit.Elem](d, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []T) {
	c := len(d)
	dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean = dg[:c], db[:c], sum[:c], dot[:c], g[:c], h[:c], alpha[:c], shift[:c], gamma[:c], beta[:c], mean[:c]
	for j := range d {
		xh := T(h[j]*alpha[j]) + shift[j]
		d[j] = g[j] * T(b2f(T(gamma[j]*xh)+beta[j] >= 0))
		bnSums(j, d[j], dg, db, sum, dot, h, alpha, shift, gamma, mean)
	}
}

func bnBackReluMaskRowGo[T opkit.Elem](d, m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []T) {
	c := len(d)
	m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean = m[:c], dg[:c], db[:c], sum[:c], dot[:c], g[:c], h[:c], alpha[:c], shift[:c], gamma[:c], beta[:c], mean[:c]
	for j := range d {
		xh := T(h[j]*alpha[j]) + shift[j]
		d[j] = g[j] * m[j] * T(b2f(T(gamma[j]*xh)+beta[j] >= 0))
		bnSums(j, d[j], dg, db, sum, dot, h, alpha, shift, gamma, mean)
	}
}

// bnSums adds column j's terms of the first backward pass for the
// gradient value gj: gj·x̂ to dg, gj to db, gj·γ to sum and (h − mean)·gj·γ
// to dot.
func bnSums[T opkit.Elem](j int, gj T, dg, db, sum, dot, h, alpha, shift, gamma, mean []T) {
	xh := T(h[j]*alpha[j]) + shift[j]
	dg[j] += T(gj * xh)
	db[j] += gj
	gg := gj * gamma[j]
	sum[j] += gg
	dot[j] += T((h[j] - mean[j]) * gg)
}

func bnGradRowGo[T opkit.Elem](d, h, g, gamma, mean, k, gmean, alpha []T) {
	h, g, gamma, mean, k, gmean, alpha = h[:len(d)], g[:len(d)], gamma[:len(d)], mean[:len(d)], k[:len(d)], gmean[:len(d)], alpha[:len(d)]
	for j := range d {
		gj := g[j] * gamma[j]
		t := T((h[j] - mean[j]) * k[j])
		d[j] = T((gj - t - gmean[j]) * alpha[j])
	}
}
