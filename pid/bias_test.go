package pid

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestMIBiasExact checks MIBias against oracles that do not use the digamma
// function: for even dv, ψ(a) − ψ(a − dv/2) = Σ_{j=1..dv/2} 1/(a − j), and
// for even du + dv the whole bias telescopes the same way. The tolerance is
// the accuracy of gonum's Digamma (≈ 5·10⁻¹¹ absolute for small arguments).
func TestMIBiasExact(t *testing.T) {
	for _, tc := range []struct{ n, d int }{{12, 6}, {50, 2}, {256, 64}, {256, 128}, {10, 8}} {
		a := float64(tc.n-1) / 2
		var want float64
		for j := 1; j <= tc.d/2; j++ {
			want += 1 / (a - float64(j))
		}
		want /= 2 * math.Ln2
		if got := MIBias(tc.n, 1, tc.d); math.Abs(got-want) > 1e-10 {
			t.Errorf("MIBias(%d,1,%d) = %.15g, want %.15g", tc.n, tc.d, got, want)
		}
		if got := MIBias(tc.n, tc.d, 1); got != MIBias(tc.n, 1, tc.d) {
			t.Errorf("MIBias(%d,%d,1) = %.15g, want %.15g (not symmetric)", tc.n, tc.d, got, want)
		}
	}
	// The value quoted in the documentation.
	if got := MIBias(12, 1, 6); math.Abs(got-0.654938) > 1e-6 {
		t.Errorf("MIBias(12,1,6) = %v, want 0.654938", got)
	}
	// du = 2, dv = 4, n = 20: τ(2)+τ(4)−τ(6) = ψ(9.5)+ψ(9) − ψ(7.5) − ψ(7)
	// = (1/8.5 + 1/7.5) + (1/8 + 1/7).
	want := (1/8.5 + 1/7.5 + 1/8.0 + 1/7.0) / (2 * math.Ln2)
	if got := MIBias(20, 2, 4); math.Abs(got-want) > 1e-10 {
		t.Errorf("MIBias(20,2,4) = %.15g, want %.15g", got, want)
	}
	// Large n: du·dv/(2n ln 2) to first order.
	for _, d := range [][2]int{{1, 5}, {3, 7}, {10, 10}} {
		n := 1_000_000
		lead := float64(d[0]*d[1]) / (2 * float64(n) * math.Ln2)
		if got := MIBias(n, d[0], d[1]); math.Abs(got/lead-1) > 1e-4 {
			t.Errorf("MIBias(%d,%d,%d) = %v, first-order %v", n, d[0], d[1], got, lead)
		}
	}
	if got := MIBias(10, 0, 3); got != 0 {
		t.Errorf("MIBias(10,0,3) = %v, want 0 (empty block)", got)
	}
	for _, bad := range [][3]int{{10, 4, 6}, {10, -1, 3}, {10, 3, -1}, {3, 1, 2}} {
		if got := MIBias(bad[0], bad[1], bad[2]); !math.IsNaN(got) {
			t.Errorf("MIBias%v = %v, want NaN", bad, got)
		}
	}
	if got := MIBias(8, 3, 4); math.IsNaN(got) || got <= 0 {
		t.Errorf("MIBias(8,3,4) = %v: n = du+dv+1 is allowed", got)
	}
}

// TestMIBiasMonteCarlo draws many small samples (n = 12 and n = 20, dm = 1,
// dx = dy = 3) from a fixed Gaussian and checks that the plug-in informations
// minus MIBias are unbiased within 3.5 standard errors, while the known-mean
// formula used before (Σ ln(1 − j/n)) is rejected for I(M;X,Y).
func TestMIBiasMonteCarlo(t *testing.T) {
	rng := newRand(40)
	const dx, dy = 3, 3
	cov := randCov(rng, 1+dx+dy)
	truth, err := Decompose(cov, 1, dx, dy, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var l mat.Cholesky
	if !l.Factorize(cov) {
		t.Fatal("covariance not PD")
	}
	var lt mat.TriDense
	l.LTo(&lt)
	oldBias := func(n, du, dv int) float64 {
		beta := func(d int) float64 {
			var s float64
			for j := 1; j <= d; j++ {
				s += math.Log1p(-float64(j) / float64(n))
			}
			return s / (2 * math.Ln2)
		}
		return beta(du) + beta(dv) - beta(du+dv)
	}
	const reps = 20000
	for _, n := range []int{12, 20} {
		var z, data mat.Dense
		var sum, sumSq [3]float64
		for rep := 0; rep < reps; rep++ {
			z.CloneFrom(randNormal(rng, n, 1+dx+dy))
			data.Mul(&z, lt.T())
			r, err := FromSamples(data.Slice(0, n, 0, 1), data.Slice(0, n, 1, 1+dx), data.Slice(0, n, 1+dx, 1+dx+dy), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range []float64{r.MIX, r.MIY, r.MIXY} {
				sum[k] += v
				sumSq[k] += v * v
			}
		}
		for k, q := range []struct {
			name  string
			truth float64
			dv    int
		}{{"I(M;X)", truth.MIX, dx}, {"I(M;Y)", truth.MIY, dy}, {"I(M;X,Y)", truth.MIXY, dx + dy}} {
			mean := sum[k] / reps
			se := math.Sqrt((sumSq[k]/reps - mean*mean) / (reps - 1))
			bias := mean - q.truth
			exact := MIBias(n, 1, q.dv)
			t.Logf("n=%d %s: Monte Carlo bias %.4f ± %.4f, exact %.4f, known-mean formula %.4f",
				n, q.name, bias, se, exact, oldBias(n, 1, q.dv))
			if math.Abs(bias-exact) > 3.5*se {
				t.Errorf("n=%d %s: plug-in − MIBias is off by %.4f (%.1f standard errors)", n, q.name, bias-exact, (bias-exact)/se)
			}
			if q.dv == dx+dy && math.Abs(bias-oldBias(n, 1, q.dv)) < 5*se {
				t.Errorf("n=%d %s: the test cannot tell the known-mean formula (%.4f) from the Monte Carlo bias %.4f ± %.4f",
					n, q.name, oldBias(n, 1, q.dv), bias, se)
			}
		}
	}
}

// TestBiasCorrectionNull draws independent Gaussian target and sources
// (n=256, dm=1, dx=dy=64; the true information is 0). The plug-in I(M;X,Y)
// is then about ½log₂(255/127) ≈ 0.50 bit; the corrected one must be near 0.
func TestBiasCorrectionNull(t *testing.T) {
	rng := newRand(14)
	const reps, n, dx, dy = 50, 256, 64, 64
	var raw, corr, corrRed, corrSyn float64
	for rep := 0; rep < reps; rep++ {
		m, x, y := randNormal(rng, n, 1), randNormal(rng, n, dx), randNormal(rng, n, dy)
		r0, err := FromSamples(m, x, y, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r1, err := FromSamples(m, x, y, Options{Debias: true})
		if err != nil {
			t.Fatal(err)
		}
		checkAtoms(t, "debiased", r1)
		raw += r0.MIXY
		corr += r1.MIXY
		corrRed += r1.Redundancy
		corrSyn += r1.Synergy
	}
	raw /= reps
	corr /= reps
	t.Logf("mean I(M;X,Y): plug-in %.4f bit, corrected %.4f bit (Red %.4f, Syn %.4f)", raw, corr, corrRed/reps, corrSyn/reps)
	if raw < 0.4 || raw > 0.6 {
		t.Errorf("mean plug-in I(M;X,Y) = %v, want ≈ 0.5 (in [0.4, 0.6])", raw)
	}
	if corr >= 0.05 {
		t.Errorf("mean corrected I(M;X,Y) = %v, want < 0.05", corr)
	}
}

// TestBiasCorrectionKeepsSignal checks that the correction moves a large
// true information by the predicted amount only.
func TestBiasCorrectionKeepsSignal(t *testing.T) {
	rng := newRand(15)
	const n, dx = 2000, 4
	x := randNormal(rng, n, dx)
	m := mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		m.Set(i, 0, x.At(i, 0)+x.At(i, 1)+0.5*rng.NormFloat64())
	}
	y := randNormal(rng, n, 3)
	r0, _ := FromSamples(m, x, y, Options{})
	r1, err := FromSamples(m, x, y, Options{Debias: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := r0.MIX - r1.MIX; math.Abs(d-MIBias(n, 1, dx)) > 1e-12 {
		t.Errorf("I(M;X) moved by %v, want MIBias = %v", d, MIBias(n, 1, dx))
	}
	want := 0.5 * math.Log2(1+2/0.25) // R² = 2/2.25
	if math.Abs(r1.MIX-want) > 0.05 {
		t.Errorf("corrected I(M;X) = %v, analytic %v", r1.MIX, want)
	}
}
