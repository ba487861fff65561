package gaussian

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// TestCholeskyInPlace checks the in-place contract: the factor in the upper
// triangle, the original matrix recoverable from the lower triangle and
// diag, and the same factor and jitter as the out-of-place FactorizeUpper.
func TestCholeskyInPlace(t *testing.T) {
	rng := newRand(30)
	pd := randCov(rng, 6)
	a := randNormal(rng, 7, 3)
	singular := mat.NewSymDense(7, nil)
	singular.SymOuterK(1, a) // rank 3: needs jitter
	for name, c := range map[string]*mat.SymDense{"pd": pd, "singular": singular} {
		d := c.SymmetricDim()
		work := mat.NewSymDense(d, nil)
		work.CopySym(c)
		diag := make([]float64, d)
		u, tau, err := CholeskyInPlace(work.RawSymmetric(), diag)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (name == "pd") != (tau == 0) {
			t.Errorf("%s: jitter %v", name, tau)
		}
		var ref mat.TriDense
		tauRef, err := FactorizeUpper(&ref, c)
		if err != nil || tauRef != tau {
			t.Fatalf("%s: FactorizeUpper jitter %v (%v), in place %v", name, tauRef, err, tau)
		}
		raw := work.RawSymmetric().Data
		for i := 0; i < d; i++ {
			if diag[i] != c.At(i, i) {
				t.Errorf("%s: diag[%d] = %v, want %v", name, i, diag[i], c.At(i, i))
			}
			for j := i; j < d; j++ {
				if u.Data[i*u.Stride+j] != ref.At(i, j) {
					t.Fatalf("%s: factor (%d,%d) = %v, out of place %v", name, i, j, u.Data[i*u.Stride+j], ref.At(i, j))
				}
				if j > i && raw[j*d+i] != c.At(i, j) {
					t.Fatalf("%s: backup (%d,%d) = %v, want %v", name, j, i, raw[j*d+i], c.At(i, j))
				}
			}
		}
		// UᵀU = C + τI.
		var tri mat.TriDense
		tri.SetRawTriangular(u)
		var utu mat.Dense
		utu.Mul(tri.T(), &tri)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				w := c.At(i, j)
				if i == j {
					w += tau
				}
				if math.Abs(utu.At(i, j)-w) > 1e-10*(1+math.Abs(w)) {
					t.Fatalf("%s: UᵀU (%d,%d) = %v, want %v", name, i, j, utu.At(i, j), w)
				}
			}
		}
	}
	// Bad input.
	c := randCov(rng, 3)
	lower := c.RawSymmetric()
	lower.Uplo = blas.Lower
	if _, _, err := CholeskyInPlace(lower, nil); !errors.Is(err, ErrDimension) {
		t.Errorf("lower storage: %v", err)
	}
	if _, _, err := CholeskyInPlace(c.RawSymmetric(), make([]float64, 2)); !errors.Is(err, ErrDimension) {
		t.Errorf("short diag: %v", err)
	}
	if _, _, err := CholeskyInPlace(blas64.Symmetric{Uplo: blas.Upper}, nil); !errors.Is(err, ErrDimension) {
		t.Errorf("empty: %v", err)
	}
	c.SetSym(0, 2, math.Inf(-1))
	if _, _, err := CholeskyInPlace(c.RawSymmetric(), nil); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Inf: %v", err)
	}
	neg := mat.NewSymDense(2, []float64{-1, 0, 0, -2})
	if _, _, err := CholeskyInPlace(neg.RawSymmetric(), nil); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Errorf("negative definite: %v", err)
	}
	// A matrix no jitter of the schedule repairs: eigenvalues 1 and −1.
	ind := mat.NewSymDense(2, []float64{0, 1, 1, 0.5})
	if _, _, err := CholeskyInPlace(ind.RawSymmetric(), nil); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Errorf("indefinite: %v", err)
	}
}

// TestLogDetFactor: leading sums are log-determinants of leading blocks,
// trailing sums log-determinants of conditional covariances.
func TestLogDetFactor(t *testing.T) {
	rng := newRand(31)
	c := randCov(rng, 6)
	var u mat.TriDense
	if _, err := FactorizeUpper(&u, c); err != nil {
		t.Fatal(err)
	}
	ut := u.RawTriangular()
	for k := 1; k <= 6; k++ {
		want, err := LogDet(subSym(c, seq(0, k), 0))
		if err != nil {
			t.Fatal(err)
		}
		if got := LogDetFactor(ut, 0, k); math.Abs(got-want) > 1e-12 {
			t.Errorf("leading %d: %v, want %v", k, got, want)
		}
	}
	// C_{B|A} = C_BB − C_BA C_AA⁻¹ C_AB for A = 0..1, B = 2..5.
	caa := subSym(c, seq(0, 2), 0)
	cab := mat.NewDense(2, 4, nil)
	for i := 0; i < 2; i++ {
		for j := 0; j < 4; j++ {
			cab.Set(i, j, c.At(i, 2+j))
		}
	}
	var sol, prod mat.Dense
	if err := sol.Solve(caa, cab); err != nil {
		t.Fatal(err)
	}
	prod.Mul(cab.T(), &sol)
	cond := mat.NewSymDense(4, nil)
	for i := 0; i < 4; i++ {
		for j := i; j < 4; j++ {
			cond.SetSym(i, j, c.At(2+i, 2+j)-prod.At(i, j))
		}
	}
	want, err := LogDet(cond)
	if err != nil {
		t.Fatal(err)
	}
	if got := LogDetFactor(ut, 2, 6); math.Abs(got-want) > 1e-10 {
		t.Errorf("conditional block: %v, want %v", got, want)
	}
}

func TestCentreColumnAndCentredCovariance(t *testing.T) {
	rng := newRand(32)
	const n, d = 41, 4
	x := randNormal(rng, n, d)
	for i := 0; i < n; i++ {
		x.Set(i, 2, 0.1) // constant, and not exactly representable
	}
	z := make([]float64, d*n)
	for j := 0; j < d; j++ {
		constant, err := CentreColumn(z[j*n:(j+1)*n], x, j)
		if err != nil {
			t.Fatal(err)
		}
		if constant != (j == 2) {
			t.Errorf("column %d: constant = %v", j, constant)
		}
		col := mat.Col(nil, j, x)
		mean := stat.Mean(col, nil)
		for i := range col {
			if math.Abs(z[j*n+i]-(col[i]-mean)) > 1e-15 {
				t.Fatalf("column %d row %d not centred", j, i)
			}
		}
	}
	var c mat.SymDense
	if err := CentredCovariance(&c, blas64.General{Rows: d, Cols: n, Stride: n, Data: z}); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(&c, Covariance(x)) {
		t.Errorf("CentredCovariance differs from Covariance")
	}
	var want mat.SymDense
	stat.CovarianceMatrix(&want, x, nil)
	if !mat.EqualApprox(&c, &want, 1e-13) {
		t.Errorf("CentredCovariance differs from stat.CovarianceMatrix")
	}
	// Bad input.
	if _, err := CentreColumn(make([]float64, n-1), x, 0); !errors.Is(err, ErrDimension) {
		t.Errorf("short buffer: %v", err)
	}
	if _, err := CentreColumn(make([]float64, n), x, d); !errors.Is(err, ErrDimension) {
		t.Errorf("column out of range: %v", err)
	}
	x.Set(5, 1, math.NaN())
	if _, err := CentreColumn(make([]float64, n), x, 1); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN: %v", err)
	}
	if err := CentredCovariance(&c, blas64.General{Rows: d, Cols: 1, Stride: 1, Data: z[:d]}); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("one sample: %v", err)
	}
	if err := CentredCovariance(mat.NewSymDense(2, nil), blas64.General{Rows: d, Cols: n, Stride: n, Data: z}); !errors.Is(err, ErrDimension) {
		t.Errorf("wrong destination: %v", err)
	}
}
