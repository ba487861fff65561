package encoder

// The float32 row kernels of a float32 stack (Config.Float32): the float32
// instances of the Go loops of bnrows.go, with the leading multiple of
// eight columns in assembly where the CPU has AVX2 (the kernels whose names
// end in 32AVX2, written by internal/asmgen with the float64 ones). Each
// gives the bits of its Go loop (TestRowKernels).
var rows32 = &rowKernels[float32]{
	addRow: addRow32, addSqDevRow: addSqDevRow32,
	bnRow: bnRow32, bnReluRow: bnReluRow32, bnReluMaskRow: bnReluMaskRow32,
	bnBackRow: bnBackRow32, bnBackReluRow: bnBackReluRow32, bnBackReluMaskRow: bnBackReluMaskRow32,
	bnGradRow: bnGradRow32,
}

// vectorCols32 is the number of leading float32 columns of a row of c the
// assembly kernels take: c rounded down to a multiple of 8 with AVX2, else 0.
func vectorCols32(c int) int {
	if !bnAVX2 {
		return 0
	}
	return c &^ 7
}

func addRow32(acc, h []float32) {
	n := vectorCols32(len(h))
	if n > 0 {
		addRow32AVX2(acc[:n], h[:n])
	}
	addRowGo(acc[n:len(h)], h[n:])
}

func addSqDevRow32(acc, h, mean []float32) {
	n := vectorCols32(len(h))
	if n > 0 {
		addSqDevRow32AVX2(acc[:n], h[:n], mean[:n])
	}
	addSqDevRowGo(acc[n:len(h)], h[n:], mean[n:])
}

func bnRow32(y, h, alpha, shift, gamma, beta []float32) {
	n := vectorCols32(len(y))
	if n > 0 {
		bnRow32AVX2(y[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n])
	}
	bnRowGo(y[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:])
}

func bnReluRow32(y, h, alpha, shift, gamma, beta []float32) {
	n := vectorCols32(len(y))
	if n > 0 {
		bnReluRow32AVX2(y[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n])
	}
	bnReluRowGo(y[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:])
}

func bnReluMaskRow32(y, h, m, alpha, shift, gamma, beta []float32) {
	n := vectorCols32(len(y))
	if n > 0 {
		bnReluMaskRow32AVX2(y[:n], h[:n], m[:n], alpha[:n], shift[:n], gamma[:n], beta[:n])
	}
	bnReluMaskRowGo(y[n:], h[n:], m[n:], alpha[n:], shift[n:], gamma[n:], beta[n:])
}

func bnBackRow32(dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float32) {
	n := vectorCols32(len(dg))
	if n > 0 {
		bnBackRow32AVX2(dg[:n], db[:n], sum[:n], dot[:n], g[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n], mean[:n])
	}
	bnBackRowGo(dg[n:], db[n:], sum[n:], dot[n:], g[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:], mean[n:])
}

func bnBackReluRow32(d, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float32) {
	n := vectorCols32(len(d))
	if n > 0 {
		bnBackReluRow32AVX2(d[:n], dg[:n], db[:n], sum[:n], dot[:n], g[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n], mean[:n])
	}
	bnBackReluRowGo(d[n:], dg[n:], db[n:], sum[n:], dot[n:], g[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:], mean[n:])
}

func bnBackReluMaskRow32(d, m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float32) {
	n := vectorCols32(len(d))
	if n > 0 {
		bnBackReluMaskRow32AVX2(d[:n], m[:n], dg[:n], db[:n], sum[:n], dot[:n], g[:n], h[:n], alpha[:n], shift[:n], gamma[:n], beta[:n], mean[:n])
	}
	bnBackReluMaskRowGo(d[n:], m[n:], dg[n:], db[n:], sum[n:], dot[n:], g[n:], h[n:], alpha[n:], shift[n:], gamma[n:], beta[n:], mean[n:])
}

func bnGradRow32(d, h, g, gamma, mean, k, gmean, alpha []float32) {
	n := vectorCols32(len(d))
	if n > 0 {
		bnGradRow32AVX2(d[:n], h[:n], g[:n], gamma[:n], mean[:n], k[:n], gmean[:n], alpha[:n])
	}
	bnGradRowGo(d[n:], h[n:], g[n:], gamma[n:], mean[n:], k[n:], gmean[n:], alpha[n:])
}
