package regularizer

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Benchmarks at the trainer's shapes: batch n = 256, latent k = 64, modality
// dimensions 81 and 86, Gaussianity on p = 1 + 64 + 64 columns.
const benchN, benchK = 256, 64

func denseValue(m *mat.Dense) *tensor.Dense {
	r, c := m.Dims()
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]float64(nil), m.RawMatrix().Data...)))
}

// benchOp runs the forward op's Do and the gradient op's Do, as the tape
// machine does in one training step.
func benchOp(b *testing.B, op *lossOp, vals ...G.Value) {
	b.Helper()
	benchGrads(b, op, []*lossGradOp{{fwd: op}}, vals...)
}

// benchGrads runs the forward op's Do, then each gradient op's Do.
func benchGrads(b *testing.B, op *lossOp, grads []*lossGradOp, vals ...G.Value) {
	b.Helper()
	gin := append(append([]G.Value(nil), vals...), G.NewF64(0.1))
	b.ReportAllocs()
	c0, iters := processCPU(), 0
	for b.Loop() {
		if _, err := op.Do(vals...); err != nil {
			b.Fatal(err)
		}
		for _, gop := range grads {
			if _, err := gop.Do(gin...); err != nil {
				b.Fatal(err)
			}
		}
		iters++
	}
	reportCPU(b, c0, iters)
}

// reportCPU reports the process CPU time per iteration since c0.
func reportCPU(b *testing.B, c0 time.Duration, iters int) {
	if iters > 0 {
		b.ReportMetric(float64(processCPU()-c0)/float64(iters), "cpu-ns/op")
	}
}

func BenchmarkCSDivergence(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	r := normal(rng, benchN, benchK)
	for i := 0; i < benchN; i++ {
		r.Set(i, 0, r.At(i, 0)+1)
	}
	op := &lossOp{name: "CSDivergence", dims: []int{2, 2}, impl: &csState{}}
	benchOp(b, op, denseValue(r), denseValue(normal(rng, benchN, benchK)))
}

func BenchmarkCMI(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	xc, xo, z := cmiData(rng, benchN, 81, 86, benchK, true)
	m, k := grams(b, xc, xo)
	op := &lossOp{name: "CMI(scale=1)", dims: []int{2, 2, 2}, impl: &cmiState{scale: 1}}
	benchOp(b, op, denseValue(z), denseValue(mat.NewDense(benchN, benchN, m)), denseValue(mat.NewDense(benchN, benchN, k)))
}

// benchGauss runs the Gaussianity op on [ỹ, Z1, Z2] (1 + 64 + 64 columns)
// and its two gradient ops, as one training step does.
func benchGauss(b *testing.B, weight float64) {
	rng := rand.New(rand.NewPCG(3, 3))
	f := correlated(rng, benchN, 1+2*benchK, rng.NormFloat64)
	vals := []G.Value{denseValue(columns(f, 0, 1)), denseValue(columns(f, 1, 1+benchK)), denseValue(columns(f, 1+benchK, 1+2*benchK)), G.NewF64(weight)}
	op := &lossOp{name: "Gaussianity", dims: []int{2, 2, 2, 0}, diff: []bool{false, true, true, false}, impl: &gaussState{}}
	benchGrads(b, op, []*lossGradOp{{fwd: op, wrt: 1}, {fwd: op, wrt: 2}}, vals...)
}

func BenchmarkGaussianity(b *testing.B)           { benchGauss(b, 1) }
func BenchmarkGaussianityWeightZero(b *testing.B) { benchGauss(b, 0) }

// BenchmarkGram: the per-batch constant Gram of an 81-dimensional modality,
// with a reused destination (no allocation).
func BenchmarkGram(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := normal(rng, benchN, 81)
	dst := make([]float64, benchN*benchN)
	b.ReportAllocs()
	c0, iters := processCPU(), 0
	for b.Loop() {
		if _, _, err := Gram(dst, x, 1); err != nil {
			b.Fatal(err)
		}
		iters++
	}
	reportCPU(b, c0, iters)
}

// BenchmarkLossesGraph runs all three losses (two CS, two CMI, one
// Gaussianity) through one gorgonia TapeMachine step with the backward pass,
// on learnable Z1, Z2: the regularisers' share of a training step.
func BenchmarkLossesGraph(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := G.NewGraph()
	x1, x2, _ := cmiData(rng, benchN, 81, 86, benchK, true)
	m1, _ := grams(b, x1, x2)
	m2, _ := grams(b, x2, x1)
	z1 := G.NewMatrix(g, tensor.Float64, G.WithShape(benchN, benchK), G.WithName("z1"), G.WithValue(denseValue(normal(rng, benchN, benchK))))
	z2 := G.NewMatrix(g, tensor.Float64, G.WithShape(benchN, benchK), G.WithName("z2"), G.WithValue(denseValue(normal(rng, benchN, benchK))))
	q1 := inputMatrix(g, "q1", normal(rng, benchN, benchK))
	q2 := inputMatrix(g, "q2", normal(rng, benchN, benchK))
	mm1 := inputMatrix(g, "m1", mat.NewDense(benchN, benchN, m1))
	mm2 := inputMatrix(g, "m2", mat.NewDense(benchN, benchN, m2))
	y := inputMatrix(g, "y", normal(rng, benchN, 1))
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"), G.WithValue(1.0))
	cs1 := G.Must(CSDivergence(z1, q1))
	cs2 := G.Must(CSDivergence(z2, q2))
	c1 := G.Must(CMI(z1, mm1, mm2, 1))
	c2 := G.Must(CMI(z2, mm2, mm1, 1))
	gs := G.Must(Gaussianity(w, y, z1, z2))
	loss := G.Must(G.Add(G.Must(G.Add(G.Must(G.Add(cs1, cs2)), G.Must(G.Add(c1, c2)))), gs))
	if _, err := G.Grad(loss, z1, z2); err != nil {
		b.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(z1, z2))
	defer vm.Close()
	b.ReportAllocs()
	c0, iters := processCPU(), 0
	for b.Loop() {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
		iters++
	}
	reportCPU(b, c0, iters)
}

// BenchmarkLossSum runs MSE at the trainer's shape (256 × 1) plus three
// scalar terms, summed with weights (1, 0.1, 0.2, 0.3), forward and
// backward through a TapeMachine: the fused ops (MSE, WeightedSum) against
// the gorgonia formulation they replace.
func BenchmarkLossSum(b *testing.B) {
	for _, fused := range []bool{true, false} {
		name := "gorgonia"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(6, 6))
			g := G.NewGraph()
			pred := inputMatrix(g, "pred", normal(rng, benchN, 1))
			y := inputMatrix(g, "y", normal(rng, benchN, 1))
			wrt := G.Nodes{pred}
			w := []float64{1, 0.1, 0.2, 0.3}
			var terms []*G.Node
			if fused {
				terms = append(terms, G.Must(MSE(pred, y)))
			} else {
				terms = append(terms, G.Must(gorgoniaMSE(pred, y)))
			}
			for i := 1; i < len(w); i++ {
				s := G.NewScalar(g, tensor.Float64, G.WithName(fmt.Sprintf("s%d", i)), G.WithValue(float64(i)))
				terms, wrt = append(terms, s), append(wrt, s)
			}
			var loss *G.Node
			if fused {
				loss = G.Must(WeightedSum(w, terms...))
			} else {
				loss = gorgoniaSum(w, terms)
			}
			if _, err := G.Grad(loss, wrt...); err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
			defer vm.Close()
			b.ReportAllocs()
			for b.Loop() {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
		})
	}
}

// BenchmarkArgsort sorts the flattened whitened latents of a PID step
// (256 rows × 128 columns of about standard normal values), as the
// Gaussianity loss does every step.
func BenchmarkArgsort(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	nn := 256 * 128
	v := make([]float64, nn)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	idx, keys := make([]int32, nn), make([]uint64, 2*nn)
	b.ReportAllocs()
	for b.Loop() {
		argsort(idx, v, keys)
	}
}
