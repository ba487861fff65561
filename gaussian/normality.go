package gaussian

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// BlomScores returns Blom's approximate expected normal order statistics
//
//	m_i = Φ⁻¹((i − 3/8)/(n + 1/4)),  i = 1..n,
//
// in increasing order (nil for n < 1). Only the lower half is evaluated; the
// upper half is its exact mirror, m_{n+1−i} = −m_i (and the middle score of
// an odd n is 0), so Σ m_i = 0 holds without rounding.
func BlomScores(n int) []float64 {
	if n < 1 {
		return nil
	}
	m := make([]float64, n)
	blomFill(m)
	return m
}

// blomFill writes the len(m) Blom scores into m (see BlomScores).
func blomFill(m []float64) {
	n := len(m)
	for i := 0; i < (n+1)/2; i++ {
		v := distuv.UnitNormal.Quantile((float64(i+1) - 3.0/8) / (float64(n) + 0.25))
		m[i] = v
		m[n-1-i] = -v
	}
	if n%2 == 1 {
		m[n/2] = 0
	}
}

// ShapiroFranciaWeights fills a with the weights of the Shapiro–Francia
// statistic for a sample of len(a) values, the normalised Blom scores
//
//	a_i = m_i/‖m‖,  m = BlomScores(len(a)),
//
// so that W' = (Σ a_i x_(i))² / Σ (x_i − x̄)²; a single value has no
// weights (a = [NaN], ‖m‖ = 0). It allocates nothing, for
// callers that keep the weights of a fixed sample size (the Gaussianity loss
// of package regularizer).
func ShapiroFranciaWeights(a []float64) {
	blomFill(a)
	var norm float64
	for _, v := range a {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	for i := range a {
		a[i] /= norm
	}
}

// ShapiroFrancia returns the Shapiro–Francia statistic of the sample x,
//
//	W' = (Σ a_i x_(i))² / Σ (x_i − x̄)²,  a = m/‖m‖,
//
// with x_(i) the order statistics and m the Blom scores (BlomScores). It is
// the squared correlation between the sorted data and m: W' ∈ (0, 1], close
// to 1 for normal data. It returns NaN when W' is undefined: fewer than 3
// values, a constant sample, or NaN/Inf in x. x is not modified.
func ShapiroFrancia(x []float64) (w float64) {
	n := len(x)
	if n < 3 {
		return math.NaN()
	}
	s := slices.Clone(x)
	for _, v := range s {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN()
		}
	}
	slices.Sort(s)
	m := BlomScores(n)
	var mean float64
	for _, v := range s {
		mean += v
	}
	mean /= float64(n)
	var num, ss, mm float64
	for i, v := range s {
		num += m[i] * (v - mean)
		ss += (v - mean) * (v - mean)
		mm += m[i] * m[i]
	}
	if ss == 0 {
		return math.NaN()
	}
	return num * num / (mm * ss)
}

// ShapiroFranciaTest returns the Shapiro–Francia statistic W' of x (see
// ShapiroFrancia) and the p-value of the null hypothesis that x is a normal
// sample, from Royston's normal approximation for ln(1 − W'):
//
//	u = ln n, v = ln u,
//	μ = −1.2725 + 1.0521 (v − u),  σ = 1.0308 − 0.26758 (v + 2/u),
//	p = 1 − Φ((ln(1 − W') − μ)/σ).
//
// Reference: P. Royston (1993), "A pocket-calculator algorithm for the
// Shapiro–Francia test for non-normality: an application to medicine",
// Statistics in Medicine 12(2), 181–184. The approximation is stated for
// 5 ≤ n ≤ 5000; outside that range the error wraps ErrTooFewRows (n < 5) or
// ErrDimension (n > 5000). NaN/Inf give ErrNotFinite; a constant sample gives
// an error wrapping ErrDimension.
func ShapiroFranciaTest(x []float64) (w, p float64, err error) {
	n := len(x)
	if n < 5 {
		return math.NaN(), math.NaN(), fmt.Errorf("gaussian: Shapiro–Francia p-value needs n ≥ 5, have %d: %w", n, ErrTooFewRows)
	}
	if n > 5000 {
		return math.NaN(), math.NaN(), fmt.Errorf("gaussian: Shapiro–Francia p-value approximation holds for n ≤ 5000, have %d: %w", n, ErrDimension)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN(), math.NaN(), fmt.Errorf("gaussian: Shapiro–Francia: x[%d] is %v: %w", i, v, ErrNotFinite)
		}
	}
	w = ShapiroFrancia(x)
	if math.IsNaN(w) {
		return w, math.NaN(), fmt.Errorf("gaussian: Shapiro–Francia of a constant sample: %w", ErrDimension)
	}
	u := math.Log(float64(n))
	v := math.Log(u)
	mu := -1.2725 + 1.0521*(v-u)
	sigma := 1.0308 - 0.26758*(v+2/u)
	z := (math.Log1p(-math.Min(w, 1-1e-16)) - mu) / sigma
	return w, distuv.UnitNormal.Survival(z), nil
}

// MardiaResult holds Mardia's multivariate skewness and kurtosis statistics
// and their p-values.
type MardiaResult struct {
	N, D int // rows and columns of the sample

	// Skewness is b₁ = n⁻² Σ_ij g_ij³, g_ij = (x_i − x̄)ᵀ S⁻¹ (x_j − x̄) with S
	// the maximum-likelihood (1/n) covariance.
	Skewness float64
	// SkewnessStat = n k b₁/6 with Mardia's small-sample factor
	// k = (d+1)(n+1)(n+3) / (n((n+1)(d+1) − 6)); asymptotically χ² with
	// SkewnessDF = d(d+1)(d+2)/6 degrees of freedom under normality.
	SkewnessStat, SkewnessDF, SkewnessP float64

	// Kurtosis is b₂ = n⁻¹ Σ_i g_ii².
	Kurtosis float64
	// KurtosisZ = (b₂ − d(d+2)(n−1)/(n+1)) / √(8d(d+2)/n), asymptotically
	// N(0,1) under normality; KurtosisP is its two-sided p-value.
	KurtosisZ, KurtosisP float64
}

// Normal reports whether the sample is compatible with multivariate
// normality at level alpha: both p-values must be at least alpha/2
// (Bonferroni), so the combined test rejects a normal sample with
// probability at most about alpha.
func (r MardiaResult) Normal(alpha float64) bool {
	return r.SkewnessP >= alpha/2 && r.KurtosisP >= alpha/2
}

// Mardia computes Mardia's (1970, "Measures of multivariate skewness and
// kurtosis with applications", Biometrika 57(3), 519–530) tests of
// multivariate normality on the n×d sample x (rows are observations), with
// the small-sample skewness correction of Mardia (1974, Sankhyā B 36,
// 115–128). The χ² and normal reference distributions are asymptotic; they
// are rough when d is not small compared with n. It needs n > d+1 rows
// (ErrTooFewRows), finite data (ErrNotFinite) and a non-singular sample
// covariance (ErrNotPositiveDefinite; no jitter is added here, since a
// singular sample is itself evidence against a d-variate normal law).
func Mardia(x mat.Matrix) (MardiaResult, error) {
	n, d := x.Dims()
	g, err := mahalanobisGram(x)
	if err != nil {
		return MardiaResult{}, fmt.Errorf("gaussian: Mardia: %w", err)
	}
	var b1, b2 float64
	for i := 0; i < n; i++ {
		row := g[i*n : (i+1)*n]
		for _, v := range row {
			b1 += v * v * v
		}
		b2 += row[i] * row[i]
	}
	fn, fd := float64(n), float64(d)
	b1 /= fn * fn
	b2 /= fn
	k, df := mardiaSkewNull(n, d)
	r := MardiaResult{N: n, D: d, Skewness: b1, Kurtosis: b2}
	r.SkewnessDF = df
	r.SkewnessStat = fn * k * b1 / 6
	r.SkewnessP = distuv.ChiSquared{K: r.SkewnessDF}.Survival(r.SkewnessStat)
	r.KurtosisZ = (b2 - fd*(fd+2)*(fn-1)/(fn+1)) / math.Sqrt(8*fd*(fd+2)/fn)
	r.KurtosisP = 2 * distuv.UnitNormal.Survival(math.Abs(r.KurtosisZ))
	return r, nil
}

// mahalanobisGram returns the row-major n×n matrix g_ij = (x_i − x̄)ᵀ S⁻¹
// (x_j − x̄), S the 1/n covariance, computed as W Wᵀ from the whitened data.
func mahalanobisGram(x mat.Matrix) ([]float64, error) {
	a, err := whitenML(x)
	if err != nil {
		return nil, err
	}
	n := a.Rows
	g := make([]float64, n*n)
	gs := blas64.Symmetric{N: n, Stride: n, Data: g, Uplo: blas.Upper}
	blas64.Syrk(blas.NoTrans, 1, a, 0, gs)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			g[j*n+i] = g[i*n+j]
		}
	}
	return g, nil
}

// whitenML returns W = (X − 1x̄ᵀ)U⁻¹ (n×d, row-major), where S = UᵀU is the
// maximum-likelihood (1/n) covariance of x, so that w_iᵀw_j =
// (x_i − x̄)ᵀS⁻¹(x_j − x̄). It needs n > d+1 rows, finite data and a
// non-singular S (no jitter: a singular sample is itself evidence against a
// d-variate normal law); a column whose regression on the previous ones has
// R² > 1 − 10⁻¹² counts as singular.
func whitenML(x mat.Matrix) (blas64.General, error) {
	n, d := x.Dims()
	if d == 0 {
		return blas64.General{}, fmt.Errorf("no columns: %w", ErrDimension)
	}
	if n <= d+1 {
		return blas64.General{}, fmt.Errorf("need more than d+1 = %d rows, have %d: %w", d+1, n, ErrTooFewRows)
	}
	xc := make([]float64, n*d)
	if err := centreInto(xc, x); err != nil {
		return blas64.General{}, err
	}
	a := blas64.General{Rows: n, Cols: d, Stride: d, Data: xc}
	c := mat.NewSymDense(d, nil)
	blas64.Syrk(blas.Trans, 1/float64(n), a, 0, c.RawSymmetric())
	var ch mat.Cholesky
	if !ch.Factorize(c) {
		return blas64.General{}, fmt.Errorf("sample covariance is singular: %w", ErrNotPositiveDefinite)
	}
	u := ch.RawU().(*mat.TriDense).RawTriangular()
	// U_jj² = C_jj(1 − R²_j), R²_j from regressing column j on the previous
	// ones: R²_j > 1 − 10⁻¹² is collinearity that rounding hid from Potrf.
	for j := 0; j < d; j++ {
		if uj := u.Data[j*u.Stride+j]; uj*uj < 1e-12*c.At(j, j) {
			return blas64.General{}, fmt.Errorf("sample covariance is singular: column %d is a linear combination of the previous ones: %w",
				j, ErrNotPositiveDefinite)
		}
	}
	blas64.Trsm(blas.Right, blas.NoTrans, 1, u, a)
	return a, nil
}

// mardiaSkewNull returns Mardia's small-sample factor
// k = (d+1)(n+1)(n+3) / (n((n+1)(d+1) − 6)) and the degrees of freedom
// d(d+1)(d+2)/6 of the χ² law of n k b₁/6 under normality.
func mardiaSkewNull(n, d int) (k, df float64) {
	fn, fd := float64(n), float64(d)
	return (fd + 1) * (fn + 1) * (fn + 3) / (fn * ((fn+1)*(fd+1) - 6)), fd * (fd + 1) * (fd + 2) / 6
}

// HenzeZirklerResult holds the Henze–Zirkler statistic and its p-value.
type HenzeZirklerResult struct {
	N, D int
	// Beta is the smoothing parameter β = ((2d+1)n/4)^{1/(d+4)} / √2.
	Beta float64
	// Stat is the HZ statistic; P its p-value from the log-normal
	// approximation of Henze & Zirkler (1990).
	Stat, P float64
}

// Normal reports whether the sample is compatible with multivariate
// normality at level alpha (P ≥ alpha).
func (r HenzeZirklerResult) Normal(alpha float64) bool { return r.P >= alpha }

// HenzeZirkler computes the Henze–Zirkler test of multivariate normality
// (N. Henze and B. Zirkler (1990), "A class of invariant consistent tests for
// multivariate normality", Communications in Statistics – Theory and Methods
// 19(10), 3595–3617) on the n×d sample x. With D_ij = (x_i − x_j)ᵀS⁻¹(x_i − x_j),
// D_i = (x_i − x̄)ᵀS⁻¹(x_i − x̄), S the 1/n covariance and β as in
// HenzeZirklerResult,
//
//	HZ = n⁻¹ Σ_ij e^{−β²D_ij/2} − 2(1+β²)^{−d/2} Σ_i e^{−β²D_i/(2(1+β²))} + n(1+2β²)^{−d/2},
//
// and HZ is compared with a log-normal law with the mean and variance given
// by Henze and Zirkler. Input requirements are those of Mardia.
func HenzeZirkler(x mat.Matrix) (HenzeZirklerResult, error) {
	n, d := x.Dims()
	g, err := mahalanobisGram(x)
	if err != nil {
		return HenzeZirklerResult{}, fmt.Errorf("gaussian: Henze–Zirkler: %w", err)
	}
	fn, fd := float64(n), float64(d)
	beta := math.Pow((2*fd+1)*fn/4, 1/(fd+4)) / math.Sqrt2
	b2 := beta * beta
	var s1, s2 float64
	for i := 0; i < n; i++ {
		gii := g[i*n+i]
		for j := 0; j < n; j++ {
			dij := gii + g[j*n+j] - 2*g[i*n+j]
			s1 += math.Exp(-b2 * dij / 2)
		}
		s2 += math.Exp(-b2 * gii / (2 * (1 + b2)))
	}
	hz := s1/fn - 2*math.Pow(1+b2, -fd/2)*s2 + fn*math.Pow(1+2*b2, -fd/2)

	a := 1 + 2*b2
	b4 := b2 * b2
	mu := 1 - math.Pow(a, -fd/2)*(1+fd*b2/a+fd*(fd+2)*b4/(2*a*a))
	w := (1 + b2) * (1 + 3*b2)
	v := 2*math.Pow(1+4*b2, -fd/2) +
		2*math.Pow(a, -fd)*(1+2*fd*b4/(a*a)+3*fd*(fd+2)*b4*b4/(4*a*a*a*a)) -
		4*math.Pow(w, -fd/2)*(1+3*fd*b4/(2*w)+fd*(fd+2)*b4*b4/(2*w*w))
	lmu := math.Log(math.Sqrt(mu * mu * mu * mu / (v + mu*mu)))
	lsd := math.Sqrt(math.Log((v + mu*mu) / (mu * mu)))
	p := 1.0 // HZ ≥ 0 in exact arithmetic; HZ ≤ 0 is round-off at a perfect fit
	if hz > 0 {
		p = distuv.UnitNormal.Survival((math.Log(hz) - lmu) / lsd)
	}
	return HenzeZirklerResult{N: n, D: d, Beta: beta, Stat: hz, P: p}, nil
}
