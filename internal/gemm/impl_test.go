package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// tolerance is the largest error allowed relative to |α|·Σ|a||b| + |β||c|.
func tolerance[T float32 | float64]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 2e-5
	}
	return 1e-13
}

// kernelsD and kernelsS are the kernels this CPU can run: the Go one
// always, the assembly one where AVX2 and FMA are present.
func kernels[T float32 | float64]() []*kernel[T] {
	var z T
	switch any(z).(type) {
	case float64:
		ks := []*kernel[float64]{&goKernelD}
		if d := defaultKernelD(); d != nil && d != &goKernelD {
			ks = append(ks, d)
		}
		return any(ks).([]*kernel[T])
	default:
		ks := []*kernel[float32]{&goKernelS}
		if d := defaultKernelS(); d != nil && d != &goKernelS {
			ks = append(ks, d)
		}
		return any(ks).([]*kernel[T])
	}
}

// TestAssemblyAvailable fails where the CPU has AVX2 and FMA but the
// assembly kernels are not selected, so that a broken detection does not
// pass unnoticed as the slower Go path.
func TestAssemblyAvailable(t *testing.T) {
	d, s := defaultKernelD(), defaultKernelS()
	switch {
	case runtime.GOARCH != "amd64":
		if d != &goKernelD || s != &goKernelS {
			t.Fatal("the Go kernels are not selected off amd64")
		}
	case hasAVX2FMA:
		if d == nil || s == nil || d == &goKernelD || s == &goKernelS {
			t.Fatal("AVX2+FMA present but the assembly kernels are not selected")
		}
		t.Logf("kernels %s and %s", d.name, s.name)
	default:
		if d != nil || s != nil {
			t.Fatal("no AVX2+FMA, yet products are not left to gonum")
		}
	}
}

// operand is a rows×cols matrix with stride ld (≥ cols); the entries
// between rows hold a sentinel that no product may change.
func operand[T float32 | float64](rng *rand.Rand, rows, cols, ld int) []T {
	if rows == 0 {
		return nil
	}
	s := make([]T, (rows-1)*ld+cols)
	for i := range s {
		s[i] = T(rng.NormFloat64())
	}
	return s
}

// naive is the triple loop in float64 with the bound of its rounding
// error: want[i·ldc+j] and scale[i·ldc+j] = |α|·Σ|a||b| + |β||c|. Outside
// the triangle tri the entries of c are kept.
func naive[T float32 | float64](tA, tB bool, tri triangle, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) (want, scale []float64) {
	want, scale = make([]float64, len(c)), make([]float64, len(c))
	for i, v := range c {
		want[i] = float64(v)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if !tri.contains(i, j) {
				continue
			}
			var s, abs float64
			for p := 0; p < k; p++ {
				var av, bv T
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			cv := float64(c[i*ldc+j])
			if beta == 0 {
				cv = 0 // NaNs in C are not read
			}
			want[i*ldc+j] = float64(alpha)*s + float64(beta)*cv
			scale[i*ldc+j] = math.Abs(float64(alpha))*abs + math.Abs(float64(beta)*cv)
		}
	}
	return want, scale
}

// compare checks got against naive's answer: within the tolerance inside
// the product, bit for bit (NaN for NaN) elsewhere.
func compare[T float32 | float64](t *testing.T, what string, got []T, want, scale []float64) {
	t.Helper()
	tol := tolerance[T]()
	for i, g := range got {
		w := want[i]
		if scale[i] == 0 && math.IsNaN(w) {
			if !math.IsNaN(float64(g)) {
				t.Fatalf("%s: entry %d = %v, want NaN (untouched)", what, i, g)
			}
			continue
		}
		if math.Abs(float64(g)-w) > tol*scale[i] {
			t.Fatalf("%s: entry %d = %v, want %v (error %.3g of scale %.3g)", what, i, g, w, math.Abs(float64(g)-w), scale[i])
		}
	}
}

// gemmCase is one product to test.
type gemmCase struct {
	tA, tB      blas.Transpose
	m, n, k     int
	padA, padB  int // extra stride
	padC        int
	alpha, beta float64
}

func (g gemmCase) String() string {
	return fmt.Sprintf("%c%c m=%d n=%d k=%d pads=%d,%d,%d α=%g β=%g", g.tA, g.tB, g.m, g.n, g.k, g.padA, g.padB, g.padC, g.alpha, g.beta)
}

// data makes the operands of a case; C holds NaNs when β = 0 (they must be
// overwritten) and in its padding (which must be left alone).
func data[T float32 | float64](rng *rand.Rand, g gemmCase) (a []T, lda int, b []T, ldb int, c []T, ldc int) {
	ar, ac := g.m, g.k
	if g.tA != blas.NoTrans {
		ar, ac = g.k, g.m
	}
	br, bc := g.k, g.n
	if g.tB != blas.NoTrans {
		br, bc = g.n, g.k
	}
	lda, ldb, ldc = max(1, ac+g.padA), max(1, bc+g.padB), max(1, g.n+g.padC)
	a, b = operand[T](rng, ar, ac, lda), operand[T](rng, br, bc, ldb)
	c = operand[T](rng, g.m, g.n, ldc)
	for i := range c {
		if g.beta == 0 || i%ldc >= g.n {
			c[i] = T(math.NaN())
		}
	}
	return a, lda, b, ldb, c, ldc
}

// sizes straddle the register tiles (6×8, 6×16, 4×4) and the blocks (mc =
// 72 and 64, kc = 256).
var sizes = []int{1, 2, 5, 6, 7, 8, 9, 16, 17, 63, 64, 72, 73, 97}

var depths = []int{1, 3, 8, 255, 256, 257, 600}

func gemmCases(rng *rand.Rand) []gemmCase {
	var cs []gemmCase
	trans := []blas.Transpose{blas.NoTrans, blas.Trans}
	scalars := [][2]float64{{1, 0}, {1, 1}, {-0.7, 0.3}, {2.5, 0}, {0, 0.5}, {0, 0}}
	for _, tA := range trans {
		for _, tB := range trans {
			for i := 0; i < 40; i++ {
				s := scalars[i%len(scalars)]
				cs = append(cs, gemmCase{
					tA: tA, tB: tB,
					m: sizes[rng.IntN(len(sizes))], n: sizes[rng.IntN(len(sizes))], k: depths[rng.IntN(len(depths))],
					padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3),
					alpha: s[0], beta: s[1],
				})
			}
		}
	}
	// Zero sizes, and ConjTrans, which is Trans for real matrices.
	for _, z := range [][3]int{{0, 5, 3}, {4, 0, 3}, {4, 5, 0}, {0, 0, 0}} {
		cs = append(cs, gemmCase{tA: blas.NoTrans, tB: blas.Trans, m: z[0], n: z[1], k: z[2], alpha: 1, beta: 0.5})
		cs = append(cs, gemmCase{tA: blas.Trans, tB: blas.NoTrans, m: z[0], n: z[1], k: z[2], alpha: 1, beta: 0})
	}
	cs = append(cs, gemmCase{tA: blas.ConjTrans, tB: blas.ConjTrans, m: 13, n: 29, k: 31, alpha: 1, beta: 0})
	return cs
}

func TestDgemm(t *testing.T) { testGemm[float64](t, Implementation{}.Dgemm) }
func TestSgemm(t *testing.T) { testGemm[float32](t, Implementation{}.Sgemm) }

type gemmFunc[T float32 | float64] func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

func testGemm[T float32 | float64](t *testing.T, gemm gemmFunc[T]) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range gemmCases(rng) {
		a, lda, b, ldb, c, ldc := data[T](rng, g)
		want, scale := naive(g.tA != blas.NoTrans, g.tB != blas.NoTrans, full, g.m, g.n, g.k, T(g.alpha), a, lda, b, ldb, T(g.beta), c, ldc)
		gemm(g.tA, g.tB, g.m, g.n, g.k, T(g.alpha), a, lda, b, ldb, T(g.beta), c, ldc)
		compare(t, g.String(), c, want, scale)
	}
}

// TestKernels runs every kernel this CPU has (the Go one is the fallback
// of other CPUs) on 1, 2 and 3 goroutines.
func TestKernels(t *testing.T) {
	testKernels[float64](t)
	testKernels[float32](t)
}

func testKernels[T float32 | float64](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kern := range kernels[T]() {
		for _, g := range gemmCases(rng) {
			if g.m == 0 || g.n == 0 || g.k == 0 || g.alpha == 0 {
				continue // handed to gonum
			}
			for _, threads := range []int{1, 2, 3} {
				a, lda, b, ldb, c, ldc := data[T](rng, g)
				want, scale := naive(g.tA != blas.NoTrans, g.tB != blas.NoTrans, full, g.m, g.n, g.k, T(g.alpha), a, lda, b, ldb, T(g.beta), c, ldc)
				p := newGemm(kern, g.tA, g.tB, g.m, g.n, g.k, T(g.alpha), a, lda, b, ldb, T(g.beta), c, ldc)
				run(&p, threads)
				compare(t, fmt.Sprintf("%s %T %d threads %v", kern.name, T(0), threads, g), c, want, scale)
			}
		}
	}
}

func TestDsyrk(t *testing.T) { testSyrk[float64](t, Implementation{}.Dsyrk) }
func TestSsyrk(t *testing.T) { testSyrk[float32](t, Implementation{}.Ssyrk) }

type syrkFunc[T float32 | float64] func(ul blas.Uplo, tA blas.Transpose, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int)

// testSyrk checks one triangle against the naive product and that the
// other is left alone, through Implementation and through every kernel on
// 1 to 3 goroutines.
func testSyrk[T float32 | float64](t *testing.T, syrk syrkFunc[T]) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
		tri := upper
		if ul == blas.Lower {
			tri = lower
		}
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for i := 0; i < 30; i++ {
				s := [][2]float64{{1, 0}, {-0.5, 1}, {2, 0.25}, {0, 0.5}}[i%4]
				g := gemmCase{tA: tA, tB: blas.Trans, m: sizes[rng.IntN(len(sizes))], k: depths[rng.IntN(len(depths))], padA: rng.IntN(3), padC: rng.IntN(3), alpha: s[0], beta: s[1]}
				if tA == blas.Trans {
					g.tB = blas.NoTrans
				}
				if i == 0 {
					g.m, g.k = 129, 1000 // a covariance of the project
				}
				g.n = g.m
				for _, threads := range []int{0, 1, 2, 3} { // 0: through Implementation
					for _, kern := range kernels[T]() {
						a, lda, _, _, c, ldc := data[T](rng, g)
						for i := range c {
							if !tri.contains(i/ldc, i%ldc) {
								c[i] = T(math.NaN()) // neither read nor written
							}
						}
						want, scale := naive(tA == blas.Trans, tA != blas.Trans, tri, g.n, g.n, g.k, T(g.alpha), a, lda, a, lda, T(g.beta), c, ldc)
						what := fmt.Sprintf("%c %s threads %d %v", ul, kern.name, threads, g)
						if threads == 0 {
							syrk(ul, tA, g.n, g.k, T(g.alpha), a, lda, T(g.beta), c, ldc)
							compare(t, what, c, want, scale)
							break
						}
						if g.alpha == 0 {
							break
						}
						p := newSyrk(kern, ul, tA, g.n, g.k, T(g.alpha), a, lda, T(g.beta), c, ldc)
						run(&p, threads)
						compare(t, what, c, want, scale)
					}
				}
			}
		}
	}
}

// TestDeterminism checks that the bits of C do not depend on the number
// of goroutines, set directly or through GOMAXPROCS, nor on the run.
func TestDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kern := range kernels[float64]() {
		for _, g := range []gemmCase{
			{tA: blas.NoTrans, tB: blas.NoTrans, m: 256, n: 256, k: 300, alpha: 1, beta: 0},
			{tA: blas.Trans, tB: blas.NoTrans, m: 86, n: 256, k: 256, alpha: 1, beta: 0.5},
			{tA: blas.NoTrans, tB: blas.Trans, m: 100, n: 301, k: 513, alpha: -1, beta: 1},
		} {
			a, lda, b, ldb, c0, ldc := data[float64](rng, g)
			var first []float64
			for _, threads := range []int{1, 2, 3, 4, 7, 1} {
				c := append([]float64(nil), c0...)
				p := newGemm(kern, g.tA, g.tB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
				run(&p, threads)
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if math.Float64bits(c[i]) != math.Float64bits(first[i]) {
						t.Fatalf("%s %v: %d threads: entry %d = %v, 1 thread gives %v", kern.name, g, threads, i, c[i], first[i])
					}
				}
			}
		}
	}
	// Through Implementation and GOMAXPROCS, on a product big enough to be
	// shared, and on a triangle.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	g := gemmCase{tA: blas.NoTrans, tB: blas.NoTrans, m: 256, n: 256, k: 256, alpha: 1, beta: 0}
	a, lda, b, ldb, _, ldc := data[float64](rng, g)
	results := make(map[int][2][]float64)
	for i, procs := range []int{1, 2, 1, 2, 2} {
		runtime.GOMAXPROCS(procs)
		impl := Implementation{MaxThreads: i / 4} // the last run on one goroutine
		c := make([]float64, g.m*ldc)
		impl.Dgemm(g.tA, g.tB, g.m, g.n, g.k, 1, a, lda, b, ldb, 0, c, ldc)
		s := make([]float64, g.m*g.m)
		impl.Dsyrk(blas.Upper, blas.NoTrans, g.m, g.k, 1, a, lda, 0, s, g.m)
		if r, ok := results[1]; ok {
			for i := range c {
				if math.Float64bits(c[i]) != math.Float64bits(r[0][i]) {
					t.Fatalf("GOMAXPROCS %d: Dgemm entry %d = %v, with 1 it is %v", procs, i, c[i], r[0][i])
				}
			}
			for i := range s {
				if math.Float64bits(s[i]) != math.Float64bits(r[1][i]) {
					t.Fatalf("GOMAXPROCS %d: Dsyrk entry %d = %v, with 1 it is %v", procs, i, s[i], r[1][i])
				}
			}
		} else {
			results[1] = [2][]float64{c, s}
		}
	}
}

// TestPanics checks that bad arguments panic as in gonum, with its
// messages, and that gonum's accepted edge cases are accepted.
func TestPanics(t *testing.T) {
	a, b, c := make([]float64, 100), make([]float64, 100), make([]float64, 100)
	type call struct {
		name string
		f    func(blas.Float64)
	}
	calls := []call{
		{"bad tA", func(i blas.Float64) { i.Dgemm('x', blas.NoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2) }},
		{"bad tB", func(i blas.Float64) { i.Dgemm(blas.NoTrans, 'x', 2, 2, 2, 1, a, 2, b, 2, 0, c, 2) }},
		{"m<0", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, -1, 2, 2, 1, a, 2, b, 2, 0, c, 2) }},
		{"n<0", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 2, -1, 2, 1, a, 2, b, 2, 0, c, 2) }},
		{"k<0", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 2, 2, -1, 1, a, 2, b, 2, 0, c, 2) }},
		{"lda", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 2, 3, 4, 1, a, 3, b, 3, 0, c, 3) }},
		{"lda T", func(i blas.Float64) { i.Dgemm(blas.Trans, blas.NoTrans, 4, 3, 2, 1, a, 3, b, 3, 0, c, 3) }},
		{"ldb", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 2, 3, 4, 1, a, 4, b, 2, 0, c, 3) }},
		{"ldb T", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.Trans, 2, 3, 4, 1, a, 4, b, 3, 0, c, 3) }},
		{"ldc", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 2, 3, 4, 1, a, 4, b, 3, 0, c, 2) }},
		{"ldc 0", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 0, 0, 0, 1, a, 1, b, 1, 0, c, 0) }},
		{"short a", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 20, 3, 6, 1, a, 6, b, 3, 0, c, 3) }},
		{"short b", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 2, 30, 4, 1, a, 4, b, 30, 0, c, 30) }},
		{"short c", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 11, 10, 4, 1, a, 4, b, 10, 0, c, 10) }},
		{"short c α=0", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 11, 10, 4, 0, a, 4, b, 10, 0, c, 10) }},
		{"zero m short", func(i blas.Float64) { i.Dgemm(blas.NoTrans, blas.NoTrans, 0, 10, 4, 1, nil, 4, nil, 10, 0, nil, 10) }},
		{"syrk uplo", func(i blas.Float64) { i.Dsyrk(blas.All, blas.NoTrans, 2, 2, 1, a, 2, 0, c, 2) }},
		{"syrk trans", func(i blas.Float64) { i.Dsyrk(blas.Upper, 'x', 2, 2, 1, a, 2, 0, c, 2) }},
		{"syrk n<0", func(i blas.Float64) { i.Dsyrk(blas.Upper, blas.NoTrans, -1, 2, 1, a, 2, 0, c, 2) }},
		{"syrk k<0", func(i blas.Float64) { i.Dsyrk(blas.Upper, blas.NoTrans, 2, -1, 1, a, 2, 0, c, 2) }},
		{"syrk lda", func(i blas.Float64) { i.Dsyrk(blas.Upper, blas.NoTrans, 2, 3, 1, a, 2, 0, c, 2) }},
		{"syrk lda T", func(i blas.Float64) { i.Dsyrk(blas.Upper, blas.Trans, 3, 2, 1, a, 2, 0, c, 3) }},
		{"syrk ldc", func(i blas.Float64) { i.Dsyrk(blas.Lower, blas.NoTrans, 3, 2, 1, a, 2, 0, c, 2) }},
		{"syrk short a", func(i blas.Float64) { i.Dsyrk(blas.Lower, blas.NoTrans, 30, 4, 1, a, 4, 0, c, 30) }},
		{"syrk short c", func(i blas.Float64) { i.Dsyrk(blas.Lower, blas.Trans, 11, 4, 1, a, 11, 0, c, 11) }},
		{"syrk zero", func(i blas.Float64) { i.Dsyrk(blas.Lower, blas.Trans, 0, 4, 1, nil, 1, 0, nil, 1) }},
	}
	for _, cl := range calls {
		want, got := recovered(func() { cl.f(gonum.Implementation{}) }), recovered(func() { cl.f(Implementation{}) })
		if got != want {
			t.Errorf("%s: panic %v, gonum's is %v", cl.name, got, want)
		}
	}
}

func recovered(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// TestAllocs checks that repeated calls allocate nothing: of one shape,
// small or shared between goroutines, and of shapes that alternate (as the
// products of a training step do), Syrk among them.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	rng := rand.New(rand.NewPCG(9, 10))
	var calls []func()
	for _, g := range []gemmCase{
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 37, n: 41, k: 43, alpha: 1},
		{tA: blas.Trans, tB: blas.NoTrans, m: 256, n: 256, k: 256, alpha: 1},
		{tA: blas.NoTrans, tB: blas.Trans, m: 256, n: 64, k: 600, alpha: 1},
	} {
		a, lda, b, ldb, c, ldc := data[float64](rng, g)
		calls = append(calls, func() { Implementation{}.Dgemm(g.tA, g.tB, g.m, g.n, g.k, 1, a, lda, b, ldb, 0, c, ldc) })
		s := make([]float64, g.m*g.m)
		calls = append(calls, func() { Implementation{}.Dsyrk(blas.Upper, g.tA, g.m, g.k, 1, a, lda, 0, s, g.m) })
	}
	// The runtime still allocates a goroutine descriptor for about one in
	// ten of the goroutines a shared product starts (runtime.malg, 480
	// bytes, measured with the memory profiler): the bounds allow for that,
	// not for an allocation of this package in every call.
	for i, f := range calls {
		if n := allocs(200, f); n > 0.5 {
			t.Errorf("call %d: %v allocations per call", i, n)
		}
	}
	all := func() {
		for _, f := range calls {
			f()
		}
	}
	if n := allocs(200, all); n > 1.5 {
		t.Errorf("alternating shapes: %v allocations per round", n)
	}
}

// allocs is testing.AllocsPerRun without its GOMAXPROCS = 1, which would
// keep every product on one goroutine. The garbage collector is off while
// it runs: a collection empties the pools (by design of sync.Pool), which
// then refill.
func allocs(runs int, f func()) float64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for range 100 { // until the pools of both Ps hold workspaces
		f()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs)
}

// TestThreads checks the number of goroutines chosen for a product.
func TestThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	kern := kernels[float64]()[0]
	for _, c := range []struct {
		m, n, k, limit int
		tri            triangle
		want           int
	}{
		{256, 256, 256, 0, full, 4},
		{256, 256, 256, 1, full, 1},
		{256, 256, 256, 2, full, 2},
		{256, 256, 256, 9, full, 4},   // GOMAXPROCS bounds it
		{256, 128, 64, 0, full, 1},    // 2.1M multiply-adds: not worth sharing
		{256, 64, 256, 0, full, 2},    // 4.2M
		{256, 256, 256, 0, upper, 4},  // half of 16.8M
		{129, 129, 1000, 0, lower, 4}, // half of 16.6M: 5, but GOMAXPROCS is 4
	} {
		p := product[float64]{kern: kern, m: c.m, n: c.n, k: c.k, tri: c.tri}
		if got := p.threads(c.limit); got != c.want {
			t.Errorf("%d×%d×%d limit %d tri %d: %d goroutines, want %d", c.m, c.n, c.k, c.limit, c.tri, got, c.want)
		}
	}
}
