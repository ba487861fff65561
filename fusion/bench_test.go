package fusion

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// BenchmarkFuseLatents: inference fusion of M 10 000 × 64 latents, with and
// without a mask (one row in three missing the last modality).
func BenchmarkFuseLatents(b *testing.B) {
	rng := newRNG(2)
	for _, m := range []int{2, 4} {
		zs := make([]mat.Matrix, m)
		for i := range zs {
			zs[i] = mat.NewDense(10000, 64, randSlice(rng, 640000))
		}
		w := randWeights(rng, NumTerms(m))
		mask := mat.NewDense(10000, m, nil)
		for r := 0; r < 10000; r++ {
			for i := 0; i < m; i++ {
				if i < m-1 || r%3 != 0 {
					mask.Set(r, i, 1)
				}
			}
		}
		for _, mk := range []mat.Matrix{nil, mask} {
			name := fmt.Sprintf("M=%d", m)
			if mk != nil {
				name += "/masked"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := FuseLatents(zs, w, mk); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTermWeights: the per-batch weight rule on decompositions of 2, 3
// and 4 latents.
func BenchmarkTermWeights(b *testing.B) {
	rng := newRNG(3)
	for m := 2; m <= 4; m++ {
		r := randLattice(b, rng, m, nil)
		for _, p := range []Policy{Split, Stronger} {
			b.Run(fmt.Sprintf("M=%d/%v", m, p), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := TermWeights(r, p, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkFuseV1 is the former two-latent Fuse on two 10 000 × 64
// latents, for a side-by-side comparison with BenchmarkFuseLatents/M=2.
func BenchmarkFuseV1(b *testing.B) {
	rng := newRNG(1)
	z1 := mat.NewDense(10000, 64, randSlice(rng, 640000))
	z2 := mat.NewDense(10000, 64, randSlice(rng, 640000))
	w := [3]float64{0.3, 0.5, 0.2}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fuseV1(z1, z2, w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayer: one run, forward and backward, of the fusion of M
// 256 × 64 latents in a graph (the trainer's batch and latent sizes), by
// the fusion op against the gorgonia nodes it replaced.
func BenchmarkLayer(b *testing.B) {
	const r, c = 256, 64
	for _, m := range []int{2, 3} {
		for _, fused := range []bool{true, false} {
			name := fmt.Sprintf("M=%d/gorgonia", m)
			if fused {
				name = fmt.Sprintf("M=%d/op", m)
			}
			b.Run(name, func(b *testing.B) {
				g := G.NewGraph()
				zs, _ := latentInputs(g, newRNG(4), m, r, c)
				l, err := NewLayer(g, m)
				if err != nil {
					b.Fatal(err)
				}
				var z *G.Node
				if fused {
					z, err = l.Forward(zs...)
				} else {
					z = gorgoniaFuse(l.Node(), zs, false)
				}
				if err != nil {
					b.Fatal(err)
				}
				loss := G.Must(G.Sum(z))
				if _, err := G.Grad(loss, zs...); err != nil {
					b.Fatal(err)
				}
				vm := G.NewTapeMachine(g, G.BindDualValues(zs...))
				defer vm.Close()
				b.ReportAllocs()
				for b.Loop() {
					if err := vm.RunAll(); err != nil {
						b.Fatal(err)
					}
					vm.Reset()
				}
			})
		}
	}
}
