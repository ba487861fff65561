package encoder

import (
	"math"
	"reflect"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// float32Pair builds the same stack twice on the same batch, in float32 and
// in float64, the float64 one restored from the float32 one's parameters
// (so that both start from the same, float32-representable, values).
func float32Pair(t *testing.T, in, out, batch int, cfg Config, seed uint64) (n32, n64 *testNet) {
	t.Helper()
	c32 := cfg
	c32.Float32 = true
	n32 = buildNet(t, in, out, batch, c32, seed)
	n64 = buildNet(t, in, out, batch, cfg, seed)
	if err := n64.m.Restore(n32.m.Snapshot()); err != nil {
		t.Fatal(err)
	}
	for i, v := range n64.xd {
		n64.xd[i] = float64(float32(v))
		n32.xd[i] = n64.xd[i]
	}
	return n32, n64
}

// closeRel reports the largest |a − b| scaled by the largest |b|.
func closeRel(a, b []float64) float64 {
	scale := 0.0
	for _, v := range b {
		scale = math.Max(scale, math.Abs(v))
	}
	return maxAbsDiff(a, b) / math.Max(scale, 1e-300)
}

// TestFloat32MatchesFloat64 runs one forward and backward pass of a float32
// stack and of the float64 stack with the same parameters and inputs: the
// outputs, every gradient and the running statistics agree to float32
// precision (the float64 stack is checked against finite differences by
// TestMLPGradientFD), and the float32 stack's nodes really are float32.
func TestFloat32MatchesFloat64(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"encoder", Config{Hidden: []int{37, 20}, Dropout: []float64{0.3, 0.2}, OutputBN: true}},
		{"head", Config{Hidden: []int{16}, Dropout: []float64{0.4}}},
		{"no dropout", Config{Hidden: []int{9, 5}, Dropout: []float64{0, 0}, OutputBN: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n32, n64 := float32Pair(t, 23, 6, 64, tc.cfg, 71)
			for _, n := range n32.m.Learnables() {
				if n.Dtype() != tensor.Float32 {
					t.Fatalf("%s is %v in a Float32 stack", n.Name(), n.Dtype())
				}
			}
			runOnce(t, n32.vm)
			runOnce(t, n64.vm)
			if n32.out.Dtype() != tensor.Float64 {
				t.Fatalf("Forward of a Float32 stack returns %v", n32.out.Dtype())
			}
			o32, o64 := n32.out.Value().Data().([]float64), n64.out.Value().Data().([]float64)
			if e := closeRel(o32, o64); e > 1e-5 || e == 0 {
				t.Errorf("outputs: relative difference %.3g, want (0, 1e-5]", e)
			}
			if e := closeRel(gradData(t, n32.x), gradData(t, n64.x)); e > 1e-4 {
				t.Errorf("dL/dx: relative difference %.3g", e)
			}
			l64 := n64.m.Learnables()
			for i, n := range n32.m.Learnables() {
				g, err := n.Grad()
				if err != nil {
					t.Fatal(err)
				}
				g32 := make([]float64, g.Shape().TotalSize())
				copyFloats(g32, g.Data().([]float32))
				g64 := gradData(t, l64[i])
				if maxAbsDiff(g64, make([]float64, len(g64))) < 1e-9 {
					continue // the bias before a BatchNorm: zero up to rounding in both
				}
				if e := closeRel(g32, g64); e > 1e-4 {
					t.Errorf("dL/d%s: relative difference %.3g", n.Name(), e)
				}
			}
			s32, s64 := n32.m.Snapshot(), n64.m.Snapshot()
			for i := range s32.Layers {
				if !s32.Layers[i].BN {
					continue
				}
				if e := closeRel(s32.Layers[i].Mean, s64.Layers[i].Mean); e > 1e-5 {
					t.Errorf("layer %d running mean: relative difference %.3g", i, e)
				}
				if e := closeRel(s32.Layers[i].Var, s64.Layers[i].Var); e > 1e-5 {
					t.Errorf("layer %d running variance: relative difference %.3g", i, e)
				}
			}
		})
	}
}

// TestFloat32Stack checks what a Float32 stack keeps of the float64 one:
// its initial parameters are the float64 draws rounded to float32, its masks
// are ResampleDropout's values rounded (whether drawn in place or ahead), a
// snapshot restores exactly, and training runs are deterministic.
func TestFloat32Stack(t *testing.T) {
	cfg := Config{Hidden: []int{7, 4}, Dropout: []float64{0.3, 0.2}, OutputBN: true}
	c32 := cfg
	c32.Float32 = true
	m64, err := NewMLP(G.NewGraph(), "enc", 5, 3, cfg, 9, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	m32, err := NewMLP(G.NewGraph(), "enc", 5, 3, c32, 9, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	w64, w32 := m64.Snapshot(), m32.Snapshot()
	for i := range w64.Layers {
		for j, v := range w64.Layers[i].W {
			if w32.Layers[i].W[j] != float64(float32(v)) {
				t.Fatalf("layer %d W[%d] = %v, want %v rounded", i, j, w32.Layers[i].W[j], v)
			}
		}
	}
	for i := range m64.layers {
		l64, l32 := m64.layers[i], m32.layers[i]
		if l64.mask == nil {
			continue
		}
		d64, d32 := l64.mask.Value().Data().([]float64), l32.mask.Value().Data().([]float32)
		for j, v := range d64 {
			if d32[j] != float32(v) {
				t.Fatalf("layer %d mask[%d] = %v, want %v", i, j, d32[j], v)
			}
		}
	}
	// Draws made ahead give the masks drawn in place.
	masks := func() (out [][]float32) {
		for _, l := range m32.layers {
			if l.mask != nil {
				out = append(out, append([]float32(nil), l.mask.Value().Data().([]float32)...))
			}
		}
		return out
	}
	r1, r2 := newRNG(5), newRNG(5)
	m32.ResampleDropout(r1)
	want := masks()
	d := m32.DropoutDraws()
	m32.DrawDropout(d, r2)
	m32.ResampleDropout(newRNG(6))
	m32.SetDropout(d)
	if !reflect.DeepEqual(masks(), want) {
		t.Error("DrawDropout and SetDropout differ from ResampleDropout in a Float32 stack")
	}
	// A snapshot of a Float32 stack restores exactly.
	m32b, err := NewMLP(G.NewGraph(), "enc", 5, 3, c32, 9, newRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := m32b.Restore(w32); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m32b.Snapshot(), w32) {
		t.Error("Restore then Snapshot changed a Float32 stack's parameters")
	}
	// Determinism: two identical runs of three steps.
	train := func() []float64 {
		net := buildNet(t, 6, 4, 8, Config{Hidden: []int{7, 5}, OutputBN: true, Float32: true}, 61)
		rng := newRNG(62)
		for i := 0; i < 3; i++ {
			copy(net.xd, randSlice(rng, len(net.xd)))
			net.m.ResampleDropout(rng)
			runOnce(t, net.vm)
		}
		return append(append([]float64{}, net.out.Value().Data().([]float64)...), gradData(t, net.x)...)
	}
	if a, b := train(), train(); !reflect.DeepEqual(a, b) {
		t.Error("two identical Float32 runs differ")
	}
}

// TestCastGradient checks the cast op against finite differences: a float64
// input through float32 and back is the identity up to rounding, and its
// gradient is the upstream gradient.
func TestCastGradient(t *testing.T) {
	g := G.NewGraph()
	rng := newRNG(9)
	xd := randSlice(rng, 12)
	x := mustInput(t, g, "x", 3, 4, xd)
	c, err := castNode[float64, float32](x, "in")
	if err != nil {
		t.Fatal(err)
	}
	back, err := castNode[float32, float64](c, "out")
	if err != nil {
		t.Fatal(err)
	}
	loss := linearLoss(t, g, back, rng)
	if _, err := G.Grad(loss, x); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	defer vm.Close()
	runOnce(t, vm)
	got := back.Value().Data().([]float64)
	for i, v := range xd {
		if got[i] != float64(float32(v)) {
			t.Fatalf("cast round trip of %v gave %v", v, got[i])
		}
	}
	// h = 1e-3 is far above float32's rounding of x (≈ 1e-7·|x|), so the
	// central difference sees the identity.
	fdCheck(t, "dL/dx", vm, loss, xd, gradData(t, x), 1e-3, 1e-3)
	if _, err := castNode[float32, float64](x, "bad"); err == nil {
		t.Error("a cast from float32 accepted a float64 node")
	}
}
