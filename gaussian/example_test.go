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

// A large Gaussian sample passes; replacing one column by exponential data
// fails it, and the report names the column and every departure found.
func ExampleCheckNormality() {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 20000
	x := mat.NewDense(n, 3, nil)
	for i := 0; i < n; i++ {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		x.Set(i, 0, a)
		x.Set(i, 1, a+b)
		x.Set(i, 2, rng.NormFloat64())
	}
	c, err := gaussian.CheckNormality(x, gaussian.NormalityOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Gaussian: %v (kurtosis excess %+.3f, skewness per dimension %+.3f)\n", c.Gaussian, c.KurtosisExcess, c.SkewnessPerDim)

	for i := 0; i < n; i++ {
		x.Set(i, 2, rng.ExpFloat64())
	}
	c, err = gaussian.CheckNormality(x, gaussian.NormalityOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Gaussian: %v, worst column %d (skewness %.2f)\n", c.Gaussian, c.Worst[0], c.Columns[c.Worst[0]].Skewness)
	for _, r := range c.Reasons {
		fmt.Println(r)
	}
	// Output:
	// Gaussian: true (kurtosis excess -0.001, skewness per dimension +0.000)
	// Gaussian: false, worst column 2 (skewness 2.12)
	// relative excess of Mardia's kurtosis is 0.479: above the Gaussian upper limit 0.0167 by more than the tolerance 0.333
	// Mardia's skewness per dimension is 1.26: above the Gaussian upper limit 0.0189 by more than the tolerance 0.25
	// column 2: skewness is 2.12: above the Gaussian upper limit 0.0559 by more than the tolerance 0.5
	// column 2: excess kurtosis is 7.16: above the Gaussian upper limit 0.117 by more than the tolerance 1
}
