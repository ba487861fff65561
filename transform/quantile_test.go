package transform

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// sparseMatrix returns n rows of three columns: a normal one, a heavy-tailed
// one with repeated values, and a sparse one (mostly 0, as an element
// fraction or an image pixel).
func sparseMatrix(rng *rand.Rand, n int) *mat.Dense {
	x := mat.NewDense(n, 3, nil)
	for i := range n {
		x.Set(i, 0, rng.NormFloat64())
		x.Set(i, 1, math.Round(math.Exp(2*rng.NormFloat64())*4)/4)
		if rng.Float64() < 0.05 {
			x.Set(i, 2, rng.Float64())
		}
	}
	return x
}

// On the fitted rows the map is InverseNormal, ties included, when every
// distinct value is a knot.
func TestQuantileMatchesInverseNormal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// 500 rows with 500 knots, and 1 100 rows with the default 1 000 knots
	// after rounding column 0 to a grid of 0.02 (fewer distinct values than
	// knots, but more rows).
	for _, c := range []struct{ n, knots int }{{500, 500}, {1100, 0}} {
		x := sparseMatrix(rng, c.n)
		if c.knots == 0 {
			for i := range c.n {
				x.Set(i, 0, math.Round(x.At(i, 0)*50)/50)
			}
		}
		q, err := FitQuantile(x, c.knots)
		if err != nil {
			t.Fatal(err)
		}
		got, err := q.Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		want, err := InverseNormalDense(nil, x, Blom)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(got, want, 1e-14) {
			t.Fatalf("%d rows: quantile map of the fitted rows differs from InverseNormal", c.n)
		}
		if len(q.Constant) != 0 {
			t.Fatalf("Constant = %v, want none", q.Constant)
		}
	}
}

// The map of new values is non-decreasing, continuous at the knots and
// clamped to the end scores outside the fitted range; with few knots it stays
// close to the exact scores of the fitted rows.
func TestQuantileNewValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := sparseMatrix(rng, 2000)
	exact, err := InverseNormalDense(nil, x, Blom)
	if err != nil {
		t.Fatal(err)
	}
	for _, knots := range []int{0, 50} {
		q, err := FitQuantile(x, knots)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			if n := len(q.Knots[j]); knots > 0 && n > 2*knots {
				t.Errorf("knots=%d: column %d kept %d knots", knots, j, n)
			}
			kn, sc := q.Knots[j], q.Scores[j]
			lo, hi := kn[0], kn[len(kn)-1]
			prev := math.Inf(-1)
			for k := range 4001 {
				v := lo - 1 + (hi-lo+2)*float64(k)/4000
				s := q.score(j, v)
				if s < prev {
					t.Fatalf("knots=%d column %d: score decreases at %g", knots, j, v)
				}
				prev = s
			}
			if q.score(j, lo-1e9) != sc[0] || q.score(j, hi+1e9) != sc[len(sc)-1] {
				t.Errorf("knots=%d column %d: values beyond the range are not clamped to the end scores", knots, j)
			}
			if k := len(kn) / 2; k > 0 {
				eps := (kn[k] - kn[k-1]) * 1e-9
				if d := math.Abs(q.score(j, kn[k]-eps) - sc[k]); d > 1e-6 {
					t.Errorf("knots=%d column %d: jump of %g at knot %d", knots, j, d, k)
				}
			}
			col := mat.Col(nil, j, x)
			minV, maxV := col[0], col[0]
			for _, v := range col {
				minV, maxV = math.Min(minV, v), math.Max(maxV, v)
			}
			if lo != minV || hi != maxV {
				t.Errorf("knots=%d column %d: knots span [%g, %g], data [%g, %g]", knots, j, lo, hi, minV, maxV)
			}
		}
		got, err := q.Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		// Knots sit at most ⌈2000/K⌉ ranks apart. Within the bulk
		// (|score| < 2) the score is close to linear in the value between
		// neighbouring knots; in the tails a heavy-tailed column is not, so
		// only the root mean square is bounded there.
		worst, ss := 0.0, 0.0
		for i := range 2000 {
			for j := range 3 {
				d := math.Abs(got.At(i, j) - exact.At(i, j))
				ss += d * d
				if math.Abs(exact.At(i, j)) < 2 {
					worst = math.Max(worst, d)
				}
			}
		}
		rms := math.Sqrt(ss / 6000)
		lim := map[int][2]float64{0: {0.02, 0.01}, 50: {0.1, 0.1}}[knots]
		t.Logf("knots=%d: bulk %.3g rms %.3g", knots, worst, rms)
		if worst > lim[0] || rms > lim[1] {
			t.Errorf("knots=%d: fitted rows differ from the exact scores by %.3g in the bulk (limit %g), %.3g rms (limit %g)", knots, worst, lim[0], rms, lim[1])
		}
	}
}

// An increasing map of a column changes nothing on the fitted rows, and a
// sparse column becomes two levels without extreme values.
func TestQuantileInvariantAndBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := sparseMatrix(rng, 3500)
	y := mat.DenseCopyOf(x)
	for i := range 3500 {
		y.Set(i, 0, math.Exp(3*x.At(i, 0)))
		y.Set(i, 1, math.Cbrt(x.At(i, 1))-7)
	}
	// Every distinct value a knot: an increasing map of a column moves the
	// knots, not the ranks.
	qx, _ := FitQuantile(x, 3500)
	qy, _ := FitQuantile(y, 3500)
	tx, _ := qx.Transform(x)
	ty, err := qy.Transform(y)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(tx, ty, 1e-12) {
		t.Error("an increasing map of a column changed its scores")
	}
	bound := -rankQuantile(1, 3500, Blom, 3500-2*Blom+1)
	sparse := map[float64]bool{}
	for i := range 3500 {
		for j := range 3 {
			if v := tx.At(i, j); math.Abs(v) > bound+1e-12 {
				t.Fatalf("score %g beyond ±%g", v, bound)
			}
		}
		if x.At(i, 2) == 0 {
			sparse[tx.At(i, 2)] = true
		}
	}
	if len(sparse) != 1 {
		t.Errorf("the zeros of the sparse column map to %d scores, want 1", len(sparse))
	}
}

func TestQuantileConstantColumn(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{1, 7, 2, 7, 3, 7, 4, 7})
	q, err := FitQuantile(x, 0, "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Constant) != 1 || q.Constant[0] != 1 {
		t.Fatalf("Constant = %v, want [1]", q.Constant)
	}
	z, err := q.Transform(mat.NewDense(2, 2, []float64{0, -100, 5, 1e9}))
	if err != nil {
		t.Fatal(err)
	}
	if z.At(0, 1) != 0 || z.At(1, 1) != 0 {
		t.Errorf("constant column maps to %v, want 0", mat.Col(nil, 1, z))
	}
	if z.At(0, 0) != q.Scores[0][0] || z.At(1, 0) != q.Scores[0][3] || z.At(0, 0) != -z.At(1, 0) {
		t.Errorf("out-of-range values map to %v, want the end scores ±%g", mat.Col(nil, 0, z), q.Scores[0][3])
	}
}

func TestQuantileErrors(t *testing.T) {
	good := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	bad := mat.NewDense(3, 2, []float64{1, 2, 3, math.NaN(), 5, 6})
	for _, c := range []struct {
		name string
		fit  func() (*Quantile, error)
		want error
		text string
	}{
		{"one row", func() (*Quantile, error) { return FitQuantile(mat.NewDense(1, 2, nil), 0) }, ErrTooFew, "1 rows"},
		{"one knot", func() (*Quantile, error) { return FitQuantile(good, 1) }, ErrTooFew, "1 knot"},
		{"names", func() (*Quantile, error) { return FitQuantile(good, 0, "a") }, ErrShape, "1 names"},
		{"NaN", func() (*Quantile, error) { return FitQuantile(bad, 0, "a", "b") }, ErrNonFinite, `column 1 ("b"), row 1`},
	} {
		if _, err := c.fit(); !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: err = %v, want %v mentioning %q", c.name, err, c.want, c.text)
		}
	}
	q, err := FitQuantile(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Transform(bad); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("Transform(NaN): err = %v", err)
	}
	if _, err := q.Transform(mat.NewDense(2, 3, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("Transform(3 columns): err = %v", err)
	}
	for name, damage := range map[string]func(q *Quantile){
		"unsorted knots":  func(q *Quantile) { q.Knots[0][0], q.Knots[0][1] = q.Knots[0][1], q.Knots[0][0] },
		"NaN score":       func(q *Quantile) { q.Scores[1][2] = math.NaN() },
		"missing scores":  func(q *Quantile) { q.Scores[1] = q.Scores[1][:1] },
		"bad constant":    func(q *Quantile) { q.Constant = []int{0} },
		"no columns":      func(q *Quantile) { q.Knots, q.Scores = nil, nil },
		"names for three": func(q *Quantile) { q.Names = []string{"a", "b", "c"} },
	} {
		d, _ := FitQuantile(good, 0)
		damage(d)
		if err := d.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
		if _, err := d.Transform(good); err == nil {
			t.Errorf("%s: Transform accepted it", name)
		}
	}
}

// The Superconductivity element block: 3 500 training rows × 86 sparse
// columns, then a 1 000-row test block.
func BenchmarkFitQuantile(b *testing.B) {
	x := sparseWide(3500, 86)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitQuantile(x, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuantileTransform(b *testing.B) {
	q, err := FitQuantile(sparseWide(3500, 86), 0)
	if err != nil {
		b.Fatal(err)
	}
	x := sparseWide(1000, 86)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := q.Transform(x); err != nil {
			b.Fatal(err)
		}
	}
}

// sparseWide returns n rows of c columns, each 0 with probability 0.9.
func sparseWide(n, c int) *mat.Dense {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(c)))
	x := mat.NewDense(n, c, nil)
	for i := range n {
		for j := range c {
			if rng.Float64() < 0.1 {
				x.Set(i, j, rng.Float64())
			}
		}
	}
	return x
}
