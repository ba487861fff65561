package encoder_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/pidreg/pidreg/encoder"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Build an encoder and a bottleneck, train one step, and run inference
// from a snapshot.
func Example() {
	const batch, in, k = 32, 10, 4
	rng := rand.New(rand.NewPCG(1, 2))
	g := G.NewGraph()
	enc, err := encoder.NewMLP(g, "enc1", in, k, encoder.Config{Hidden: []int{16, 8}, OutputBN: true}, batch, rng)
	if err != nil {
		panic(err)
	}
	bot, err := encoder.NewBottleneck(g, "bot1", batch, k, 4)
	if err != nil {
		panic(err)
	}
	xData := make([]float64, batch*in)
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(batch, in), G.WithName("x1"),
		G.WithValue(tensor.New(tensor.WithShape(batch, in), tensor.WithBacking(xData))))
	r, err := enc.Forward(x)
	if err != nil {
		panic(err)
	}
	z, err := bot.Forward(r)
	if err != nil {
		panic(err)
	}
	loss := G.Must(G.Mean(G.Must(G.Square(z))))
	params := append(enc.Learnables(), bot.Theta())
	if _, err := G.Grad(loss, params...); err != nil {
		panic(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(1e-3))

	// one training step: new data in place, new masks and noise
	for i := range xData {
		xData[i] = rng.NormFloat64()
	}
	enc.ResampleDropout(rng)
	bot.Resample(rng)
	if err := vm.RunAll(); err != nil {
		panic(err)
	}
	if err := solver.Step(G.NodesToValueGrads(params)); err != nil {
		panic(err)
	}
	vm.Reset()

	// inference without the graph
	w := enc.Snapshot()
	out, err := w.Forward(mat.NewDense(3, in, make([]float64, 3*in)))
	if err != nil {
		panic(err)
	}
	rows, cols := out.Dims()
	fmt.Printf("encoder %d→%d, %d layers; output %d×%d; λ = %.3f\n", w.In(), w.Out(), len(w.Layers), rows, cols, encoder.LambdaOf(4))
	// Output:
	// encoder 10→4, 3 layers; output 3×4; λ = 0.982
}
