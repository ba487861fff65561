package fusion_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/pid"
)

// Two modalities: I(ỹ;Z1) = 0.8, I(ỹ;Z2) = 0.6 bit, U_X = 0.2, U_Y = 0,
// Red = 0.6, Syn = 0.2. The weights of Z1, Z2 and Z1⊙Z2 are
// ((U_X + s_X·Red)/T, (U_Y + s_Y·Red)/T, Syn/T): Split halves the
// redundancy, Stronger gives it to the more informative Z1.
func ExampleTermWeights_twoModalities() {
	r := pid.Result{MIX: 0.8, MIY: 0.6, MIXY: 1, UniqueX: 0.2, Redundancy: 0.6, Synergy: 0.2}
	for _, p := range []fusion.Policy{fusion.Split, fusion.Stronger} {
		w, err := fusion.TermWeights(pid.LatticeOf(r), p, nil)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-8v %.2f\n", p, w)
	}
	// Output:
	// split    [0.50 0.30 0.20]
	// stronger [0.80 0.00 0.20]
}

// The tracker averages the batch decompositions of each epoch and freezes
// the weights once the windowed atoms stop moving (here W = 2, K = 2).
func ExampleLatticeTracker() {
	tr, err := fusion.NewLatticeTracker(fusion.Schedule{Window: 2, Delta: 0.01, Patience: 2}, fusion.Split, 2)
	if err != nil {
		panic(err)
	}
	batch := pid.LatticeOf(pid.Result{MIX: 0.5, MIY: 0.5, MIXY: 1.5, UniqueX: 0.25, UniqueY: 0.25, Redundancy: 0.25, Synergy: 0.75})
	rng := rand.New(rand.NewPCG(1, 2))
	for epoch := 0; epoch < 6 && !tr.Frozen(); epoch++ {
		for range 3 { // the trainer's per-batch decompositions
			if err := tr.Observe(batch); err != nil {
				panic(err)
			}
		}
		e := tr.EndEpoch(rng)
		fmt.Printf("epoch %d: weights %.3f stable %d frozen %v\n", e.Index, e.Weights, e.Stable, e.Frozen)
	}
	// Output:
	// epoch 0: weights [0.250 0.250 0.500] stable 0 frozen false
	// epoch 1: weights [0.250 0.250 0.500] stable 1 frozen false
	// epoch 2: weights [0.250 0.250 0.500] stable 2 frozen true
}

// A Layer fuses two latents in a graph, z = w1·Z1 + w2·Z2 + w3·(Z1⊙Z2),
// with the weights in an input node set before each run; FuseLatents is
// its inference mirror, equal bit for bit.
func ExampleLayer() {
	g := G.NewGraph()
	z1 := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 2), G.WithName("z1"),
		G.WithValue(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, 2}))))
	z2 := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 2), G.WithName("z2"),
		G.WithValue(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{3, 4}))))
	l, err := fusion.NewLayer(g, 2)
	if err != nil {
		panic(err)
	}
	z, err := l.Forward(z1, z2)
	if err != nil {
		panic(err)
	}
	w := []float64{0.5, 0.25, 0.25}
	if err := l.Set(w); err != nil {
		panic(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		panic(err)
	}
	fmt.Println("graph:", z.Value().Data())
	inf, err := fusion.FuseLatents([]mat.Matrix{mat.NewDense(1, 2, []float64{1, 2}), mat.NewDense(1, 2, []float64{3, 4})}, w, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("inference:", inf.RawMatrix().Data)
	// Output:
	// graph: [2 4]
	// inference: [2 4]
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
