package pid

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestMIBiasScalarTarget(t *testing.T) {
	for _, tc := range []struct{ n, d int }{{256, 64}, {256, 128}, {50, 3}, {10, 8}} {
		want := 0.5 * math.Log2(float64(tc.n-1)/float64(tc.n-tc.d-1))
		if got := MIBias(tc.n, 1, tc.d); math.Abs(got-want) > 1e-12 {
			t.Errorf("MIBias(%d,1,%d) = %v, want ½log₂((n−1)/(n−d−1)) = %v", tc.n, tc.d, got, want)
		}
	}
	if got := MIBias(10, 4, 6); !math.IsNaN(got) {
		t.Errorf("MIBias with n ≤ du+dv = %v, want NaN", got)
	}
	if MIBias(100, 3, 5) <= 0 {
		t.Errorf("bias must be positive")
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
