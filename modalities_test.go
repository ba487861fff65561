package pidreg

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// threeModalities returns n rows of three modalities a, b, c (4 columns
// each) and a target. Structure "a": only a drives y, b and c are noise.
// Structure "bc": b and c are two noisy views of the signal s that drives
// y, a is noise.
func threeModalities(n int, structure string, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 9))
	xs := [3]*mat.Dense{mat.NewDense(n, 4, nil), mat.NewDense(n, 4, nil), mat.NewDense(n, 4, nil)}
	y := mat.NewDense(n, 1, nil)
	for i := range n {
		s := [2]float64{rng.NormFloat64(), rng.NormFloat64()}
		for _, x := range xs {
			row := x.RawRowView(i)
			for j := range row {
				row[j] = rng.NormFloat64()
			}
		}
		switch structure {
		case "a":
			a := xs[0].RawRowView(i)
			s = [2]float64{a[0], a[1]}
		case "bc":
			for _, x := range xs[1:] {
				row := x.RawRowView(i)
				row[0], row[1] = s[0]+0.3*row[0], s[1]+0.3*row[1]
			}
		}
		y.Set(i, 0, s[0]+0.8*s[1]+0.2*rng.NormFloat64())
	}
	return Dataset{Modalities: []Modality{{"a", xs[0]}, {"b", xs[1]}, {"c", xs[2]}}, Y: y}
}

func threeConfig(seed uint64) Config {
	return Config{Latent: 4, Hidden: []int{32, 16}, HeadHidden: []int{32, 16}, Dropout: []float64{0.1, 0},
		Batch: 128, Epochs: 25, Seed: seed, Patience: 10, Bootstrap: -1}
}

// TestThreeModalityLattice trains on two known structures and checks that
// the held-out lattice names the right atom as the largest, with 18 atoms
// that sum to the mutual information. The models train with modality
// dropout: without it the PID-weighted fusion can lean on one of two
// redundant views early, and the other view's encoder, weighted little,
// learns too slowly for 25 epochs (its latent then carries a third of what
// the first one does, and {b} comes out as the largest atom); dropping
// modalities makes every encoder predict on its own.
func TestThreeModalityLattice(t *testing.T) {
	for _, tc := range []struct{ structure, want string }{{"a", "{a}"}, {"bc", "{b}{c}"}} {
		d := threeModalities(1400, tc.structure, 2)
		cfg := threeConfig(3)
		cfg.ModalityDropout = 0.2
		m, err := New(cfg, d.Dims()...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(context.Background(), part(d, 0, 1000), part(d, 1000, 1400)); err != nil {
			t.Fatal(err)
		}
		e := m.Explain()
		atoms := e.Atoms()
		if len(atoms) != 18 || e.HeldOutRows != 400 {
			t.Fatalf("%s: %d atoms on %d held-out rows, want 18 on 400", tc.structure, len(atoms), e.HeldOutRows)
		}
		best, sum := atoms[0], 0.0
		for _, a := range atoms {
			sum += a.Bits
			if a.Bits > best.Bits {
				best = a
			}
			if a.Bits < -1e-12 {
				t.Errorf("%s: atom %s = %v < 0", tc.structure, a.Name, a.Bits)
			}
		}
		if best.Name != tc.want {
			t.Errorf("%s: largest atom %s (%.3f bit), want %s; atoms %v", tc.structure, best.Name, best.Bits, tc.want, atoms)
		}
		if math.Abs(sum-e.HeldOut.MI) > 1e-9 {
			t.Errorf("%s: atoms sum to %v, mi %v", tc.structure, sum, e.HeldOut.MI)
		}
		if len(e.Weights) != 6 || len(e.Terms) != 6 || e.Terms[5] != "b⊙c" {
			t.Errorf("%s: weights %v for terms %v", tc.structure, e.Weights, e.Terms)
		}
	}
}

// TestMissingModality trains with and without modality dropout and
// predicts rows that lack one modality.
func TestMissingModality(t *testing.T) {
	d := threeModalities(1800, "bc", 4)
	train, val, test := part(d, 0, 1200), part(d, 1200, 1400), part(d, 1400, 1800)
	var variance float64
	for i := range 400 {
		variance += test.Y.At(i, 0) * test.Y.At(i, 0)
	}
	variance /= 400
	lacking := part(test, 0, 400)
	for i := range 400 {
		row := lacking.Modalities[1].X.(*mat.Dense).RawRowView(i) // b is missing: c still carries the signal
		for j := range row {
			row[j] = math.NaN()
		}
	}
	mse := map[float64]float64{}
	for _, p := range []float64{0, 0.3} {
		cfg := threeConfig(5)
		cfg.ModalityDropout = p
		m, err := New(cfg, d.Dims()...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(context.Background(), train, val); err != nil {
			t.Fatal(err)
		}
		met, err := m.Evaluate(lacking)
		if err != nil {
			t.Fatalf("dropout %v: predicting rows without b: %v", p, err)
		}
		mse[p] = met.MSE
		full, err := m.Evaluate(test)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("modality dropout %v: MSE %.3f with every modality, %.3f without b; variance of y %.3f", p, full.MSE, met.MSE, variance)
	}
	if mse[0.3] > 0.5*variance {
		t.Errorf("with modality dropout, rows without b: MSE %.3f, not clearly below the variance %.3f", mse[0.3], variance)
	}
	if mse[0.3] >= mse[0] {
		t.Errorf("modality dropout did not help rows without b: %.3f against %.3f", mse[0.3], mse[0])
	}
	// A row with no modality at all is refused.
	none := part(test, 0, 2)
	for _, mod := range none.Modalities {
		for j := range mod.X.(*mat.Dense).RawRowView(1) {
			mod.X.(*mat.Dense).Set(1, j, math.NaN())
		}
	}
	m, _ := New(threeConfig(5), d.Dims()...)
	if _, err := m.Fit(context.Background(), part(d, 0, 400), Dataset{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Predict(none); err == nil {
		t.Error("a row without any modality was predicted")
	}
}
