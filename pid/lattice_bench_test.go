package pid

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// latBenchData is one training batch: n = 256 rows, a scalar target and M
// latents of 64 columns.
func latBenchData(m int) (mat.Matrix, []mat.Matrix) {
	rng := latRand(30)
	xs := make([]mat.Matrix, m)
	for i := range xs {
		xs[i] = latNormal(rng, 256, 64)
	}
	return latNormal(rng, 256, 1), xs
}

// BenchmarkLatticeFromSamples is the per-batch cost of the M-source
// decomposition, covariance included. For M = 4 the 257 variables exceed
// the 255 degrees of freedom of 256 centred rows: the covariance is
// singular and the jitter is always used (no bias correction possible).
func BenchmarkLatticeFromSamples(b *testing.B) {
	for m := 2; m <= 4; m++ {
		y, xs := latBenchData(m)
		opt := Options{Debias: m < 4}
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := LatticeFromSamples(y, xs, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// latBenchCov returns the covariance of latBenchData ordered Z₀ … Z_{M−1},
// ỹ, with a ridge for M = 4 so that every variant factorizes without the
// jitter and they compare like for like.
func latBenchCov(m int) *mat.SymDense {
	y, xs := latBenchData(m)
	zt, _, err := centredColumns(append(xs, y), 256)
	if err != nil {
		panic(err)
	}
	d := len(zt) / 256
	c := mat.NewSymDense(d, nil)
	blas64.Syrk(blas.NoTrans, 1.0/255, blas64.General{Rows: d, Cols: 256, Stride: 256, Data: zt}, 0, c.RawSymmetric())
	for i := 0; i < d; i++ {
		c.SetSym(i, i, c.At(i, i)+0.05)
	}
	return c
}

// BenchmarkSubsetInfo compares the ways to get I(ỹ; Z_A) for every subset
// A: the elimination tree Lattice uses, one Cholesky factor per subset, and
// as the yardstick a single Cholesky factor of the whole covariance.
func BenchmarkSubsetInfo(b *testing.B) {
	for m := 2; m <= 4; m++ {
		c := latBenchCov(m)
		dims := make([]int, m)
		var all []Set
		for i := range dims {
			dims[i] = 64
		}
		for s := Set(1); s < 1<<uint(m); s++ {
			all = append(all, s)
		}
		work := mat.NewSymDense(c.SymmetricDim(), nil)
		for _, v := range []struct {
			name string
			run  func() error
		}{
			{"tree", func() error { _, err := subsetInfo(work, 1, dims, nil); return err }},
			{"per-subset", func() error { _, err := subsetInfo(work, 1, dims, all); return err }},
			{"one-cholesky", func() error {
				if _, ok := lapack64.Potrf(work.RawSymmetric()); !ok {
					return errIndefinite
				}
				return nil
			}},
		} {
			b.Run(fmt.Sprintf("M=%d/%s", m, v.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					work.CopySym(c)
					if err := v.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
