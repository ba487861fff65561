package pid_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/pid"
)

// Three sources of a target ỹ = a + b + e (a, b, e, n independent standard
// normals): a, b, and c = a + n, a noisy view of a. The redundancy of all
// three is I(ỹ;c) ≈ 0.13 bit; a and b are redundant beyond that ({a}{b});
// b is synergistic with either view of a ({a,b}{b,c}), and more so with the
// exact a ({a,b}). Every atom that names c also names a way without c: a
// noisy copy is never needed. With MMI a and b have no unique information,
// since I(ỹ;a) = I(ỹ;b).
func ExampleLattice() {
	// Variables ordered ỹ, a, b, c.
	cov := mat.NewSymDense(4, []float64{
		3, 1, 1, 1,
		1, 1, 0, 1,
		1, 0, 1, 0,
		1, 1, 0, 2,
	})
	r, err := pid.Lattice(cov, 1, []int{1, 1, 1}, pid.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	names := []string{"a", "b", "c"}
	fmt.Printf("%d atoms, I(ỹ; a,b,c) = %.4f bit\n", len(r.Atoms), r.MI)
	for k, v := range r.Atoms {
		if v > 1e-12 {
			fmt.Printf("%-10s %.4f\n", r.Name(k, names), v)
		}
	}
	fmt.Printf("unique a %.4f, redundancy %.4f, synergy %.4f\n", r.Unique(0), r.Redundancy(), r.Synergy())
	// Output:
	// 18 atoms, I(ỹ; a,b,c) = 0.7925 bit
	// {a}{b}     0.1610
	// {a}{b}{c}  0.1315
	// {a,b}      0.2925
	// {a,b}{b,c} 0.2075
	// unique a 0.0000, redundancy 0.1315, synergy 0.0000
}
