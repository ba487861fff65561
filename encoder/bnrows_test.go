package encoder

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowKernels: every BatchNorm row kernel (assembly on the leading
// multiple of four columns where the CPU has AVX2) gives the bits of its Go
// loop, for row lengths 0 to 13 and values that include NaN, ±Inf, −0 and
// exact zeros of the ReLU argument.
func TestRowKernels(t *testing.T) {
	if !bnAVX2 {
		t.Log("no AVX2: the kernels are the Go loops")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1, -1}
	row := func(c int) []float64 {
		v := make([]float64, c)
		for j := range v {
			if rng.IntN(6) == 0 {
				v[j] = special[rng.IntN(len(special))]
			} else {
				v[j] = rng.NormFloat64()
			}
		}
		return v
	}
	same := func(a, b []float64) bool {
		for j := range a {
			if math.Float64bits(a[j]) != math.Float64bits(b[j]) && !(math.IsNaN(a[j]) && math.IsNaN(b[j])) {
				return false
			}
		}
		return true
	}
	// run applies a kernel and its Go loop to copies of the same k slices
	// and compares every slice afterwards.
	run := func(name string, c, k int, kernel, goLoop func(s [][]float64)) {
		in := make([][]float64, k)
		for i := range in {
			in[i] = row(c)
		}
		if name == "bnReluRow" && c > 3 {
			// ReLU arguments of exactly −0 (column 2: −1·(0·1 + 0) + −0)
			// and +0 (column 3), which max(·, 0) maps to +0.
			negZero := math.Copysign(0, -1)
			for j, v := range [][2]float64{{-1, negZero}, {1, 0}} {
				in[1][2+j], in[2][2+j], in[3][2+j], in[4][2+j], in[5][2+j] = 0, 1, 0, v[0], v[1]
			}
		}
		a, b := make([][]float64, k), make([][]float64, k)
		for i := range in {
			a[i] = append([]float64(nil), in[i]...)
			b[i] = append([]float64(nil), in[i]...)
		}
		kernel(a)
		goLoop(b)
		for i := range a {
			if !same(a[i], b[i]) {
				t.Fatalf("%s, %d columns: slice %d is %v, the Go loop gives %v", name, c, i, a[i], b[i])
			}
		}
	}
	for c := range 14 {
		for range 20 {
			run("addRow", c, 2, func(s [][]float64) { addRow(s[0], s[1]) }, func(s [][]float64) { addRowGo(s[0], s[1]) })
			run("addSqDevRow", c, 3, func(s [][]float64) { addSqDevRow(s[0], s[1], s[2]) }, func(s [][]float64) { addSqDevRowGo(s[0], s[1], s[2]) })
			run("bnRow", c, 6, func(s [][]float64) { bnRow(s[0], s[1], s[2], s[3], s[4], s[5]) },
				func(s [][]float64) { bnRowGo(s[0], s[1], s[2], s[3], s[4], s[5]) })
			run("bnReluRow", c, 6, func(s [][]float64) { bnReluRow(s[0], s[1], s[2], s[3], s[4], s[5]) },
				func(s [][]float64) { bnReluRowGo(s[0], s[1], s[2], s[3], s[4], s[5]) })
			run("bnReluMaskRow", c, 7, func(s [][]float64) { bnReluMaskRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6]) },
				func(s [][]float64) { bnReluMaskRowGo(s[0], s[1], s[2], s[3], s[4], s[5], s[6]) })
			run("bnBackRow", c, 11, func(s [][]float64) { bnBackRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]) },
				func(s [][]float64) { bnBackRowGo(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]) })
			run("bnBackReluRow", c, 12, func(s [][]float64) {
				bnBackReluRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11])
			},
				func(s [][]float64) {
					bnBackReluRowGo(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11])
				})
			run("bnBackReluMaskRow", c, 13, func(s [][]float64) {
				bnBackReluMaskRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12])
			}, func(s [][]float64) {
				bnBackReluMaskRowGo(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12])
			})
			run("bnGradRow", c, 8, func(s [][]float64) { bnGradRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]) },
				func(s [][]float64) { bnGradRowGo(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]) })
		}
	}
}
