package transform

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// Reference values of Φ⁻¹ from Python's statistics.NormalDist().inv_cdf.
func TestInverseNormalKnownValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		c    float64
		want []float64
	}{
		// n=2: ranks (2, 1), denominator 2 − 3/4 + 1 = 9/4, p₁ = (5/8)/(9/4) = 5/18.
		{"n2 blom", []float64{5, 1}, Blom, []float64{0.5894557978497785, -0.5894557978497785}},
		// n=3 with a tie: ranks (1.5, 1.5, 3), denominator 13/4,
		// p = (9/8)/(13/4) = 9/26 and (21/8)/(13/4) = 21/26.
		{"n3 tie", []float64{2, 2, 7}, Blom, []float64{-0.3957252958144873, -0.3957252958144873, 0.869423773288886}},
		// van der Waerden c = 0, n = 4: p = r/5.
		{"n4 waerden", []float64{0.3, -1, 10, 2}, 0, []float64{-0.2533471031357998, -0.8416212335729142, 0.8416212335729142, 0.2533471031357998}},
		// All equal: every rank is (n+1)/2, p = 1/2, score exactly 0.
		{"constant", []float64{4, 4, 4, 4, 4}, Blom, []float64{0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InverseNormal(nil, tc.x, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-15 {
					t.Errorf("ỹ[%d] = %.17g, want %.17g", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// naiveINT is the textbook O(n²) definition, the oracle for the in-place
// sort-and-pack algorithm.
func naiveINT(x []float64, c float64) []float64 {
	n := float64(len(x))
	out := make([]float64, len(x))
	for i, v := range x {
		less, equal := 0, 0
		for _, w := range x {
			if w < v {
				less++
			} else if w == v {
				equal++
			}
		}
		r := float64(less) + float64(equal+1)/2
		out[i] = mathext.NormalQuantile((r - c) / (n - 2*c + 1))
	}
	return out
}

func TestInverseNormalMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 3, 7, 64, 257, 1000} {
		for _, levels := range []int{2, 5, 1 << 30} { // heavy ties … no ties
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(rng.IntN(levels)) - float64(levels)/3
			}
			for _, c := range []float64{0, 1.0 / 3, Blom, 0.5} {
				got, err := InverseNormal(nil, x, c)
				if err != nil {
					t.Fatal(err)
				}
				want := naiveINT(x, c)
				for i := range got {
					if math.Abs(got[i]-want[i]) > 1e-12 {
						t.Fatalf("n=%d levels=%d c=%v: ỹ[%d] = %v, naive %v", n, levels, c, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestInverseNormalProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 2000
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.ExpFloat64() // strongly skewed, no ties
	}
	y, err := InverseNormal(nil, x, Blom)
	if err != nil {
		t.Fatal(err)
	}
	// Mean 0 up to rounding (mirrored ranks give exactly opposite scores).
	var sum, ss float64
	for _, v := range y {
		sum += v
		ss += v * v
	}
	if m := sum / n; math.Abs(m) > 1e-14 {
		t.Errorf("mean = %g, want 0", m)
	}
	// Blom scores have variance slightly below 1 (the extreme order
	// statistics are shrunk towards 0).
	if v := ss / n; v < 0.99 || v >= 1 {
		t.Errorf("variance = %v, want in [0.99, 1)", v)
	}
	// Strictly order preserving.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(math.Copysign(1, x[a]-x[b])) })
	for k := 1; k < n; k++ {
		if !(y[idx[k]] > y[idx[k-1]]) {
			t.Fatalf("not monotone at sorted position %d", k)
		}
	}
	// Invariance to strictly increasing maps, and antisymmetry under x → −x.
	for name, f := range map[string]func(float64) float64{
		"affine": func(v float64) float64 { return 3*v + 7 },
		"log":    math.Log,
		"cube":   func(v float64) float64 { return v * v * v },
	} {
		fx := make([]float64, n)
		for i, v := range x {
			fx[i] = f(v)
		}
		fy, err := InverseNormal(nil, fx, Blom)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(fy, y) {
			t.Errorf("%s: transform changed under a monotone map", name)
		}
	}
	neg := make([]float64, n)
	for i, v := range x {
		neg[i] = -v
	}
	ny, _ := InverseNormal(nil, neg, Blom)
	for i := range ny {
		if ny[i] != -y[i] {
			t.Fatalf("ỹ(−x)[%d] = %v, want %v", i, ny[i], -y[i])
		}
	}
}

func TestInverseNormalTiesShareScore(t *testing.T) {
	x := []float64{3, 1, 3, 2, 3, 1, -0.0, 0}
	y, err := InverseNormal(nil, x, Blom)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		for j := range x {
			if (x[i] == x[j]) != (y[i] == y[j]) {
				t.Errorf("x[%d]=%v x[%d]=%v but ỹ %v, %v", i, x[i], j, x[j], y[i], y[j])
			}
		}
	}
}

func TestInverseNormalInPlaceAndAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 256)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	want, _ := InverseNormal(nil, x, Blom)
	inPlace := slices.Clone(x)
	if _, err := InverseNormal(inPlace, inPlace, Blom); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inPlace, want) {
		t.Error("in-place result differs")
	}
	dst := make([]float64, len(x))
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := InverseNormal(dst, x, Blom); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("InverseNormal with dst allocates %v times per call", allocs)
	}
}

func TestInverseNormalErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		dst  []float64
		x    []float64
		c    float64
		is   error
		msg  string
	}{
		{"nan", nil, []float64{1, 2, nan}, Blom, ErrNonFinite, "x[2] = NaN"},
		{"inf", nil, []float64{math.Inf(-1), 2}, Blom, ErrNonFinite, "x[0] = -Inf"},
		{"empty", nil, nil, Blom, ErrTooFew, "0 values"},
		{"one", nil, []float64{1}, Blom, ErrTooFew, "1 values"},
		{"c=1", nil, []float64{1, 2}, 1, ErrOffset, "c = 1"},
		{"c<0", nil, []float64{1, 2}, -0.1, ErrOffset, "c = -0.1"},
		{"c nan", nil, []float64{1, 2}, nan, ErrOffset, "c = NaN"},
		{"dst len", make([]float64, 3), []float64{1, 2}, Blom, ErrShape, "len(dst) = 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := InverseNormal(tc.dst, tc.x, tc.c)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
}

func TestInverseNormalDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := mat.NewDense(50, 3, nil)
	for i := range 50 {
		x.Set(i, 0, rng.NormFloat64())
		x.Set(i, 1, float64(rng.IntN(4)))
		x.Set(i, 2, math.Exp(rng.NormFloat64()))
	}
	got, err := InverseNormalDense(nil, x, Blom)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 3 {
		want, _ := InverseNormal(nil, mat.Col(nil, j, x), Blom)
		if !slices.Equal(mat.Col(nil, j, got), want) {
			t.Errorf("column %d differs from InverseNormal", j)
		}
	}
	// In place.
	if _, err := InverseNormalDense(x, x, Blom); err != nil || !mat.Equal(x, got) {
		t.Errorf("in-place: err %v, equal %v", err, mat.Equal(x, got))
	}
	x.Set(17, 2, math.NaN())
	if _, err := InverseNormalDense(nil, x, Blom); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "column 2, row 17") {
		t.Errorf("NaN: err = %v", err)
	}
	if _, err := InverseNormalDense(mat.NewDense(2, 2, nil), x, Blom); !errors.Is(err, ErrShape) {
		t.Errorf("dst shape: err = %v", err)
	}
	if _, err := InverseNormalDense(nil, mat.NewDense(1, 3, nil), Blom); !errors.Is(err, ErrTooFew) {
		t.Errorf("one row: err = %v", err)
	}
}

func BenchmarkInverseNormal(b *testing.B) {
	for _, n := range []int{256, 21263} {
		rng := rand.New(rand.NewPCG(1, 1))
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		dst := make([]float64, n)
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := InverseNormal(dst, x, Blom); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
