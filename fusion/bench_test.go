package fusion

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkFuse: inference fusion of two 10 000 × 64 latents.
func BenchmarkFuse(b *testing.B) {
	rng := newRNG(1)
	z1 := mat.NewDense(10000, 64, randSlice(rng, 640000))
	z2 := mat.NewDense(10000, 64, randSlice(rng, 640000))
	w := [3]float64{0.3, 0.5, 0.2}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Fuse(z1, z2, w); err != nil {
			b.Fatal(err)
		}
	}
}
