package gemm_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/gemm"
)

// Dgemm with the first operand transposed: C = Aᵀ·B for A 3×2 and B 3×2.
func ExampleImplementation_Dgemm() {
	a := []float64{
		1, 2,
		3, 4,
		5, 6,
	}
	b := []float64{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float64, 4)
	gemm.Implementation{}.Dgemm(blas.Trans, blas.NoTrans, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [6 8 8 10]
}

// Installed process-wide, the kernels serve gonum's mat package too; here
// AᵀA (through Dsyrk) for A 3×2.
func ExampleImplementation_install() {
	defer blas64.Use(blas64.Implementation())
	blas64.Use(gemm.Implementation{})
	a := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	var s mat.SymDense
	s.SymOuterK(1, a.T())
	fmt.Println(mat.Formatted(&s))
	// Output:
	// ⎡35  44⎤
	// ⎣44  56⎦
}
