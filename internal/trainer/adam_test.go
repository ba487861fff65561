package trainer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pidreg/pidreg/internal/opkit"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// quadGraph builds loss = sum((s·W·x − t)²) for a 3×2 W and a scalar s, so
// that gradients are non-trivial and change from step to step, and the
// scalar path (θ of the bottleneck) is exercised too.
func quadGraph(w0 []float64) (*G.ExprGraph, *G.Node, *G.Node, *G.Node) {
	g := G.NewGraph()
	w := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(append([]float64(nil), w0...)))))
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 1), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{0.7, -1.3}))))
	t := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 1), G.WithName("t"),
		G.WithValue(tensor.New(tensor.WithShape(3, 1), tensor.WithBacking([]float64{1, 2, -1}))))
	sc := G.NewScalar(g, tensor.Float64, G.WithName("s"), G.WithValue(0.8))
	d := G.Must(G.Sub(G.Must(G.Mul(G.Must(G.Mul(w, x)), sc)), t))
	loss := G.Must(G.Sum(G.Must(G.Square(d))))
	if _, err := G.Grad(loss, w, sc); err != nil {
		panic(err)
	}
	return g, w, sc, loss
}

// TestAdamMatchesGorgonia runs five steps of our Adam and of gorgonia's
// AdamSolver from the same start and compares the parameters.
func TestAdamMatchesGorgonia(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w0 := make([]float64, 6)
	for i := range w0 {
		w0[i] = rng.NormFloat64()
	}
	run := func(ours bool) []float64 {
		g, w, sc, _ := quadGraph(w0)
		vm := G.NewTapeMachine(g, G.BindDualValues(w, sc))
		defer vm.Close()
		var a *adam
		solver := G.NewAdamSolver(G.WithLearnRate(0.05))
		for step := 0; step < 5; step++ {
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			if ours {
				if a == nil {
					var err error
					if a, err = newAdam(G.Nodes{w, sc}, 0.05); err != nil {
						t.Fatal(err)
					}
				}
				a.step()
			} else if err := solver.Step(G.NodesToValueGrads(G.Nodes{w, sc})); err != nil {
				t.Fatal(err)
			}
			vm.Reset()
		}
		return append(append([]float64(nil), w.Value().Data().([]float64)...), float64(*sc.Value().(*G.F64)))
	}
	got, want := run(true), run(false)
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("param %d: ours %v, gorgonia %v", i, got[i], want[i])
		}
	}
	moved := false
	for i := range w0 {
		if got[i] != w0[i] {
			moved = true
		}
	}
	if got[6] == 0.8 {
		t.Fatal("the scalar parameter did not move")
	}
	if !moved {
		t.Fatal("parameters did not move")
	}
}

func TestAdamClip(t *testing.T) {
	a := &adam{f64: params[float64]{grad: [][]float64{{3, 0}}}, f32: params[float32]{grad: [][]float32{{4}}}}
	a.clip(1)
	if n := a.gradNorm(); math.Abs(n-1) > 1e-6 {
		t.Fatalf("norm after clip = %v, want 1", n)
	}
	a.clip(10) // below the bound: unchanged
	if n := a.gradNorm(); math.Abs(n-1) > 1e-6 {
		t.Fatalf("norm changed to %v", n)
	}
}

// TestAdamParallelSame checks that the two-goroutine update of many
// parameters gives the same bits as the serial one, for float64 and float32
// parameters.
func TestAdamParallelSame(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testAdamParallel(t, func(a *adam) *params[float64] { return &a.f64 }) })
	t.Run("float32", func(t *testing.T) { testAdamParallel(t, func(a *adam) *params[float32] { return &a.f32 }) })
}

func testAdamParallel[T opkit.Elem](t *testing.T, set func(*adam) *params[T]) {
	rng := rand.New(rand.NewPCG(5, 6))
	mk := func() *adam {
		a := &adam{lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8}
		for _, n := range []int{3, parallelAdam, 1000, 17} {
			p, g := make([]T, n), make([]T, n)
			for i := range p {
				p[i], g[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
			}
			set(a).add(p, g)
		}
		return a
	}
	par := mk()
	rng = rand.New(rand.NewPCG(5, 6))
	ser := mk()
	par.step()
	c1 := 1 / (1 - math.Pow(ser.beta1, 1))
	c2 := 1 / (1 - math.Pow(ser.beta2, 1))
	u := updater[T]{p: set(ser), lr: T(ser.lr), b1: T(ser.beta1), b2: T(ser.beta2), eps: T(ser.eps), c1: T(c1), c2: T(c2)}
	for k := range u.p.val {
		u.update(k, 0, len(u.p.val[k]))
	}
	pp, sp := set(par), set(ser)
	for k := range pp.val {
		for i := range pp.val[k] {
			if pp.val[k][i] != sp.val[k][i] || pp.m[k][i] != sp.m[k][i] || pp.grad[k][i] != 0 {
				t.Fatalf("parameter %d entry %d: parallel %v, serial %v", k, i, pp.val[k][i], sp.val[k][i])
			}
		}
	}
	if pp.val[1][0] == T(0) {
		t.Fatal("no update")
	}
}
