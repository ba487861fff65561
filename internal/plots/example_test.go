package plots_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/pidreg/pidreg/internal/plots"
)

// Draw the PID atoms recorded during training, with the epoch at which the
// fusion weights froze.
func ExampleAtoms() {
	dir, err := os.MkdirTemp("", "plots")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	var u1, u2, red, syn []float64
	for e := range 40 {
		t := float64(e)
		u1 = append(u1, 1.2*(1-math.Exp(-t/8)))
		u2 = append(u2, 0.9*(1-math.Exp(-t/12)))
		red = append(red, 0.3)
		syn = append(syn, 2.5*(1-math.Exp(-t/10)))
	}
	path := filepath.Join(dir, "atoms.png")
	err = plots.Atoms(path, u1, u2, red, syn, [2]string{"tens", "units"}, 30)
	fmt.Println(err)
	_, err = os.Stat(path)
	fmt.Println(err)
	// Output:
	// <nil>
	// <nil>
}

// Predicted against true values; the NaN pair is skipped.
func ExampleScatter() {
	dir, err := os.MkdirTemp("", "plots")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	truth := []float64{10, 20, 30, 40, math.NaN()}
	pred := []float64{12, 19, 33, 38, 25}
	fmt.Println(plots.Scatter(filepath.Join(dir, "tc.png"), "critical temperature (K)", truth, pred))
	fmt.Println(plots.Scatter(filepath.Join(dir, "bad.png"), "mismatch", truth, pred[:3]))
	// Output:
	// <nil>
	// plots: scatter: 5 true and 3 predicted values: lengths differ
}
