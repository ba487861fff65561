package gaussian

import (
	"errors"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

func TestBlomScores(t *testing.T) {
	m := BlomScores(11)
	if math.Abs(m[5]) > 1e-15 || math.Abs(m[0]+m[10]) > 1e-15 {
		t.Fatalf("Blom scores not symmetric: %v", m)
	}
	if want := distuv.UnitNormal.Quantile(0.625 / 11.25); math.Abs(m[0]-want) > 1e-15 {
		t.Fatalf("m_1 = %v, want %v", m[0], want)
	}
	if !slices.IsSorted(m) {
		t.Fatalf("not increasing")
	}
}

func TestShapiroFranciaStatistic(t *testing.T) {
	rng := newRand(6)
	x := make([]float64, 200)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	// W' is the squared correlation of the sorted sample with the Blom scores.
	s := slices.Clone(x)
	slices.Sort(s)
	r := stat.Correlation(s, BlomScores(len(s)), nil)
	if w := ShapiroFrancia(x); math.Abs(w-r*r) > 1e-12 {
		t.Fatalf("W' = %v, squared correlation %v", w, r*r)
	}
	// Exact normal quantiles give W' = 1.
	if w := ShapiroFrancia(BlomScores(50)); math.Abs(w-1) > 1e-14 {
		t.Fatalf("W'(Blom scores) = %v", w)
	}
	for _, bad := range [][]float64{{1, 2}, {3, 3, 3, 3}, {1, math.NaN(), 2}} {
		if w := ShapiroFrancia(bad); !math.IsNaN(w) {
			t.Fatalf("W'(%v) = %v, want NaN", bad, w)
		}
	}
	if _, _, err := ShapiroFranciaTest([]float64{1, 2, 3, 4}); !errors.Is(err, ErrTooFewRows) {
		t.Fatalf("n=4: %v", err)
	}
}

// TestShapiroFranciaCalibration: on normal samples the rejection rate at
// 5% must be near 5%; on exponential samples it must be near 1.
func TestShapiroFranciaCalibration(t *testing.T) {
	rng := newRand(7)
	const reps, n, alpha = 400, 100, 0.05
	var rejNormal, rejExp int
	x := make([]float64, n)
	for rep := 0; rep < reps; rep++ {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		_, p, err := ShapiroFranciaTest(x)
		if err != nil {
			t.Fatal(err)
		}
		if p < alpha {
			rejNormal++
		}
		for i := range x {
			x[i] = rng.ExpFloat64()
		}
		if _, p, _ := ShapiroFranciaTest(x); p < alpha {
			rejExp++
		}
	}
	rate := float64(rejNormal) / reps
	t.Logf("Shapiro–Francia rejection: normal %.3f, exponential %.3f", rate, float64(rejExp)/reps)
	// Binomial(400, 0.05) has sd 0.011: accept [0.015, 0.09].
	if rate < 0.015 || rate > 0.09 {
		t.Errorf("size %.3f, want ≈ %.2f", rate, alpha)
	}
	if float64(rejExp)/reps < 0.95 {
		t.Errorf("power against exponential %.3f, want > 0.95", float64(rejExp)/reps)
	}
}

func TestMardiaAndHenzeZirkler(t *testing.T) {
	rng := newRand(8)
	const reps, n, d, alpha = 200, 100, 3, 0.05
	var rejM, rejHZ, powM, powHZ int
	var mix mat.Dense
	a := randNormal(rng, d, d)
	for rep := 0; rep < reps; rep++ {
		z := randNormal(rng, n, d)
		mix.Mul(z, a) // correlated Gaussian: tests are affine invariant
		r, err := Mardia(&mix)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Normal(alpha) {
			rejM++
		}
		h, err := HenzeZirkler(&mix)
		if err != nil {
			t.Fatal(err)
		}
		if !h.Normal(alpha) {
			rejHZ++
		}
		// Non-Gaussian: second column replaced by x₁² plus noise.
		for i := 0; i < n; i++ {
			v := mix.At(i, 0)
			mix.Set(i, 1, v*v+0.3*rng.NormFloat64())
		}
		if r, _ := Mardia(&mix); !r.Normal(alpha) {
			powM++
		}
		if h, _ := HenzeZirkler(&mix); !h.Normal(alpha) {
			powHZ++
		}
	}
	t.Logf("Mardia: size %.3f, power %.3f; Henze–Zirkler: size %.3f, power %.3f",
		float64(rejM)/reps, float64(powM)/reps, float64(rejHZ)/reps, float64(powHZ)/reps)
	// Binomial(200, 0.05) sd 0.015: accept up to 0.10; Bonferroni makes Mardia conservative.
	if s := float64(rejM) / reps; s > 0.10 {
		t.Errorf("Mardia size %.3f", s)
	}
	if s := float64(rejHZ) / reps; s < 0.01 || s > 0.10 {
		t.Errorf("Henze–Zirkler size %.3f", s)
	}
	if p := float64(powM) / reps; p < 0.9 {
		t.Errorf("Mardia power %.3f", p)
	}
	if p := float64(powHZ) / reps; p < 0.9 {
		t.Errorf("Henze–Zirkler power %.3f", p)
	}
	if _, err := Mardia(randNormal(rng, 4, 3)); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("Mardia n=4, d=3: %v", err)
	}
	collinear := randNormal(rng, 20, 3)
	for i := 0; i < 20; i++ {
		collinear.Set(i, 2, collinear.At(i, 0)+collinear.At(i, 1))
	}
	if _, err := Mardia(collinear); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Errorf("Mardia collinear: %v", err)
	}
}

// TestMardiaUniformPValues: the kurtosis and skewness p-values of Gaussian
// samples are roughly uniform (a KS-type check of the empirical CDF).
func TestMardiaUniformPValues(t *testing.T) {
	rng := newRand(9)
	const reps, n, d = 300, 200, 2
	var ps, pk []float64
	for rep := 0; rep < reps; rep++ {
		r, err := Mardia(randNormal(rng, n, d))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, r.SkewnessP)
		pk = append(pk, r.KurtosisP)
	}
	for name, p := range map[string][]float64{"skewness": ps, "kurtosis": pk} {
		slices.Sort(p)
		var dmax float64
		for i, v := range p {
			dmax = math.Max(dmax, math.Max(math.Abs(float64(i+1)/reps-v), math.Abs(float64(i)/reps-v)))
		}
		// KS critical value at 1% for n=300 is 1.63/√300 ≈ 0.094; allow
		// for the asymptotic reference laws.
		t.Logf("%s p-values: KS distance %.3f", name, dmax)
		if dmax > 0.12 {
			t.Errorf("%s p-values far from uniform: KS distance %.3f", name, dmax)
		}
	}
}

func TestShapiroFranciaWeights(t *testing.T) {
	for _, n := range []int{2, 3, 7, 50, 51} {
		a := make([]float64, n)
		ShapiroFranciaWeights(a)
		m := BlomScores(n)
		var norm, sum float64
		for i := range m {
			norm += m[i] * m[i]
		}
		norm = math.Sqrt(norm)
		for i := range a {
			if math.Abs(a[i]-m[i]/norm) > 1e-16 {
				t.Fatalf("n=%d: a[%d] = %v, want %v", n, i, a[i], m[i]/norm)
			}
			if a[i] != -a[n-1-i] {
				t.Fatalf("n=%d: weights not antisymmetric at %d", n, i)
			}
			sum += a[i] * a[i]
		}
		if math.Abs(sum-1) > 1e-15 {
			t.Errorf("n=%d: ‖a‖² = %v", n, sum)
		}
	}
	one := []float64{3}
	if ShapiroFranciaWeights(one); !math.IsNaN(one[0]) {
		t.Errorf("one value: weight %v, want NaN", one[0])
	}
}
