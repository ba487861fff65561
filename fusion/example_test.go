package fusion_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/pid"
	"gonum.org/v1/gonum/mat"
)

func ExampleWeights() {
	// I(M;X) = 0.8, I(M;Y) = 0.6 bit: U_X = 0.2, U_Y = 0, Red = 0.6, Syn = 0.2.
	r := pid.Result{MIX: 0.8, MIY: 0.6, MIXY: 1, UniqueX: 0.2, Redundancy: 0.6, Synergy: 0.2}
	fmt.Printf("split    %.2f\n", fusion.Weights(r, fusion.Split, nil))
	fmt.Printf("stronger %.2f\n", fusion.Weights(r, fusion.Stronger, nil))
	// Output:
	// split    [0.50 0.30 0.20]
	// stronger [0.80 0.00 0.20]
}

func ExampleTracker() {
	tr := fusion.NewTracker(fusion.Schedule{Window: 2, Delta: 0.01, Patience: 2}, fusion.Split)
	rng := rand.New(rand.NewPCG(1, 2))
	for epoch := 0; epoch < 6 && !tr.Frozen(); epoch++ {
		for batch := 0; batch < 3; batch++ { // the trainer's per-batch PIDs
			tr.Observe(pid.Result{MIX: 0.5, MIY: 0.5, MIXY: 1.5, UniqueX: 0.25, UniqueY: 0.25, Redundancy: 0.25, Synergy: 0.75})
		}
		e := tr.EndEpoch(rng)
		fmt.Printf("epoch %d: weights %.3f stable %d frozen %v\n", e.Index, e.Weights, e.Stable, e.Frozen)
	}
	// Output:
	// epoch 0: weights [0.250 0.250 0.500] stable 0 frozen false
	// epoch 1: weights [0.250 0.250 0.500] stable 1 frozen false
	// epoch 2: weights [0.250 0.250 0.500] stable 2 frozen true
}

func ExampleFuse() {
	z1 := mat.NewDense(1, 2, []float64{1, 2})
	z2 := mat.NewDense(1, 2, []float64{3, 4})
	z, err := fusion.Fuse(z1, z2, [3]float64{0.5, 0.25, 0.25})
	if err != nil {
		panic(err)
	}
	fmt.Println(mat.Formatted(z))
	// Output:
	// [2  4]
}
