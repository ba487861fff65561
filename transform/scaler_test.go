package transform

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func randomMatrix(rng *rand.Rand, r, c int) *mat.Dense {
	x := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			x.Set(i, j, float64(j+1)*rng.NormFloat64()+100*float64(j))
		}
	}
	return x
}

func TestScalerStandardisesAndRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := randomMatrix(rng, 200, 4)
	s, err := FitScaler(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Constant) != 0 {
		t.Errorf("Constant = %v, want none", s.Constant)
	}
	z, err := s.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 4 {
		col := mat.Col(nil, j, x)
		mean, sd := stat.PopMeanStdDev(col, nil)
		if math.Abs(s.Mean[j]-mean) > 1e-12*math.Max(1, math.Abs(mean)) || math.Abs(s.Scale[j]-sd) > 1e-12*sd {
			t.Errorf("column %d: mean, scale = %v, %v; gonum %v, %v", j, s.Mean[j], s.Scale[j], mean, sd)
		}
		m, v := stat.PopMeanVariance(mat.Col(nil, j, z), nil)
		if math.Abs(m) > 1e-12 || math.Abs(v-1) > 1e-12 {
			t.Errorf("column %d of z: mean %v, variance %v", j, m, v)
		}
	}
	back, err := s.Inverse(z)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(back, x, 1e-12) {
		t.Error("Inverse(Transform(x)) ≠ x")
	}
	// Held-out rows use the training statistics, not their own.
	test := randomMatrix(rng, 30, 4)
	zt, _ := s.Transform(test)
	if got, want := zt.At(5, 2), (test.At(5, 2)-s.Mean[2])/s.Scale[2]; got != want {
		t.Errorf("held-out z = %v, want %v", got, want)
	}
}

func TestScalerConstantColumns(t *testing.T) {
	x := mat.NewDense(4, 3, []float64{
		1, 5, 0.1 + 0.2,
		2, 5, 0.3,
		3, 5, 0.3,
		4, 5, 0.1 + 0.2,
	}) // column 2 differs only by one ulp: 0.1+0.2 ≠ 0.3
	s, err := FitScaler(x, "a", "b", "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Constant) != 2 || s.Constant[0] != 1 || s.Constant[1] != 2 {
		t.Fatalf("Constant = %v, want [1 2]", s.Constant)
	}
	if s.Scale[1] != 1 || s.Scale[2] != 1 || s.Mean[1] != 5 {
		t.Errorf("Scale = %v, Mean = %v", s.Scale, s.Mean)
	}
	z, err := s.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if z.At(i, 1) != 0 || math.Abs(z.At(i, 2)) > 1e-15 {
			t.Errorf("row %d: constant columns map to %v, %v", i, z.At(i, 1), z.At(i, 2))
		}
	}
}

func TestScalerErrors(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{1, 2, 3, math.NaN(), 5, 6})
	_, err := FitScaler(x, "temp", "pressure")
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), `column 1 ("pressure"), row 1 = NaN`) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := FitScaler(mat.NewDense(1, 2, nil)); !errors.Is(err, ErrTooFew) {
		t.Errorf("one row: %v", err)
	}
	if _, err := FitScaler(mat.NewDense(3, 2, nil), "only one"); !errors.Is(err, ErrShape) {
		t.Errorf("names: %v", err)
	}
	s, err := FitScaler(mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 7}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transform(mat.NewDense(3, 3, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("columns: %v", err)
	}
	if _, err := s.Inverse(mat.NewDense(1, 2, []float64{0, math.Inf(1)})); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "column 1, row 0") {
		t.Errorf("Inf: %v", err)
	}
	for name, bad := range map[string]*Scaler{
		"nil":       nil,
		"empty":     {},
		"lengths":   {Mean: []float64{0, 0}, Scale: []float64{1}},
		"zero":      {Mean: []float64{0}, Scale: []float64{0}},
		"nan mean":  {Mean: []float64{math.NaN()}, Scale: []float64{1}},
		"constant":  {Mean: []float64{0}, Scale: []float64{1}, Constant: []int{1}},
		"names":     {Mean: []float64{0}, Scale: []float64{1}, Names: []string{"a", "b"}},
		"neg scale": {Mean: []float64{0}, Scale: []float64{-2}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, bad)
		}
		if _, err := bad.Transform(mat.NewDense(1, 1, nil)); err == nil {
			t.Errorf("%s: Transform accepted an invalid scaler", name)
		}
	}
}
