package gaussian

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 42)) }

func randNormal(rng *rand.Rand, r, c int) *mat.Dense {
	a := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	return a
}

func randCov(rng *rand.Rand, d int) *mat.SymDense {
	a := randNormal(rng, d, d+2)
	c := mat.NewSymDense(d, nil)
	c.SymOuterK(1/float64(d+2), a)
	for i := 0; i < d; i++ {
		c.SetSym(i, i, c.At(i, i)+0.05)
	}
	return c
}

func seq(lo, hi int) []int {
	var s []int
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func TestCovarianceMatchesStat(t *testing.T) {
	rng := newRand(1)
	x := randNormal(rng, 57, 6)
	x.Apply(func(_, j int, v float64) float64 { return 3*v + float64(j) }, x)
	got := Covariance(x)
	var want mat.SymDense
	stat.CovarianceMatrix(&want, x, nil)
	if !mat.EqualApprox(got, &want, 1e-12) {
		t.Fatalf("Covariance differs from stat.CovarianceMatrix")
	}
	// Non-Dense input goes through At.
	if got2 := Covariance(x.T().T()); !mat.EqualApprox(got2, &want, 1e-12) {
		t.Fatalf("Covariance of a wrapped matrix differs")
	}
	one := randNormal(rng, 1, 3)
	if c := Covariance(one); !math.IsNaN(c.At(0, 1)) {
		t.Fatalf("covariance of one row should be NaN, got %v", c.At(0, 1))
	}
	var dst mat.SymDense
	if err := CovarianceTo(&dst, one); !errors.Is(err, ErrTooFewRows) {
		t.Fatalf("CovarianceTo one row: %v", err)
	}
	x.Set(2, 2, math.NaN())
	if err := CovarianceTo(&dst, x); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("CovarianceTo NaN: %v", err)
	}
	small := mat.NewSymDense(2, nil)
	if err := CovarianceTo(small, randNormal(rng, 5, 3)); !errors.Is(err, ErrDimension) {
		t.Fatalf("CovarianceTo wrong dst: %v", err)
	}
}

func TestFactorizeJitter(t *testing.T) {
	rng := newRand(2)
	// PD matrix: no jitter, exact log det against the eigenvalues.
	c := randCov(rng, 7)
	ch, tau, err := Factorize(c)
	if err != nil || tau != 0 {
		t.Fatalf("PD matrix: tau %v err %v", tau, err)
	}
	var eig mat.EigenSym
	eig.Factorize(c, false)
	var want float64
	for _, l := range eig.Values(nil) {
		want += math.Log(l)
	}
	if ld, _ := LogDet(c); math.Abs(ld-want) > 1e-10 || math.Abs(ch.LogDet()-want) > 1e-10 {
		t.Fatalf("log det %v, want %v", ld, want)
	}
	// Rank-deficient PSD matrix, scaled by 1e6: jitter is needed and is
	// relative to the mean diagonal.
	a := randNormal(rng, 6, 3)
	s := mat.NewSymDense(6, nil)
	s.SymOuterK(1e6, a)
	_, tau, err = Factorize(s)
	if err != nil {
		t.Fatal(err)
	}
	mean := mat.Trace(s) / 6
	if tau < JitterStart*mean*(1-1e-12) || tau > JitterStart*mean*math.Pow(JitterGrowth, JitterTries-1)*(1+1e-12) {
		t.Fatalf("jitter %v outside schedule for mean diagonal %v", tau, mean)
	}
	var u mat.TriDense
	tau2, err := FactorizeUpper(&u, s)
	if err != nil || tau2 != tau {
		t.Fatalf("FactorizeUpper jitter %v (err %v), Factorize %v", tau2, err, tau)
	}
	// Check UᵀU = s + τI.
	var utu mat.Dense
	utu.Mul(u.T(), &u)
	for i := 0; i < 6; i++ {
		for j := 0; j < 6; j++ {
			w := s.At(i, j)
			if i == j {
				w += tau
			}
			if math.Abs(utu.At(i, j)-w) > 1e-8*mean {
				t.Fatalf("UᵀU differs at (%d,%d): %v vs %v", i, j, utu.At(i, j), w)
			}
		}
	}
	// Indefinite: error.
	neg := mat.NewSymDense(2, []float64{1, 0, 0, -1})
	if _, _, err := Factorize(neg); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Fatalf("indefinite: %v", err)
	}
	if _, err := FactorizeUpper(&mat.TriDense{}, neg); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Fatalf("indefinite upper: %v", err)
	}
	nan := mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})
	if _, _, err := Factorize(nan); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("NaN: %v", err)
	}
}

func TestMutualInfoMatchesRegression(t *testing.T) {
	// For a scalar target, I(y; X) = −½ log₂(1 − R²) with R² from the least
	// squares regression of y on X (with intercept) on the same sample.
	rng := newRand(3)
	n, d := 400, 5
	x := randNormal(rng, n, d)
	y := mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		y.Set(i, 0, 0.7*x.At(i, 0)-0.3*x.At(i, 3)+rng.NormFloat64())
	}
	data := mat.NewDense(n, d+1, nil)
	data.Slice(0, n, 0, 1).(*mat.Dense).Copy(y)
	data.Slice(0, n, 1, d+1).(*mat.Dense).Copy(x)
	c := Covariance(data)
	mi, err := MutualInfo(c, []int{0}, seq(1, d+1))
	if err != nil {
		t.Fatal(err)
	}
	design := mat.NewDense(n, d+1, nil)
	for i := 0; i < n; i++ {
		design.Set(i, 0, 1)
		for j := 0; j < d; j++ {
			design.Set(i, j+1, x.At(i, j))
		}
	}
	var beta, fit mat.Dense
	if err := beta.Solve(design, y); err != nil {
		t.Fatal(err)
	}
	fit.Mul(design, &beta)
	var ssr, sst, ybar float64
	for i := 0; i < n; i++ {
		ybar += y.At(i, 0) / float64(n)
	}
	for i := 0; i < n; i++ {
		r := y.At(i, 0) - fit.At(i, 0)
		ssr += r * r
		sst += (y.At(i, 0) - ybar) * (y.At(i, 0) - ybar)
	}
	want := -0.5 * math.Log2(ssr/sst)
	if math.Abs(mi-want) > 1e-10 {
		t.Fatalf("MI %v, regression −½log₂(1−R²) = %v", mi, want)
	}
	// Symmetry and index order invariance.
	mi2, _ := MutualInfo(c, []int{5, 2, 1, 4, 3}, []int{0})
	if math.Abs(mi-mi2) > 1e-10 {
		t.Fatalf("MI not symmetric: %v vs %v", mi, mi2)
	}
}

func TestCondMutualInfoChainRule(t *testing.T) {
	rng := newRand(4)
	for trial := 0; trial < 20; trial++ {
		c := randCov(rng, 7)
		a, b, cc := []int{0, 1}, []int{2, 3, 4}, []int{5, 6}
		full, _ := MutualInfo(c, a, append(append([]int{}, b...), cc...))
		iac, _ := MutualInfo(c, a, cc)
		cmi, err := CondMutualInfo(c, a, b, cc)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(full-(iac+cmi)) > 1e-10 {
			t.Fatalf("chain rule: I(a;b,c) = %v, I(a;c)+I(a;b|c) = %v", full, iac+cmi)
		}
		// Entropy form: I(a;b|c) = h(ac) + h(bc) − h(c) − h(abc).
		h := func(idx ...[]int) float64 {
			var all []int
			for _, l := range idx {
				all = append(all, l...)
			}
			v, err := Entropy(c, all)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if e := h(a, cc) + h(b, cc) - h(cc) - h(a, b, cc); math.Abs(e-cmi) > 1e-10 {
			t.Fatalf("entropy form %v, CondMutualInfo %v", e, cmi)
		}
	}
	// Independent blocks: zero.
	c := mat.NewSymDense(3, []float64{2, 0, 0, 0, 1, 0, 0, 0, 3})
	if v, _ := MutualInfo(c, []int{0}, []int{1, 2}); v != 0 {
		t.Fatalf("independent MI = %v", v)
	}
	for _, bad := range [][2][]int{{{0}, {0}}, {{}, {1}}, {{3}, {1}}, {{-1}, {1}}} {
		if _, err := MutualInfo(c, bad[0], bad[1]); !errors.Is(err, ErrDimension) {
			t.Fatalf("indices %v: %v", bad, err)
		}
	}
}

func TestWhitenAndInvSqrt(t *testing.T) {
	rng := newRand(5)
	x := randNormal(rng, 100, 4)
	var mix mat.Dense
	mix.Mul(x, randNormal(rng, 4, 4))
	mix.Apply(func(_, _ int, v float64) float64 { return v + 5 }, &mix)
	var w mat.Dense
	if err := Whiten(&w, &mix); err != nil {
		t.Fatal(err)
	}
	cw := Covariance(&w)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(cw.At(i, j)-want) > 1e-10 {
				t.Fatalf("cov of whitened data (%d,%d) = %v", i, j, cw.At(i, j))
			}
		}
	}
	c := randCov(rng, 5)
	r, err := InvSqrt(c)
	if err != nil {
		t.Fatal(err)
	}
	var rcr, tmp mat.Dense
	tmp.Mul(r, c)
	rcr.Mul(&tmp, r)
	if !mat.EqualApprox(&rcr, eyeDense(5), 1e-10) {
		t.Fatalf("A^{-1/2} A A^{-1/2} ≠ I")
	}
	if _, err := InvSqrt(mat.NewSymDense(2, []float64{1, 0, 0, -5})); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Fatalf("InvSqrt indefinite: %v", err)
	}
	if err := Whiten(&mat.Dense{}, randNormal(rng, 1, 3)); !errors.Is(err, ErrTooFewRows) {
		t.Fatalf("Whiten one row: %v", err)
	}
}

func eyeDense(n int) *mat.Dense {
	e := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		e.Set(i, i, 1)
	}
	return e
}

func TestEntropyAndInvSqrtJitter(t *testing.T) {
	c := mat.NewSymDense(1, []float64{4})
	h, err := Entropy(c, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.5 * math.Log2(2*math.Pi*math.E*4); math.Abs(h-want) > 1e-12 {
		t.Fatalf("entropy %v, want %v", h, want)
	}
	// A rank-deficient PSD matrix gets the relative jitter and stays finite.
	rng := newRand(10)
	a := randNormal(rng, 4, 2)
	s := mat.NewSymDense(4, nil)
	s.SymOuterK(1, a)
	r, err := InvSqrt(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			if v := r.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite entry %v", v)
			}
		}
	}
	// On the column space of s, R s R acts as the identity.
	var rsr, tmp, proj mat.Dense
	tmp.Mul(r, s)
	rsr.Mul(&tmp, r)
	proj.Mul(&rsr, a)
	if !mat.EqualApprox(&proj, a, 1e-3) {
		t.Fatalf("R s R does not fix the column space")
	}
}
