package transform

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

func TestLinearQuantileMatchesNumpy(t *testing.T) {
	// numpy.quantile([1, 2, 3, 4, 5, 6], [0.25, 0.75]) = [2.25, 4.75];
	// numpy.quantile([7], 0.25) = 7; numpy.quantile([1, 3], 0.75) = 2.5.
	for _, tc := range []struct {
		s       []float64
		q, want float64
	}{
		{[]float64{1, 2, 3, 4, 5, 6}, 0.25, 2.25},
		{[]float64{1, 2, 3, 4, 5, 6}, 0.75, 4.75},
		{[]float64{7}, 0.25, 7},
		{[]float64{1, 3}, 0.75, 2.5},
		{[]float64{1, 3}, 1, 3},
	} {
		if got := linearQuantile(tc.s, tc.q); got != tc.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", tc.s, tc.q, got, tc.want)
		}
	}
}

// A hand-worked case: x = (1, 2, 3, 4, 100). Q1 = 2, Q3 = 4, IQR = 2, so the
// fences are −2 and 8 and 100 is the only outlier. The four inside points have
// 0-based ranks 0..3 and q = (r + 0.5)/5. The mean is 22 and the population
// variance (441 + 400 + 361 + 324 + 6084)/5 = 1522.
func TestBlendedInverseNormalHandWorked(t *testing.T) {
	x := []float64{1, 2, 3, 4, 100}
	got, err := BlendedInverseNormal(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	sd := math.Sqrt(1522)
	want := make([]float64, 5)
	for i := range 4 {
		q := (float64(i) + 0.5) / 5
		want[i] = 0.6*mathext.NormalQuantile(q) + 0.4*(x[i]-22)/sd
	}
	dev := (100 - 8) / sd // 2.358…, inside the clip range
	want[4] = 0.6*(2.5+0.5*dev) + 0.4*(78/sd)
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-14 {
			t.Errorf("b[%d] = %.17g, want %.17g", i, got[i], want[i])
		}
	}
}

func TestBlendedInverseNormalProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n := 500
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Round(rng.NormFloat64() * 4) // ties
	}
	x[3], x[7] = 1e4, -1e4 // far outliers: clipped at ±(2.5+1.5) and ±3
	b, err := BlendedInverseNormal(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	if b[3] != 0.6*4+0.4*3 || b[7] != -(0.6*4+0.4*3) {
		t.Errorf("far outliers: %v, %v, want ±%v", b[3], b[7], 0.6*4+0.4*3)
	}
	for i := range x {
		for j := range x {
			if x[i] < x[j] && !(b[i] < b[j]) {
				t.Fatalf("not increasing: x %v < %v but b %v ≥ %v", x[i], x[j], b[i], b[j])
			}
			if x[i] == x[j] && b[i] != b[j] {
				t.Fatalf("tie x = %v gets %v and %v", x[i], b[i], b[j])
			}
		}
	}
	// Constant input: z = 0 and every point is inside with the same rank.
	c, err := BlendedInverseNormal(nil, []float64{2, 2, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := 0.6 * mathext.NormalQuantile((1.5+0.5)/5)
	for _, v := range c {
		if v != want {
			t.Errorf("constant input: %v, want %v", c, want)
			break
		}
	}
	// In place.
	y := slices.Clone(x)
	if _, err := BlendedInverseNormal(y, y); err != nil || !slices.Equal(y, b) {
		t.Errorf("in place: err %v, equal %v", err, slices.Equal(y, b))
	}
}

func TestBlendedInverseNormalErrors(t *testing.T) {
	if _, err := BlendedInverseNormal(nil, []float64{1}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one value: %v", err)
	}
	if _, err := BlendedInverseNormal(nil, []float64{1, math.NaN()}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := BlendedInverseNormal(make([]float64, 1), []float64{1, 2}); !errors.Is(err, ErrShape) {
		t.Errorf("dst: %v", err)
	}
}
