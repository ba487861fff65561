package gemm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// stepShapes are the products of a training step at batch 256 for the
// layers in→out of the default model: the forward X·W (256×in by in×out),
// the weight gradient Xᵀ·dY (in×256 by 256×out, X stored 256×in) and the
// input gradient dY·Wᵀ (256×out by out×in, W stored in×out). Names give
// m×k×n.
var stepShapes = []struct {
	name    string
	tA, tB  blas.Transpose
	m, k, n int
}{
	{"XW_256x86x256", blas.NoTrans, blas.NoTrans, 256, 86, 256},
	{"XW_256x256x128", blas.NoTrans, blas.NoTrans, 256, 256, 128},
	{"XW_256x128x64", blas.NoTrans, blas.NoTrans, 256, 128, 64},
	{"XW_256x64x256", blas.NoTrans, blas.NoTrans, 256, 64, 256},
	{"XW_256x128x1", blas.NoTrans, blas.NoTrans, 256, 128, 1},
	{"XtdY_86x256x256", blas.Trans, blas.NoTrans, 86, 256, 256},
	{"XtdY_256x256x128", blas.Trans, blas.NoTrans, 256, 256, 128},
	{"XtdY_128x256x64", blas.Trans, blas.NoTrans, 128, 256, 64},
	{"XtdY_64x256x256", blas.Trans, blas.NoTrans, 64, 256, 256},
	{"XtdY_128x256x1", blas.Trans, blas.NoTrans, 128, 256, 1},
	{"dYWt_256x128x256", blas.NoTrans, blas.Trans, 256, 128, 256},
	{"dYWt_256x64x128", blas.NoTrans, blas.Trans, 256, 64, 128},
	{"dYWt_256x256x64", blas.NoTrans, blas.Trans, 256, 256, 64},
	{"dYWt_256x1x128", blas.NoTrans, blas.Trans, 256, 1, 128},
}

// benchGemm times gemm on the step shapes and reports GFLOP/s (2·m·n·k
// flops a product). With -cpu 1,2 Implementation runs on 1 and 2 threads.
func benchGemm[T float32 | float64](b *testing.B, gemm gemmFunc[T]) {
	for _, s := range stepShapes {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			g := gemmCase{tA: s.tA, tB: s.tB, m: s.m, n: s.n, k: s.k, alpha: 1, beta: 0}
			a, lda, bb, ldb, c, ldc := data[T](rng, g)
			b.ReportAllocs()
			for b.Loop() {
				gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
			}
			reportGFLOPs(b, 2*float64(s.m*s.n*s.k))
		})
	}
}

func reportGFLOPs(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
}

// syrkShapes are covariances: 129 variables over 1000 samples (A stored
// 1000×129, C = AᵀA) and the Gram matrix of 256 rows of 64 features.
var syrkShapes = []struct {
	name string
	tA   blas.Transpose
	n, k int
}{
	{"AtA_1000x129", blas.Trans, 129, 1000},
	{"AAt_256x64", blas.NoTrans, 256, 64},
}

// benchSyrk reports GFLOP/s counting the n(n+1)/2 entries of one triangle,
// 2k flops each.
func benchSyrk[T float32 | float64](b *testing.B, syrk syrkFunc[T]) {
	for _, s := range syrkShapes {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			g := gemmCase{tA: s.tA, tB: blas.NoTrans, m: s.n, n: s.n, k: s.k, alpha: 1}
			a, lda, _, _, c, ldc := data[T](rng, g)
			b.ReportAllocs()
			for b.Loop() {
				syrk(blas.Upper, s.tA, s.n, s.k, 1, a, lda, 0, c, ldc)
			}
			reportGFLOPs(b, float64(s.n*(s.n+1)*s.k))
		})
	}
}

func BenchmarkDgemm(b *testing.B)      { benchGemm(b, Implementation{}.Dgemm) }
func BenchmarkDgemmGonum(b *testing.B) { benchGemm(b, gonum.Implementation{}.Dgemm) }
func BenchmarkSgemm(b *testing.B)      { benchGemm(b, Implementation{}.Sgemm) }
func BenchmarkSgemmGonum(b *testing.B) { benchGemm(b, gonum.Implementation{}.Sgemm) }
func BenchmarkDsyrk(b *testing.B)      { benchSyrk(b, Implementation{}.Dsyrk) }
func BenchmarkDsyrkGonum(b *testing.B) { benchSyrk(b, gonum.Implementation{}.Dsyrk) }

// BenchmarkDgemmGoKernel is the portable path (other CPUs) on one thread.
func BenchmarkDgemmGoKernel(b *testing.B) {
	benchGemm(b, func(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, bb []float64, ldb int, beta float64, c []float64, ldc int) {
		p := newGemm(&goKernelD, tA, tB, m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
		run(&p, 1)
	})
}

// BenchmarkThreads times square products on 1 and 2 goroutines, whatever
// GOMAXPROCS, to place minWork: the size from which sharing pays.
func BenchmarkThreads(b *testing.B) {
	kern := defaultKernelD()
	if kern == nil {
		b.Skip("products are left to gonum on this CPU")
	}
	for _, n := range []int{64, 96, 128, 160, 192, 256} {
		for threads := 1; threads <= 2; threads++ {
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, threads), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				g := gemmCase{tA: blas.NoTrans, tB: blas.NoTrans, m: n, n: n, k: n, alpha: 1}
				a, lda, bb, ldb, c, ldc := data[float64](rng, g)
				for b.Loop() {
					p := newGemm(kern, g.tA, g.tB, n, n, n, 1, a, lda, bb, ldb, 0, c, ldc)
					run(&p, threads)
				}
				reportGFLOPs(b, 2*float64(n*n*n))
			})
		}
	}
}

// contender is one implementation in the side-by-side benchmarks.
type contender[T float32 | float64] struct {
	name string
	gemm gemmFunc[T]
}

// sharedOn runs the product on exactly threads goroutines, whatever its
// size (GOMAXPROCS must allow them to run at once).
func sharedOn[T float32 | float64](kern *kernel[T], threads int) gemmFunc[T] {
	return func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
		p := newGemm(kern, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		run(&p, threads)
	}
}

// contendersD and contendersS are gonum, this package on 1 and 2
// goroutines, and (with the openblas tag) OpenBLAS.
var (
	contendersD = []contender[float64]{
		{"gonum", gonum.Implementation{}.Dgemm},
		{"gemm1", sharedOn(defaultKernelD(), 1)},
		{"gemm2", sharedOn(defaultKernelD(), 2)},
	}
	contendersS = []contender[float32]{
		{"gonum", gonum.Implementation{}.Sgemm},
		{"gemm1", sharedOn(defaultKernelS(), 1)},
		{"gemm2", sharedOn(defaultKernelS(), 2)},
	}
)

// BenchmarkSideBySideD and BenchmarkSideBySideS alternate the contenders
// call by call on each step shape, so that all see the same load on a
// shared machine, and report the median GFLOP/s of each (metric
// GFLOP/s-name).
func BenchmarkSideBySideD(b *testing.B) { sideBySide(b, contendersD) }
func BenchmarkSideBySideS(b *testing.B) { sideBySide(b, contendersS) }

func sideBySide[T float32 | float64](b *testing.B, cs []contender[T]) {
	for _, s := range stepShapes {
		g := gemmCase{tA: s.tA, tB: s.tB, m: s.m, n: s.n, k: s.k, alpha: 1}
		alternate(b, s.name, 2*float64(s.m*s.n*s.k), cs, func(rng *rand.Rand, i int) func() {
			a, lda, bb, ldb, c, ldc := data[T](rng, g)
			return func() { cs[i].gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc) }
		})
	}
}

// alternate runs, as sub-benchmark name, the calls setup makes for each
// contender in turn b.N times, and reports the median GFLOP/s of each
// under its name.
func alternate[T float32 | float64](b *testing.B, name string, flops float64, cs []contender[T], setup func(rng *rand.Rand, i int) func()) {
	b.Run(name, func(b *testing.B) {
		if defaultKernelD() == nil {
			b.Skip("products are left to gonum on this CPU")
		}
		calls := make([]func(), len(cs))
		for i := range cs {
			calls[i] = setup(rand.New(rand.NewPCG(1, 1)), i)
		}
		reportMedians(b, flops, cs, calls)
	})
}

// reportMedians runs the calls in turn b.N times and reports the median
// GFLOP/s of each under the name of its contender.
func reportMedians[T float32 | float64](b *testing.B, flops float64, cs []contender[T], calls []func()) {
	times := make([][]time.Duration, len(calls))
	for b.Loop() {
		for i, call := range calls {
			t0 := time.Now()
			call()
			times[i] = append(times[i], time.Since(t0))
		}
	}
	for i, ct := range cs {
		slices.Sort(times[i])
		b.ReportMetric(flops/float64(times[i][len(times[i])/2].Nanoseconds()), "GFLOP/s-"+ct.name)
	}
}

// BenchmarkSideBySideSyrk is the same for Dsyrk on syrkShapes: gonum, this
// package on 1 and 2 goroutines, OpenBLAS with the openblas tag.
func BenchmarkSideBySideSyrk(b *testing.B) {
	kern := defaultKernelD()
	shared := func(threads int) syrkFunc[float64] {
		return func(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
			p := newSyrk(kern, ul, tA, n, k, alpha, a, lda, beta, c, ldc)
			run(&p, threads)
		}
	}
	cs := []contender[float64]{{name: "gonum"}, {name: "gemm1"}, {name: "gemm2"}}
	syrks := []syrkFunc[float64]{gonum.Implementation{}.Dsyrk, shared(1), shared(2)}
	if syrkOpenBLAS != nil {
		cs, syrks = append(cs, contender[float64]{name: "openblas"}), append(syrks, syrkOpenBLAS)
	}
	for _, s := range syrkShapes {
		g := gemmCase{tA: s.tA, tB: blas.NoTrans, m: s.n, n: s.n, k: s.k, alpha: 1}
		alternate(b, s.name, float64(s.n*(s.n+1)*s.k), cs, func(rng *rand.Rand, i int) func() {
			a, lda, _, _, c, ldc := data[float64](rng, g)
			return func() { syrks[i](blas.Upper, s.tA, s.n, s.k, 1, a, lda, 0, c, ldc) }
		})
	}
}

// syrkOpenBLAS is OpenBLAS's Dsyrk with the openblas tag, else nil.
var syrkOpenBLAS syrkFunc[float64]
