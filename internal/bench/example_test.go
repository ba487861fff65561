package bench_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/bench"
)

func ExampleParseModels() {
	all, _ := bench.ParseModels("all", []string{"tens", "units"})
	fmt.Println(all)
	some, _ := bench.ParseModels("pidreg,unimodal:tens", []string{"tens", "units"})
	fmt.Println(some)
	_, err := bench.ParseModels("pidreg,boosting", []string{"tens", "units"})
	fmt.Println(err)
	// Output:
	// [pidreg modality-dropout concat late unimodal:tens unimodal:units equal-weights no-cmi no-cs no-gauss no-freeze]
	// [pidreg unimodal:tens]
	// bench: bad model list: unknown model "boosting" (want pidreg, modality-dropout, concat, late, unimodal:tens, unimodal:units, equal-weights, no-cmi, no-cs, no-gauss, no-freeze)
}

func ExampleNewStat() {
	s := bench.NewStat([]float64{2.0, 2.2, 2.4})
	fmt.Printf("%.2f ± %.2f over %d seeds\n", s.Mean, s.SD, s.N)
	// Output: 2.20 ± 0.20 over 3 seeds
}

// ExampleRun benchmarks pidreg against the unimodal model of its first
// modality on two seeds of a small synthetic problem, with a tiny network.
func ExampleRun() {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 150
	x1, x2, y := mat.NewDense(n, 2, nil), mat.NewDense(n, 2, nil), mat.NewDense(n, 1, nil)
	for i := range n {
		a, b, c, d := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		x1.SetRow(i, []float64{a, b})
		x2.SetRow(i, []float64{c, d})
		y.Set(i, 0, 2*a+b*c+0.1*rng.NormFloat64())
	}
	data := pidreg.Dataset{Modalities: []pidreg.Modality{{Name: "left", X: x1}, {Name: "right", X: x2}}, Y: y}

	splits, err := bench.Splits(n, [3]float64{0.7, 0.1, 0.2}, 2, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := pidreg.Config{Latent: 4, Hidden: []int{16}, HeadHidden: []int{16}, Dropout: []float64{0}, Epochs: 3, Batch: 32}
	tab, err := bench.Run(context.Background(), data, splits, []string{"pidreg", "unimodal:left"}, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range tab.Rows {
		fmt.Printf("%s: %d runs of %.0f epochs\n", r.Model, r.RMSE.N, r.Epochs.Mean)
	}
	fmt.Println("selection checks:", len(tab.Selection))
	// tab.Markdown(os.Stdout) prints the table.
	// Output:
	// pidreg: 2 runs of 3 epochs
	// unimodal:left: 2 runs of 3 epochs
	// selection checks: 2
}
