package transform_test

import (
	"fmt"
	"log"
	"math"

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

// A sparse column (an element fraction, mostly 0) z-scores to extreme values
// for a new row rich in the element; its quantile map stays bounded.
func ExampleFitQuantile() {
	x := mat.NewDense(8, 1, []float64{0, 0, 0, 0, 0, 0, 0, 0.02})
	q, err := transform.FitQuantile(x, 0, "fraction of Rb")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := transform.FitScaler(x)
	newRow := mat.NewDense(1, 1, []float64{0.5})
	z, _ := s.Transform(newRow)
	nq, _ := q.Transform(newRow)
	fmt.Printf("z-score %.1f, quantile score %.3f (training scores %.3f and %.3f)\n",
		z.At(0, 0), nq.At(0, 0), q.Scores[0][0], q.Scores[0][1])
	// Output:
	// z-score 75.2, quantile score 1.434 (training scores -0.153 and 1.434)
}

// A Pipeline fitted on training rows imputes, standardises and clamps new
// rows with the training statistics.
func ExampleFitPipeline() {
	train := mat.NewDense(4, 2, []float64{
		1, 10,
		2, math.NaN(), // a missing value: imputed by the column's median
		3, 30,
		4, 40,
	})
	p, err := transform.FitPipeline(train, transform.PipelineOptions{Names: []string{"a", "b"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fill values: %v\n", p.Fill)
	rows := mat.NewDense(2, 2, []float64{
		2.5, 30,
		100, math.NaN(), // 100 lies far beyond the training range of a
	})
	z, _ := p.Transform(rows) // b: 30 is the imputed training column's median, not its mean
	fmt.Printf("%.3f\n", mat.Formatted(z))
	out, _ := p.Clamped(rows)
	fmt.Println("clamped:", out)
	// Output:
	// fill values: [2.5 30]
	// ⎡0.000  0.229⎤
	// ⎣1.342  0.229⎦
	// clamped: [false true]
}
