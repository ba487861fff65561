package regularizer

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// naiveGram is the textbook definition, for cross-checking Gram's in-place
// packed algorithm.
func naiveGram(x mat.Matrix, scale float64) ([]float64, float64) {
	n, c := x.Dims()
	d2 := make([]float64, n*n)
	var dists []float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for l := 0; l < c; l++ {
				v := x.At(i, l) - x.At(j, l)
				s += v * v
			}
			d2[i*n+j] = s
			if j > i {
				dists = append(dists, math.Sqrt(s))
			}
		}
	}
	sigma := scale * medianSorted(dists)
	for i := range d2 {
		d2[i] = math.Exp(-d2[i] / (2 * sigma * sigma))
	}
	return d2, sigma
}

func TestGramMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, tc := range []struct {
		n, d  int
		scale float64
	}{{2, 1, 1}, {3, 2, 0}, {17, 5, 0.5}, {64, 81, 1}, {65, 3, 2}} {
		x := normal(rng, tc.n, tc.d)
		got, sigma, err := Gram(nil, x, tc.scale)
		if err != nil {
			t.Fatal(err)
		}
		scale := tc.scale
		if scale == 0 {
			scale = 1
		}
		want, wantSigma := naiveGram(x, scale)
		if math.Abs(sigma-wantSigma) > 1e-12*wantSigma {
			t.Errorf("n=%d: σ = %v, want %v", tc.n, sigma, wantSigma)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("n=%d d=%d: K[%d] = %v, want %v", tc.n, tc.d, i, got[i], want[i])
			}
		}
		fixed, err := GramBandwidth(nil, x, wantSigma)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(fixed[i]-want[i]) > 1e-12 {
				t.Fatalf("GramBandwidth n=%d: K[%d] = %v, want %v", tc.n, i, fixed[i], want[i])
			}
		}
	}
}

// Any mat.Matrix works (transposes and strided views are copied or read
// through their stride); the result is the same.
func TestGramInputKinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	big := normal(rng, 40, 12)
	view := big.Slice(3, 33, 2, 9).(*mat.Dense) // strided
	want, _, err := Gram(nil, mat.DenseCopyOf(view), 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := mat.DenseCopyOf(view.T())
	for name, x := range map[string]mat.Matrix{"view": view, "transpose": tr.T()} {
		got, _, err := Gram(nil, x, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-13 {
				t.Fatalf("%s: K[%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
}

// Gram with a destination allocates no buffer: only the closure handed to
// the two-part loop (and, with two goroutines, its wait group).
func TestGramAllocationFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	x := normal(rng, 128, 20)
	dst := make([]float64, 128*128)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		allocs := testing.AllocsPerRun(5, func() {
			if _, _, err := Gram(dst, x, 1); err != nil {
				t.Fatal(err)
			}
		})
		if want := float64(procs); allocs > want {
			t.Errorf("Gram with dst, GOMAXPROCS %d: %v allocations, want at most %v", procs, allocs, want)
		}
	}
}

func TestGramErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	nan := normal(rng, 5, 2)
	nan.Set(1, 1, math.NaN())
	dup := mat.NewDense(4, 1, []float64{1, 1, 1, 2}) // 3 of 6 pairs at distance 0 → median 0.5
	if _, s, err := Gram(nil, dup, 1); err != nil || s != 0.5 {
		t.Errorf("duplicates: σ = %v, err = %v; want 0.5, nil", s, err)
	}
	for _, tc := range []struct {
		name  string
		x     mat.Matrix
		scale float64
		want  error
	}{
		{"nan", nan, 1, ErrNonFinite},
		{"one row", normal(rng, 1, 3), 1, ErrTooFewRows},
		{"negative scale", normal(rng, 5, 2), -2, ErrParameter},
		{"inf scale", normal(rng, 5, 2), math.Inf(1), ErrParameter},
		{"collapsed", mat.NewDense(5, 2, nil), 1, ErrDegenerate},
	} {
		if _, _, err := Gram(nil, tc.x, tc.scale); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := GramBandwidth(nil, normal(rng, 5, 2), 0); !errors.Is(err, ErrParameter) {
		t.Errorf("GramBandwidth σ = 0: err = %v, want ErrParameter", err)
	}
}

// The backward ops must not trust a stale cache: calling a gradient op on
// values other than those of the last forward pass recomputes.
func TestBackwardRecomputesOnNewInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	dense := func(m *mat.Dense) *tensor.Dense {
		r, c := m.Dims()
		return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]float64(nil), m.RawMatrix().Data...)))
	}
	xc, xo, z := cmiData(rng, 30, 2, 2, 3, true)
	m, k := grams(t, xc, xo)
	mv, kv := dense(mat.NewDense(30, 30, m)), dense(mat.NewDense(30, 30, k))
	for _, tc := range []struct {
		name string
		mk   func() lossImpl
		in   func(x *mat.Dense) []G.Value
	}{
		{"CS", func() lossImpl { return &csState{} }, func(x *mat.Dense) []G.Value {
			return []G.Value{dense(x), dense(normal(rand.New(rand.NewPCG(1, 1)), 30, 3))}
		}},
		{"CMI", func() lossImpl { return &cmiState{scale: 1} }, func(x *mat.Dense) []G.Value {
			return []G.Value{dense(x), mv, kv}
		}},
		{"Gaussianity", func() lossImpl { return &gaussState{} }, func(x *mat.Dense) []G.Value {
			return []G.Value{dense(x), G.NewF64(1)}
		}},
	} {
		a, b := mat.DenseCopyOf(z), mat.DenseCopyOf(z)
		for j := 0; j < 3; j++ {
			a.Set(0, j, a.At(0, j)+2) // both far enough from N(0,1) for CS > 0
			b.Set(5, j, b.At(5, j)-3)
		}
		fresh := tc.mk()
		if _, err := fresh.forward(tc.in(b)); err != nil {
			t.Fatal(err)
		}
		want, err := fresh.backward(tc.in(b), 1)
		if err != nil {
			t.Fatal(err)
		}
		nonzero := false
		for _, v := range want {
			nonzero = nonzero || v != 0
		}
		if !nonzero {
			t.Fatalf("%s: reference gradient is zero; the check would be vacuous", tc.name)
		}
		stale := tc.mk()
		if _, err := stale.forward(tc.in(a)); err != nil {
			t.Fatal(err)
		}
		got, err := stale.backward(tc.in(b), 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: gradient after a forward pass on other inputs differs at %d: %v vs %v", tc.name, i, got[i], want[i])
			}
		}
	}
}

// The trainer's pattern: bind q once and refill its backing slice before
// each run; the loss follows the new values.
func TestCSRefillInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	r := normal(rng, 40, 3)
	q0 := normal(rng, 40, 3)
	g := G.NewGraph()
	rn := inputMatrix(g, "r", r)
	qn := inputMatrix(g, "q", q0)
	cs, err := CSDivergence(rn, qn)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	backing := qn.Value().Data().([]float64)
	for step := 0; step < 3; step++ {
		q := normal(rng, 40, 3)
		if step == 2 {
			for i := 0; i < 40; i++ {
				q.Set(i, 1, q.At(i, 1)+4) // far from r
			}
		}
		copy(backing, q.RawMatrix().Data)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		got := cs.Value().Data().(float64)
		vm.Reset()
		want, err := CSDivergenceValue(r, q)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-12*math.Max(1, want) {
			t.Errorf("step %d: %v, want %v", step, got, want)
		}
	}
}

// The batch of the trainer (n = 256) takes the two-goroutine path of every
// pairwise loop; these tests run the ops there.

// evalOp runs forward and backward of a fresh impl on vals under the given
// GOMAXPROCS and returns the value and the gradient.
func evalOp(t *testing.T, procs int, mk func() lossImpl, vals []G.Value) (float64, []float64) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	impl := mk()
	v, err := impl.forward(vals)
	if err != nil {
		t.Fatal(err)
	}
	g, err := impl.backward(vals, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	return v, append([]float64(nil), g...)
}

// Results are the same bit for bit with one or two goroutines.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	const n, k = 256, 64
	xc, xo, z := cmiData(rng, n, 81, 86, k, true)
	r := normal(rng, n, k)
	for i := 0; i < n; i++ {
		r.Set(i, 0, 1.5*r.At(i, 0)+1)
	}
	var grams [2][]float64
	var sigmas [2]float64
	for p := 1; p <= 2; p++ {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(p))
			var err error
			if grams[p-1], sigmas[p-1], err = Gram(nil, xc, 1); err != nil {
				t.Fatal(err)
			}
		}()
	}
	if sigmas[0] != sigmas[1] {
		t.Errorf("Gram σ: %v with one goroutine, %v with two", sigmas[0], sigmas[1])
	}
	for i := range grams[0] {
		if math.Float64bits(grams[0][i]) != math.Float64bits(grams[1][i]) {
			t.Fatalf("Gram[%d]: %v with one goroutine, %v with two", i, grams[0][i], grams[1][i])
		}
	}
	m, kk := grams[0], func() []float64 { g, _, _ := Gram(nil, xo, 1); return g }()
	for _, tc := range []struct {
		name string
		mk   func() lossImpl
		vals []G.Value
	}{
		{"CS", func() lossImpl { return &csState{} }, []G.Value{denseValue(r), denseValue(normal(rng, n, k))}},
		{"CMI", func() lossImpl { return &cmiState{scale: 1} }, []G.Value{denseValue(z),
			denseValue(mat.NewDense(n, n, m)), denseValue(mat.NewDense(n, n, kk))}},
	} {
		v1, g1 := evalOp(t, 1, tc.mk, tc.vals)
		v2, g2 := evalOp(t, 2, tc.mk, tc.vals)
		if math.Float64bits(v1) != math.Float64bits(v2) || v1 <= 0 {
			t.Errorf("%s: value %v with one goroutine, %v with two", tc.name, v1, v2)
		}
		for i := range g1 {
			if math.Float64bits(g1[i]) != math.Float64bits(g2[i]) {
				t.Fatalf("%s: gradient[%d] %v with one goroutine, %v with two", tc.name, i, g1[i], g2[i])
			}
		}
	}
}

// At n = 256 the ops agree with the direct implementations (math.Exp,
// sorted median, plain loops) to 1e-12 relative, and their gradients with
// central finite differences to 1e-3: among 32 640 distances the gaps near
// the median are ~1e-4, so a step h = 1e-5 can move the median onto a pair
// of the perturbed row, a bandwidth change the gradient leaves out by
// design (the small-n tests check to 1e-5).
func TestLargeBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("finite differences at n = 256")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	rng := rand.New(rand.NewPCG(73, 74))
	const n, k = 256, 16
	r := normal(rng, n, k)
	for i := 0; i < n; i++ {
		r.Set(i, 0, 1.5*r.At(i, 0)+1)
	}
	q := normal(rng, n, k)
	gl := buildLoss(t, r, csGraph(q))
	got := gl.run(t)
	want, err := CSDivergenceValue(r, q)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-12*want {
		t.Errorf("CS: op %.17g, value %.17g", got, want)
	}
	worst := gradCheck(t, gl, rng, 40, medianPairRows(r), 1e-5, 1e-3)
	t.Logf("CS n=%d: value rel. diff %.1e, worst gradient rel err %.2e", n, math.Abs(got-want)/want, worst)

	xc, xo, z := cmiData(rng, n, 5, 6, k, true)
	m, kk := grams(t, xc, xo)
	gl = buildLoss(t, z, cmiGraph(m, kk, 1))
	got = gl.run(t)
	if want, err = CMIValue(z, m, kk, 1); err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-12*want {
		t.Errorf("CMI: op %.17g, value %.17g", got, want)
	}
	worst = gradCheck(t, gl, rng, 40, medianPairRows(z), 1e-5, 1e-3)
	t.Logf("CMI n=%d: value rel. diff %.1e, worst gradient rel err %.2e", n, math.Abs(got-want)/want, worst)

	g, sigma, err := Gram(nil, xc, 1)
	if err != nil {
		t.Fatal(err)
	}
	ng, nsigma := naiveGram(xc, 1)
	if math.Abs(sigma-nsigma) > 1e-14*nsigma {
		t.Errorf("Gram σ = %v, want %v", sigma, nsigma)
	}
	for i := range g {
		if math.Abs(g[i]-ng[i]) > 1e-14 {
			t.Fatalf("Gram[%d] = %v, want %v", i, g[i], ng[i])
		}
	}
}
