package regularizer

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestMSEGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, shape := range [][2]int{{32, 1}, {17, 3}} {
		y := normal(rng, shape[0], shape[1])
		gl := buildLoss(t, normal(rng, shape[0], shape[1]), func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return MSE(x, inputMatrix(g, "y", y))
		})
		worst := gradCheck(t, gl, rng, 20, nil, 1e-5, 1e-7)
		t.Logf("%d×%d: worst rel err %.2e", shape[0], shape[1], worst)
	}
}

// relClose reports |a − b| ≤ tol·max(|a|, |b|).
func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

// gorgoniaMSE is the formulation MSE replaces.
func gorgoniaMSE(pred, y *G.Node) (*G.Node, error) {
	return G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, y)))))
}

// MSE agrees with gorgonia's Mean(Square(Sub(pred, y))): value and gradient
// to 1e-12 relative (with the upstream gradient gradScale).
func TestMSEMatchesGorgonia(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	for _, shape := range [][2]int{{256, 1}, {100, 3}, {7, 5}} {
		x0, y := normal(rng, shape[0], shape[1]), normal(rng, shape[0], shape[1])
		run := func(build func(pred, y *G.Node) (*G.Node, error)) (float64, []float64) {
			gl := buildLoss(t, x0, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
				return build(x, inputMatrix(g, "y", y))
			})
			return gl.grad(t)
		}
		v1, g1 := run(MSE)
		v2, g2 := run(gorgoniaMSE)
		if !relClose(v1, v2, 1e-12) {
			t.Errorf("%v: MSE %.17g, gorgonia %.17g", shape, v1, v2)
		}
		exact := v1 == v2
		for i := range g1 {
			if !relClose(g1[i], g2[i], 1e-12) {
				t.Fatalf("%v: gradient %d: MSE %.17g, gorgonia %.17g", shape, i, g1[i], g2[i])
			}
			exact = exact && g1[i] == g2[i]
		}
		t.Logf("%v: bit for bit: %v", shape, exact)
	}
}

func TestMSEErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(55, 56))
	g := G.NewGraph()
	a := inputMatrix(g, "a", normal(rng, 4, 2))
	b := inputMatrix(g, "b", normal(rng, 4, 3))
	if _, err := MSE(a, b); !errors.Is(err, ErrDimension) {
		t.Errorf("4×2 against 4×3: err = %v, want ErrDimension", err)
	}
	if _, err := MSE(a, nil); !errors.Is(err, ErrDimension) {
		t.Errorf("nil y: err = %v, want ErrDimension", err)
	}
	v := G.NewVector(g, tensor.Float64, G.WithShape(4), G.WithName("v"))
	if _, err := MSE(v, v); !errors.Is(err, ErrDimension) {
		t.Errorf("vectors: err = %v, want ErrDimension", err)
	}
}

// sumTerms builds three scalar terms of x: Σx², mean x and MSE(x, y).
func sumTerms(g *G.ExprGraph, x *G.Node, y *mat.Dense) []*G.Node {
	return []*G.Node{
		G.Must(G.Sum(G.Must(G.Square(x)))),
		G.Must(G.Mean(x)),
		G.Must(MSE(x, inputMatrix(g, "y", y))),
	}
}

// gorgoniaSum is the chain of Mul and Add nodes WeightedSum replaces, as the
// trainer built it (a weight of 1 not multiplied).
func gorgoniaSum(w []float64, terms []*G.Node) *G.Node {
	var sum *G.Node
	for i, t := range terms {
		if w[i] != 1 {
			t = G.Must(G.Mul(t, G.NewConstant(w[i])))
		}
		if sum == nil {
			sum = t
		} else {
			sum = G.Must(G.Add(sum, t))
		}
	}
	return sum
}

func TestWeightedSumGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(57, 58))
	y := normal(rng, 12, 2)
	gl := buildLoss(t, normal(rng, 12, 2), func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		return WeightedSum([]float64{0.5, -2, 3}, sumTerms(g, x, y)...)
	})
	worst := gradCheck(t, gl, rng, 20, nil, 1e-5, 1e-7)
	t.Logf("worst rel err %.2e", worst)
}

// WeightedSum gives gorgonia's Mul/Add chain bit for bit: the same products
// and sums in the same order, and exact gradients w_t·g.
func TestWeightedSumMatchesGorgonia(t *testing.T) {
	rng := rand.New(rand.NewPCG(59, 60))
	x0, y := normal(rng, 20, 3), normal(rng, 20, 3)
	w := []float64{1, 0.1, 0.37}
	run := func(fused bool) (float64, []float64) {
		gl := buildLoss(t, x0, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			terms := sumTerms(g, x, y)
			if fused {
				return WeightedSum(w, terms...)
			}
			return gorgoniaSum(w, terms), nil
		})
		return gl.grad(t)
	}
	v1, g1 := run(true)
	v2, g2 := run(false)
	if v1 != v2 {
		t.Errorf("value: WeightedSum %.17g, gorgonia %.17g", v1, v2)
	}
	for i := range g1 {
		if !relClose(g1[i], g2[i], 1e-12) {
			t.Fatalf("gradient %d: WeightedSum %.17g, gorgonia %.17g", i, g1[i], g2[i])
		}
	}
}

func TestWeightedSumErrors(t *testing.T) {
	g := G.NewGraph()
	a := G.NewScalar(g, tensor.Float64, G.WithName("a"), G.WithValue(1.0))
	m := inputMatrix(g, "m", mat.NewDense(2, 2, nil))
	for _, tc := range []struct {
		name  string
		w     []float64
		terms []*G.Node
		want  error
	}{
		{"no terms", nil, nil, ErrDimension},
		{"fewer weights", []float64{1}, []*G.Node{a, a}, ErrDimension},
		{"a matrix term", []float64{1}, []*G.Node{m}, ErrDimension},
		{"NaN weight", []float64{math.NaN()}, []*G.Node{a}, ErrParameter},
		{"infinite weight", []float64{math.Inf(1)}, []*G.Node{a}, ErrParameter},
	} {
		if _, err := WeightedSum(tc.w, tc.terms...); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}
