package pid

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// covOf returns L Lᵀ: the covariance of variables V = L ξ, ξ ~ N(0, I).
func covOf(l *mat.Dense) *mat.SymDense {
	r, _ := l.Dims()
	c := mat.NewSymDense(r, nil)
	c.SymOuterK(1, l)
	return c
}

// halfLog2 is ½ log₂ x.
func halfLog2(x float64) float64 { return 0.5 * math.Log2(x) }

func TestCopySourceIsPureRedundancy(t *testing.T) {
	rng := newRand(1)
	for _, dm := range []int{1, 2, 3} {
		dx := 3
		// ξ = (M, N); X = A M + N; Y = X.
		a := randNormal(rng, dx, dm)
		l := mat.NewDense(dm+2*dx, dm+dx, nil)
		for i := 0; i < dm; i++ {
			l.Set(i, i, 1)
		}
		for b := 0; b < 2; b++ {
			for i := 0; i < dx; i++ {
				for j := 0; j < dm; j++ {
					l.Set(dm+b*dx+i, j, a.At(i, j))
				}
				l.Set(dm+b*dx+i, dm+i, 1)
			}
		}
		c := covOf(l)
		// Analytic I(M;X) = ½ log₂ det(I + AᵀA).
		ata := mat.NewSymDense(dm, nil)
		ata.SymOuterK(1, a.T())
		for i := 0; i < dm; i++ {
			ata.SetSym(i, i, ata.At(i, i)+1)
		}
		ld, err := gaussian.LogDet(ata)
		if err != nil {
			t.Fatal(err)
		}
		ix := ld / (2 * math.Ln2)
		for _, method := range []string{"auto", "tilde", "mmi"} {
			r, err := Decompose(c, dm, dx, dx, Options{Method: method})
			if err != nil {
				t.Fatalf("dm=%d %s: %v", dm, method, err)
			}
			name := fmt.Sprintf("dm=%d %s", dm, method)
			checkAtoms(t, name, r)
			want := Result{MIX: ix, MIY: ix, MIXY: ix, Redundancy: ix}
			checkNear(t, name, r, want, 1e-4) // the singular covariance is jittered by 1e-6·mean diag
		}
	}
}

func TestPureSynergy(t *testing.T) {
	// M ~ N(0,a), X = M + N, Y = N + E with N ~ N(0,b), E ~ N(0,e).
	// Analytically I(M;X) = ½log₂(1 + a/b), I(M;Y) = 0 and, from the
	// posterior precision 1/a + (b+e)/(be), I(M;X,Y) = ½log₂(1 + a(b+e)/(be)).
	// So Red = UniqueY = 0, UniqueX = I(M;X) (→ 0 as b/a grows), Syn = I(M;X,Y) − I(M;X).
	for _, tc := range []struct{ a, b, e float64 }{{1, 100, 0.01}, {1, 1, 0.1}, {2, 1e4, 1e-3}} {
		a, b, e := tc.a, tc.b, tc.e
		for _, dm := range []int{1, 2} {
			// dm independent copies of the scalar system.
			l := mat.NewDense(3*dm, 3*dm, nil)
			for k := 0; k < dm; k++ {
				l.Set(k, k, math.Sqrt(a))           // M_k
				l.Set(dm+k, k, math.Sqrt(a))        // X_k = M_k + N_k
				l.Set(dm+k, dm+k, math.Sqrt(b))     //
				l.Set(2*dm+k, dm+k, math.Sqrt(b))   // Y_k = N_k + E_k
				l.Set(2*dm+k, 2*dm+k, math.Sqrt(e)) //
			}
			c := covOf(l)
			ix := float64(dm) * halfLog2(1+a/b)
			ixy := float64(dm) * halfLog2(1+a*(b+e)/(b*e))
			want := Result{MIX: ix, MIY: 0, MIXY: ixy, UniqueX: ix, Synergy: ixy - ix}
			for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
				r, err := Decompose(c, dm, dm, dm, Options{Method: method})
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%+v dm=%d %s", tc, dm, method)
				checkAtoms(t, name, r)
				checkNear(t, name, r, want, 1e-8) // cond(C) reaches 1e7 here
			}
		}
	}
}

func TestUninformativeSource(t *testing.T) {
	rng := newRand(2)
	for _, dm := range []int{1, 2} {
		dx, dy := 3, 2
		// ξ = (M, N, Z); X = A M + N; Y = B Z.
		l := mat.NewDense(dm+dx+dy, dm+dx+dy, nil)
		for i := 0; i < dm; i++ {
			l.Set(i, i, 1)
		}
		for i := 0; i < dx; i++ {
			for j := 0; j < dm; j++ {
				l.Set(dm+i, j, rng.NormFloat64())
			}
			l.Set(dm+i, dm+i, 1)
		}
		for i := 0; i < dy; i++ {
			for j := 0; j < dy; j++ {
				l.Set(dm+dx+i, dm+dx+j, rng.NormFloat64())
			}
		}
		c := covOf(l)
		ix, err := gaussian.MutualInfo(c, seq(0, dm), seq(dm, dm+dx))
		if err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			r, err := Decompose(c, dm, dx, dy, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("dm=%d %s", dm, method)
			checkAtoms(t, name, r)
			checkNear(t, name, r, Result{MIX: ix, MIXY: ix, UniqueX: ix}, 1e-9)
		}
	}
}

func TestIndependentComponentsArePureUnique(t *testing.T) {
	// M = (M1, M2) independent, X = g1 M1 + N1, Y = g2 M2 + N2: the sources
	// inform about different components, so Red = Syn = 0 and the union is
	// I_X + I_Y — strictly above the lower clip max(I_X, I_Y), so this case
	// checks the optimiser itself. I_dep agrees: X ⟂ Y, so I*(X;Y) = 0 and the
	// co-information is 0.
	for _, g := range [][2]float64{{1, 1}, {0.3, 2}, {3, 0.5}} {
		l := mat.NewDense(4, 4, nil)
		l.Set(0, 0, 1)
		l.Set(1, 1, 1)
		l.Set(2, 0, g[0])
		l.Set(2, 2, 1)
		l.Set(3, 1, g[1])
		l.Set(3, 3, 1)
		c := covOf(l)
		ix, iy := halfLog2(1+g[0]*g[0]), halfLog2(1+g[1]*g[1])
		for _, method := range []string{"tilde", "dep"} {
			r, err := Decompose(c, 2, 1, 1, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			checkNear(t, fmt.Sprint(g, method), r, Result{MIX: ix, MIY: iy, MIXY: ix + iy, UniqueX: ix, UniqueY: iy}, 1e-6)
		}
	}
}

func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func TestAtomsNonNegativeAndSum(t *testing.T) {
	rng := newRand(3)
	for trial := 0; trial < 60; trial++ {
		dm := 1 + trial%3
		dx, dy := 1+rng.IntN(5), 1+rng.IntN(5)
		c := randCov(rng, dm+dx+dy)
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			r, err := Decompose(c, dm, dx, dy, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			checkAtoms(t, fmt.Sprintf("trial %d %s", trial, method), r)
			// Cross-check the mutual informations with package gaussian.
			ix, _ := gaussian.MutualInfo(c, seq(0, dm), seq(dm, dm+dx))
			iy, _ := gaussian.MutualInfo(c, seq(0, dm), seq(dm+dx, dm+dx+dy))
			ixy, _ := gaussian.MutualInfo(c, seq(0, dm), seq(dm, dm+dx+dy))
			if !near(r.MIX, ix, 1e-9) || !near(r.MIY, iy, 1e-9) || !near(r.MIXY, ixy, 1e-9) {
				t.Fatalf("trial %d: MI (%v %v %v), gaussian.MutualInfo (%v %v %v)", trial, r.MIX, r.MIY, r.MIXY, ix, iy, ixy)
			}
			switch {
			case method == "dep":
				// Kay & Ince (2018): I_dep never finds more redundancy than MMI.
				if r.Redundancy > math.Min(ix, iy)+1e-12 {
					t.Fatalf("trial %d dep: Red = %v above min(I_X,I_Y) = %v", trial, r.Redundancy, math.Min(ix, iy))
				}
			case method == "mmi" || dm == 1:
				if !near(r.Redundancy, math.Min(ix, iy), 1e-9) {
					t.Fatalf("trial %d %s: Red = %v, want min(I_X,I_Y) = %v", trial, method, r.Redundancy, math.Min(ix, iy))
				}
			}
		}
	}
}

func TestSwapSourcesSwapsUniques(t *testing.T) {
	rng := newRand(4)
	for trial := 0; trial < 30; trial++ {
		dm := 1 + trial%3
		dx, dy := 1+rng.IntN(4), 1+rng.IntN(4)
		c := randCov(rng, dm+dx+dy)
		s := swapSources(c, dm, dx, dy)
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			r, err := Decompose(c, dm, dx, dy, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			q, err := Decompose(s, dm, dy, dx, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			mirror := Result{MIX: q.MIY, MIY: q.MIX, MIXY: q.MIXY, UniqueX: q.UniqueY, UniqueY: q.UniqueX,
				Redundancy: q.Redundancy, Synergy: q.Synergy}
			checkNear(t, fmt.Sprintf("trial %d %s", trial, method), r, mirror, 1e-9)
		}
	}
}

func TestAffineInvariance(t *testing.T) {
	rng := newRand(5)
	for trial := 0; trial < 20; trial++ {
		dm := 1 + trial%3
		dx, dy := 1+rng.IntN(4), 1+rng.IntN(4)
		c := randCov(rng, dm+dx+dy)
		b := blockDiag(randInvertible(rng, dm), randInvertible(rng, dx), randInvertible(rng, dy))
		ct := congruence(b, c)
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			r, err := Decompose(c, dm, dx, dy, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			q, err := Decompose(ct, dm, dx, dy, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			checkNear(t, fmt.Sprintf("cov trial %d %s", trial, method), q, r, 1e-7)
		}
	}
	// From samples: per-block invertible maps and shifts.
	for trial := 0; trial < 6; trial++ {
		dm := 1 + trial%2
		dx, dy, n := 3, 4, 200
		z := randNormal(rng, n, dm+dx+dy)
		var data mat.Dense
		data.Mul(z, randNormal(rng, dm+dx+dy, dm+dx+dy)) // correlated
		m := mat.DenseCopyOf(data.Slice(0, n, 0, dm))
		x := mat.DenseCopyOf(data.Slice(0, n, dm, dm+dx))
		y := mat.DenseCopyOf(data.Slice(0, n, dm+dx, dm+dx+dy))
		tr := func(a *mat.Dense) *mat.Dense {
			_, k := a.Dims()
			var out mat.Dense
			out.Mul(a, randInvertible(rng, k))
			shift := make([]float64, k)
			for j := range shift {
				shift[j] = 10 * rng.NormFloat64()
			}
			out.Apply(func(_, j int, v float64) float64 { return v + shift[j] }, &out)
			return &out
		}
		mt, xt, yt := tr(m), tr(x), tr(y)
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			for _, debias := range []bool{false, true} {
				opt := Options{Method: method, Debias: debias}
				r, err := FromSamples(m, x, y, opt)
				if err != nil {
					t.Fatal(err)
				}
				q, err := FromSamples(mt, xt, yt, opt)
				if err != nil {
					t.Fatal(err)
				}
				checkNear(t, fmt.Sprintf("samples trial %d %s debias=%v", trial, method, debias), q, r, 1e-7)
			}
		}
	}
}

func TestTildeEqualsClosedForScalarTarget(t *testing.T) {
	rng := newRand(6)
	for trial := 0; trial < 300; trial++ {
		dx, dy := 1+rng.IntN(6), 1+rng.IntN(6)
		c := randCov(rng, 1+dx+dy)
		if trial%3 == 0 {
			// Stronger dependence: scale the M row/column couplings up.
			c = congruence(blockDiag(mat.NewDense(1, 1, []float64{0.2}), eye(dx), eye(dy)), c)
		}
		closed, err := Decompose(c, 1, dx, dy, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tilde, err := Decompose(c, 1, dx, dy, Options{Method: "tilde"})
		if err != nil {
			t.Fatal(err)
		}
		if closed.Method != "closed" || tilde.Method != "tilde" {
			t.Fatalf("methods %q, %q", closed.Method, tilde.Method)
		}
		checkNear(t, fmt.Sprintf("trial %d", trial), tilde, closed, 1e-4)
		// The raw optimum (before clipping) must itself be max(I_X, I_Y).
		xym := swapToXYM(c, 1, dx, dy)
		mo, err := moments(xym, 1, dx, dy, wantGains)
		if err != nil {
			t.Fatal(err)
		}
		u := tildeUnion(mo.gx, mo.gy, TildeMaxIter, TildeTol)
		if mo.gx != nil && mo.gy != nil && !near(u, math.Max(mo.ix, mo.iy), 1e-4) {
			t.Fatalf("trial %d: raw tilde union %v, max(I_X,I_Y) = %v", trial, u, math.Max(mo.ix, mo.iy))
		}
	}
}

func eye(n int) *mat.Dense {
	e := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		e.Set(i, i, 1)
	}
	return e
}

// swapToXYM reorders a covariance from M, X, Y to X, Y, M.
func swapToXYM(c *mat.SymDense, dm, dx, dy int) *mat.SymDense {
	d := dm + dx + dy
	perm := append(seq(dm, d), seq(0, dm)...)
	out := mat.NewSymDense(d, nil)
	for i := range perm {
		for j := i; j < d; j++ {
			out.SetSym(i, j, c.At(perm[i], perm[j]))
		}
	}
	return out
}

func TestValidation(t *testing.T) {
	rng := newRand(7)
	c := randCov(rng, 5)
	nan := mat.NewSymDense(5, nil)
	nan.CopySym(c)
	nan.SetSym(1, 2, math.NaN())
	neg := mat.NewSymDense(3, []float64{-1, 0, 0, 0, -1, 0, 0, 0, -1})
	for _, tc := range []struct {
		name string
		cov  *mat.SymDense
		dims [3]int
		opt  Options
		want error
	}{
		{"nil", nil, [3]int{1, 2, 2}, Options{}, ErrDimension},
		{"size", c, [3]int{1, 2, 1}, Options{}, ErrDimension},
		{"zero block", c, [3]int{1, 4, 0}, Options{}, ErrDimension},
		{"nan", nan, [3]int{1, 2, 2}, Options{}, ErrNotFinite},
		{"method", c, [3]int{1, 2, 2}, Options{Method: "broja"}, ErrMethod},
		{"closed vector", c, [3]int{2, 2, 1}, Options{Method: "closed"}, ErrMethod},
		{"debias without N", c, [3]int{1, 2, 2}, Options{Debias: true}, ErrTooFewRows},
		{"debias N too small", c, [3]int{1, 2, 2}, Options{Debias: true, N: 5}, ErrTooFewRows},
		{"not PD", neg, [3]int{1, 1, 1}, Options{}, gaussian.ErrNotPositiveDefinite},
	} {
		_, err := Decompose(tc.cov, tc.dims[0], tc.dims[1], tc.dims[2], tc.opt)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := Decompose(c, 1, 2, 2, Options{Debias: true, N: 6}); err != nil {
		t.Errorf("N = d+1 should be accepted: %v", err)
	}

	m, x, y := randNormal(rng, 10, 1), randNormal(rng, 10, 2), randNormal(rng, 9, 2)
	if _, err := FromSamples(m, x, y, Options{}); !errors.Is(err, ErrDimension) {
		t.Errorf("row mismatch: %v", err)
	}
	if _, err := FromSamples(m.Slice(0, 1, 0, 1), x.Slice(0, 1, 0, 2), y.Slice(0, 1, 0, 2), Options{}); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("one row: %v", err)
	}
	if _, err := FromSamples(nil, x, y, Options{}); !errors.Is(err, ErrDimension) {
		t.Errorf("nil: %v", err)
	}
	xi := mat.DenseCopyOf(x)
	xi.Set(3, 1, math.Inf(1))
	if _, err := FromSamples(m, xi, x, Options{}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("inf: %v", err)
	}
	if _, err := FromSamples(m, x, x, Options{Debias: true}); err != nil {
		t.Errorf("debias n=10 > 5: %v", err)
	}
	if _, err := FromSamples(m, randNormal(rng, 10, 5), randNormal(rng, 10, 4), Options{Debias: true}); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("debias n=10 ≤ 10: %v", err)
	}
}

func TestConstantAndCollinearColumns(t *testing.T) {
	rng := newRand(8)
	n := 300
	var data mat.Dense
	data.Mul(randNormal(rng, n, 5), randNormal(rng, 5, 5))
	m := mat.DenseCopyOf(data.Slice(0, n, 0, 1))
	x := mat.DenseCopyOf(data.Slice(0, n, 1, 3))
	y := mat.DenseCopyOf(data.Slice(0, n, 3, 5))
	base, err := FromSamples(m, x, y, Options{Debias: true})
	if err != nil {
		t.Fatal(err)
	}
	// A constant column in x is dropped: same result (the bias correction
	// uses the remaining dimension, so compare without it too).
	xc := mat.NewDense(n, 3, nil)
	for i := 0; i < n; i++ {
		xc.Set(i, 0, x.At(i, 0))
		xc.Set(i, 1, 7.5)
		xc.Set(i, 2, x.At(i, 1))
	}
	if got := ConstantColumns(xc); len(got) != 1 || got[0] != 1 {
		t.Fatalf("ConstantColumns = %v, want [1]", got)
	}
	for _, debias := range []bool{false, true} {
		want, _ := FromSamples(m, x, y, Options{Debias: debias})
		got, err := FromSamples(m, xc, y, Options{Debias: debias})
		if err != nil {
			t.Fatal(err)
		}
		checkNear(t, "constant column", got, want, 1e-12)
	}
	// An all-constant source carries nothing.
	yc := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		yc.Set(i, 0, 1)
		yc.Set(i, 1, -2)
	}
	r, err := FromSamples(m, x, yc, Options{Debias: true})
	if err != nil {
		t.Fatal(err)
	}
	checkAtoms(t, "constant source", r)
	checkNear(t, "constant source", r, Result{MIX: base.MIX, MIXY: base.MIX, UniqueX: base.MIX}, 1e-12)
	// A constant target: all zero.
	mc := mat.NewDense(n, 1, nil)
	if r, err := FromSamples(mc, x, y, Options{}); err != nil || (r != Result{Method: "closed"}) {
		t.Fatalf("constant target: %+v, %v", r, err)
	}
	// A collinear column (x₃ = 2x₁ − x₂) stays finite and, through the jitter,
	// changes the mutual informations only at the jitter's scale.
	xl := mat.NewDense(n, 3, nil)
	for i := 0; i < n; i++ {
		xl.Set(i, 0, x.At(i, 0))
		xl.Set(i, 1, x.At(i, 1))
		xl.Set(i, 2, 2*x.At(i, 0)-x.At(i, 1))
	}
	for _, method := range []string{"closed", "tilde"} {
		want, _ := FromSamples(m, x, y, Options{Method: method})
		got, err := FromSamples(m, xl, y, Options{Method: method})
		if err != nil {
			t.Fatal(err)
		}
		checkAtoms(t, "collinear", got)
		checkNear(t, "collinear "+method, got, want, 1e-4)
	}
}

func TestFromSamplesMatchesDecompose(t *testing.T) {
	rng := newRand(16)
	for trial := 0; trial < 6; trial++ {
		dm, dx, dy, n := 1+trial%3, 2+trial, 3, 80
		var data mat.Dense
		data.Mul(randNormal(rng, n, dm+dx+dy), randNormal(rng, dm+dx+dy, dm+dx+dy))
		c := gaussian.Covariance(&data)
		m := data.Slice(0, n, 0, dm)
		x := data.Slice(0, n, dm, dm+dx)
		y := data.Slice(0, n, dm+dx, dm+dx+dy)
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			for _, debias := range []bool{false, true} {
				want, err := Decompose(c, dm, dx, dy, Options{Method: method, Debias: debias, N: n})
				if err != nil {
					t.Fatal(err)
				}
				got, err := FromSamples(m, x, y, Options{Method: method, Debias: debias})
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("trial %d %s debias=%v", trial, method, debias)
				checkAtoms(t, name, got)
				checkNear(t, name, got, want, 1e-10)
				if got.Method != want.Method {
					t.Errorf("%s: method %q vs %q", name, got.Method, want.Method)
				}
			}
		}
	}
}
