//go:build !amd64

package encoder

// bnAVX2 is false: only amd64 has the assembly kernels, which are never
// called here.
const bnAVX2 = false

func addRowAVX2(acc, h []float64)                                    { panic("unreachable") }
func addSqDevRowAVX2(acc, h, mean []float64)                         { panic("unreachable") }
func bnRowAVX2(y, h, alpha, shift, gamma, beta []float64)            { panic("unreachable") }
func bnReluRowAVX2(y, h, alpha, shift, gamma, beta []float64)        { panic("unreachable") }
func bnReluMaskRowAVX2(y, h, m, alpha, shift, gamma, beta []float64) { panic("unreachable") }
func bnGradRowAVX2(d, h, g, gamma, mean, k, gmean, alpha []float64)  { panic("unreachable") }
func bnBackRowAVX2(dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float64) {
	panic("unreachable")
}
func bnBackReluRowAVX2(d, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float64) {
	panic("unreachable")
}
func bnBackReluMaskRowAVX2(d, m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float64) {
	panic("unreachable")
}

func addRow32AVX2(acc, h []float32)                                    { panic("unreachable") }
func addSqDevRow32AVX2(acc, h, mean []float32)                         { panic("unreachable") }
func bnRow32AVX2(y, h, alpha, shift, gamma, beta []float32)            { panic("unreachable") }
func bnReluRow32AVX2(y, h, alpha, shift, gamma, beta []float32)        { panic("unreachable") }
func bnReluMaskRow32AVX2(y, h, m, alpha, shift, gamma, beta []float32) { panic("unreachable") }
func bnGradRow32AVX2(d, h, g, gamma, mean, k, gmean, alpha []float32)  { panic("unreachable") }
func bnBackRow32AVX2(dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float32) {
	panic("unreachable")
}
func bnBackReluRow32AVX2(d, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float32) {
	panic("unreachable")
}
func bnBackReluMaskRow32AVX2(d, m, dg, db, sum, dot, g, h, alpha, shift, gamma, beta, mean []float32) {
	panic("unreachable")
}
