package regularizer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gaussGraph builds Gaussianity of x alone (one latent, no target) with
// weight an input scalar node.
func gaussGraph(weight float64) func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	return func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		w := G.NewScalar(g, tensor.Float64, G.WithName("weight"), G.WithValue(weight))
		return Gaussianity(w, nil, x)
	}
}

// gaussBlocks builds Gaussianity(weight, target, latents…) with x as latent
// number at (the others fixed input nodes): the gradient check then covers
// the gradient node of one latent among several.
func gaussBlocks(weight float64, target *mat.Dense, latents []*mat.Dense, at int) func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	return func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		w := G.NewScalar(g, tensor.Float64, G.WithName("weight"), G.WithValue(weight))
		var tn *G.Node
		if target != nil {
			tn = inputMatrix(g, "target", target)
		}
		zs := make([]*G.Node, len(latents))
		for i, z := range latents {
			if i == at {
				zs[i] = x
			} else {
				zs[i] = inputMatrix(g, fmt.Sprintf("z%d", i), z)
			}
		}
		return Gaussianity(w, tn, zs...)
	}
}

// columns returns the columns [from, to) of f.
func columns(f *mat.Dense, from, to int) *mat.Dense {
	r, _ := f.Dims()
	return mat.DenseCopyOf(f.Slice(0, r, from, to))
}

// correlated returns n×p data with correlated columns drawn by gen.
func correlated(rng *rand.Rand, n, p int, gen func() float64) *mat.Dense {
	f := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		prev := 0.0
		for j := 0; j < p; j++ {
			v := gen() + 0.5*prev
			f.Set(i, j, v)
			prev = v
		}
	}
	return f
}

func TestGaussianityGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct {
		n, p   int
		weight float64
		gen    func() float64
	}{
		{40, 4, 1, rng.ExpFloat64},
		{30, 3, 0.3, rng.Float64},
		{50, 6, 2, rng.NormFloat64},
	} {
		f := correlated(rng, tc.n, tc.p, tc.gen)
		gl := buildLoss(t, f, gaussGraph(tc.weight))
		// h = 1e-5: larger steps cross sort-order swaps (kinks), smaller ones hit rounding.
		worst := gradCheck(t, gl, rng, 60, nil, 1e-5, 1e-5)
		t.Logf("n=%d p=%d weight %v: worst rel err %.2e", tc.n, tc.p, tc.weight, worst)
	}
}

// The gradient node of each latent among [target, Z1, Z2, Z3] agrees with
// finite differences.
func TestGaussianityBlockGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	f := correlated(rng, 40, 1+3+2+3, rng.NormFloat64)
	target := columns(f, 0, 1)
	latents := []*mat.Dense{columns(f, 1, 4), columns(f, 4, 6), columns(f, 6, 9)}
	for at, z := range latents {
		gl := buildLoss(t, z, gaussBlocks(0.7, target, latents, at))
		// tol 1e-4: with 9 columns on 40 rows, rounding in the differences
		// of the smallest entries reaches 2e-5; a wrong block is off by O(1).
		worst := gradCheck(t, gl, rng, 30, nil, 1e-5, 1e-4)
		t.Logf("latent %d: worst rel err %.2e", at+1, worst)
	}
}

// The separate blocks give what the op gave on their concatenation (the
// formulation they replace, G.Concat into one input): the same value and,
// for each latent, the same columns of the gradient, bit for bit, for
// upstream gradients 1 and gradScale.
func TestGaussianityBlocksMatchConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	const n, k = 64, 5
	y, z1, z2 := normal(rng, n, 1), correlated(rng, n, k, rng.ExpFloat64), correlated(rng, n, k, rng.Float64)
	build := func(concat bool) (float64, [][]float64) {
		g := G.NewGraph()
		yn := inputMatrix(g, "y", y)
		zs := []*G.Node{inputMatrix(g, "z1", z1), inputMatrix(g, "z2", z2)}
		w := G.NewScalar(g, tensor.Float64, G.WithName("w"), G.WithValue(0.3))
		var l *G.Node
		var err error
		if concat {
			l, err = Gaussianity(w, nil, G.Must(G.Concat(1, yn, zs[0], zs[1])))
		} else {
			l, err = Gaussianity(w, yn, zs...)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := G.Grad(G.Must(G.Mul(l, G.NewConstant(gradScale))), zs...); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(zs...))
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		v := l.Value().Data().(float64)
		var grads [][]float64
		for _, z := range zs {
			gv, err := z.Grad()
			if err != nil {
				t.Fatal(err)
			}
			grads = append(grads, append([]float64(nil), gv.Data().([]float64)...))
		}
		return v, grads
	}
	v1, g1 := build(true)
	v2, g2 := build(false)
	if v1 != v2 {
		t.Errorf("value: blocks %v, concatenation %v", v2, v1)
	}
	for i := range g1 {
		for j := range g1[i] {
			if g1[i][j] != g2[i][j] {
				t.Fatalf("latent %d, entry %d: blocks %v, concatenation %v", i+1, j, g2[i][j], g1[i][j])
			}
		}
	}
}

func TestGaussianityForwardMatchesValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, gen := range []func() float64{rng.NormFloat64, rng.ExpFloat64, rng.Float64} {
		f := correlated(rng, 256, 1+8+8, gen)
		for _, w := range []float64{1, 0.25} {
			gl := buildLoss(t, f, gaussGraph(w))
			got := gl.run(t)
			want, err := GaussianityValue(f)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-w*want) > 1e-10*math.Max(1e-3, want) {
				t.Errorf("weight %v: op %.15g, want %.15g", w, got, w*want)
			}
		}
	}
}

// Gaussian data give a small loss; uniform and exponential data larger ones,
// at the shapes the trainer uses (p = 1 + 64 + 64).
func TestGaussianityAnalytic(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const n, p = 256, 129
	val := func(gen func() float64) float64 {
		v, err := GaussianityValue(correlated(rng, n, p, gen))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	gauss := val(rng.NormFloat64)
	unif := val(rng.Float64)
	expo := val(rng.ExpFloat64)
	t.Logf("−log W: Gaussian %.3g, uniform %.3g, exponential %.3g", gauss, unif, expo)
	if gauss > 2e-3 {
		t.Errorf("Gaussian data: loss %v, want < 2e-3", gauss)
	}
	if unif < 5*gauss || expo < 5*gauss {
		t.Errorf("non-Gaussian data not clearly penalised: Gaussian %v, uniform %v, exponential %v", gauss, unif, expo)
	}
}

// Whitening with a diagonal-proportional ridge makes the loss invariant to
// column scaling and to adding a constant per column.
func TestGaussianityInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	f := correlated(rng, 100, 5, rng.ExpFloat64)
	base, err := GaussianityValue(f)
	if err != nil {
		t.Fatal(err)
	}
	g := mat.DenseCopyOf(f)
	for j, s := range []float64{1e-3, 7, 1, 250, 0.5} {
		for i := 0; i < 100; i++ {
			g.Set(i, j, s*g.At(i, j)+float64(j)*3)
		}
	}
	got, err := GaussianityValue(g)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-base) > 1e-9*base {
		t.Errorf("after column scaling and shifts: %.15g, before %.15g", got, base)
	}
}

// Weight 0 skips all work: value 0 and zero gradient even for data the
// loss would reject.
func TestGaussianityWeightZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	f := correlated(rng, 20, 3, rng.ExpFloat64)
	f.Set(0, 0, math.NaN()) // never looked at
	gl := buildLoss(t, f, gaussGraph(0))
	v, g := gl.grad(t)
	if v != 0 {
		t.Errorf("value %v, want 0", v)
	}
	for i, x := range g {
		if x != 0 {
			t.Fatalf("grad[%d] = %v, want 0", i, x)
		}
	}
}

// Switching the weight between runs of one machine takes effect.
func TestGaussianityWeightSwitch(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	f := correlated(rng, 60, 4, rng.ExpFloat64)
	g := G.NewGraph()
	x := inputMatrix(g, "f", f)
	wv := G.NewF64(1)
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"), G.WithValue(wv))
	l, err := Gaussianity(w, nil, x)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	want, err := GaussianityValue(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, weight := range []float64{1, 0, 0.5} {
		if err := G.Let(w, weight); err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		got := l.Value().Data().(float64)
		vm.Reset()
		if math.Abs(got-weight*want) > 1e-12 {
			t.Errorf("weight %v: %v, want %v", weight, got, weight*want)
		}
	}
}

func TestGaussianityErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	good := correlated(rng, 30, 3, rng.NormFloat64)
	nan := mat.DenseCopyOf(good)
	nan.Set(3, 2, math.Inf(-1))
	constCol := mat.DenseCopyOf(good)
	for i := 0; i < 30; i++ {
		constCol.Set(i, 1, 0.1) // 0.1 is inexact: centring leaves rounding residue
	}
	for _, tc := range []struct {
		name string
		f    mat.Matrix
		want error
	}{
		{"inf", nan, ErrNonFinite},
		{"wide", normal(rng, 5, 5), ErrTooFewRows},
		{"constant column", constCol, ErrDegenerate},
	} {
		if _, err := GaussianityValue(tc.f); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	gl := buildLoss(t, constCol, gaussGraph(1))
	if err := gl.vm.RunAll(); err == nil || !strings.Contains(err.Error(), ErrDegenerate.Error()) {
		t.Errorf("op on a constant column: err = %v, want it to mention %q", err, ErrDegenerate)
	}
	gl = buildLoss(t, good, gaussGraph(-1))
	if err := gl.vm.RunAll(); err == nil || !strings.Contains(err.Error(), ErrParameter.Error()) {
		t.Errorf("negative weight: err = %v, want it to mention %q", err, ErrParameter)
	}
	g := G.NewGraph()
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"))
	if _, err := Gaussianity(w, nil, inputMatrix(g, "f", normal(rng, 4, 6))); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("build with 4×6 f: err = %v, want ErrTooFewRows", err)
	}
	if _, err := Gaussianity(w, inputMatrix(g, "y", normal(rng, 6, 1)), inputMatrix(g, "z6", normal(rng, 6, 5))); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("build with 6×1 and 6×5 blocks: err = %v, want ErrTooFewRows", err)
	}
	if _, err := Gaussianity(inputMatrix(g, "wm", normal(rng, 2, 2)), nil, inputMatrix(g, "f2", good)); !errors.Is(err, ErrDimension) {
		t.Errorf("build with a matrix weight: err = %v, want ErrDimension", err)
	}
	if _, err := Gaussianity(w, inputMatrix(g, "y2", normal(rng, 30, 1)), inputMatrix(g, "z29", normal(rng, 29, 2))); !errors.Is(err, ErrDimension) {
		t.Errorf("build with blocks of 30 and 29 rows: err = %v, want ErrDimension", err)
	}
	if _, err := Gaussianity(w, inputMatrix(g, "y3", normal(rng, 30, 1))); !errors.Is(err, ErrDimension) {
		t.Errorf("build without a latent: err = %v, want ErrDimension", err)
	}
}

// argsort agrees with a comparison sort, including negative values, ±0,
// duplicates and values that differ only in their lowest bits.
func TestArgsort(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, nn := range []int{1, 2, 7, 1000, 33024} {
		v := make([]float64, nn)
		for i := range v {
			switch rng.IntN(6) {
			case 0:
				v[i] = 0
			case 1:
				v[i] = math.Copysign(0, -1)
			case 2:
				v[i] = 1 + float64(rng.IntN(4))*math.SmallestNonzeroFloat64
			case 3:
				v[i] = math.Nextafter(1, 2)
			default:
				v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
			}
		}
		idx := make([]int32, nn)
		argsort(idx, v, make([]uint64, 2*nn))
		seen := make([]bool, nn)
		for r, i := range idx {
			if seen[i] {
				t.Fatalf("n=%d: index %d twice", nn, i)
			}
			seen[i] = true
			if r > 0 && v[idx[r-1]] > v[i] {
				t.Fatalf("n=%d: not sorted at %d: %v > %v", nn, r, v[idx[r-1]], v[i])
			}
		}
	}
}

// TestBucketSortIsRadixSort checks that the bucket sort gives the radix
// sort's order index for index (ties, ±0 and values a few ulps apart
// included), and that it declines the values it cannot spread: an outlier
// that crowds the rest into one bucket, infinities, a constant vector.
func TestBucketSortIsRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for _, c := range []struct {
		name string
		gen  func(i int) float64
		ok   bool
	}{
		{"normal", func(int) float64 { return rng.NormFloat64() }, true},
		{"rounded (many ties)", func(int) float64 { return math.Round(4*rng.NormFloat64()) / 4 }, false},
		{"rounded to 1e-3 (a few ties each)", func(int) float64 { return math.Round(1000*rng.NormFloat64()) / 1000 }, true},
		{"signed zeros and neighbours", func(i int) float64 {
			switch i % 4 {
			case 0:
				return math.Copysign(0, -1)
			case 1:
				return 0
			case 2:
				return math.Nextafter(1, 2)
			}
			return rng.NormFloat64()
		}, false},
		{"heavy tails", func(int) float64 { return rng.NormFloat64() / (0.3 + rng.Float64()) }, false},
		{"one outlier", func(i int) float64 {
			if i == 17 {
				return 1e6
			}
			return rng.NormFloat64()
		}, false},
		{"infinity", func(i int) float64 {
			if i == 3 {
				return math.Inf(-1)
			}
			return rng.NormFloat64()
		}, false},
		{"constant", func(int) float64 { return 2.5 }, false},
	} {
		for _, nn := range []int{2, 3, 100, 33024} {
			v := make([]float64, nn)
			for i := range v {
				v[i] = c.gen(i)
			}
			want := make([]int32, nn)
			radixSort(want, v, make([]uint64, 2*nn))
			got := make([]int32, nn)
			ok := bucketSort(got, v, make([]uint64, 2*nn))
			if ok && !slices.Equal(got, want) {
				t.Fatalf("%s, n=%d: bucket order differs from radix order", c.name, nn)
			}
			if c.ok && nn >= 100 && !ok {
				t.Errorf("%s, n=%d: bucket sort declined", c.name, nn)
			}
			if (c.name == "one outlier" || c.name == "infinity" || c.name == "constant") && nn >= 100 && ok {
				t.Errorf("%s, n=%d: bucket sort accepted", c.name, nn)
			}
			all := make([]int32, nn)
			argsort(all, v, make([]uint64, 2*nn))
			if !slices.Equal(all, want) {
				t.Fatalf("%s, n=%d: argsort differs from radix order", c.name, nn)
			}
		}
	}
}
