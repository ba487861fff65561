package encoder

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pidreg/pidreg/internal/opkit"
)

// goRows are the Go loops of T, the reference of the row kernels.
func goRows[T opkit.Elem]() *rowKernels[T] {
	return &rowKernels[T]{
		addRow: addRowGo[T], addSqDevRow: addSqDevRowGo[T],
		bnRow: bnRowGo[T], bnReluRow: bnReluRowGo[T], bnReluMaskRow: bnReluMaskRowGo[T],
		bnBackRow: bnBackRowGo[T], bnBackReluRow: bnBackReluRowGo[T], bnBackReluMaskRow: bnBackReluMaskRowGo[T],
		bnGradRow: bnGradRowGo[T],
	}
}

// TestRowKernels: every BatchNorm row kernel of both precisions (assembly
// on the leading multiple of four float64 or eight float32 columns where
// the CPU has AVX2) gives the bits of its Go loop, for row lengths 0 to 19
// and values that include NaN, ±Inf, −0 and exact zeros of the ReLU
// argument.
func TestRowKernels(t *testing.T) {
	if !bnAVX2 {
		t.Log("no AVX2: the kernels are the Go loops")
	}
	t.Run("float64", func(t *testing.T) { testRowKernels(t, rowsOf[float64](), goRows[float64]()) })
	t.Run("float32", func(t *testing.T) { testRowKernels(t, rowsOf[float32](), goRows[float32]()) })
}

func testRowKernels[T opkit.Elem](t *testing.T, k, ref *rowKernels[T]) {
	rng := rand.New(rand.NewPCG(9, 10))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1, -1}
	row := func(c int) []T {
		v := make([]T, c)
		for j := range v {
			if rng.IntN(6) == 0 {
				v[j] = T(special[rng.IntN(len(special))])
			} else {
				v[j] = T(rng.NormFloat64())
			}
		}
		return v
	}
	same := func(a, b []T) bool {
		for j := range a {
			x, y := float64(a[j]), float64(b[j])
			if math.Float64bits(x) != math.Float64bits(y) && !(math.IsNaN(x) && math.IsNaN(y)) {
				return false
			}
		}
		return true
	}
	// run applies a kernel of k and of ref to copies of the same n slices
	// and compares every slice afterwards.
	run := func(name string, c, n int, call func(k *rowKernels[T], s [][]T)) {
		in := make([][]T, n)
		for i := range in {
			in[i] = row(c)
		}
		if name == "bnReluRow" && c > 3 {
			// ReLU arguments of exactly −0 (column 2: −1·(0·1 + 0) + −0)
			// and +0 (column 3), which max(·, 0) maps to +0.
			negZero := T(math.Copysign(0, -1))
			for j, v := range [][2]T{{-1, negZero}, {1, 0}} {
				in[1][2+j], in[2][2+j], in[3][2+j], in[4][2+j], in[5][2+j] = 0, 1, 0, v[0], v[1]
			}
		}
		a, b := make([][]T, n), make([][]T, n)
		for i := range in {
			a[i] = append([]T(nil), in[i]...)
			b[i] = append([]T(nil), in[i]...)
		}
		call(k, a)
		call(ref, b)
		for i := range a {
			if !same(a[i], b[i]) {
				t.Fatalf("%s, %d columns: slice %d is %v, the Go loop gives %v", name, c, i, a[i], b[i])
			}
		}
	}
	for c := range 20 {
		for range 20 {
			run("addRow", c, 2, func(k *rowKernels[T], s [][]T) { k.addRow(s[0], s[1]) })
			run("addSqDevRow", c, 3, func(k *rowKernels[T], s [][]T) { k.addSqDevRow(s[0], s[1], s[2]) })
			run("bnRow", c, 6, func(k *rowKernels[T], s [][]T) { k.bnRow(s[0], s[1], s[2], s[3], s[4], s[5]) })
			run("bnReluRow", c, 6, func(k *rowKernels[T], s [][]T) { k.bnReluRow(s[0], s[1], s[2], s[3], s[4], s[5]) })
			run("bnReluMaskRow", c, 7, func(k *rowKernels[T], s [][]T) { k.bnReluMaskRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6]) })
			run("bnBackRow", c, 11, func(k *rowKernels[T], s [][]T) {
				k.bnBackRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10])
			})
			run("bnBackReluRow", c, 12, func(k *rowKernels[T], s [][]T) {
				k.bnBackReluRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11])
			})
			run("bnBackReluMaskRow", c, 13, func(k *rowKernels[T], s [][]T) {
				k.bnBackReluMaskRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12])
			})
			run("bnGradRow", c, 8, func(k *rowKernels[T], s [][]T) { k.bnGradRow(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]) })
		}
	}
}
