//go:build !amd64

package regularizer

// expAVX2 is false: only amd64 has the assembly kernel.
const expAVX2 = false

func expAffineAVX2(dst, src []float64, c, b, stepHi, stepLo float64, tab *[256]float64) int {
	panic("regularizer: expAffineAVX2 without amd64")
}
