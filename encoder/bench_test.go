package encoder

import (
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// BenchmarkTrainStep: one training step of an encoder 81→256→128→64 (BN +
// dropout 0.3/0.2, output BN) at batch 256: mask resampling, forward,
// backward, Adam.
func BenchmarkTrainStep(b *testing.B) {
	net := buildNet(b, 81, 64, 256, Config{OutputBN: true}, 1)
	rng := newRNG(2)
	solver := G.NewAdamSolver(G.WithLearnRate(1e-3))
	ls := net.m.Learnables()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		net.m.ResampleDropout(rng)
		net.vm.Reset()
		if err := net.vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		if err := solver.Step(G.NodesToValueGrads(ls)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWeightsForward: inference of the same encoder on 10 000 rows.
func BenchmarkWeightsForward(b *testing.B) {
	g := G.NewGraph()
	m, err := NewMLP(g, "e", 81, 64, Config{OutputBN: true}, 256, newRNG(3))
	if err != nil {
		b.Fatal(err)
	}
	w := m.Snapshot()
	x := mat.NewDense(10000, 81, randSlice(newRNG(4), 10000*81))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.Forward(x); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBottleneck: forward and backward of one bottleneck at batch 256,
// k = 64 (noise resampling included).
func BenchmarkBottleneck(b *testing.B) {
	tb := buildBottle(b, 256, 64, 4, 5)
	rng := newRNG(6)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb.b.Resample(rng)
		tb.vm.Reset()
		if err := tb.vm.RunAll(); err != nil {
			b.Fatal(err)
		}
	}
}
