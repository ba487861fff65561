package gaussian_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

func ExampleMutualInfo() {
	// Y = X + N with Var X = 1, Var N = 1: I(X;Y) = ½ log₂ 2 = 0.5 bit.
	cov := mat.NewSymDense(2, []float64{1, 1, 1, 2})
	mi, err := gaussian.MutualInfo(cov, []int{0}, []int{1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f bit\n", mi)
	// Output: 0.5000 bit
}

func ExampleFactorize() {
	// A singular covariance (two identical variables) is factorized with a
	// relative jitter of 1e-6 times its mean diagonal.
	cov := mat.NewSymDense(2, []float64{4, 4, 4, 4})
	_, jitter, err := gaussian.Factorize(cov)
	fmt.Println(jitter, err)
	// Output: 4e-06 <nil>
}

func ExampleMardia() {
	rng := rand.New(rand.NewPCG(3, 4))
	x := mat.NewDense(500, 3, nil)
	for i := 0; i < 500; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	r, err := gaussian.Mardia(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("normal at 5%:", r.Normal(0.05))
	for i := 0; i < 500; i++ {
		x.Set(i, 2, rng.ExpFloat64())
	}
	r, _ = gaussian.Mardia(x)
	fmt.Println("normal at 5% with an exponential column:", r.Normal(0.05))
	// Output:
	// normal at 5%: true
	// normal at 5% with an exponential column: false
}

func ExampleShapiroFranciaTest() {
	x := gaussian.BlomScores(100) // ideal normal quantiles
	w, p, err := gaussian.ShapiroFranciaTest(x)
	fmt.Printf("W'=%.4f p>0.5: %v %v\n", w, p > 0.5, err)
	// Output: W'=1.0000 p>0.5: true <nil>
}
