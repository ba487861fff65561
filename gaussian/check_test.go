package gaussian

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// correlatedNormal returns n rows of p correlated Gaussian columns.
func correlatedNormal(rng *rand.Rand, n, p int) *mat.Dense {
	var x mat.Dense
	x.Mul(randNormal(rng, n, p), randNormal(rng, p, p))
	return &x
}

// fill returns an n×p matrix of independent draws of gen.
func fill(n, p int, gen func() float64) *mat.Dense {
	x := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			x.Set(i, j, gen())
		}
	}
	return x
}

func TestCheckNormalityGaussianPasses(t *testing.T) {
	rng := newRand(90)
	for _, tc := range []struct{ n, p int }{{20, 1}, {20, 3}, {20, 10}, {200, 1}, {200, 3}, {200, 10}, {200, 30}, {20000, 1}, {20000, 3}, {20000, 10}} {
		c, err := CheckNormality(correlatedNormal(rng, tc.n, tc.p), NormalityOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Gaussian {
			t.Errorf("n=%d p=%d Gaussian sample fails: %v", tc.n, tc.p, c.Reasons)
		}
		if tc.n == 20000 && (c.KurtosisP > 1 || c.SkewnessRows != 2000) {
			t.Errorf("n=%d: kurtosis p %v, skewness rows %d", tc.n, c.KurtosisP, c.SkewnessRows)
		}
	}
	// The false-alarm rate at the smallest n, where the statistics are
	// furthest from normal: at most about α = 1 %.
	const reps = 300
	var fails int
	for rep := 0; rep < reps; rep++ {
		c, err := CheckNormality(correlatedNormal(rng, 20, 3), NormalityOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Gaussian {
			fails++
		}
	}
	t.Logf("n=20, p=3: %d of %d Gaussian samples fail", fails, reps)
	if fails > 6 {
		t.Errorf("false-alarm rate %d/%d, want ≤ 2 %%", fails, reps)
	}
}

func TestCheckNormalityDetects(t *testing.T) {
	rng := newRand(91)
	contaminated := func() float64 {
		if rng.Float64() < 0.1 {
			return 3 * rng.NormFloat64()
		}
		return rng.NormFloat64()
	}
	bimodal := func() float64 {
		if rng.Float64() < 0.5 {
			return rng.NormFloat64() - 2
		}
		return rng.NormFloat64() + 2
	}
	for _, tc := range []struct {
		name string
		x    *mat.Dense
		want string // a word every report must contain
	}{
		{"exponential n=200", fill(200, 3, rng.ExpFloat64), "skewness"},
		{"contaminated n=200", fill(200, 3, contaminated), "kurtosis"},
		{"uniform n=20000", fill(20000, 3, rng.Float64), "kurtosis"},
		{"bimodal n=20000", fill(20000, 1, bimodal), "kurtosis"},
	} {
		c, err := CheckNormality(tc.x, NormalityOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Gaussian || !strings.Contains(strings.Join(c.Reasons, "\n"), tc.want) {
			t.Errorf("%s: Gaussian=%v, reasons %q", tc.name, c.Gaussian, c.Reasons)
		}
		t.Logf("%s: kurtosis excess %.3f, skewness per dim %.3f, worst %v; %s", tc.name, c.KurtosisExcess, c.SkewnessPerDim, c.Worst, c.Reasons[0])
	}
	// Gaussian marginals, non-Gaussian joint law: (v, ±v) lies on two lines.
	// Only the multivariate kurtosis sees it (b₂/p(p+2) → 12/8).
	x := mat.NewDense(2000, 2, nil)
	for i := 0; i < 2000; i++ {
		v := rng.NormFloat64()
		x.Set(i, 0, v)
		x.Set(i, 1, v*float64(1-2*rng.IntN(2)))
	}
	c, err := CheckNormality(x, NormalityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Gaussian || len(c.Reasons) != 1 || !strings.Contains(c.Reasons[0], "Mardia's kurtosis") || math.Abs(c.KurtosisExcess-0.5) > 0.15 {
		t.Errorf("two lines: Gaussian=%v, kurtosis excess %.3f, reasons %q", c.Gaussian, c.KurtosisExcess, c.Reasons)
	}
	// Looser tolerances let it pass.
	if c, _ := CheckNormality(x, NormalityOptions{MaxExcessKurtosis: 3}); !c.Gaussian {
		t.Errorf("two lines with tolerance 3: %q", c.Reasons)
	}
}

func TestCheckNormalityWorstColumns(t *testing.T) {
	rng := newRand(92)
	x := correlatedNormal(rng, 500, 5)
	for i := 0; i < 500; i++ {
		x.Set(i, 3, rng.ExpFloat64())
		x.Set(i, 1, rng.Float64())
	}
	x.Set(0, 4, 0) // nothing special
	c, err := CheckNormality(x, NormalityOptions{Worst: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Worst, []int{3, 1}) {
		t.Errorf("worst columns %v, want [3 1]; columns %+v", c.Worst, c.Columns)
	}
	if s := c.Columns[3].Skewness; math.Abs(s-2) > 0.6 {
		t.Errorf("skewness of the exponential column %v, want ≈ 2", s)
	}
	if k := c.Columns[1].ExcessKurtosis; math.Abs(k+1.2) > 0.2 {
		t.Errorf("excess kurtosis of the uniform column %v, want ≈ −1.2", k)
	}
	if _, err := json.Marshal(c); err != nil {
		t.Errorf("report does not marshal: %v", err)
	}
}

// TestCheckNormalityMatchesMardia: the multivariate statistics are Mardia's,
// on all rows or on the documented systematic subsample.
func TestCheckNormalityMatchesMardia(t *testing.T) {
	rng := newRand(93)
	x := correlatedNormal(rng, 300, 4)
	x.Apply(func(_, _ int, v float64) float64 { return v + 0.2*v*v }, x)
	c, err := CheckNormality(x, NormalityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Mardia(x)
	if err != nil {
		t.Fatal(err)
	}
	if !near(c.Kurtosis, m.Kurtosis, 1e-12) || !near(c.Skewness, m.Skewness, 1e-12) || !near(c.SkewnessP, m.SkewnessP, 1e-12) {
		t.Errorf("b₂ %v vs %v, b₁ %v vs %v, skewness p %v vs %v", c.Kurtosis, m.Kurtosis, c.Skewness, m.Skewness, c.SkewnessP, m.SkewnessP)
	}
	if c.SkewnessRows != 300 {
		t.Errorf("skewness rows %d", c.SkewnessRows)
	}
	// Subsample: every (n/r)-th row.
	big := correlatedNormal(rng, 1000, 3)
	c, err = CheckNormality(big, NormalityOptions{SkewnessRows: 250})
	if err != nil {
		t.Fatal(err)
	}
	sub := mat.NewDense(250, 3, nil)
	for k := 0; k < 250; k++ {
		sub.SetRow(k, big.RawRowView(k*4))
	}
	m, _ = Mardia(sub)
	if c.SkewnessRows != 250 || !near(c.Skewness, m.Skewness, 1e-12) {
		t.Errorf("subsample: rows %d, b₁ %v vs Mardia %v", c.SkewnessRows, c.Skewness, m.Skewness)
	}
	if full, _ := Mardia(big); !near(c.Kurtosis, full.Kurtosis, 1e-12) {
		t.Errorf("kurtosis must use all rows: %v vs %v", c.Kurtosis, full.Kurtosis)
	}
}

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(1, math.Abs(b)) }

// TestNullQuantiles checks the small-sample quantiles of the column
// skewness and excess kurtosis (D'Agostino; Anscombe & Glynn) against a
// simulation at n = 20.
func TestNullQuantiles(t *testing.T) {
	rng := newRand(94)
	const n, reps = 20, 40000
	g1 := make([]float64, reps)
	g2 := make([]float64, reps)
	v := make([]float64, n)
	for r := range g1 {
		var mean float64
		for i := range v {
			v[i] = rng.NormFloat64()
			mean += v[i]
		}
		mean /= n
		var m2, m3, m4 float64
		for _, x := range v {
			d := x - mean
			m2 += d * d
			m3 += d * d * d
			m4 += d * d * d * d
		}
		m2, m3, m4 = m2/n, m3/n, m4/n
		g1[r] = m3 / math.Pow(m2, 1.5)
		g2[r] = m4/(m2*m2) - 3
	}
	slices.Sort(g1)
	slices.Sort(g2)
	const z = 2.3263478740408408 // 1 % and 99 %
	sLo, sHi := skewnessRange(n, z)
	kLo, kHi := kurtosisRange(n, z)
	q := func(s []float64, p float64) float64 { return s[int(p*float64(len(s)))] }
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"skewness 1%", sLo, q(g1, 0.01)}, {"skewness 99%", sHi, q(g1, 0.99)},
		{"kurtosis 1%", kLo, q(g2, 0.01)}, {"kurtosis 99%", kHi, q(g2, 0.99)},
	} {
		t.Logf("n=%d %s: formula %.3f, simulation %.3f", n, c.name, c.got, c.want)
		if math.Abs(c.got-c.want) > 0.06*math.Abs(c.want)+0.02 {
			t.Errorf("%s: formula %.3f, simulation %.3f", c.name, c.got, c.want)
		}
	}
	// The normal approximation is far off in the kurtosis' right tail.
	sd := math.Sqrt(24.0 * n * (n - 2) * (n - 3) / ((n + 1) * (n + 1) * (n + 3) * (n + 5)))
	if naive := -6.0/(n+1) + z*sd; math.Abs(naive-q(g2, 0.99)) < 0.2 {
		t.Errorf("the test cannot tell the transformation from the normal approximation (%.3f)", naive)
	}
}

func TestCheckNormalityBadInput(t *testing.T) {
	rng := newRand(95)
	x := correlatedNormal(rng, 50, 3)
	xc := mat.NewDense(50, 4, nil)
	for i := 0; i < 50; i++ {
		xc.Set(i, 0, x.At(i, 0))
		xc.Set(i, 1, 2.5)
		xc.Set(i, 2, x.At(i, 1))
		xc.Set(i, 3, x.At(i, 2))
	}
	c, err := CheckNormality(xc, NormalityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := CheckNormality(x, NormalityOptions{})
	if !slices.Equal(c.Constant, []int{1}) || len(c.Columns) != 3 || c.Columns[1].Column != 2 || !near(c.Kurtosis, ref.Kurtosis, 1e-12) {
		t.Errorf("constant column: %+v", c)
	}
	collinear := mat.DenseCopyOf(x)
	for i := 0; i < 50; i++ {
		collinear.Set(i, 2, x.At(i, 0)-x.At(i, 1))
	}
	nan := mat.DenseCopyOf(x)
	nan.Set(4, 1, math.Inf(1))
	for _, tc := range []struct {
		name string
		x    mat.Matrix
		opt  NormalityOptions
		want error
	}{
		{"all constant", mat.NewDense(30, 2, nil), NormalityOptions{}, ErrDimension},
		{"rows", x.Slice(0, 4, 0, 3), NormalityOptions{}, ErrTooFewRows},
		{"rows vs columns", correlatedNormal(rng, 12, 11), NormalityOptions{}, ErrTooFewRows},
		{"collinear", collinear, NormalityOptions{}, ErrNotPositiveDefinite},
		{"Inf", nan, NormalityOptions{}, ErrNotFinite},
		{"alpha", x, NormalityOptions{Alpha: 1}, ErrDimension},
		{"tolerance", x, NormalityOptions{MaxSkewness: -1}, ErrDimension},
	} {
		if _, err := CheckNormality(tc.x, tc.opt); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
