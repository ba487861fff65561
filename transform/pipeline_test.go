package transform

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestPipelineBound(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{
		0, 5,
		1, 5,
		2, 5,
		10, 5, // column 2 is constant
	})
	unclamped, plain, err := fitTransform(t, x, PipelineOptions{Clip: -1})
	if err != nil {
		t.Fatal(err)
	}
	p, z, err := fitTransform(t, x, PipelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(z, plain) {
		t.Fatalf("clamping to the training range changed training rows:\n%v\n%v", mat.Formatted(z), mat.Formatted(plain))
	}
	if got, err := p.Transform(x); err != nil || !mat.Equal(got, plain) {
		t.Fatalf("Transform of the training rows = %v (err %v), want the fitted rows", mat.Formatted(got), err)
	}
	if c := p.Constant(); len(c) != 1 || c[0] != 1 {
		t.Errorf("constant columns %v, want [1]", c)
	}
	if len(unclamped.Lo) != 0 {
		t.Errorf("Clip −1 recorded bounds %v", unclamped.Lo)
	}
	// Held-out values beyond the training range stop at its ends.
	held := mat.NewDense(2, 2, []float64{1e6, 7, -3, 4})
	zh, err := p.Transform(held)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{plain.At(3, 0), 0, plain.At(0, 0), 0}
	for i, w := range want {
		if g := zh.RawMatrix().Data[i]; math.Abs(g-w) > 1e-15 {
			t.Errorf("clamped z[%d] = %g, want %g", i, g, w)
		}
	}
	if c, err := p.Clamped(held); err != nil || !c[0] || !c[1] {
		t.Errorf("Clamped(held) = %v, %v; want both rows", c, err)
	}
	if c, err := p.Clamped(x); err != nil || c[0] || c[1] || c[2] || c[3] {
		t.Errorf("Clamped(training rows) = %v, %v; want none", c, err)
	}
	// With a clip, training rows are bounded too (row 4 of column 1 is
	// z ≈ 1.45 in the population standard deviation).
	p1, z1, err := fitTransform(t, x, PipelineOptions{Clip: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if v := z1.At(i, 0); v < -1 || v > 1 {
			t.Errorf("row %d: z = %g outside ±1", i, v)
		}
	}
	if z1.At(3, 0) != 1 || z1.At(1, 0) != plain.At(1, 0) {
		t.Errorf("clip 1: z = %v, want the last row at 1 and the second unchanged", mat.Formatted(z1.ColView(0)))
	}
	if got, _ := p1.Transform(x); !mat.Equal(got, z1) {
		t.Errorf("clip 1: Transform differs from the fitted rows")
	}
	// The target's pipeline (no clamp) inverts exactly up to rounding.
	inv, err := unclamped.Inverse(plain)
	if err != nil || !mat.EqualApprox(inv, x, 1e-14) {
		t.Errorf("Inverse(Transform(x)) = %v (err %v), want x", mat.Formatted(inv), err)
	}
}

func TestPipelineMissing(t *testing.T) {
	nan := math.NaN()
	x := mat.NewDense(5, 2, []float64{
		1, 10,
		nan, 20,
		3, nan,
		4, 40,
		100, 50,
	})
	for _, tc := range []struct {
		how  Missing
		fill []float64
	}{{Median, []float64{3.5, 30}}, {Mean, []float64{27, 30}}} {
		p, z, err := fitTransform(t, x, PipelineOptions{Missing: tc.how})
		if err != nil {
			t.Fatalf("%v: %v", tc.how, err)
		}
		if p.Fill[0] != tc.fill[0] || p.Fill[1] != tc.fill[1] {
			t.Errorf("%v: fill %v, want %v", tc.how, p.Fill, tc.fill)
		}
		// The imputed cell transforms like its fill value.
		filled := mat.NewDense(1, 2, []float64{tc.fill[0], tc.fill[1]})
		zf, err := p.Transform(filled)
		if err != nil {
			t.Fatal(err)
		}
		if z.At(1, 0) != zf.At(0, 0) || z.At(2, 1) != zf.At(0, 1) {
			t.Errorf("%v: imputed cells %v, %v; their fill transforms to %v", tc.how, z.At(1, 0), z.At(2, 1), mat.Formatted(zf))
		}
		// Prediction rows with missing cells are imputed the same way.
		zn, err := p.Transform(mat.NewDense(2, 2, []float64{nan, tc.fill[1], tc.fill[0], nan}))
		if err != nil || zn.At(0, 0) != zf.At(0, 0) || zn.At(1, 1) != zf.At(0, 1) {
			t.Errorf("%v: Transform of rows with a missing cell = %v (err %v), want the fills' %v", tc.how, zn, err, zf)
		}
	}
	if _, err := FitPipeline(x, PipelineOptions{Missing: Refuse}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("Refuse: err = %v, want ErrNonFinite", err)
	}
	allNaN := mat.NewDense(3, 1, []float64{nan, nan, nan})
	if _, err := FitPipeline(allNaN, PipelineOptions{}); !errors.Is(err, ErrTooFew) {
		t.Errorf("an all-missing column: err = %v, want ErrTooFew", err)
	}
	inf := mat.NewDense(3, 1, []float64{1, math.Inf(1), 2})
	if _, err := FitPipeline(inf, PipelineOptions{}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("+Inf: err = %v, want ErrNonFinite", err)
	}
	huge := mat.NewDense(3, 2, []float64{1, 1e308, 2, 1.7e308, 3, -1e308})
	if _, err := FitPipeline(huge, PipelineOptions{}); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "column 1") {
		t.Errorf("values near 1e308: err = %v, want ErrNonFinite naming column 1", err)
	}
	p, err := FitPipeline(mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 7}), PipelineOptions{Missing: Refuse})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Transform(mat.NewDense(1, 2, []float64{nan, 1})); !errors.Is(err, ErrNonFinite) {
		t.Errorf("Refuse at transform: err = %v, want ErrNonFinite", err)
	}
	if _, err := p.Transform(mat.NewDense(1, 3, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("wrong width: err = %v, want ErrShape", err)
	}
}

// TestPipelineQuantileInverse checks that Inverse undoes a quantile pipeline
// on the training values and between knots.
func TestPipelineQuantileInverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := mat.NewDense(300, 2, nil)
	for i := range 300 {
		x.Set(i, 0, math.Exp(rng.NormFloat64()))
		x.Set(i, 1, float64(rng.IntN(5))) // heavy ties
	}
	p, z, err := fitTransform(t, x, PipelineOptions{Quantile: true, Clip: -1})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := p.Inverse(z)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(inv, x, 1e-9) {
		t.Errorf("Inverse(Transform(x)) differs from x")
	}
	// A value between two knots of column 0 comes back.
	mid := mat.NewDense(1, 2, []float64{(x.At(0, 0) + x.At(1, 0)) / 2, 2})
	zm, _ := p.Transform(mid)
	back, _ := p.Inverse(zm)
	if !mat.EqualApprox(back, mid, 1e-9) {
		t.Errorf("between knots: %v back as %v", mat.Formatted(mid), mat.Formatted(back))
	}
}

// fitTransform fits a pipeline and transforms the fitted rows with it.
func fitTransform(t *testing.T, x mat.Matrix, opt PipelineOptions) (*Pipeline, *mat.Dense, error) {
	t.Helper()
	p, err := FitPipeline(x, opt)
	if err != nil {
		return nil, nil, err
	}
	z, err := p.Transform(x)
	return p, z, err
}

// TestPipelineMatchesParts fits a quantile pipeline and, independently, a
// Quantile and a Scaler on its output: the statistics agree bit for bit.
func TestPipelineMatchesParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := mat.NewDense(500, 3, nil)
	for i := range 500 {
		x.Set(i, 0, rng.ExpFloat64())
		x.Set(i, 1, float64(rng.IntN(3)))
		x.Set(i, 2, rng.NormFloat64())
	}
	p, err := FitPipeline(x, PipelineOptions{Quantile: true, Knots: 50})
	if err != nil {
		t.Fatal(err)
	}
	q, err := FitQuantile(x, 50)
	if err != nil {
		t.Fatal(err)
	}
	s0, err := q.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	s, err := FitScaler(s0)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 3 {
		if !slices.Equal(p.Quantile.Knots[j], q.Knots[j]) || !slices.Equal(p.Quantile.Scores[j], q.Scores[j]) {
			t.Errorf("column %d: pipeline knots differ from FitQuantile's", j)
		}
	}
	if !slices.Equal(p.Scaler.Mean, s.Mean) || !slices.Equal(p.Scaler.Scale, s.Scale) || !slices.Equal(p.Scaler.Constant, s.Constant) {
		t.Errorf("pipeline scaler %+v, FitScaler of the scores %+v", p.Scaler, s)
	}
	z, err := s.Transform(s0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Transform(x)
	if err != nil || !mat.Equal(got, z) {
		t.Errorf("pipeline transform differs from Scaler(Quantile(x)) (err %v)", err)
	}
}

// TestPipelineMissingRow checks that a row whose every value is missing
// maps to zeros under every policy, and that Refuse still refuses a row
// with some values missing.
func TestPipelineMissingRow(t *testing.T) {
	nan := math.NaN()
	x := mat.NewDense(4, 2, []float64{1, 5, 2, 7, 3, 6, 4, 9})
	for _, how := range []Missing{Median, Mean, Refuse} {
		p, err := FitPipeline(x, PipelineOptions{Missing: how, Quantile: how == Mean})
		if err != nil {
			t.Fatal(err)
		}
		z, err := p.Transform(mat.NewDense(2, 2, []float64{nan, nan, 2, 7}))
		if err != nil {
			t.Fatalf("%v: %v", how, err)
		}
		if z.At(0, 0) != 0 || z.At(0, 1) != 0 || z.At(1, 0) == 0 {
			t.Errorf("%v: a missing row transformed to %v", how, mat.Formatted(z))
		}
		if c, err := p.Clamped(mat.NewDense(1, 2, []float64{nan, nan})); err != nil || c[0] {
			t.Errorf("%v: Clamped(missing row) = %v, %v", how, c, err)
		}
	}
	p, _ := FitPipeline(x, PipelineOptions{Missing: Refuse})
	if _, err := p.Transform(mat.NewDense(1, 2, []float64{nan, 3})); !errors.Is(err, ErrNonFinite) {
		t.Errorf("Refuse with one missing cell: err = %v", err)
	}
}
