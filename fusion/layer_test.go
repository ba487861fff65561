package fusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// latentInputs adds m r×c input nodes with random values to g.
func latentInputs(g *G.ExprGraph, rng *rand.Rand, m, r, c int) ([]*G.Node, [][]float64) {
	nodes := make([]*G.Node, m)
	data := make([][]float64, m)
	for i := range nodes {
		data[i] = randSlice(rng, r*c)
		nodes[i] = input(g, fmt.Sprintf("z%d", i), r, c, data[i])
	}
	return nodes, data
}

func denseAll(r, c int, data [][]float64) []mat.Matrix {
	out := make([]mat.Matrix, len(data))
	for i, d := range data {
		out[i] = mat.NewDense(r, c, d)
	}
	return out
}

func randWeights(rng *rand.Rand, n int) []float64 {
	w := make([]float64, n)
	var s float64
	for i := range w {
		w[i] = rng.ExpFloat64()
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// TestLayerMatchesFuseLatents: the graph and the inference mirror agree bit
// for bit for 1 … 4 latents, and both follow the formula.
func TestLayerMatchesFuseLatents(t *testing.T) {
	const r, c = 6, 4
	rng := newRNG(60)
	for m := 1; m <= 4; m++ {
		g := G.NewGraph()
		zs, data := latentInputs(g, rng, m, r, c)
		l, err := NewLayer(g, m)
		if err != nil {
			t.Fatal(err)
		}
		if l.Sources() != m || len(l.Weights()) != NumTerms(m) {
			t.Fatalf("layer of %d: %d sources, %d weights", m, l.Sources(), len(l.Weights()))
		}
		z, err := l.Forward(zs...)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		for rep := 0; rep < 5; rep++ {
			w := randWeights(rng, NumTerms(m))
			if rep == 0 {
				w = l.Weights() // the initial equal weights
			}
			if err := l.Set(w); err != nil {
				t.Fatal(err)
			}
			vm.Reset()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			want, err := FuseLatents(denseAll(r, c, data), w, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := z.Value().Data().([]float64)
			if !sameBits(got, want.RawMatrix().Data) {
				t.Fatalf("M=%d w=%v: graph and FuseLatents differ", m, w)
			}
			for e := range got {
				var direct float64
				for k, src := range Terms(m) {
					v := data[src[0]][e]
					if len(src) == 2 {
						v *= data[src[1]][e]
					}
					direct += w[k] * v
				}
				if math.Abs(direct-got[e]) > 1e-14 {
					t.Fatalf("M=%d entry %d: %v, formula %v", m, e, got[e], direct)
				}
			}
		}
		vm.Close()
	}
}

// maskFor draws an r×m mask with every pattern likely, the first row full
// and the second empty.
func maskFor(rng *rand.Rand, r, m int) *mat.Dense {
	mask := mat.NewDense(r, m, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < m; j++ {
			if i == 0 || i > 1 && rng.IntN(3) > 0 {
				mask.Set(i, j, 1)
			}
		}
	}
	return mask
}

// TestMaskedLayer: the masked graph equals FuseLatents with the mask (up to
// the sign of zeros), whose absent latents may hold NaN; without a mask it
// equals the unmasked layer bit for bit; absent modalities do not move the
// row.
func TestMaskedLayer(t *testing.T) {
	const r, c, m = 9, 3, 3
	rng := newRNG(61)
	g := G.NewGraph()
	zs, data := latentInputs(g, rng, m, r, c)
	ml, err := NewMaskedLayer(g, m, r)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := NewLayer(g, m)
	zm, err := ml.Forward(zs...)
	if err != nil {
		t.Fatal(err)
	}
	zu, err := l.Forward(zs...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	run := func() {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	w := randWeights(rng, NumTerms(m))
	if err := ml.Set(w, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Set(w); err != nil {
		t.Fatal(err)
	}
	run()
	if !sameBits(zm.Value().Data().([]float64), zu.Value().Data().([]float64)) {
		t.Fatal("masked layer without a mask differs from the layer")
	}
	mask := maskFor(rng, r, m)
	if err := ml.Set(w, mask); err != nil {
		t.Fatal(err)
	}
	run()
	got := zm.Value().Data().([]float64)
	withNaN := make([][]float64, m)
	for i := range data {
		withNaN[i] = append([]float64(nil), data[i]...)
		for row := 0; row < r; row++ {
			if mask.At(row, i) == 0 {
				for j := 0; j < c; j++ {
					withNaN[i][row*c+j] = math.NaN()
				}
			}
		}
	}
	want, err := FuseLatents(denseAll(r, c, withNaN), w, mask)
	if err != nil {
		t.Fatal(err)
	}
	rw, _ := RowWeights(w, mask)
	if !mat.Equal(ml.RowWeights(), rw) {
		t.Error("RowWeights of the node differ from RowWeights")
	}
	for e, v := range want.RawMatrix().Data {
		if got[e] != v {
			t.Fatalf("entry %d: graph %v, FuseLatents %v", e, got[e], v)
		}
	}
	// changing an absent latent leaves its row alone
	for row := 1; row < r; row++ {
		for i := 0; i < m; i++ {
			if mask.At(row, i) != 0 {
				continue
			}
			old := data[i][row*c]
			data[i][row*c] = old + 5
			run()
			if zm.Value().Data().([]float64)[row*c] != got[row*c] {
				t.Errorf("row %d moved with absent latent %d", row, i)
			}
			data[i][row*c] = old
		}
	}
}

// gradCheck compares ∂loss/∂z for every latent with central differences.
func gradCheck(t *testing.T, vm G.VM, loss *G.Node, zs []*G.Node, data [][]float64) {
	t.Helper()
	run := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return loss.Value().Data().(float64)
	}
	run()
	// read the gradients now: later runs accumulate into the dual values
	grads := make([][]float64, len(zs))
	for i, n := range zs {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads[i] = append([]float64(nil), gv.Data().([]float64)...)
	}
	for i, d := range data {
		for e := range d {
			o := d[e]
			d[e] = o + 1e-6
			lp := run()
			d[e] = o - 1e-6
			lm := run()
			d[e] = o
			fd := (lp - lm) / 2e-6
			if math.Abs(fd-grads[i][e]) > 1e-7*math.Max(1, math.Abs(fd)) {
				t.Errorf("z%d[%d]: analytic %v, finite difference %v", i, e, grads[i][e], fd)
			}
		}
	}
}

// TestLayerGradients: ∂L/∂Z_i of both layers agree with finite differences
// (with a mask for the masked layer), and the weights get no gradient.
func TestLayerGradients(t *testing.T) {
	const r, c = 5, 3
	rng := newRNG(62)
	for _, tc := range []struct {
		m      int
		masked bool
	}{{2, false}, {3, false}, {2, true}, {3, true}} {
		m, masked := tc.m, tc.masked
		g := G.NewGraph()
		zs, data := latentInputs(g, rng, m, r, c)
		var z, wnode *G.Node
		var err error
		w := randWeights(rng, NumTerms(m))
		if masked {
			ml, _ := NewMaskedLayer(g, m, r)
			if err := ml.Set(w, maskFor(rng, r, m)); err != nil {
				t.Fatal(err)
			}
			z, err = ml.Forward(zs...)
			wnode = ml.Node()
		} else {
			l, _ := NewLayer(g, m)
			if err := l.Set(w); err != nil {
				t.Fatal(err)
			}
			z, err = l.Forward(zs...)
			wnode = l.Node()
		}
		if err != nil {
			t.Fatal(err)
		}
		cw := input(g, "C", r, c, randSlice(rng, r*c))
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Square(z)), cw))))
		if _, err := G.Grad(loss, zs...); err != nil {
			t.Fatal(err)
		}
		if wnode.Deriv() != nil {
			t.Error("the weight node got a gradient node")
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(zs...))
		gradCheck(t, vm, loss, zs, data)
		vm.Close()
	}
}

// TestFuseOpMatchesGorgonia: the fusion op of both layers against the
// gorgonia nodes it replaced (gorgoniaFuse), for 1 … 4 latents, on the
// same weights, mask and latents: the fused values bit for bit, and the
// gradient of every latent to 1e-12 relative (the op sums a latent's
// contributions in term order, gorgonia in its node order).
func TestFuseOpMatchesGorgonia(t *testing.T) {
	const r, c = 6, 4
	rng := newRNG(64)
	for m := 1; m <= 4; m++ {
		for _, masked := range []bool{false, true} {
			w := randWeights(rng, NumTerms(m))
			mask := maskFor(rng, r, m)
			seed := rng.Uint64()
			var vals [2][]float64
			var grads [2][][]float64
			for k, fused := range []bool{true, false} {
				vals[k], _ = fuseRun(t, m, r, c, w, mask, masked, fused, false, seed)
				_, grads[k] = fuseRun(t, m, r, c, w, mask, masked, fused, true, seed)
			}
			if !sameBits(vals[0], vals[1]) {
				t.Fatalf("M=%d masked=%v: fused values differ from the gorgonia nodes'", m, masked)
			}
			exact := true
			for i := range grads[0] {
				for e, a := range grads[0][i] {
					b := grads[1][i][e]
					if math.Abs(a-b) > 1e-12*math.Max(math.Abs(a), math.Abs(b)) {
						t.Fatalf("M=%d masked=%v: ∂/∂Z%d[%d]: op %v, gorgonia %v", m, masked, i, e, a, b)
					}
					exact = exact && a == b
				}
			}
			t.Logf("M=%d masked=%v: gradients bit for bit: %v", m, masked, exact)
		}
	}
}

// fuseRun builds the fusion of m r×c latents drawn from seed, by the layer
// (fused) or by gorgoniaFuse, and the loss Σ C ⊙ z² (C from seed+1); it
// runs the graph once and returns z (withGrad false: a graph without the
// backward pass, whose in-place ops may reuse z's memory) or ∂loss/∂Z_i.
func fuseRun(t *testing.T, m, r, c int, w []float64, mask *mat.Dense, masked, fused, withGrad bool, seed uint64) ([]float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	zs, _ := latentInputs(g, newRNG(seed), m, r, c)
	var z, wn *G.Node
	var err error
	if masked {
		ml, _ := NewMaskedLayer(g, m, r)
		if err := ml.Set(w, mask); err != nil {
			t.Fatal(err)
		}
		wn = ml.Node()
		if fused {
			z, err = ml.Forward(zs...)
		}
	} else {
		l, _ := NewLayer(g, m)
		if err := l.Set(w); err != nil {
			t.Fatal(err)
		}
		wn = l.Node()
		if fused {
			z, err = l.Forward(zs...)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if !fused {
		z = gorgoniaFuse(wn, zs, masked)
	}
	cw := input(g, "C", r, c, randSlice(newRNG(seed+1), r*c))
	if !withGrad {
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), z.Value().Data().([]float64)...), nil
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Square(z)), cw))))
	if _, err := G.Grad(loss, zs...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(zs...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var grads [][]float64
	for _, n := range zs {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, append([]float64(nil), gv.Data().([]float64)...))
	}
	return nil, grads
}

func TestLayerErrors(t *testing.T) {
	g := G.NewGraph()
	a := input(g, "a", 3, 2, make([]float64, 6))
	b := input(g, "b", 2, 3, make([]float64, 6))
	if _, err := NewLayer(g, 0); !errors.Is(err, ErrShape) {
		t.Errorf("NewLayer(0): %v", err)
	}
	if _, err := NewLayer(nil, 2); !errors.Is(err, ErrShape) {
		t.Errorf("NewLayer(nil): %v", err)
	}
	if _, err := NewMaskedLayer(g, 2, 0); !errors.Is(err, ErrShape) {
		t.Errorf("NewMaskedLayer rows 0: %v", err)
	}
	l, _ := NewLayer(g, 3)
	for _, zs := range [][]*G.Node{{a, a}, {a, a, b}, {a, nil, a}, {a, a, input(G.NewGraph(), "x", 3, 2, make([]float64, 6))}} {
		if _, err := l.Forward(zs...); !errors.Is(err, ErrShape) {
			t.Errorf("Forward of %d latents: %v", len(zs), err)
		}
	}
	if _, err := l.Forward(a, a, a); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Forward(a, a, a); err == nil {
		t.Error("second Forward accepted")
	}
	if err := l.Set([]float64{1, 0}); !errors.Is(err, ErrShape) {
		t.Errorf("Set of 2 weights: %v", err)
	}
	if err := l.Set([]float64{1, 0, 0, 0, math.Inf(1), 0}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Set Inf: %v", err)
	}
	if w := l.Weights(); w[0] != 1.0/6 || w[4] != 1.0/6 {
		t.Errorf("a refused Set changed the weights to %v", w)
	}
	// a second layer gets its own weight node
	if l2, _ := NewLayer(g, 2); l2.Node() == l.Node() || l2.Node().Name() != "fusion.w#2" {
		t.Errorf("second layer node %q shares the first", l2.Node().Name())
	}
	ml, _ := NewMaskedLayer(g, 2, 4)
	if _, err := ml.Forward(a, a); !errors.Is(err, ErrShape) {
		t.Errorf("masked Forward with 3 rows for 4: %v", err)
	}
	before := ml.RowWeights()
	for _, c := range []struct {
		w    []float64
		mask mat.Matrix
		want error
	}{
		{[]float64{1, 0}, nil, ErrShape},
		{[]float64{math.NaN(), 0, 1}, nil, ErrNotFinite},
		{[]float64{1, 0, 0}, mat.NewDense(3, 2, nil), ErrShape},
		{[]float64{1, 0, 0}, mat.NewDense(4, 2, []float64{1, 1, 1, 1, 1, 1, 1, 2}), ErrMask},
	} {
		if err := ml.Set(c.w, c.mask); !errors.Is(err, c.want) {
			t.Errorf("MaskedLayer.Set(%v): %v, want %v", c.w, err, c.want)
		}
	}
	if !mat.Equal(before, ml.RowWeights()) {
		t.Error("a refused Set changed the weights")
	}
	z := mat.NewDense(2, 2, nil)
	for _, c := range []struct {
		zs   []mat.Matrix
		w    []float64
		mask mat.Matrix
		want error
	}{
		{nil, nil, nil, ErrShape},
		{[]mat.Matrix{z, nil}, []float64{1, 0, 0}, nil, ErrShape},
		{[]mat.Matrix{z, mat.NewDense(2, 3, nil)}, []float64{1, 0, 0}, nil, ErrShape},
		{[]mat.Matrix{z, z}, []float64{1, 0}, nil, ErrShape},
		{[]mat.Matrix{z, z}, []float64{1, 0, math.NaN()}, nil, ErrNotFinite},
		{[]mat.Matrix{z, mat.NewDense(2, 2, []float64{0, math.Inf(-1), 0, 0})}, []float64{1, 0, 0}, nil, ErrNotFinite},
		{[]mat.Matrix{z, z}, []float64{1, 0, 0}, mat.NewDense(2, 3, nil), ErrShape},
		{[]mat.Matrix{z, z}, []float64{1, 0, 0}, mat.NewDense(2, 2, []float64{1, 1, 0, -1}), ErrMask},
	} {
		if _, err := FuseLatents(c.zs, c.w, c.mask); !errors.Is(err, c.want) {
			t.Errorf("FuseLatents(%d latents, %v): %v, want %v", len(c.zs), c.w, err, c.want)
		}
	}
}

// TestFuseLatentsViews: non-raw inputs give the result of their copies.
func TestFuseLatentsViews(t *testing.T) {
	rng := newRNG(63)
	a := mat.NewDense(3, 4, randSlice(rng, 12))
	b := mat.NewDense(4, 3, randSlice(rng, 12))
	var bt mat.Dense
	bt.CloneFrom(b.T())
	w := randWeights(rng, 6)
	x, err := FuseLatents([]mat.Matrix{a, b.T(), a.T().T()}, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := FuseLatents([]mat.Matrix{a, &bt, a}, w, nil)
	if !mat.Equal(x, y) {
		t.Error("views and copies differ")
	}
}
