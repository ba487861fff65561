package pid

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// corr3 returns the correlation matrix of (M, X, Y) with corr(X,M) = q,
// corr(Y,M) = r and corr(X,Y) = p.
func corr3(p, q, r float64) *mat.SymDense {
	return mat.NewSymDense(3, []float64{
		1, q, r,
		q, 1, p,
		r, p, 1,
	})
}

// TestDepCheckValues: the I_dep atoms of two scalar systems (unit
// variances), against values computed by hand from Kay & Ince (2018):
// R = max(−½log₂(1 − q²r²), I_X + I_Y − I_XY).
func TestDepCheckValues(t *testing.T) {
	for _, tc := range []struct {
		p, q, r    float64
		ux, uy, rd float64
		syn        float64
	}{
		{0, 0.5, 0.5, 0.160964, 0.160964, 0.046555, 0.131517},
		{0.5, 0.5, 0.5, 0.084963, 0.084963, 0.122556, 0},
	} {
		res, err := Decompose(corr3(tc.p, tc.q, tc.r), 1, 1, 1, Options{Method: MethodDep})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("p=%v q=%v r=%v", tc.p, tc.q, tc.r)
		checkAtoms(t, name, res)
		if res.Method != MethodDep {
			t.Errorf("%s: method %q", name, res.Method)
		}
		for _, v := range []struct {
			name      string
			got, want float64
		}{{"UniqueX", res.UniqueX, tc.ux}, {"UniqueY", res.UniqueY, tc.uy}, {"Redundancy", res.Redundancy, tc.rd}, {"Synergy", res.Synergy, tc.syn}} {
			if math.Abs(v.got-v.want) > 1e-6 {
				t.Errorf("%s: %s = %.6f, want %.6f", name, v.name, v.got, v.want)
			}
		}
	}
}

// TestDepScalarClosedForm: for scalar M, X, Y, I*(X;Y) = −½log₂(1 − q²r²),
// so the dep redundancy is the larger of that and the co-information.
func TestDepScalarClosedForm(t *testing.T) {
	rng := newRand(50)
	for trial := 0; trial < 200; trial++ {
		c := randCov(rng, 3)
		sd := []float64{math.Sqrt(c.At(0, 0)), math.Sqrt(c.At(1, 1)), math.Sqrt(c.At(2, 2))}
		q := c.At(0, 1) / (sd[0] * sd[1])
		r := c.At(0, 2) / (sd[0] * sd[2])
		res, err := Decompose(c, 1, 1, 1, Options{Method: MethodDep})
		if err != nil {
			t.Fatal(err)
		}
		istar := -0.5 * math.Log2(1-q*q*r*r)
		want := math.Max(istar, res.MIX+res.MIY-res.MIXY)
		if !near(res.Redundancy, want, 1e-12) {
			t.Fatalf("trial %d: Red = %.15g, want %.15g", trial, res.Redundancy, want)
		}
	}
}

// logDetEig is ln det a from the eigenvalues.
func logDetEig(t *testing.T, a mat.Symmetric) float64 {
	t.Helper()
	var eig mat.EigenSym
	if !eig.Factorize(a, false) {
		t.Fatal("eigendecomposition failed")
	}
	var s float64
	for _, l := range eig.Values(nil) {
		if l <= 0 {
			t.Fatalf("eigenvalue %v", l)
		}
		s += math.Log(l)
	}
	return s
}

// subCov returns the block of c indexed by idx.
func subCov(c mat.Symmetric, idx []int) *mat.SymDense {
	s := mat.NewSymDense(len(idx), nil)
	for i, p := range idx {
		for j := i; j < len(idx); j++ {
			s.SetSym(i, j, c.At(p, idx[j]))
		}
	}
	return s
}

// depExplicit is an independent implementation of the I_dep PID: an
// explicit inverse for the conditionally independent X–Y block
// C_XM C_MM⁻¹ C_MY of the (dx+dy)-dimensional covariance C*, and eigenvalue
// log-determinants for every information. It also returns I*(X;Y).
func depExplicit(t *testing.T, c *mat.SymDense, dm, dx, dy int) (Result, float64) {
	t.Helper()
	m, x, y := seq(0, dm), seq(dm, dm+dx), seq(dm+dx, dm+dx+dy)
	mi := func(a, b []int) float64 {
		ab := append(append([]int(nil), a...), b...)
		return (logDetEig(t, subCov(c, a)) + logDetEig(t, subCov(c, b)) - logDetEig(t, subCov(c, ab))) / (2 * math.Ln2)
	}
	ix, iy, ixy := mi(m, x), mi(m, y), mi(m, seq(dm, dm+dx+dy))
	var inv mat.Dense
	if err := inv.Inverse(subCov(c, m)); err != nil {
		t.Fatal(err)
	}
	cxm := mat.NewDense(dx, dm, nil)
	cmy := mat.NewDense(dm, dy, nil)
	for i := 0; i < dm; i++ {
		for j := 0; j < dx; j++ {
			cxm.Set(j, i, c.At(dm+j, i))
		}
		for j := 0; j < dy; j++ {
			cmy.Set(i, j, c.At(i, dm+dx+j))
		}
	}
	var t1, cxy mat.Dense
	t1.Mul(cxm, &inv)
	cxy.Mul(&t1, cmy)
	star := mat.NewSymDense(dx+dy, nil)
	for i := 0; i < dx+dy; i++ {
		for j := i; j < dx+dy; j++ {
			if j < dx || i >= dx {
				star.SetSym(i, j, c.At(dm+i, dm+j))
			} else {
				star.SetSym(i, j, cxy.At(i, j-dx))
			}
		}
	}
	istar := (logDetEig(t, subCov(c, x)) + logDetEig(t, subCov(c, y)) - logDetEig(t, star)) / (2 * math.Ln2)
	red := math.Max(istar, ix+iy-ixy)
	return Result{MIX: ix, MIY: iy, MIXY: ixy, UniqueX: ix - red, UniqueY: iy - red, Redundancy: red,
		Synergy: ixy - ix - iy + red, Method: MethodDep}, istar
}

func TestDepAgainstExplicit(t *testing.T) {
	rng := newRand(51)
	var coInfoWins, starWins int
	for trial := 0; trial < 120; trial++ {
		dm := 1 + trial%3
		dx, dy := 1+rng.IntN(4), 1+rng.IntN(4)
		c := randCov(rng, dm+dx+dy)
		if trial%2 == 1 {
			// Weaker target couplings make I*(X;Y) the larger term more often.
			c = congruence(blockDiag(scaled(eye(dm), 0.3), eye(dx), eye(dy)), c)
			for i := 0; i < dm; i++ {
				c.SetSym(i, i, c.At(i, i)+0.5)
			}
		}
		got, err := Decompose(c, dm, dx, dy, Options{Method: MethodDep})
		if err != nil {
			t.Fatal(err)
		}
		want, istar := depExplicit(t, c, dm, dx, dy)
		name := fmt.Sprintf("trial %d dm=%d dx=%d dy=%d", trial, dm, dx, dy)
		checkAtoms(t, name, got)
		checkNear(t, name, got, want, 1e-9)
		if istar > want.MIX+want.MIY-want.MIXY {
			starWins++
		} else {
			coInfoWins++
		}
	}
	// Both branches of the max must have been exercised.
	t.Logf("redundancy from I*(X;Y): %d trials, from the co-information: %d", starWins, coInfoWins)
	if starWins < 10 || coInfoWins < 10 {
		t.Errorf("branches poorly covered: I* %d, co-information %d", starWins, coInfoWins)
	}
}

func scaled(a *mat.Dense, s float64) *mat.Dense {
	var out mat.Dense
	out.Scale(s, a)
	return &out
}

// TestDepSingular: I_dep refuses a covariance that needs the jitter, and
// samples with no more rows than variables.
func TestDepSingular(t *testing.T) {
	rng := newRand(52)
	// M = ξ·a₀, X = (ξ·a₁, ξ·a₂), Y = X: the joint covariance is singular.
	a := randNormal(rng, 3, 3)
	l := mat.NewDense(5, 3, nil)
	for j := 0; j < 3; j++ {
		for i := 0; i < 3; i++ {
			l.Set(i, j, a.At(i, j))
		}
		l.Set(3, j, a.At(1, j))
		l.Set(4, j, a.At(2, j))
	}
	c := covOf(l)
	if _, err := Decompose(c, 1, 2, 2, Options{}); err != nil {
		t.Fatalf("the closed form jitters a singular covariance: %v", err)
	}
	_, err := Decompose(c, 1, 2, 2, Options{Method: MethodDep})
	if !errors.Is(err, gaussian.ErrNotPositiveDefinite) || !errors.Is(err, ErrSingular) {
		t.Fatalf("dep on a singular covariance: %v", err)
	}
	t.Logf("error: %v", err)
	m, x, y := randNormal(rng, 7, 1), randNormal(rng, 7, 3), randNormal(rng, 7, 3)
	if _, err := FromSamples(m, x, y, Options{Method: MethodDep}); !errors.Is(err, ErrTooFewRows) {
		t.Fatalf("dep on 7 rows of 7 variables: %v", err)
	}
	if _, err := FromSamples(m, x, y.Slice(0, 7, 0, 2), Options{Method: MethodDep}); err != nil {
		t.Fatalf("dep on 7 rows of 6 variables: %v", err)
	}
}

// TestDepDebias: with Debias the three informations move by MIBias exactly
// and I*(X;Y) is not corrected.
func TestDepDebias(t *testing.T) {
	rng := newRand(53)
	const n = 500
	for trial := 0; trial < 20; trial++ {
		dm, dx, dy := 1+trial%3, 1+rng.IntN(4), 1+rng.IntN(4)
		c := randCov(rng, dm+dx+dy)
		raw, err := Decompose(c, dm, dx, dy, Options{Method: MethodDep})
		if err != nil {
			t.Fatal(err)
		}
		cor, err := Decompose(c, dm, dx, dy, Options{Method: MethodDep, Debias: true, N: n})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("trial %d", trial)
		checkAtoms(t, name, cor)
		ix, iy, ixy := raw.MIX-MIBias(n, dm, dx), raw.MIY-MIBias(n, dm, dy), raw.MIXY-MIBias(n, dm, dx+dy)
		if math.Min(ix, iy) < 0 {
			continue // floored: a different path
		}
		if !near(cor.MIX, ix, 1e-12) || !near(cor.MIY, iy, 1e-12) || !near(cor.MIXY, ixy, 1e-12) {
			t.Fatalf("%s: debiased informations %v %v %v, want %v %v %v", name, cor.MIX, cor.MIY, cor.MIXY, ix, iy, ixy)
		}
		_, istar := depExplicit(t, c, dm, dx, dy)
		red := math.Min(math.Max(istar, ix+iy-ixy), math.Min(ix, iy))
		if !near(cor.Redundancy, red, 1e-9) {
			t.Errorf("%s: debiased redundancy %v, want max(I*, corrected co-information) = %v", name, cor.Redundancy, red)
		}
	}
}
