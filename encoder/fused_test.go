package encoder

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/pidreg/pidreg/internal/opkit"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaForward wires m's layers with gorgonia's generic ops, as
// MLP.Forward did before the fused ops: Mul, BroadcastAdd, BatchNorm,
// Rectify, HadamardProd. It returns the output and the BatchNorm ops (nil
// entries for layers without one). It is the reference the fused ops are
// compared against.
func gorgoniaForward(m *MLP, x *G.Node) (*G.Node, []*G.BatchNormOp, error) {
	h := x
	ops := make([]*G.BatchNormOp, len(m.layers))
	for i := range m.layers {
		l := &m.layers[i]
		xw, err := G.Mul(h, l.w)
		if err != nil {
			return nil, nil, err
		}
		if h, err = G.BroadcastAdd(xw, l.b, nil, []byte{0}); err != nil {
			return nil, nil, err
		}
		if l.gamma != nil {
			var op *G.BatchNormOp
			if h, _, _, op, err = G.BatchNorm(h, l.gamma, l.beta, m.cfg.Momentum, m.cfg.Epsilon); err != nil {
				return nil, nil, err
			}
			if err = op.Reset(); err != nil {
				return nil, nil, err
			}
			ops[i] = op
		}
		if l.relu {
			if h, err = G.Rectify(h); err != nil {
				return nil, nil, err
			}
		}
		if l.mask != nil {
			if h, err = G.HadamardProd(h, l.mask); err != nil {
				return nil, nil, err
			}
		}
	}
	return h, ops, nil
}

// refNet is buildNet with gorgoniaForward instead of MLP.Forward: the same
// seed gives the same weights, masks, input and loss weights.
func refNet(t testing.TB, in, out, batch int, cfg Config, seed uint64) (*testNet, []*G.BatchNormOp) {
	t.Helper()
	rng := newRNG(seed)
	g := G.NewGraph()
	m, err := NewMLP(g, "enc", in, out, cfg, batch, rng)
	if err != nil {
		t.Fatal(err)
	}
	xd := randSlice(rng, batch*in)
	x := mustInput(t, g, "x", batch, in, xd)
	o, ops, err := gorgoniaForward(m, x)
	if err != nil {
		t.Fatal(err)
	}
	m.forwarded = true
	loss := linearLoss(t, g, o, rng)
	wrt := append(G.Nodes{x}, m.Learnables()...)
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	t.Cleanup(func() { vm.Close() })
	// NewTapeMachine reset the running statistics; nothing else to do.
	return &testNet{g: g, m: m, x: x, xd: xd, out: o, loss: loss, vm: vm}, ops
}

// TestFusedMatchesGorgonia trains the fused MLP and the gorgonia-op
// reference side by side for a few Adam steps with fresh inputs and dropout
// masks, and compares outputs, the gradients of the input and of every
// learnable, and the BatchNorm running statistics.
func TestFusedMatchesGorgonia(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"encoder", Config{Hidden: []int{12, 7}, Dropout: []float64{0.3, 0.2}, OutputBN: true, Momentum: 0.2}},
		{"head", Config{Hidden: []int{9, 6}, Dropout: []float64{0.4, 0}}},
		{"linear", Config{Hidden: []int{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const in, out, batch = 5, 4, 16
			fused := buildNet(t, in, out, batch, tc.cfg, 91)
			ref, refOps := refNet(t, in, out, batch, tc.cfg, 91)
			rng := newRNG(92)
			sf := G.NewAdamSolver(G.WithLearnRate(0.02))
			sr := G.NewAdamSolver(G.WithLearnRate(0.02))
			worst := 0.0
			cmp := func(what string, a, b []float64, tol float64) {
				t.Helper()
				d := maxAbsDiff(a, b)
				worst = math.Max(worst, d)
				if d > tol {
					t.Errorf("%s: fused and gorgonia ops differ by %g", what, d)
				}
			}
			for step := 0; step < 3; step++ {
				xd := randSlice(rng, batch*in)
				copy(fused.xd, xd)
				copy(ref.xd, xd)
				mrng := rng.Uint64()
				fused.m.ResampleDropout(newRNG(mrng))
				ref.m.ResampleDropout(newRNG(mrng))
				runOnce(t, fused.vm)
				runOnce(t, ref.vm)
				cmp("output", fused.out.Value().Data().([]float64), ref.out.Value().Data().([]float64), 1e-12)
				cmp("loss", []float64{scalarOf(t, fused.loss)}, []float64{scalarOf(t, ref.loss)}, 1e-11)
				cmp("dL/dx", gradData(t, fused.x), gradData(t, ref.x), 1e-12)
				lf, lr := fused.m.Learnables(), ref.m.Learnables()
				for i := range lf {
					cmp("dL/d"+lf[i].Name(), gradData(t, lf[i]), gradData(t, lr[i]), 1e-12)
				}
				sw := fused.m.Snapshot()
				for i, op := range refOps {
					if op == nil {
						continue
					}
					mean, vr := op.Stats()
					cmp("running mean", sw.Layers[i].Mean, mean.Data().([]float64), 1e-12)
					cmp("running variance", sw.Layers[i].Var, vr.Data().([]float64), 1e-12)
				}
				if err := sf.Step(G.NodesToValueGrads(lf)); err != nil {
					t.Fatal(err)
				}
				if err := sr.Step(G.NodesToValueGrads(lr)); err != nil {
					t.Fatal(err)
				}
				if t.Failed() {
					t.Fatalf("step %d", step)
				}
			}
			t.Logf("worst |Δ| over 3 steps: %.2g", worst)
		})
	}
}

// TestLinearOpFD checks linear(X, W, b) = X·W + b against gonum and its three
// gradients against central finite differences.
func TestLinearOpFD(t *testing.T) {
	const n, in, out = 6, 4, 3
	rng := newRNG(101)
	g := G.NewGraph()
	xd, wd, bd := randSlice(rng, n*in), randSlice(rng, in*out), randSlice(rng, out)
	x := mustInput(t, g, "x", n, in, xd)
	w := mustInput(t, g, "W", in, out, wd)
	b := mustInput(t, g, "b", 1, out, bd)
	y, err := linearNode[float64](x, w, b, "t")
	if err != nil {
		t.Fatal(err)
	}
	loss := linearLoss(t, g, y, rng)
	if _, err := G.Grad(loss, x, w, b); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(x, w, b))
	defer vm.Close()
	runOnce(t, vm)
	var want mat.Dense
	want.Mul(denseOf(n, in, xd), denseOf(in, out, wd))
	for r := 0; r < n; r++ {
		for j := 0; j < out; j++ {
			want.Set(r, j, want.At(r, j)+bd[j])
		}
	}
	if d := maxAbsDiff(y.Value().Data().([]float64), want.RawMatrix().Data); d != 0 {
		t.Errorf("forward differs from gonum X·W + b by %g", d)
	}
	gx, gw, gb := gradData(t, x), gradData(t, w), gradData(t, b)
	fdCheck(t, "dL/dX", vm, loss, xd, gx, 1e-6, 1e-8)
	fdCheck(t, "dL/dW", vm, loss, wd, gw, 1e-6, 1e-8)
	fdCheck(t, "dL/db", vm, loss, bd, gb, 1e-6, 1e-8)
}

// TestReluMaskOpFD checks max(H, 0) ⊙ M and max(H, 0) against a direct loop
// and their gradient against finite differences (entries of H are kept away
// from the kink at 0), and pins the derivative at exactly 0 to gorgonia's
// Rectify convention (1, since Rectify multiplies by H ≥ 0).
func TestReluMaskOpFD(t *testing.T) {
	const r, c = 7, 5
	for _, withMask := range []bool{true, false} {
		rng := newRNG(111)
		g := G.NewGraph()
		hd := randSlice(rng, r*c)
		for i, v := range hd {
			if math.Abs(v) < 0.05 {
				hd[i] = math.Copysign(0.05, v)
			}
		}
		h := mustInput(t, g, "h", r, c, hd)
		var mask *G.Node
		md := make([]float64, r*c)
		for i := range md {
			md[i] = 1
			if withMask {
				md[i] = [...]float64{0, 1 / 0.7, 1 / 0.7}[rng.IntN(3)]
			}
		}
		if withMask {
			mask = mustInput(t, g, "mask", r, c, md)
		}
		y, err := reluMaskNode[float64](h, mask, "t")
		if err != nil {
			t.Fatal(err)
		}
		loss := linearLoss(t, g, y, rng)
		if _, err := G.Grad(loss, h); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(h))
		runOnce(t, vm)
		got := y.Value().Data().([]float64)
		for i, v := range hd {
			want := math.Max(v, 0) * md[i]
			if got[i] != want {
				t.Fatalf("mask=%v: y[%d] = %v, want %v", withMask, i, got[i], want)
			}
		}
		fdCheck(t, "dL/dH", vm, loss, hd, gradData(t, h), 1e-6, 1e-8)
		vm.Close()
	}

	// the derivative at H = 0 and NaN propagation, against Rectify ⊙ mask
	g := G.NewGraph()
	hd := []float64{0, -1, 2, 0, math.Copysign(0, -1), 3}
	md := []float64{2, 2, 2, 0, 2, 0}
	h := mustInput(t, g, "h", 2, 3, hd)
	mask := mustInput(t, g, "mask", 2, 3, md)
	y, err := reluMaskNode[float64](h, mask, "t")
	if err != nil {
		t.Fatal(err)
	}
	rect, err := G.Rectify(h)
	if err != nil {
		t.Fatal(err)
	}
	yRef, err := G.HadamardProd(rect, mask)
	if err != nil {
		t.Fatal(err)
	}
	cw := mustInput(t, g, "c", 2, 3, []float64{1, 2, 3, 4, 5, 6})
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, cw))))
	lossRef := G.Must(G.Sum(G.Must(G.HadamardProd(yRef, cw))))
	grads, err := G.Grad(loss, h)
	if err != nil {
		t.Fatal(err)
	}
	gradsRef, err := G.Grad(lossRef, h)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	runOnce(t, vm)
	if d := maxAbsDiff(grads[0].Value().Data().([]float64), gradsRef[0].Value().Data().([]float64)); d != 0 {
		t.Errorf("derivative at the kink: %v, Rectify gives %v", grads[0].Value().Data(), gradsRef[0].Value().Data())
	}
	// NaN stays NaN in the forward pass (so a diverging run is detected)
	hd[1] = math.NaN()
	runOnce(t, vm)
	if v := y.Value().Data().([]float64)[1]; !math.IsNaN(v) {
		t.Errorf("ReLU⊙mask of NaN = %v, want NaN", v)
	}
}

// TestDeadInputGradient: when the MLP's input is a data node nobody
// differentiates with respect to, the first layer's ∂/∂X node is dead and
// skipped; with the input among the wrt nodes it is computed. The
// parameter gradients are the same either way.
func TestDeadInputGradient(t *testing.T) {
	const in, out, batch = 4, 3, 8
	cfg := Config{Hidden: []int{6, 5}, OutputBN: true}
	build := func(withX bool) (*G.ExprGraph, *MLP, G.Nodes, G.VM) {
		rng := newRNG(121)
		g := G.NewGraph()
		m, err := NewMLP(g, "enc", in, out, cfg, batch, rng)
		if err != nil {
			t.Fatal(err)
		}
		x := mustInput(t, g, "x", batch, in, randSlice(rng, batch*in))
		o, err := m.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		loss := linearLoss(t, g, o, rng)
		wrt := m.Learnables()
		if withX {
			wrt = append(G.Nodes{x}, wrt...)
		}
		if _, err := G.Grad(loss, wrt...); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
		t.Cleanup(func() { vm.Close() })
		return g, m, wrt, vm
	}
	liveness := func(g *G.ExprGraph) (live, dead int) {
		for _, n := range g.AllNodes() {
			if op, ok := n.Op().(*linearGradOp[float64]); ok && op.kind == gradX {
				if op.live() {
					live++
				} else {
					dead++
				}
			}
		}
		return live, dead
	}
	gd, md, _, vmd := build(false)
	gl, ml, _, vml := build(true)
	if live, dead := liveness(gd); live != 2 || dead != 1 {
		t.Errorf("x not differentiated: %d live and %d dead ∂/∂X nodes, want 2 and 1", live, dead)
	}
	if live, dead := liveness(gl); live != 3 || dead != 0 {
		t.Errorf("x differentiated: %d live and %d dead ∂/∂X nodes, want 3 and 0", live, dead)
	}
	runOnce(t, vmd)
	runOnce(t, vml)
	ld, ll := md.Learnables(), ml.Learnables()
	for i := range ld {
		if d := maxAbsDiff(gradData(t, ld[i]), gradData(t, ll[i])); d != 0 {
			t.Errorf("%s: gradient differs by %g when x is not differentiated", ld[i].Name(), d)
		}
	}
}

// TestFusedOpErrors: shape and type errors are reported, not panics.
func TestFusedOpErrors(t *testing.T) {
	g := G.NewGraph()
	x := mustInput(t, g, "x", 4, 3, make([]float64, 12))
	w := mustInput(t, g, "W", 2, 5, make([]float64, 10))
	b := mustInput(t, g, "b", 1, 5, make([]float64, 5))
	if _, err := linearNode[float64](x, w, b, "t"); err == nil {
		t.Error("linear with mismatched X and W: no error")
	}
	m := mustInput(t, g, "m", 3, 4, make([]float64, 12))
	if _, err := reluMaskNode[float64](x, m, "t"); err == nil {
		t.Error("ReLU with a mask of another shape: no error")
	}
	op := &linearOp[float64]{name: "t"}
	if _, err := op.Do(x.Value(), w.Value(), b.Value()); err == nil {
		t.Error("linear Do with mismatched values: no error")
	}
	if _, err := op.Do(G.NewF64(1), w.Value(), b.Value()); err == nil {
		t.Error("linear Do with a scalar: no error")
	}
	rm := &reluMaskOp[float64]{name: "t", hasMask: true}
	if _, err := rm.Do(x.Value(), m.Value()); err == nil {
		t.Error("ReLU⊙mask Do with mismatched values: no error")
	}
}

// BenchmarkLinearOp times the fused linear op's forward Do at 256×256→128.
func BenchmarkLinearOp(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensorOf(randSlice(rng, 256*256))
	x.Reshape(256, 256)
	w := tensorOf(randSlice(rng, 256*128))
	w.Reshape(256, 128)
	bb := tensorOf(randSlice(rng, 128))
	bb.Reshape(1, 128)
	op := &linearOp[float64]{name: "bench"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := op.Do(x, w, bb); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBatchNormOpFD checks the fused BatchNorm, alone, with the ReLU and
// with the ReLU and a dropout mask, against the textbook formula, and its
// gradients with respect to H, γ and β against finite differences (the
// pre-activations are kept away from the ReLU's kink). Each evaluation also
// moves the running statistics, which the loss does not depend on. The
// columns run in two halves (n·c ≥ parallelCells for the large case).
func TestBatchNormOpFD(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, c       int
		relu, mask bool
	}{{"plain", 7, 4, false, false}, {"relu", 7, 5, true, false}, {"relu+mask", 9, 4, true, true},
		{"large relu+mask", 64, 130, true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			n, c := tc.n, tc.c
			rng := newRNG(131)
			g := G.NewGraph()
			hd, gd, bd := randSlice(rng, n*c), randSlice(rng, c), randSlice(rng, c)
			if n*c >= parallelCells {
				// so many pre-activations that some would sit at the kink:
				// keep them all positive (|γ·x̂| < 1 < β)
				for j := range gd {
					gd[j], bd[j] = 0.1*gd[j], 2+math.Abs(bd[j])
				}
			}
			h := mustInput(t, g, "h", n, c, hd)
			gamma := mustInput(t, g, "gamma", 1, c, gd)
			beta := mustInput(t, g, "beta", 1, c, bd)
			md := filled(n*c, 1)
			var mask *G.Node
			if tc.mask {
				for i := range md {
					md[i] = [...]float64{0, 1 / 0.7, 1 / 0.7}[rng.IntN(3)]
				}
				mask = mustInput(t, g, "mask", n, c, md)
			}
			op := newBatchNormOp[float64]("t", c, 0.1, 1e-3, tc.relu)
			y, err := batchNormNode(op, h, gamma, beta, mask)
			if err != nil {
				t.Fatal(err)
			}
			loss := linearLoss(t, g, y, rng)
			if _, err := G.Grad(loss, h, gamma, beta); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(h, gamma, beta))
			defer vm.Close()
			runOnce(t, vm)
			// forward against the textbook formula
			mean, vr := colStats(rows(n, c, hd), 0)
			got := y.Value().Data().([]float64)
			kink := 0.0
			for s := 0; s < n; s++ {
				for j := 0; j < c; j++ {
					b := gd[j]*(hd[s*c+j]-mean[j])/math.Sqrt(vr[j]+1e-3) + bd[j]
					want := b
					if tc.relu {
						want = math.Max(b, 0) * md[s*c+j]
						kink = math.Max(kink, -math.Log10(math.Abs(b)))
					}
					if d := math.Abs(got[s*c+j] - want); d > 1e-14 {
						t.Fatalf("y[%d][%d] = %v, want %v", s, j, got[s*c+j], want)
					}
				}
			}
			if kink > 3 {
				t.Fatalf("a pre-activation within 1e-3 of the kink; pick another seed")
			}
			// read every gradient before the finite differences run the
			// machine again (gradients accumulate across runs)
			gh, gg, gb := gradData(t, h), gradData(t, gamma), gradData(t, beta)
			// the large loss sums 8 320 terms: a wider step against its rounding
			step, tol := 1e-6, 1e-7
			if n*c >= parallelCells {
				step, tol = 1e-4, 1e-6
			}
			fdCheck(t, "dL/dH", vm, loss, hd, gh, step, tol)
			fdCheck(t, "dL/dγ", vm, loss, gd, gg, step, tol)
			fdCheck(t, "dL/dβ", vm, loss, bd, gb, step, tol)
			if _, err := batchNormNode(newBatchNormOp[float64]("t", 3, 0.1, 1e-5, false), h, gamma, beta, nil); err == nil {
				t.Error("BatchNorm with the wrong channel count: no error")
			}
			if _, err := op.Do(append([]G.Value{h.Value(), h.Value()}, beta.Value(), h.Value())[:op.Arity()]...); err == nil {
				t.Error("BatchNorm Do with an (n × c) γ: no error")
			}
		})
	}
	g := G.NewGraph()
	h := mustInput(t, g, "h", 4, 3, make([]float64, 12))
	v := mustInput(t, g, "v", 1, 3, make([]float64, 3))
	m := mustInput(t, g, "m", 4, 3, make([]float64, 12))
	if _, err := batchNormNode(newBatchNormOp[float64]("t", 3, 0.1, 1e-5, false), h, v, v, m); err == nil {
		t.Error("a dropout mask on a BatchNorm without ReLU: no error")
	}
	if _, err := batchNormNode(newBatchNormOp[float64]("t", 3, 0.1, 1e-5, true), h, v, v, mustInput(t, g, "m2", 3, 3, make([]float64, 9))); err == nil {
		t.Error("a dropout mask of the wrong shape: no error")
	}
}

// The ReLU's derivative at exactly 0 is 1 (gorgonia's Rectify convention),
// NaN propagates, and a constant column (x̂ = 0, so B = β) behaves as
// gorgonia's BatchNorm, Rectify and mask do: compared with the gorgonia
// reference network on a batch with such a column.
func TestBatchNormReluKink(t *testing.T) {
	cfg := Config{Hidden: []int{6}, Dropout: []float64{0.3}}
	const in, out, batch = 3, 2, 8
	fused := buildNet(t, in, out, batch, cfg, 171)
	ref, _ := refNet(t, in, out, batch, cfg, 171)
	// W's first column 0 with b = 0: the first hidden unit is constant 0
	for _, n := range []*testNet{fused, ref} {
		w := n.m.layers[0].w.Value().Data().([]float64)
		for r := 0; r < in; r++ {
			w[r*6] = 0
		}
	}
	runOnce(t, fused.vm)
	runOnce(t, ref.vm)
	for i, l := range fused.m.Learnables() {
		if d := maxAbsDiff(gradData(t, l), gradData(t, ref.m.Learnables()[i])); d > 1e-12 {
			t.Errorf("dL/d%s differs from gorgonia's by %g", l.Name(), d)
		}
	}
	fused.xd[0] = math.NaN()
	runOnce(t, fused.vm)
	if v := fused.out.Value().Data().([]float64)[0]; !math.IsNaN(v) {
		t.Errorf("output after a NaN input = %v, want NaN", v)
	}
}

// TestRestoreBeforeMachine: the fused BatchNorm keeps restored running
// statistics when a machine is created afterwards (gorgonia's BatchNormOp
// would reset them to 0 and 1).
func TestRestoreBeforeMachine(t *testing.T) {
	a := buildNet(t, 3, 2, 4, Config{Hidden: []int{4}, OutputBN: true}, 141)
	for i := 0; i < 3; i++ {
		runOnce(t, a.vm)
	}
	s := a.m.Snapshot()
	g := G.NewGraph()
	m, err := NewMLP(g, "enc", 3, 2, Config{Hidden: []int{4}, OutputBN: true}, 4, newRNG(142))
	if err != nil {
		t.Fatal(err)
	}
	x := mustInput(t, g, "x", 4, 3, make([]float64, 12))
	o, err := m.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Restore(s); err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(G.Must(G.Sum(o)), m.Learnables()...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(m.Learnables()...))
	defer vm.Close()
	if !reflect.DeepEqual(m.Snapshot(), s) {
		t.Fatal("creating the machine changed the restored weights or statistics")
	}
}

// BenchmarkBatchNormOp times the fused BatchNorm forward and its gradient
// op (∂/∂H with ∂/∂γ and ∂/∂β) at 256×256, alone and with the ReLU and a
// dropout mask.
func BenchmarkBatchNormOp(b *testing.B) {
	const n, c = 256, 256
	rng := rand.New(rand.NewPCG(3, 4))
	h := opkit.MatrixValue(n, c, randSlice(rng, n*c))
	g := opkit.MatrixValue(n, c, randSlice(rng, n*c))
	mask := make([]float64, n*c)
	for i := range mask {
		mask[i] = 1 / 0.7 * b2f(rng.Float64() >= 0.3)
	}
	m := opkit.MatrixValue(n, c, mask)
	gamma, beta := opkit.MatrixValue(1, c, randSlice(rng, c)), opkit.MatrixValue(1, c, randSlice(rng, c))
	plain := newBatchNormOp[float64]("bench", c, 0.1, 1e-5, false)
	masked := newBatchNormOp[float64]("bench", c, 0.1, 1e-5, true)
	masked.hasMask = true
	for _, bc := range []struct {
		name string
		op   *batchNormOp[float64]
		in   []G.Value
	}{
		{"plain", plain, []G.Value{h, gamma, beta}},
		{"relu+mask", masked, []G.Value{h, gamma, beta, m}},
	} {
		grad := &batchNormGradOp[float64]{fwd: bc.op}
		gin := append(append([]G.Value{}, bc.in...), g)
		b.Run(bc.name+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.op.Do(bc.in...); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/backward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := grad.Do(gin...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReluMaskOp compares the fused ReLU with a dropout mask, with an
// all-ones mask and without a mask (what a layer with p = 0 uses), forward
// and backward, at 256×256.
func BenchmarkReluMaskOp(b *testing.B) {
	const n, c = 256, 256
	rng := rand.New(rand.NewPCG(5, 6))
	h := opkit.MatrixValue(n, c, randSlice(rng, n*c))
	g := opkit.MatrixValue(n, c, randSlice(rng, n*c))
	mask := make([]float64, n*c)
	for i := range mask {
		mask[i] = 1 / 0.7 * b2f(rng.Float64() >= 0.3)
	}
	m := opkit.MatrixValue(n, c, mask)
	ones := opkit.MatrixValue(n, c, filled(n*c, 1))
	withMask := &reluMaskOp[float64]{name: "bench", hasMask: true}
	noMask := &reluMaskOp[float64]{name: "bench"}
	for _, bc := range []struct {
		name string
		op   *reluMaskOp[float64]
		in   []G.Value
	}{
		{"mask", withMask, []G.Value{h, m}},
		{"ones", withMask, []G.Value{h, ones}},
		{"none", noMask, []G.Value{h}},
	} {
		grad := &reluMaskGradOp[float64]{fwd: bc.op}
		gin := append(append([]G.Value{}, bc.in...), g)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := bc.op.Do(bc.in...); err != nil {
					b.Fatal(err)
				}
				if _, err := grad.Do(gin...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// gorgoniaBottleneck wires Z = ε + λ·(R − ε) with gorgonia's generic ops, as
// Bottleneck.Forward did before the fused noise-mix op.
func gorgoniaBottleneck(b *Bottleneck, r *G.Node) (*G.Node, error) {
	mu := G.Must(G.Reshape(G.Must(G.Mean(r, 0)), tensor.Shape{1, b.k}))
	rc := G.Must(G.BroadcastSub(r, mu, nil, []byte{0}))
	ss := G.Must(G.Sum(G.Must(G.Square(rc)), 0))
	vr := G.Must(G.Add(G.Must(G.Mul(ss, G.NewConstant(1/float64(b.batch-1)))), G.NewConstant(VarOffset)))
	sd := G.Must(G.Reshape(G.Must(G.Sqrt(vr)), tensor.Shape{1, b.k}))
	eps := G.Must(G.BroadcastAdd(G.Must(G.BroadcastHadamardProd(b.xi, sd, nil, []byte{0})), mu, nil, []byte{0}))
	lam, err := clampNode(G.Must(G.Sigmoid(b.theta)), LambdaMin, LambdaMax)
	if err != nil {
		return nil, err
	}
	return G.Add(eps, G.Must(G.Mul(lam, G.Must(G.Sub(r, eps)))))
}

// TestNoiseMixMatchesGorgonia compares the fused bottleneck with the
// gorgonia-op formulation: Z, ∂L/∂R and ∂L/∂θ on the same R, ξ and θ.
func TestNoiseMixMatchesGorgonia(t *testing.T) {
	const batch, k = 32, 5
	for _, theta := range []float64{4, -0.5, 8} {
		fused := buildBottle(t, batch, k, theta, 151)
		rng := newRNG(151)
		g := G.NewGraph()
		b, err := NewBottleneck(g, "bn1", batch, k, theta)
		if err != nil {
			t.Fatal(err)
		}
		rd := append([]float64{}, fused.rd...)
		r := mustInput(t, g, "R", batch, k, rd)
		z, err := gorgoniaBottleneck(b, r)
		if err != nil {
			t.Fatal(err)
		}
		b.forwarded = true
		randSlice(rng, batch*k) // buildBottle drew R first
		loss := linearLoss(t, g, z, rng)
		if _, err := G.Grad(loss, r, b.Theta()); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(r, b.Theta()))
		copy(b.Noise().Value().Data().([]float64), fused.b.Noise().Value().Data().([]float64))
		runOnce(t, vm)
		runOnce(t, fused.vm)
		for _, c := range []struct {
			what string
			a, b []float64
			tol  float64
		}{
			{"Z", fused.z.Value().Data().([]float64), z.Value().Data().([]float64), 1e-13},
			{"dL/dR", gradData(t, fused.r), gradData(t, r), 1e-12},
			{"dL/dθ", gradData(t, fused.b.Theta()), gradData(t, b.Theta()), 1e-11},
		} {
			if d := maxAbsDiff(c.a, c.b); d > c.tol {
				t.Errorf("θ=%v: %s: fused and gorgonia ops differ by %g", theta, c.what, d)
			} else {
				t.Logf("θ=%v: %s max |Δ| = %.2g", theta, c.what, d)
			}
		}
		vm.Close()
	}
}
