package pid

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkFromSamples is one training step's PID: n=256 rows, scalar
// target, two 64-dimensional latents, closed form with bias correction.
func BenchmarkFromSamples(b *testing.B) {
	rng := newRand(20)
	m, x, y := randNormal(rng, 256, 1), randNormal(rng, 256, 64), randNormal(rng, 256, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromSamples(m, x, y, Options{Debias: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTilde(b *testing.B, dm, dx, dy int) {
	rng := newRand(21)
	c := randCov(rng, dm+dx+dy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decompose(c, dm, dx, dy, Options{Method: MethodTilde}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTilde(b *testing.B) {
	b.Run("dm=2,dx=dy=8", func(b *testing.B) { benchTilde(b, 2, 8, 8) })
	b.Run("dm=3,dx=dy=16", func(b *testing.B) { benchTilde(b, 3, 16, 16) })
}

func BenchmarkDecomposeClosed(b *testing.B) {
	rng := newRand(22)
	m, x, y := randNormal(rng, 256, 1), randNormal(rng, 256, 64), randNormal(rng, 256, 64)
	d := mat.NewDense(256, 129, nil)
	d.Slice(0, 256, 0, 1).(*mat.Dense).Copy(m)
	d.Slice(0, 256, 1, 65).(*mat.Dense).Copy(x)
	d.Slice(0, 256, 65, 129).(*mat.Dense).Copy(y)
	var c mat.SymDense
	c.SymOuterK(1.0/255, d.T())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decompose(&c, 1, 64, 64, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecomposeDep is I_dep on the covariance of BenchmarkTilde's
// larger case: the closed form plus dm×dm work.
func BenchmarkDecomposeDep(b *testing.B) {
	rng := newRand(21)
	c := randCov(rng, 3+16+16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decompose(c, 3, 16, 16, Options{Method: MethodDep}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrap is 200 resamples of a 400-row sample with dm = 1,
// dx = dy = 2 (the coverage test's case) on GOMAXPROCS goroutines.
func BenchmarkBootstrap(b *testing.B) {
	m, x, y := sampleModel(newRand(23), coverageModel(0), 400, 2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bootstrap(m, x, y, Options{Debias: true}, BootstrapOptions{B: 200}); err != nil {
			b.Fatal(err)
		}
	}
}
