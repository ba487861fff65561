package regularizer_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/regularizer"
)

func sample(rng *rand.Rand, n, k int, shift float64) *mat.Dense {
	x := mat.NewDense(n, k, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			x.Set(i, j, rng.NormFloat64()+shift)
		}
	}
	return x
}

func matrixNode(g *G.ExprGraph, name string, x *mat.Dense) *G.Node {
	r, c := x.Dims()
	return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(x.RawMatrix().Data))))
}

// The divergence of a sample from N(0, I) to a fresh N(0, I) sample is
// small; a shifted sample is far away.
func ExampleCSDivergenceValue() {
	rng := rand.New(rand.NewPCG(1, 2))
	q := sample(rng, 200, 4, 0)
	same, err := regularizer.CSDivergenceValue(sample(rng, 200, 4, 0), q)
	if err != nil {
		log.Fatal(err)
	}
	shifted, err := regularizer.CSDivergenceValue(sample(rng, 200, 4, 1), q)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("same distribution < 0.05: %v\nshifted by 1 > 0.3: %v\n", same < 0.05, shifted > 0.3)
	// Output:
	// same distribution < 0.05: true
	// shifted by 1 > 0.3: true
}

// CSDivergence in a graph: the loss node, its gradient through G.Grad and a
// TapeMachine. The trainer refills q's backing slice with N(0, 1) draws
// before every run.
func ExampleCSDivergence() {
	rng := rand.New(rand.NewPCG(3, 4))
	g := G.NewGraph()
	r := matrixNode(g, "r", sample(rng, 64, 3, 0.5))
	q := matrixNode(g, "q", sample(rng, 64, 3, 0))
	cs, err := regularizer.CSDivergence(r, q)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := G.Grad(cs, r); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(r))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		log.Fatal(err)
	}
	grad, _ := r.Grad()
	fmt.Println("loss positive:", cs.Value().Data().(float64) > 0)
	fmt.Println("gradient shape:", grad.Shape())
	// Output:
	// loss positive: true
	// gradient shape: (64, 3)
}

// Gram matrices of the two modalities are computed per batch outside the
// graph and fed to CMI as input nodes.
func ExampleCMI() {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 128
	x1, x2 := sample(rng, n, 5, 0), sample(rng, n, 6, 0)
	z := mat.NewDense(n, 3, nil) // depends on both modalities
	for i := 0; i < n; i++ {
		for j := 0; j < 3; j++ {
			z.Set(i, j, x1.At(i, j)+x2.At(i, j)+0.1*rng.NormFloat64())
		}
	}
	m, _, err := regularizer.Gram(nil, x1, 1)
	if err != nil {
		log.Fatal(err)
	}
	k, _, err := regularizer.Gram(nil, x2, 1)
	if err != nil {
		log.Fatal(err)
	}
	g := G.NewGraph()
	zn := matrixNode(g, "z", z)
	cmi, err := regularizer.CMI(zn, matrixNode(g, "M", mat.NewDense(n, n, m)), matrixNode(g, "K", mat.NewDense(n, n, k)), 1)
	if err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		log.Fatal(err)
	}
	direct, err := regularizer.CMIValue(z, m, k, 1)
	if err != nil {
		log.Fatal(err)
	}
	v := cmi.Value().Data().(float64)
	fmt.Printf("I(Z; X2 | X1) estimate > 0: %v, op agrees with CMIValue: %v\n",
		v > 0, math.Abs(v-direct) < 1e-12)
	// Output:
	// I(Z; X2 | X1) estimate > 0: true, op agrees with CMIValue: true
}

// The Gaussianity loss on [ỹ, Z1, Z2], switched off by setting its weight to 0.
func ExampleGaussianity() {
	rng := rand.New(rand.NewPCG(7, 8))
	g := G.NewGraph()
	y := matrixNode(g, "y", sample(rng, 100, 1, 0))
	z1 := matrixNode(g, "z1", sample(rng, 100, 4, 0))
	z2 := matrixNode(g, "z2", sample(rng, 100, 4, 0))
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"), G.WithValue(0.1))
	loss, err := regularizer.Gaussianity(w, y, z1, z2)
	if err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for _, weight := range []float64{0.1, 0} {
		if err := G.Let(w, weight); err != nil {
			log.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("weight %.1f: loss < 0.01: %v, loss = 0: %v\n", weight,
			loss.Value().Data().(float64) < 0.01, loss.Value().Data().(float64) == 0)
		vm.Reset()
	}
	// Output:
	// weight 0.1: loss < 0.01: true, loss = 0: false
	// weight 0.0: loss < 0.01: true, loss = 0: true
}

// Gram with a reused destination allocates nothing.
func ExampleGram() {
	x := mat.NewDense(3, 1, []float64{0, 1, 3})
	k, sigma, err := regularizer.Gram(make([]float64, 9), x, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("σ = %.0f (median of distances 1, 2, 3)\n", sigma)
	fmt.Printf("K = %.4f\n", k)
	// Output:
	// σ = 2 (median of distances 1, 2, 3)
	// K = [1.0000 0.8825 0.3247 0.8825 1.0000 0.6065 0.3247 0.6065 1.0000]
}
