package fusion_test

import (
	"fmt"
	"math"
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

// Three modalities a, b, c: a alone carries 0.2 bit, a and b each carry
// the same 0.3 bit (redundancy {a}{b}), a and the pair (b, c) each carry
// 0.1 bit ({a}{b,c}), and only all three together carry 0.4 bit
// ({a,b,c}). Split shares each redundancy equally among its sets (it does
// not read the informations, left 0 here); the synergy of the triple goes
// to its three pair products.
func ExampleTermWeights() {
	names := []string{"a", "b", "c"}
	r := pid.LatticeResult{
		Sources: 3, Atoms: make([]float64, pid.NumAtoms(3)), MIEach: make([]float64, 3),
		MIRest: make([]float64, 3), SubsetMI: make([]float64, 7), Method: pid.MethodMMI,
	}
	for name, v := range map[string]float64{"{a}": 0.2, "{a}{b}": 0.3, "{a}{b,c}": 0.1, "{a,b,c}": 0.4} {
		for k := range r.Atoms {
			if r.Name(k, names) == name {
				r.Atoms[k] = v
			}
		}
	}
	w, err := fusion.TermWeights(r, fusion.Split, nil)
	if err != nil {
		panic(err)
	}
	for t, src := range fusion.Terms(3) {
		label := names[src[0]]
		if len(src) == 2 {
			label += "⊙" + names[src[1]]
		}
		fmt.Printf("%-4s %.4f\n", label, w[t])
	}
	// Output:
	// a    0.4000
	// b    0.1500
	// c    0.0000
	// a⊙b  0.1333
	// a⊙c  0.1333
	// b⊙c  0.1833
}

// Two modalities, one row missing the second: its weights are
// renormalised over the terms it still has (Z1 alone).
func ExampleFuseLatents() {
	z1 := mat.NewDense(2, 2, []float64{1, 2, 1, 2})
	z2 := mat.NewDense(2, 2, []float64{3, 4, math.NaN(), math.NaN()}) // row 1 lacks modality 2
	mask := mat.NewDense(2, 2, []float64{1, 1, 1, 0})
	z, err := fusion.FuseLatents([]mat.Matrix{z1, z2}, []float64{0.5, 0.25, 0.25}, mask)
	if err != nil {
		panic(err)
	}
	fmt.Println(mat.Formatted(z))
	// Output:
	// ⎡2  4⎤
	// ⎣1  2⎦
}
