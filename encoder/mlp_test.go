package encoder

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// naiveLayer applies one layer to the rows of x with plain loops (no BLAS):
// h = x·W + b, then (if BN) Gamma·(h−mean)/√(var+Eps) + Beta with the given
// statistics, then ReLU, then the dropout mask (nil for none). It returns the
// output and the pre-BN activations.
func naiveLayer(x [][]float64, L Layer, mean, vr, mask []float64) (out, pre [][]float64) {
	n := len(x)
	out = make([][]float64, n)
	pre = make([][]float64, n)
	for r := 0; r < n; r++ {
		pre[r] = make([]float64, L.Out)
		for j := 0; j < L.Out; j++ {
			s := L.B[j]
			for i := 0; i < L.In; i++ {
				s += x[r][i] * L.W[i*L.Out+j]
			}
			pre[r][j] = s
		}
	}
	if L.BN && mean == nil { // batch statistics, biased variance (training mode)
		mean = make([]float64, L.Out)
		vr = make([]float64, L.Out)
		for j := range mean {
			for r := 0; r < n; r++ {
				mean[j] += pre[r][j]
			}
			mean[j] /= float64(n)
			for r := 0; r < n; r++ {
				d := pre[r][j] - mean[j]
				vr[j] += d * d
			}
			vr[j] /= float64(n)
		}
	}
	for r := 0; r < n; r++ {
		out[r] = make([]float64, L.Out)
		for j := 0; j < L.Out; j++ {
			v := pre[r][j]
			if L.BN {
				v = L.Gamma[j]*(v-mean[j])/math.Sqrt(vr[j]+L.Eps) + L.Beta[j]
			}
			if L.ReLU && v < 0 {
				v = 0
			}
			if mask != nil {
				v *= mask[r*L.Out+j]
			}
			out[r][j] = v
		}
	}
	return out, pre
}

// colStats returns per-column mean and variance with divisor n−ddof.
func colStats(a [][]float64, ddof int) (mean, vr []float64) {
	n, d := len(a), len(a[0])
	mean = make([]float64, d)
	vr = make([]float64, d)
	for j := 0; j < d; j++ {
		for r := 0; r < n; r++ {
			mean[j] += a[r][j]
		}
		mean[j] /= float64(n)
		for r := 0; r < n; r++ {
			dd := a[r][j] - mean[j]
			vr[j] += dd * dd
		}
		vr[j] /= float64(n - ddof)
	}
	return mean, vr
}

func rows(r, c int, data []float64) [][]float64 {
	out := make([][]float64, r)
	for i := range out {
		out[i] = data[i*c : (i+1)*c]
	}
	return out
}

func flat(a [][]float64) []float64 {
	var s []float64
	for _, r := range a {
		s = append(s, r...)
	}
	return s
}

func masksOf(m *MLP) [][]float64 {
	ms := make([][]float64, len(m.layers))
	for i, l := range m.layers {
		if l.mask != nil {
			ms[i] = append([]float64{}, l.mask.Value().Data().([]float64)...)
		}
	}
	return ms
}

// trainForwardNaive runs the training-mode network by hand and returns the
// output and, per BN layer, the batch mean and unbiased batch variance of its
// pre-BN activations (what the running statistics should average).
func trainForwardNaive(w *Weights, x [][]float64, masks [][]float64) (out [][]float64, means, uvars [][]float64) {
	cur := x
	for i, L := range w.Layers {
		var pre [][]float64
		cur, pre = naiveLayer(cur, L, nil, nil, masks[i])
		if L.BN {
			m, v := colStats(pre, 1)
			means = append(means, m)
			uvars = append(uvars, v)
		} else {
			means = append(means, nil)
			uvars = append(uvars, nil)
		}
	}
	return cur, means, uvars
}

type testNet struct {
	g    *G.ExprGraph
	m    *MLP
	x    *G.Node
	xd   []float64
	out  *G.Node
	loss *G.Node
	vm   G.VM
}

// buildNet builds x → MLP → Σ out⊙C with gradients for x and the learnables.
func buildNet(t testing.TB, in, out, batch int, cfg Config, seed uint64) *testNet {
	t.Helper()
	rng := newRNG(seed)
	g := G.NewGraph()
	m, err := NewMLP(g, "enc", in, out, cfg, batch, rng)
	if err != nil {
		t.Fatal(err)
	}
	xd := randSlice(rng, batch*in)
	x := mustInput(t, g, "x", batch, in, xd)
	o, err := m.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	loss := linearLoss(t, g, o, rng)
	wrt := append(G.Nodes{x}, m.Learnables()...)
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	t.Cleanup(func() { vm.Close() })
	return &testNet{g: g, m: m, x: x, xd: xd, out: o, loss: loss, vm: vm}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.resolved()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Hidden, []int{256, 128}) || !reflect.DeepEqual(c.Dropout, []float64{0.3, 0.2}) ||
		c.Momentum != 0.1 || c.Epsilon != 1e-5 || c.OutputBN {
		t.Errorf("defaults: %+v", c)
	}
	// Any depth gets the method's pattern: 0.3 after the first layer, 0.2 after the others.
	for n, want := range map[int][]float64{1: {0.3}, 3: {0.3, 0.2, 0.2}} {
		c, err = Config{Hidden: make([]int, n)}.resolved()
		if err == nil {
			t.Errorf("%d zero-width hidden layers accepted", n)
		}
		if got := DefaultDropout(n); !reflect.DeepEqual(got, want) {
			t.Errorf("DefaultDropout(%d) = %v, want %v", n, got, want)
		}
	}
	c, err = Config{Hidden: []int{8, 4, 2}}.resolved()
	if err != nil || !reflect.DeepEqual(c.Dropout, []float64{0.3, 0.2, 0.2}) {
		t.Errorf("three hidden layers without Dropout: %+v, %v", c.Dropout, err)
	}
	c, err = Config{Hidden: []int{}}.resolved()
	if err != nil || len(c.Hidden) != 0 || len(c.Dropout) != 0 {
		t.Errorf("empty Hidden: %+v, %v", c, err)
	}
	for _, bad := range []Config{
		{Hidden: []int{4, 0}},
		{Hidden: []int{4}, Dropout: []float64{0.1, 0.2}},
		{Dropout: []float64{0.3, 1}},
		{Dropout: []float64{math.NaN(), 0}},
		{Momentum: 1.5},
		{Momentum: -0.1},
		{Epsilon: -1},
		{Epsilon: math.Inf(1)},
	} {
		if _, err := bad.resolved(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v, want ErrConfig", bad, err)
		}
	}
}

func TestNewMLPErrors(t *testing.T) {
	g := G.NewGraph()
	rng := newRNG(1)
	if _, err := NewMLP(g, "a", 3, 2, Config{}, 1, rng); !errors.Is(err, ErrConfig) {
		t.Errorf("batch 1: %v", err)
	}
	if _, err := NewMLP(g, "a", 0, 2, Config{}, 4, rng); !errors.Is(err, ErrConfig) {
		t.Errorf("in 0: %v", err)
	}
	if _, err := NewMLP(g, "a", 3, 2, Config{}, 4, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("nil rng: %v", err)
	}
	m, err := NewMLP(g, "a", 3, 2, Config{Hidden: []int{4}}, 4, rng)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMLP(g, "a", 3, 2, Config{Hidden: []int{4}}, 4, rng); !errors.Is(err, ErrName) {
		t.Errorf("duplicate name: %v", err)
	}
	bad := mustInput(t, g, "bad", 4, 5, make([]float64, 20))
	if _, err := m.Forward(bad); !errors.Is(err, ErrShape) {
		t.Errorf("wrong input width: %v", err)
	}
	x := mustInput(t, g, "x", 4, 3, make([]float64, 12))
	if _, err := m.Forward(x); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(x); !errors.Is(err, ErrForward) {
		t.Errorf("second Forward: %v", err)
	}
	other := G.NewGraph()
	m2, _ := NewMLP(other, "b", 3, 2, Config{}, 4, rng)
	if _, err := m2.Forward(x); !errors.Is(err, ErrConfig) {
		t.Errorf("input from another graph: %v", err)
	}
}

func TestArchitecture(t *testing.T) {
	g := G.NewGraph()
	m, err := NewMLP(g, "e", 10, 3, Config{Hidden: []int{8, 6}, OutputBN: true}, 4, newRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Learnables()); got != 12 {
		t.Errorf("%d learnables, want 12 (3 layers × W, b, γ, β)", got)
	}
	w := m.Snapshot()
	if w.In() != 10 || w.Out() != 3 || len(w.Layers) != 3 {
		t.Fatalf("snapshot %d→%d with %d layers", w.In(), w.Out(), len(w.Layers))
	}
	for i, L := range w.Layers {
		if !L.BN || L.ReLU != (i < 2) || L.Eps != 1e-5 {
			t.Errorf("layer %d: BN=%v ReLU=%v Eps=%v", i, L.BN, L.ReLU, L.Eps)
		}
		for j := range L.B {
			if L.B[j] != 0 || L.Gamma[j] != 1 || L.Beta[j] != 0 || L.Mean[j] != 0 || L.Var[j] != 1 {
				t.Fatalf("layer %d: initial b, γ, β, mean, var = %v %v %v %v %v", i, L.B[j], L.Gamma[j], L.Beta[j], L.Mean[j], L.Var[j])
			}
		}
	}
	head, _ := NewMLP(g, "h", 3, 1, Config{Hidden: []int{5}}, 4, newRNG(2))
	hw := head.Snapshot()
	if !hw.Layers[0].BN || hw.Layers[1].BN || hw.Layers[1].ReLU {
		t.Errorf("head: output layer must be a plain Linear: %+v", hw.Layers[1])
	}
	if len(head.Learnables()) != 6 {
		t.Errorf("head has %d learnables, want 6", len(head.Learnables()))
	}
}

// TestKaimingInit checks the sample standard deviation of a large layer
// against √(2/fan_in).
func TestKaimingInit(t *testing.T) {
	g := G.NewGraph()
	m, err := NewMLP(g, "e", 200, 300, Config{Hidden: []int{}}, 2, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	w := m.Snapshot().Layers[0].W
	var s, ss float64
	for _, x := range w {
		s += x
		ss += x * x
	}
	n := float64(len(w))
	mean := s / n
	sd := math.Sqrt(ss/n - mean*mean)
	want := math.Sqrt(2.0 / 200)
	// 60 000 draws: the sample sd has relative standard error ≈ 1/√(2n) ≈ 0.3 %.
	if math.Abs(sd/want-1) > 0.015 || math.Abs(mean) > 5*want/math.Sqrt(n) {
		t.Errorf("weights mean %.4g sd %.4g, want 0 and %.4g", mean, sd, want)
	}
}

// TestWeightsForwardMatchesGraph runs the training graph once, then makes the
// snapshot's running statistics equal to each layer's batch mean and biased
// batch variance: Weights.Forward must then reproduce the graph's output.
func TestWeightsForwardMatchesGraph(t *testing.T) {
	const in, out, batch = 7, 4, 9
	for _, outBN := range []bool{true, false} {
		net := buildNet(t, in, out, batch, Config{Hidden: []int{6, 5}, Dropout: []float64{0, 0}, OutputBN: outBN, Momentum: 0.25, Epsilon: 1e-3}, 11)
		runOnce(t, net.vm)
		got := append([]float64{}, net.out.Value().Data().([]float64)...)
		w := net.m.Snapshot()
		cur := denseOf(batch, in, net.xd)
		for i := range w.Layers {
			L := w.Layers[i]
			if L.BN {
				// batch statistics of this layer's pre-BN activations
				lin := L
				lin.BN, lin.ReLU = false, false
				pre, err := (&Weights{Layers: []Layer{lin}}).Forward(cur)
				if err != nil {
					t.Fatal(err)
				}
				m, v := colStats(rows(batch, L.Out, pre.RawMatrix().Data), 0)
				w.Layers[i].Mean, w.Layers[i].Var = m, v
			}
			next, err := (&Weights{Layers: w.Layers[i : i+1]}).Forward(cur)
			if err != nil {
				t.Fatal(err)
			}
			cur = next
		}
		want, err := w.Forward(denseOf(batch, in, net.xd))
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(cur.RawMatrix().Data, want.RawMatrix().Data); d != 0 {
			t.Errorf("OutputBN=%v: layer-by-layer and whole Forward differ by %g", outBN, d)
		}
		if d := maxAbsDiff(got, want.RawMatrix().Data); d > 1e-12 {
			t.Errorf("OutputBN=%v: graph and Weights.Forward differ by %g", outBN, d)
		} else {
			t.Logf("OutputBN=%v: graph vs Weights.Forward max |Δ| = %.2g", outBN, d)
		}
	}
}

// TestTrainingStepsRunningStats trains a few Adam steps with dropout and
// checks (a) every graph output against a hand-written training-mode
// forward pass with the same weights and masks, (b) the BatchNorm running
// statistics against running = m·mean_B + (1−m)·running (unbiased batch
// variance, as gorgonia's BatchNormOp), (c) Weights.Forward against a naive
// inference pass with those running statistics.
func TestTrainingStepsRunningStats(t *testing.T) {
	const in, out, batch, mom = 5, 3, 8, 0.3
	net := buildNet(t, in, out, batch, Config{Hidden: []int{6, 4}, Dropout: []float64{0.5, 0.25}, OutputBN: true, Momentum: mom}, 21)
	rng := newRNG(22)
	solver := G.NewAdamSolver(G.WithLearnRate(0.05))
	w0 := net.m.Snapshot()
	run := make([][2][]float64, len(w0.Layers))
	for i, L := range w0.Layers {
		run[i] = [2][]float64{append([]float64{}, L.Mean...), append([]float64{}, L.Var...)}
	}
	for step := 0; step < 4; step++ {
		copy(net.xd, randSlice(rng, batch*in))
		net.m.ResampleDropout(rng)
		before := net.m.Snapshot()
		wantOut, means, uvars := trainForwardNaive(before, rows(batch, in, net.xd), masksOf(net.m))
		runOnce(t, net.vm)
		if d := maxAbsDiff(net.out.Value().Data().([]float64), flat(wantOut)); d > 1e-12 {
			t.Errorf("step %d: graph output differs from hand-written training pass by %g", step, d)
		}
		for i := range run {
			if means[i] == nil {
				continue
			}
			for j := range run[i][0] {
				run[i][0][j] = mom*means[i][j] + (1-mom)*run[i][0][j]
				run[i][1][j] = mom*uvars[i][j] + (1-mom)*run[i][1][j]
			}
		}
		if err := solver.Step(G.NodesToValueGrads(net.m.Learnables())); err != nil {
			t.Fatal(err)
		}
	}
	w := net.m.Snapshot()
	for i, L := range w.Layers {
		if d := maxAbsDiff(L.Mean, run[i][0]); d > 1e-12 {
			t.Errorf("layer %d running mean off by %g", i, d)
		}
		if d := maxAbsDiff(L.Var, run[i][1]); d > 1e-12 {
			t.Errorf("layer %d running variance off by %g", i, d)
		}
		if maxAbsDiff(L.W, w0.Layers[i].W) == 0 {
			t.Errorf("layer %d: weights did not change during training", i)
		}
	}
	// inference with the running statistics
	xt := randSlice(rng, 13*in)
	cur := rows(13, in, xt)
	for _, L := range w.Layers {
		cur, _ = naiveLayer(cur, L, L.Mean, L.Var, nil)
	}
	got, err := w.Forward(denseOf(13, in, xt))
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(got.RawMatrix().Data, flat(cur)); d > 1e-12 {
		t.Errorf("Weights.Forward differs from the naive inference pass by %g", d)
	}
}

func TestMLPGradientFD(t *testing.T) {
	net := buildNet(t, 4, 3, 6, Config{Hidden: []int{5, 4}, Dropout: []float64{0.3, 0.2}, OutputBN: true}, 31)
	runOnce(t, net.vm)
	gx := gradData(t, net.x)
	var ga [][]float64
	for _, n := range net.m.Learnables() {
		ga = append(ga, gradData(t, n))
	}
	fdCheck(t, "dL/dx", net.vm, net.loss, net.xd, gx, 1e-6, 1e-6)
	for i, n := range net.m.Learnables() {
		// (b before a BatchNorm has gradient 0 up to rounding; the finite
		// difference of that locally constant function checks it too.)
		fdCheck(t, "dL/d"+n.Name(), net.vm, net.loss, n.Value().Data().([]float64), ga[i], 1e-6, 1e-6)
	}
}

func TestHeadGradientFD(t *testing.T) {
	net := buildNet(t, 3, 2, 5, Config{Hidden: []int{4}, Dropout: []float64{0.4}}, 32)
	runOnce(t, net.vm)
	gx := gradData(t, net.x)
	fdCheck(t, "dL/dx", net.vm, net.loss, net.xd, gx, 1e-6, 1e-6)
}

func TestSnapshotRestore(t *testing.T) {
	const in, batch = 4, 6
	net := buildNet(t, in, 3, batch, Config{Hidden: []int{5, 4}, OutputBN: true}, 41)
	solver := G.NewAdamSolver(G.WithLearnRate(0.01))
	step := func() {
		runOnce(t, net.vm)
		if err := solver.Step(G.NodesToValueGrads(net.m.Learnables())); err != nil {
			t.Fatal(err)
		}
	}
	step()
	step()
	s1 := net.m.Snapshot()
	runOnce(t, net.vm)
	out1 := append([]float64{}, net.out.Value().Data().([]float64)...)
	s1b := net.m.Snapshot() // running stats moved by the run above
	keep := s1.Clone()
	step()
	step()
	if reflect.DeepEqual(net.m.Snapshot(), s1b) {
		t.Fatal("training did not change the snapshot")
	}
	// the snapshot is a deep copy
	if !reflect.DeepEqual(s1, keep) {
		t.Fatal("training changed an earlier snapshot")
	}
	if err := net.m.Restore(s1b); err != nil {
		t.Fatal(err)
	}
	if got := net.m.Snapshot(); !reflect.DeepEqual(got, s1b) {
		t.Fatal("Snapshot after Restore differs from the restored weights")
	}
	runOnce(t, net.vm)
	if d := maxAbsDiff(net.out.Value().Data().([]float64), out1); d != 0 {
		t.Errorf("output after Restore differs from the output at snapshot time by %g", d)
	}
	// Restore rejects another architecture
	other := buildNet(t, in, 3, batch, Config{Hidden: []int{5}, OutputBN: true}, 42)
	if err := other.m.Restore(s1); !errors.Is(err, ErrShape) {
		t.Errorf("restore into another architecture: %v", err)
	}
	bad := s1.Clone()
	bad.Layers[1].W[0] = math.NaN()
	if err := net.m.Restore(bad); !errors.Is(err, ErrNotFinite) {
		t.Errorf("restore NaN weights: %v", err)
	}
}

// TestRestoreBeforeForward: statistics restored before Forward are applied
// when Forward creates the BatchNorm ops.
func TestRestoreBeforeForward(t *testing.T) {
	a := buildNet(t, 3, 2, 4, Config{Hidden: []int{4}, OutputBN: true}, 51)
	for i := 0; i < 3; i++ {
		runOnce(t, a.vm)
	}
	s := a.m.Snapshot()
	g := G.NewGraph()
	m, err := NewMLP(g, "enc", 3, 2, Config{Hidden: []int{4}, OutputBN: true}, 4, newRNG(99))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Restore(s); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Snapshot(), s) {
		t.Fatal("snapshot before Forward does not reflect Restore")
	}
	x := mustInput(t, g, "x", 4, 3, make([]float64, 12))
	if _, err := m.Forward(x); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Snapshot(), s) {
		t.Fatal("Forward lost the restored running statistics")
	}
}

func TestDeterminism(t *testing.T) {
	train := func() (*Weights, []float64) {
		net := buildNet(t, 6, 4, 8, Config{Hidden: []int{7, 5}, OutputBN: true}, 61)
		rng := newRNG(62)
		solver := G.NewAdamSolver(G.WithLearnRate(0.01))
		for i := 0; i < 3; i++ {
			copy(net.xd, randSlice(rng, len(net.xd)))
			net.m.ResampleDropout(rng)
			runOnce(t, net.vm)
			if err := solver.Step(G.NodesToValueGrads(net.m.Learnables())); err != nil {
				t.Fatal(err)
			}
		}
		return net.m.Snapshot(), append([]float64{}, net.out.Value().Data().([]float64)...)
	}
	w1, o1 := train()
	w2, o2 := train()
	if !reflect.DeepEqual(w1, w2) || !reflect.DeepEqual(o1, o2) {
		t.Fatal("same seeds gave different weights or outputs")
	}
	g := G.NewGraph()
	m3, _ := NewMLP(g, "enc", 6, 4, Config{Hidden: []int{7, 5}, OutputBN: true}, 8, newRNG(63))
	g4 := G.NewGraph()
	m4, _ := NewMLP(g4, "enc", 6, 4, Config{Hidden: []int{7, 5}, OutputBN: true}, 8, newRNG(61))
	if reflect.DeepEqual(m3.Snapshot(), m4.Snapshot()) {
		t.Fatal("different seeds gave identical initial weights")
	}
}

func TestDropoutMasks(t *testing.T) {
	g := G.NewGraph()
	m, err := NewMLP(g, "e", 3, 2, Config{Hidden: []int{200, 100, 50}, Dropout: []float64{0.3, 0, 0.6}}, 250, newRNG(71))
	if err != nil {
		t.Fatal(err)
	}
	if m.layers[1].mask != nil {
		t.Fatal("a layer with p = 0 got a mask")
	}
	for round := 0; round < 2; round++ {
		for _, i := range []int{0, 2} {
			l := m.layers[i]
			d := l.mask.Value().Data().([]float64)
			zeros, sum := 0, 0.0
			for _, v := range d {
				switch v {
				case 0:
					zeros++
				case 1 / (1 - l.p):
				default:
					t.Fatalf("layer %d: mask value %v, want 0 or %v", i, v, 1/(1-l.p))
				}
				sum += v
			}
			n := float64(len(d))
			frac := float64(zeros) / n
			se := math.Sqrt(l.p * (1 - l.p) / n)
			if math.Abs(frac-l.p) > 5*se {
				t.Errorf("layer %d: dropped fraction %.4f, want %.2f ± %.4f", i, frac, l.p, 5*se)
			}
			// mean of the mask is 1 up to the same binomial noise scaled by 1/(1−p)
			if math.Abs(sum/n-1) > 5*se/(1-l.p) {
				t.Errorf("layer %d: mask mean %.4f, want 1", i, sum/n)
			}
		}
		before := append([]float64{}, m.layers[0].mask.Value().Data().([]float64)...)
		m.ResampleDropout(newRNG(uint64(72 + round)))
		if reflect.DeepEqual(before, m.layers[0].mask.Value().Data().([]float64)) {
			t.Fatal("ResampleDropout did not change the mask")
		}
	}
}

// fillMask uses the documented bits of the documented draws: entries 2i
// and 2i+1 from the low and high halves of draw i, dropped below
// ⌈p·2³²⌉, an odd last entry from the low half of one more draw; and the
// threshold makes p = 0 keep and p → 1 drop everything.
func TestFillMaskBits(t *testing.T) {
	for _, tc := range []struct {
		p float64
		n int
	}{{0.3, 10}, {0.2, 7}, {0.5, 1}, {0, 9}, {1 - 1.0/(1<<40), 8}} {
		d := make([]float64, tc.n)
		fillMask(d, tc.p, newRNG(5))
		ref := newRNG(5)
		thr := uint64(math.Ceil(tc.p * (1 << 32)))
		keep := 1 / (1 - tc.p)
		for i := 0; i < tc.n; i += 2 {
			u := ref.Uint64()
			for k, half := range []uint64{u & 0xffffffff, u >> 32} {
				if i+k >= tc.n {
					break
				}
				want := keep
				if half < thr {
					want = 0
				}
				if d[i+k] != want {
					t.Fatalf("p=%v n=%d: entry %d = %v, want %v", tc.p, tc.n, i+k, d[i+k], want)
				}
			}
		}
		if tc.p == 0 {
			for i, v := range d {
				if v != 1 {
					t.Fatalf("p = 0: entry %d = %v", i, v)
				}
			}
		}
	}
	d := make([]float64, 64)
	fillMask(d, 1-1.0/(1<<40), newRNG(6))
	for i, v := range d {
		if v != 0 {
			t.Fatalf("p = 1−2⁻⁴⁰: entry %d kept (%v); ⌈p·2³²⌉ = 2³² drops every entry", i, v)
		}
	}
}

func TestWeightsForwardErrors(t *testing.T) {
	g := G.NewGraph()
	m, _ := NewMLP(g, "e", 3, 2, Config{Hidden: []int{4}, OutputBN: true}, 4, newRNG(81))
	w := m.Snapshot()
	if _, err := w.Forward(mat.NewDense(5, 4, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("4 columns: %v", err)
	}
	x := mat.NewDense(2, 3, []float64{1, 2, 3, 4, math.Inf(1), 6})
	if _, err := w.Forward(x); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Inf input: %v", err)
	}
	if _, err := w.Forward(x.T()); !errors.Is(err, ErrShape) {
		t.Errorf("transposed: %v", err)
	}
	// a non-RawMatrixer input goes through At
	y := mat.NewDense(3, 2, []float64{1, 2, math.NaN(), 4, 5, 6})
	if _, err := w.Forward(y.T()); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN in transposed input: %v", err)
	}
	bad := w.Clone()
	bad.Layers[1].In = 5
	if _, err := bad.Forward(mat.NewDense(1, 3, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("broken chain: %v", err)
	}
	bad = w.Clone()
	bad.Layers[0].Var[0] = -1
	if _, err := bad.Forward(mat.NewDense(1, 3, nil)); !errors.Is(err, ErrConfig) {
		t.Errorf("negative variance: %v", err)
	}
	bad = w.Clone()
	bad.Layers[0].B = bad.Layers[0].B[:1]
	if _, err := bad.Forward(mat.NewDense(1, 3, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("short bias: %v", err)
	}
	if _, err := (&Weights{}).Forward(mat.NewDense(1, 3, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("empty weights: %v", err)
	}
	// the transposed view of a valid input gives the same result as a copy
	xt := mat.NewDense(3, 5, randSlice(newRNG(82), 15))
	a, err := w.Forward(xt.T())
	if err != nil {
		t.Fatal(err)
	}
	var c mat.Dense
	c.CloneFrom(xt.T())
	b, _ := w.Forward(&c)
	if !mat.Equal(a, b) {
		t.Error("transposed view and its copy give different outputs")
	}
}

// TestDrawInto checks DrawDropout and DrawNoise against ResampleDropout
// and Resample: from the same seed they draw the same numbers, which
// SetDropout and SetNoise put where the graph reads them, and leave the
// source in the same state.
func TestDrawInto(t *testing.T) {
	g := G.NewGraph()
	m, err := NewMLP(g, "enc", 5, 3, Config{Hidden: []int{7, 4}, Dropout: []float64{0.3, 0.2}, OutputBN: true}, 9, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBottleneck(g, "b", 9, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	masks := func() (out [][]float64) {
		for _, l := range m.layers {
			if l.mask != nil {
				out = append(out, append([]float64(nil), l.mask.Value().Data().([]float64)...))
			}
		}
		return out
	}
	noise := func() []float64 { return append([]float64(nil), b.xi.Value().Data().([]float64)...) }

	r1, r2 := newRNG(5), newRNG(5)
	m.ResampleDropout(r1)
	b.Resample(r1)
	wantMasks, wantNoise := masks(), noise()

	d := m.DropoutDraws()
	if len(d) != 2 || len(d[0]) != 9*7 || len(d[1]) != 9*4 {
		t.Fatalf("DropoutDraws shapes %d", len(d))
	}
	m.DrawDropout(d, r2)
	xi := b.DrawNoise(nil, r2)
	if !reflect.DeepEqual(d, wantMasks) || !reflect.DeepEqual(xi, wantNoise) {
		t.Fatal("draws made ahead differ from the in-place draws")
	}
	if r1.Uint64() != r2.Uint64() {
		t.Fatal("the sources are in different states")
	}
	m.ResampleDropout(r1) // overwrite, then restore from the copies
	b.Resample(r1)
	m.SetDropout(d)
	b.SetNoise(xi)
	if !reflect.DeepEqual(masks(), wantMasks) || !reflect.DeepEqual(noise(), wantNoise) {
		t.Error("SetDropout/SetNoise did not restore the draws")
	}
}
