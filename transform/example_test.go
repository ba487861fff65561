package transform_test

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/transform"
)

func ExampleInverseNormal() {
	// A skewed target with a tie and an outlier.
	y := []float64{0.5, 2, 2, 3, 250}
	dst := make([]float64, len(y)) // reused across batches: no allocation
	z, err := transform.InverseNormal(dst, y, transform.Blom)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.4f\n", z)
	// Output:
	// [-1.1798 -0.2410 -0.2410 0.4972 1.1798]
}

func ExampleBlendedInverseNormal() {
	y := []float64{1, 2, 3, 4, 100} // 100 lies beyond Q3 + 2·IQR = 8
	b, err := transform.BlendedInverseNormal(nil, y)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.4f\n", b)
	// Output:
	// [-0.9842 -0.5197 -0.1948 0.1301 3.0072]
}

func ExampleFitScaler() {
	train := mat.NewDense(4, 2, []float64{
		1, 10,
		2, 10,
		3, 10,
		4, 10,
	})
	s, err := transform.FitScaler(train, "dose", "batch")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("mean", s.Mean, "scale", s.Scale, "constant", s.Constant)

	test := mat.NewDense(1, 2, []float64{5, 10})
	z, err := s.Transform(test)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("z %.4f\n", z.RawRowView(0))
	back, _ := s.Inverse(z)
	fmt.Println("back", back.RawRowView(0))
	// Output:
	// mean [2.5 10] scale [1.118033988749895 1] constant [1]
	// z [2.2361 0.0000]
	// back [5 10]
}
