package pid

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// coverageModel returns the mixing matrix L of (M, X₁..X_dx, Y₁..Y_dy) = L ξ,
// ξ ~ N(0, I): a scalar target, X₁ = 0.9M + a, X₂ = 0.6a + 0.8b (it cancels
// X₁'s noise: synergy), Y₁ = 0.5M + c, Y₂ = 0.5a + 0.5c + 0.7e, and for
// dx = dy = 4 two pure-noise columns in each source. The closed form gives
// I_X = 0.590, I_Y = 0.208, I_XY = 0.907, U_X = 0.382, Red = 0.208,
// Syn = 0.317 and U_Y = 0 (bits); I_dep gives U_X = 0.481, U_Y = 0.099,
// Red = 0.109, Syn = 0.218: every I_dep atom is interior.
func coverageModel(extra int) *mat.Dense {
	core := [5][5]float64{
		{1, 0, 0, 0, 0},
		{0.9, 1, 0, 0, 0},
		{0, 0.6, 0.8, 0, 0},
		{0.5, 0, 0, 1, 0},
		{0, 0.5, 0, 0.5, 0.7},
	}
	dx := 2 + extra
	d := 1 + 2*dx
	rows := []int{0, 1, 2, 1 + dx, 2 + dx} // where the core rows go
	l := mat.NewDense(d, d, nil)
	for i, r := range rows {
		for j := 0; j < 5; j++ {
			l.Set(r, j, core[i][j])
		}
	}
	col := 5
	for k := 0; k < extra; k++ {
		l.Set(3+k, col, 1)
		col++
		l.Set(3+dx+k, col, 1)
		col++
	}
	return l
}

// sampleModel draws n rows from L ξ and returns the three blocks.
func sampleModel(rng interface{ NormFloat64() float64 }, l *mat.Dense, n, dx int) (m, x, y *mat.Dense) {
	d, _ := l.Dims()
	z := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			z.Set(i, j, rng.NormFloat64())
		}
	}
	var data mat.Dense
	data.Mul(z, l.T())
	return mat.DenseCopyOf(data.Slice(0, n, 0, 1)), mat.DenseCopyOf(data.Slice(0, n, 1, 1+dx)),
		mat.DenseCopyOf(data.Slice(0, n, 1+dx, d))
}

// TestBootstrapCoverage is the acceptance test of the bootstrap: over 200
// samples of n = 400 rows from a known Gaussian (dm = 1, dx = dy = 2), the
// default 95 % intervals (B = 200) must cover the true value of every
// interior quantity at least 80 % of the time and 88 % on average, for the
// closed form and for I_dep, with and without bias correction. The closed
// form's UniqueY is 0 by construction for a scalar target: its intervals
// are reported apart (they contain 0 trivially, and are often exactly
// [0, 0]). A second, harder scenario (n = 100, dx = dy = 4) is logged with
// both interval kinds: it is the study behind the default, IntervalBC.
func TestBootstrapCoverage(t *testing.T) {
	reps := 200
	if testing.Short() {
		reps = 40
	}
	for _, sc := range []struct {
		n, extra int
		assert   bool
	}{{400, 0, true}, {100, 2, true}} {
		l := coverageModel(sc.extra)
		dx := 2 + sc.extra
		c := covOf(l)
		for _, method := range []string{MethodClosed, MethodDep} {
			truth, err := Decompose(c, 1, dx, dx, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			tv := values7(truth)
			for _, debias := range []bool{false, true} {
				rng := newRand(80)
				var hit [2][7]int // percentile, bc
				var zero int      // degenerate [0, 0] intervals of a zero atom (auto kind)
				auto := 1         // BC, the default
				for rep := 0; rep < reps; rep++ {
					m, x, y := sampleModel(rng, l, sc.n, dx)
					iv, err := Bootstrap(m, x, y, Options{Method: method, Debias: debias}, BootstrapOptions{B: 200, Seed: uint64(rep)})
					if err != nil {
						t.Fatal(err)
					}
					if want := []string{IntervalPercentile, IntervalBC}[auto]; iv.Kind != want {
						t.Fatalf("auto interval is %q, want %q", iv.Kind, want)
					}
					est := values7(iv.Estimate)
					for q := range tv {
						col := make([]float64, len(iv.Replicates))
						for k, r := range iv.Replicates {
							col[k] = values7(r)[q]
						}
						for kind, name := range []string{IntervalPercentile, IntervalBC} {
							in := interval(col, est[q], 0.95, name)
							if in.Contains(tv[q]) {
								hit[kind][q]++
							}
							if kind == auto && tv[q] == 0 && in.Lo == 0 && in.Hi == 0 {
								zero++
							}
						}
						if got := *iv.fields()[q]; got != interval(col, est[q], 0.95, iv.Kind) {
							t.Fatalf("interval %d differs from its replicates", q)
						}
					}
				}
				for kind, name := range []string{"percentile", "bc"} {
					var line strings.Builder
					var sum float64
					var interior int
					minRate := 1.0
					for q := range tv {
						rate := float64(hit[kind][q]) / float64(reps)
						if tv[q] == 0 {
							fmt.Fprintf(&line, " %s=%.3f(zero atom)", quantityNames[q], rate)
							continue
						}
						fmt.Fprintf(&line, " %s=%.3f", quantityNames[q], rate)
						sum += rate
						interior++
						minRate = math.Min(minRate, rate)
					}
					mean := sum / float64(interior)
					mark := ""
					if kind == auto {
						mark = " (default)"
					}
					t.Logf("n=%d dx=dy=%d %s debias=%v %s%s: mean %.3f, min %.3f;%s", sc.n, dx, method, debias, name, mark, mean, minRate, line.String())
					if sc.assert && kind == auto && !testing.Short() && (minRate < 0.80 || mean < 0.88) {
						t.Errorf("n=%d %s debias=%v %s: coverage mean %.3f, min %.3f (want ≥ 0.88, ≥ 0.80)", sc.n, method, debias, name, mean, minRate)
					}
				}
				if zero > 0 {
					t.Logf("  zero atom: %d of %d default intervals are exactly [0, 0]", zero, reps)
				}
			}
		}
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	rng := newRand(81)
	l := coverageModel(0)
	m, x, y := sampleModel(rng, l, 120, 2)
	for _, method := range []string{"auto", "tilde", "dep"} {
		opt := Options{Method: method, Debias: true}
		ref, err := Bootstrap(m, x, y, opt, BootstrapOptions{B: 37, Seed: 5, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 3, 16} {
			got, err := Bootstrap(m, x, y, opt, BootstrapOptions{B: 37, Seed: 5, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, ref) {
				t.Fatalf("%s: %d workers differ from 1", method, workers)
			}
		}
		prev := runtime.GOMAXPROCS(1)
		got, err := Bootstrap(m, x, y, opt, BootstrapOptions{B: 37, Seed: 5})
		runtime.GOMAXPROCS(prev)
		if err != nil || !reflect.DeepEqual(got, ref) {
			t.Fatalf("%s: GOMAXPROCS=1 differs (%v)", method, err)
		}
		other, _ := Bootstrap(m, x, y, opt, BootstrapOptions{B: 37, Seed: 6})
		if reflect.DeepEqual(other.Replicates, ref.Replicates) {
			t.Fatalf("%s: seeds 5 and 6 give the same resamples", method)
		}
		pref, err := PermutationTest(m, x, y, opt, PermutationOptions{P: 29, Seed: 5, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		pgot, err := PermutationTest(m, x, y, opt, PermutationOptions{P: 29, Seed: 5, Workers: 3})
		if err != nil || pgot != pref {
			t.Fatalf("%s: permutation p-values depend on workers: %+v vs %+v (%v)", method, pgot, pref, err)
		}
	}
}

// TestIntervalsOf checks Of against the seven intervals Bootstrap computes
// itself, for both kinds, and its NaN rules.
func TestIntervalsOf(t *testing.T) {
	m, x, y := sampleModel(newRand(83), coverageModel(0), 150, 2)
	for _, kind := range []string{IntervalBC, IntervalPercentile} {
		iv, err := Bootstrap(m, x, y, Options{}, BootstrapOptions{B: 41, Seed: 2, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		for q, want := range iv.fields() {
			got := iv.Of(func(r Result) float64 { return values7(r)[q] })
			if got != *want {
				t.Errorf("%s: Of(%s) = %+v, Bootstrap gave %+v", kind, quantityNames[q], got, *want)
			}
		}
		if got := iv.Of(func(Result) float64 { return math.NaN() }); !math.IsNaN(got.Lo) || !math.IsNaN(got.Hi) || !math.IsNaN(got.SE) {
			t.Errorf("%s: Of(NaN) = %+v, want NaN bounds", kind, got)
		}
		// Leaving out the replicates above the estimate moves the interval
		// to or below it.
		est := iv.Estimate.MIXY
		low := iv.Of(func(r Result) float64 {
			if r.MIXY > est {
				return math.NaN()
			}
			return r.MIXY
		})
		if !(low.Hi <= est) || low.Lo >= iv.MIXY.Lo && kind == IntervalPercentile {
			t.Errorf("%s: interval of the replicates below %.4f is %+v", kind, est, low)
		}
	}
}

func TestBootstrapBadInput(t *testing.T) {
	rng := newRand(82)
	m, x, y := sampleModel(rng, coverageModel(0), 60, 2)
	good := BootstrapOptions{B: 10}
	for _, tc := range []struct {
		name    string
		m, x, y mat.Matrix
		opt     Options
		b       BootstrapOptions
		want    error
	}{
		{"B = 0", m, x, y, Options{}, BootstrapOptions{}, ErrOptions},
		{"B < 0", m, x, y, Options{}, BootstrapOptions{B: -3}, ErrOptions},
		{"level", m, x, y, Options{}, BootstrapOptions{B: 10, Level: 1}, ErrOptions},
		{"level NaN", m, x, y, Options{}, BootstrapOptions{B: 10, Level: math.NaN()}, ErrOptions},
		{"kind", m, x, y, Options{}, BootstrapOptions{B: 10, Kind: "bca"}, ErrOptions},
		{"method", m, x, y, Options{Method: "broja"}, good, ErrMethod},
		{"rows", m.Slice(0, 59, 0, 1), x, y, Options{}, good, ErrDimension},
		{"too few rows", m.Slice(0, 20, 0, 1), x.Slice(0, 20, 0, 2), y.Slice(0, 20, 0, 2), Options{}, good, ErrTooFewRows},
	} {
		if _, err := Bootstrap(tc.m, tc.x, tc.y, tc.opt, tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	nan := mat.DenseCopyOf(x)
	nan.Set(7, 1, math.NaN())
	if _, err := Bootstrap(m, nan, y, Options{}, good); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := PermutationTest(m, nan, y, Options{}, PermutationOptions{P: 5}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("permutation NaN: %v", err)
	}
	for _, p := range []int{0, -1} {
		if _, err := PermutationTest(m, x, y, Options{}, PermutationOptions{P: p}); !errors.Is(err, ErrOptions) {
			t.Errorf("P = %d: %v", p, err)
		}
	}
	_, err := Bootstrap(m.Slice(0, 20, 0, 1), x.Slice(0, 20, 0, 2), y.Slice(0, 20, 0, 2), Options{}, good)
	t.Logf("too few rows: %v", err)
	// 24 rows are enough for 5 variables, 23 are not.
	if _, err := Bootstrap(m.Slice(0, 24, 0, 1), x.Slice(0, 24, 0, 2), y.Slice(0, 24, 0, 2), Options{Method: MethodDep}, BootstrapOptions{B: 500}); err != nil {
		t.Errorf("24 rows: %v", err)
	}
	if _, err := Bootstrap(m.Slice(0, 23, 0, 1), x.Slice(0, 23, 0, 2), y.Slice(0, 23, 0, 2), Options{}, good); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("23 rows: %v", err)
	}
}

func TestMinBootstrapRows(t *testing.T) {
	for _, tc := range []struct{ d, want int }{{5, 24}, {129, 253}} {
		if got := MinBootstrapRows(tc.d); got != tc.want {
			t.Errorf("MinBootstrapRows(%d) = %d, want %d (as documented)", tc.d, got, tc.want)
		}
	}
	prev := 0
	for d := 1; d < 300; d++ {
		n := MinBootstrapRows(d)
		if n < prev || float64(n) < float64(d+1)/0.632 {
			t.Fatalf("MinBootstrapRows(%d) = %d after %d", d, n, prev)
		}
		prev = n
	}
}

func TestIntervalKinds(t *testing.T) {
	v := []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}
	// Definition 7 of Hyndman & Fan: h = (n−1)p.
	s := append([]float64(nil), v...)
	pct := interval(s, 5.5, 0.5, IntervalPercentile)
	if pct.Lo != 3.25 || pct.Hi != 7.75 {
		t.Errorf("50%% percentile interval of 1..10 = [%v, %v], want [3.25, 7.75]", pct.Lo, pct.Hi)
	}
	// θ̂ at the median: BC equals the percentile interval.
	if bc := interval(append([]float64(nil), v...), 5.5, 0.5, IntervalBC); math.Abs(bc.Lo-3.25) > 1e-12 || math.Abs(bc.Hi-7.75) > 1e-12 {
		t.Errorf("BC with p₀ = ½: [%v, %v]", bc.Lo, bc.Hi)
	}
	// θ̂ below most resamples: BC moves the interval down.
	if bc := interval(append([]float64(nil), v...), 3.5, 0.5, IntervalBC); !(bc.Lo < 3.25 && bc.Hi < 7.75) {
		t.Errorf("BC with p₀ = 0.3: [%v, %v] not below the percentile interval", bc.Lo, bc.Hi)
	}
	if math.Abs(pct.SE-math.Sqrt(55.0/6)) > 1e-12 {
		t.Errorf("SE %v, want %v", pct.SE, math.Sqrt(55.0/6))
	}
	// All resamples equal: a point, for both kinds.
	for _, kind := range []string{IntervalPercentile, IntervalBC} {
		if iv := interval([]float64{0, 0, 0, 0}, 0, 0.95, kind); iv != (Interval{}) {
			t.Errorf("%s of equal values: %+v", kind, iv)
		}
	}
}

// TestPermutationTest: a strong signal gets the smallest reachable p-value
// for the informations; under independence the p-values of I(M;X,Y) are
// uniform, so about 5 % fall below 0.05.
func TestPermutationTest(t *testing.T) {
	rng := newRand(83)
	m, x, y := sampleModel(rng, coverageModel(0), 200, 2)
	pv, err := PermutationTest(m, x, y, Options{}, PermutationOptions{P: 99, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []float64{pv.MIX, pv.MIY, pv.MIXY, pv.UniqueX, pv.Redundancy, pv.Synergy} {
		if p != 0.01 {
			t.Errorf("strong signal: p-values %+v, want 0.01", pv)
			break
		}
	}
	if pv.UniqueY != 1 { // exactly 0 under the closed form: never exceeded
		t.Errorf("p-value of a zero atom %v, want 1", pv.UniqueY)
	}
	const reps = 200
	var reject int
	for rep := 0; rep < reps; rep++ {
		m, x, y := randNormal(rng, 40, 1), randNormal(rng, 40, 2), randNormal(rng, 40, 2)
		pv, err := PermutationTest(m, x, y, Options{}, PermutationOptions{P: 99, Seed: uint64(rep)})
		if err != nil {
			t.Fatal(err)
		}
		if pv.MIXY <= 0.05 {
			reject++
		}
	}
	rate := float64(reject) / reps
	t.Logf("null rejection rate of I(M;X,Y) at 5%%: %.3f", rate)
	if rate > 0.10 || rate < 0.01 { // Binomial(200, 0.05): sd 0.015
		t.Errorf("null rejection rate %.3f, want ≈ 0.05", rate)
	}
}
