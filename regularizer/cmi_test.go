package regularizer

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// cmiData draws X_cond (n×dc), X_other (n×do) and Z (n×dz). X_other depends
// on X_cond; with dependent = false, Z depends on X_cond only (so
// I(Z; X_other | X_cond) = 0), otherwise Z also carries X_other's own noise.
func cmiData(rng *rand.Rand, n, dc, do, dz int, dependent bool) (xc, xo, z *mat.Dense) {
	xc = normal(rng, n, dc)
	xo = normal(rng, n, do)
	z = normal(rng, n, dz)
	for i := 0; i < n; i++ {
		for j := 0; j < do; j++ {
			xo.Set(i, j, 0.8*xc.At(i, j%dc)+0.6*xo.At(i, j))
		}
		for j := 0; j < dz; j++ {
			v := xc.At(i, j%dc) + 0.3*z.At(i, j)
			if dependent {
				v += 1.5 * xo.At(i, j%do)
			}
			z.Set(i, j, v)
		}
	}
	return xc, xo, z
}

func grams(t testing.TB, xc, xo *mat.Dense) (m, k []float64) {
	t.Helper()
	m, _, err := Gram(nil, xc, 1)
	if err != nil {
		t.Fatal(err)
	}
	k, _, err = Gram(nil, xo, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m, k
}

func cmiGraph(m, k []float64, scale float64) func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	return func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		n := x.Shape()[0]
		return CMI(x, inputMatrix(g, "m", mat.NewDense(n, n, m)), inputMatrix(g, "k", mat.NewDense(n, n, k)), scale)
	}
}

// meanCMI averages CMIValue over reps independent draws.
func meanCMI(t *testing.T, rng *rand.Rand, reps, n, dc, do, dz int, dependent bool) float64 {
	t.Helper()
	sum := 0.0
	for r := 0; r < reps; r++ {
		xc, xo, z := cmiData(rng, n, dc, do, dz, dependent)
		m, k := grams(t, xc, xo)
		v, err := CMIValue(z, m, k, 1)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	return sum / float64(reps)
}

// The estimate is clearly positive when Z depends on X_other beyond X_cond
// and near zero (relative to that) when Z depends on X_cond only. Single
// draws are noisy, so each case averages 4 draws. At low dimension the
// separation is sharp; at the realistic dimensions (81, 86, 64) the median
// kernels concentrate (off-diagonal κ ≈ e^{-1/2} for most pairs), the
// estimator has a positive bias and the dependent case is only about twice
// the independent one: that is the estimator, not a defect of this code
// (TestCMIForwardMatchesValue checks the arithmetic).
func TestCMIDependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		dims     [3]int
		maxRatio float64 // independent / dependent
	}{{[3]int{4, 4, 4}, 0.2}, {[3]int{81, 86, 64}, 0.7}} {
		d := tc.dims
		indep := meanCMI(t, rng, 4, 256, d[0], d[1], d[2], false)
		dep := meanCMI(t, rng, 4, 256, d[0], d[1], d[2], true)
		t.Logf("dims (cond, other, z) = %v: independent %.5f, dependent %.5f", d, indep, dep)
		if !(dep > 1e-3) {
			t.Errorf("dims %v: dependent CMI %v, want clearly positive", d, dep)
		}
		if indep > tc.maxRatio*dep {
			t.Errorf("dims %v: independent CMI %v not below %v × dependent %v", d, indep, tc.maxRatio, dep)
		}
	}
}

func TestCMIGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct {
		n, dc, do, dz int
		scale         float64
	}{{30, 3, 3, 3, 1}, {40, 2, 3, 4, 1.5}, {24, 2, 2, 2, 2.5}} {
		xc, xo, z := cmiData(rng, tc.n, tc.dc, tc.do, tc.dz, true)
		m, k := grams(t, xc, xo)
		gl := buildLoss(t, z, cmiGraph(m, k, tc.scale))
		v := gl.run(t)
		if !(v > 0) {
			t.Fatalf("case %+v: CMI = %v, want > 0 for a meaningful check", tc, v)
		}
		worst := gradCheck(t, gl, rng, 60, medianPairRows(z), 1e-5, 1e-5)
		t.Logf("case %+v: CMI %.4g, worst rel err %.2e", tc, v, worst)
	}
}

func TestCMIForwardMatchesValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, dep := range []bool{false, true} {
		xc, xo, z := cmiData(rng, 100, 6, 5, 4, dep)
		m, k := grams(t, xc, xo)
		for _, scale := range []float64{0.5, 1, 3} {
			gl := buildLoss(t, z, cmiGraph(m, k, scale))
			got := gl.run(t)
			want, err := CMIValue(z, m, k, scale)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 1e-11*math.Max(1, want) {
				t.Errorf("dependent=%v scale %v: op %.15g, value %.15g", dep, scale, got, want)
			}
		}
	}
}

// The published reference uses one bandwidth for all three Gram matrices,
// σ = 0.05·√(½·median squared distance) of the concatenated [X_cond, X_other, Z].
// At realistic dimensions every Gram matrix is then the identity to machine
// precision, and the term and its gradient vanish. The per-matrix median
// bandwidth used here does not have this defect.
func TestCMIReferenceBandwidthDefect(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const n = 256
	xc, xo, z := cmiData(rng, n, 81, 86, 64, true)
	all := mat.NewDense(n, 81+86+64, nil)
	all.Slice(0, n, 0, 81).(*mat.Dense).Copy(xc)
	all.Slice(0, n, 81, 167).(*mat.Dense).Copy(xo)
	all.Slice(0, n, 167, 231).(*mat.Dense).Copy(z)
	var sq []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			d := mat.Norm(&rowDiff{all, i, j}, 2)
			sq = append(sq, d*d)
		}
	}
	sigmaRef := 0.05 * math.Sqrt(0.5*medianSorted(sq))
	mRef, err := GramBandwidth(nil, xc, sigmaRef)
	if err != nil {
		t.Fatal(err)
	}
	kRef, err := GramBandwidth(nil, xo, sigmaRef)
	if err != nil {
		t.Fatal(err)
	}
	offMax := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				offMax = math.Max(offMax, math.Max(mRef[i*n+j], kRef[i*n+j]))
			}
		}
	}
	// The same σ for L, expressed as a scale of z's own median distance.
	var dz []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			dz = append(dz, mat.Norm(&rowDiff{z, i, j}, 2))
		}
	}
	scaleRef := sigmaRef / medianSorted(dz)

	gl := buildLoss(t, z, cmiGraph(mRef, kRef, scaleRef))
	vRef, gRef := gl.grad(t)
	gMaxRef := 0.0
	for _, v := range gRef {
		gMaxRef = math.Max(gMaxRef, math.Abs(v))
	}

	m, k := grams(t, xc, xo)
	gl = buildLoss(t, z, cmiGraph(m, k, 1))
	v, g := gl.grad(t)
	gMax := 0.0
	for _, x := range g {
		gMax = math.Max(gMax, math.Abs(x))
	}
	t.Logf("reference σ = %.4g: largest off-diagonal kernel %.3g, CMI %.3g, max |grad| %.3g", sigmaRef, offMax, vRef, gMaxRef)
	t.Logf("median bandwidth:      CMI %.4g, max |grad| %.3g", v, gMax)
	if offMax > 1e-12 || vRef > 1e-12 || gMaxRef > 1e-12 {
		t.Errorf("reference bandwidth: off-diagonal %v, CMI %v, grad %v; expected all ≈ 0 (the documented defect)", offMax, vRef, gMaxRef)
	}
	if !(v > 1e-3) || !(gMax > 1e-6) {
		t.Errorf("median bandwidth: CMI %v, max |grad| %v; want both clearly non-zero", v, gMax)
	}
}

// rowDiff is the 1×c matrix x_i − x_j.
type rowDiff struct {
	x    *mat.Dense
	i, j int
}

func (r *rowDiff) Dims() (int, int)    { _, c := r.x.Dims(); return 1, c }
func (r *rowDiff) At(_, j int) float64 { return r.x.At(r.i, j) - r.x.At(r.j, j) }
func (r *rowDiff) T() mat.Matrix       { return mat.Transpose{Matrix: r} }

func TestCMIErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	xc, xo, z := cmiData(rng, 20, 2, 2, 2, true)
	m, k := grams(t, xc, xo)
	zero := make([]float64, 400)
	nanM := append([]float64(nil), m...)
	nanM[37] = math.Inf(1)
	for _, tc := range []struct {
		name  string
		z     mat.Matrix
		m, k  []float64
		scale float64
		want  error
	}{
		{"short m", z, m[:399], k, 1, ErrDimension},
		{"inf m", z, nanM, k, 1, ErrNonFinite},
		{"zero kernels", z, zero, k, 1, ErrDegenerate},
		{"negative scale", z, m, k, -1, ErrParameter},
		{"collapsed z", mat.NewDense(20, 2, nil), m, k, 1, ErrDegenerate},
	} {
		if _, err := CMIValue(tc.z, tc.m, tc.k, tc.scale); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	gl := buildLoss(t, z, cmiGraph(zero, k, 1))
	if err := gl.vm.RunAll(); err == nil || !strings.Contains(err.Error(), ErrDegenerate.Error()) {
		t.Errorf("op with a zero M: err = %v, want it to mention %q", err, ErrDegenerate)
	}
	g := G.NewGraph()
	zn := inputMatrix(g, "z", z)
	if _, err := CMI(zn, inputMatrix(g, "m", mat.NewDense(20, 20, m)), inputMatrix(g, "k", mat.NewDense(19, 19, nil)), 1); !errors.Is(err, ErrDimension) {
		t.Errorf("build with a 19×19 k: err = %v, want ErrDimension", err)
	}
	if _, err := CMI(zn, inputMatrix(g, "m2", mat.NewDense(20, 20, m)), inputMatrix(g, "k2", mat.NewDense(20, 20, k)), math.NaN()); !errors.Is(err, ErrParameter) {
		t.Errorf("build with NaN scale: err = %v, want ErrParameter", err)
	}
}
