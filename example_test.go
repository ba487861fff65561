package pidreg_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
)

// Two modalities, of which only the first says anything about the target.
// The model learns the target, and its explanation says which modality to
// keep.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1200
	sig, noise, y := mat.NewDense(n, 4, nil), mat.NewDense(n, 3, nil), mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < 4; j++ {
			sig.Set(i, j, rng.NormFloat64())
		}
		for j := 0; j < 3; j++ {
			noise.Set(i, j, rng.NormFloat64())
		}
		y.Set(i, 0, math.Sin(sig.At(i, 0))+sig.At(i, 1)*sig.At(i, 2)+0.1*rng.NormFloat64())
	}
	all := pidreg.Dataset{Modalities: []pidreg.Modality{{Name: "signal", X: sig}, {Name: "noise", X: noise}}, Y: y}
	idx := func(lo, hi int) []int {
		r := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			r = append(r, i)
		}
		return r
	}
	var parts [3]pidreg.Dataset // train, validation, test
	for k, r := range [][2]int{{0, 800}, {800, 1000}, {1000, 1200}} {
		var err error
		if parts[k], err = all.Subset(idx(r[0], r[1])); err != nil {
			fmt.Println(err)
			return
		}
	}
	train, val, test := parts[0], parts[1], parts[2]

	// DropBelow: advise dropping a modality whose removal loses under 10 %
	// of the information, at the upper end of its 95 % interval (200
	// held-out rows give wide intervals).
	cfg := pidreg.Config{DropBelow: 0.1, Latent: 8, Hidden: []int{64, 32}, HeadHidden: []int{64, 32},
		Dropout: []float64{0.1, 0}, Batch: 128, Epochs: 60, Seed: 1}
	m, err := pidreg.New(cfg, all.Dims()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := m.Fit(context.Background(), train, val); err != nil {
		fmt.Println(err)
		return
	}
	met, err := m.Evaluate(test)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := m.Explain()
	fmt.Println("R² above 0.7:", met.R2 > 0.7)
	fmt.Println("signal weighs more than noise:", e.Weights[0] > e.Weights[1])
	fmt.Println("unique information of signal above 0.5 bit:", e.HeldOut.Unique(0) > 0.5)
	for _, a := range e.Atoms() {
		if a.Name == "{signal}{noise}" {
			fmt.Printf("redundancy %s below 0.1 bit: %v\n", a.Name, a.Bits < 0.1)
		}
	}
	fmt.Println("modality to drop:", e.Drop)
	// Output:
	// R² above 0.7: true
	// signal weighs more than noise: true
	// unique information of signal above 0.5 bit: true
	// redundancy {signal}{noise} below 0.1 bit: true
	// modality to drop: noise
}

// Sparse columns, such as the fraction of a rare element in a material, are
// what Config.Inputs = Quantile is for; OutOfRange then says which new rows
// lie beyond anything seen in training.
func ExampleModel_OutOfRange() {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 600
	phys, elem, y := mat.NewDense(n, 3, nil), mat.NewDense(n, 2, nil), mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < 3; j++ {
			phys.Set(i, j, rng.NormFloat64())
		}
		if rng.Float64() < 0.02 { // a rare element
			elem.Set(i, 0, rng.Float64())
		}
		elem.Set(i, 1, rng.Float64())
		y.Set(i, 0, phys.At(i, 0)+2*elem.At(i, 0)+0.1*rng.NormFloat64())
	}
	d := pidreg.Dataset{Modalities: []pidreg.Modality{{Name: "physics", X: phys}, {Name: "elements", X: elem}}, Y: y}
	cfg := pidreg.Config{Latent: 4, Hidden: []int{16, 8}, HeadHidden: []int{16, 8}, Batch: 64, Epochs: 5, Seed: 1,
		Inputs: pidreg.Quantile}
	m, err := pidreg.New(cfg, d.Dims()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := m.Fit(context.Background(), d, pidreg.Dataset{}); err != nil {
		fmt.Println(err)
		return
	}
	// New materials with the rare element: one within the training range,
	// two far beyond it.
	x1 := mat.NewDense(3, 3, nil)
	x2 := mat.NewDense(3, 2, []float64{0.5, 0.5, 50, 0.5, 5000, 0.5})
	newRows := pidreg.Dataset{Modalities: []pidreg.Modality{{Name: "physics", X: x1}, {Name: "elements", X: x2}}}
	far, err := m.OutOfRange(newRows)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := m.Predict(newRows)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rows beyond the training range:", far)
	// Alike to rounding: BLAS may sum rows 2 and 3 in different orders.
	fmt.Println("50 and 5000 predict alike:", math.Abs(p.At(1, 0)-p.At(2, 0)) < 1e-9)
	// Output:
	// rows beyond the training range: 2
	// 50 and 5000 predict alike: true
}
