package trainer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
)

// smallSpec is a two-modality graph small enough for a unit test.
func smallSpec(weights map[string]float64) Spec {
	return Spec{Dims: []int{5, 4}, Targets: 1, Batch: 32, Latent: 3,
		Encoder: encoder.Config{Hidden: []int{8}, Dropout: []float64{0.1}}, Head: encoder.Config{Hidden: []int{8}, Dropout: []float64{0}},
		ThetaInit: 4, Weights: weights, Bandwidth: 1, LearnRate: 1e-3, LambdaLearnRate: 0.1, ClipNorm: 1}
}

func smallData(n int) (*Inputs, *mat.Dense) {
	rng := rand.New(rand.NewPCG(4, 5))
	in := NewInputs(n, []int{5, 4})
	y := mat.NewDense(n, 1, nil)
	for i := range n {
		for m, d := range in.Dims {
			row := make([]float64, d)
			for j := range row {
				row[j] = rng.NormFloat64()
			}
			if err := in.SetRows(m, i, row); err != nil {
				panic(err)
			}
		}
		y.Set(i, 0, float64(in.row(0, i)[0])+0.1*rng.NormFloat64())
	}
	return in, y
}

// TestTermsTable checks that the loss is the weighted sum of the terms the
// graph reports, in table order, and that a term whose weight is off is not
// built.
func TestTermsTable(t *testing.T) {
	if got := Terms(); !slices.Equal(got, []string{"mse", "cs", "cmi", "gauss"}) {
		t.Fatalf("Terms() = %v", got)
	}
	w := map[string]float64{"cs": 0.1, "cmi": 0.2, "gauss": 0.3}
	tr, err := New(smallSpec(w), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	in, y := smallData(64)
	idx := make([]int, 32)
	for i := range idx {
		idx[i] = 2 * i
	}
	st, err := tr.Step(in, y, idx, true)
	if err != nil {
		t.Fatal(err)
	}
	names := tr.Terms()
	if !slices.Equal(names, Terms()) || len(st.Terms) != len(names) {
		t.Fatalf("graph terms %v, values %v", names, st.Terms)
	}
	sum := st.Terms[0]
	for i, name := range names[1:] {
		sum += w[name] * st.Terms[i+1]
	}
	if math.Abs(sum-st.Loss) > 1e-12*math.Abs(st.Loss) {
		t.Errorf("loss %v, Σ weight·term %v", st.Loss, sum)
	}
	for i, v := range st.Terms {
		if !(v >= 0) {
			t.Errorf("term %s = %v", names[i], v)
		}
	}
	if st.PID == nil {
		t.Error("no batch PID with withPID")
	}
	// Off terms are not built; Freeze zeroes the Gaussianity term.
	tr2, err := New(smallSpec(map[string]float64{"cs": -1, "cmi": 0.1, "gauss": 0.1}), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	if got := tr2.Terms(); !slices.Equal(got, []string{"mse", "cmi", "gauss"}) {
		t.Errorf("terms with cs off: %v", got)
	}
	if err := tr2.Freeze(); err != nil {
		t.Fatal(err)
	}
	st2, err := tr2.Step(in, y, idx, false)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Terms[2] != 0 || st2.PID != nil {
		t.Errorf("frozen step: gauss term %v, PID %v", st2.Terms[2], st2.PID)
	}
	if _, err := New(smallSpec(map[string]float64{"nope": 1}), rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Error("an unknown term weight was accepted")
	}
	if _, err := tr.Step(in, y, idx[:10], false); err == nil {
		t.Error("a step on 10 rows of a 32-row graph was accepted")
	}
}

func TestInputs(t *testing.T) {
	in := NewInputs(3, []int{2})
	if err := in.SetRows(0, 1, []float64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if r := in.row(0, 2); r[0] != 3 || r[1] != 4 {
		t.Errorf("row 2 = %v", r)
	}
	for _, bad := range []struct {
		lo   int
		rows []float64
	}{{2, []float64{1, 2, 3, 4}}, {0, []float64{1, 2, 3}}, {-1, []float64{1, 2}}} {
		if err := in.SetRows(0, bad.lo, bad.rows); err == nil {
			t.Errorf("SetRows(%d, %v) accepted", bad.lo, bad.rows)
		}
	}
}

// TestPrepareNext checks that preparing the next step ahead (its random
// draws and batch data, on another goroutine) changes no bit: a trainer
// that prepares ahead and one that never does, from the same seed, give
// the same losses step by step, also when the caller draws from the shared
// source between steps (the epoch's end, where it announces nothing), when
// the announced rows are not the next step's (its data is then computed
// again), with modality dropout (whose presence mask is drawn after the
// draws made ahead) and with the Bernoulli policy (only the data is
// prepared ahead).
func TestPrepareNext(t *testing.T) {
	in, y := smallData(96)
	for _, c := range []struct {
		name string
		edit func(*Spec)
	}{
		{"default", func(*Spec) {}},
		{"modality dropout", func(s *Spec) { s.ModalityDropout = 0.3 }},
		{"bernoulli", func(s *Spec) { s.Policy = fusion.Bernoulli }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var losses [2][]float64
			for run, ahead := range []bool{false, true} {
				spec := smallSpec(map[string]float64{"cs": 0.1, "cmi": 0.1, "gauss": 0.1})
				c.edit(&spec)
				rng := rand.New(rand.NewPCG(7, 8))
				tr, err := New(spec, rng)
				if err != nil {
					t.Fatal(err)
				}
				rows := func(s int) []int {
					idx := make([]int, spec.Batch)
					for i := range idx {
						idx[i] = (i*5 + s*7) % 96
					}
					return idx
				}
				for s := range 9 {
					idx := rows(s)
					last := s%3 == 2 // the last step of an "epoch" of three
					switch {
					case !ahead || last:
						tr.PrepareNext(nil)
					case s == 4:
						tr.PrepareNext(rows(s + 5)) // announces rows the next step does not use
					default:
						tr.PrepareNext(rows(s + 1))
					}
					st, err := tr.Step(in, y, idx, s < 6)
					if err != nil {
						t.Fatal(err)
					}
					losses[run] = append(losses[run], st.Loss)
					losses[run] = append(losses[run], st.Terms...)
					if last {
						losses[run] = append(losses[run], float64(rng.Uint64()>>11))
					}
				}
				tr.Close()
			}
			for i := range losses[0] {
				if math.Float64bits(losses[0][i]) != math.Float64bits(losses[1][i]) {
					t.Fatalf("value %d: %v without drawing ahead, %v with", i, losses[0][i], losses[1][i])
				}
			}
		})
	}
}

// TestPrepareNextBadRows: announced rows that cannot be prepared (out of
// range, negative, the wrong number) are ignored, and the steps give the
// losses of a trainer that was told nothing.
func TestPrepareNextBadRows(t *testing.T) {
	in, y := smallData(96)
	var losses [2][]float64
	for run := range 2 {
		spec := smallSpec(map[string]float64{"cs": 0.1, "cmi": 0.1, "gauss": 0.1})
		tr, err := New(spec, rand.New(rand.NewPCG(9, 10)))
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, spec.Batch)
		for i := range idx {
			idx[i] = 3 * i
		}
		for s, bad := range [][]int{{96}, {-1}, idx[:5], nil} {
			if run == 1 && bad != nil {
				rows := append([]int(nil), idx...)
				if len(bad) == 1 {
					rows[7] = bad[0]
				} else {
					rows = bad
				}
				tr.PrepareNext(rows)
			}
			st, err := tr.Step(in, y, idx, s < 2)
			if err != nil {
				t.Fatal(err)
			}
			losses[run] = append(losses[run], st.Loss)
		}
		tr.Close()
	}
	if !slices.Equal(losses[0], losses[1]) {
		t.Errorf("losses %v, with bad announcements %v", losses[0], losses[1])
	}
}

// TestFloat32Trainer trains the small graph for 60 steps in float64 and
// with the encoders and the head in float32 from the same seed: the float32
// run is deterministic, its parameters and Adam moments are float32, and its
// losses follow the float64 run's within float32 noise (their first losses
// agree to 1e-5; later ones drift apart as rounding compounds, as two
// float64 runs with different summation orders do).
func TestFloat32Trainer(t *testing.T) {
	w := map[string]float64{"cs": 0.1, "cmi": 0.1, "gauss": 0.1}
	run := func(f32 bool) ([]float64, *Trainer) {
		spec := smallSpec(w)
		spec.Encoder.Float32, spec.Head.Float32 = f32, f32
		tr, err := New(spec, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		in, y := smallData(128)
		order := rand.New(rand.NewPCG(3, 3)).Perm(128)
		var losses []float64
		for s := range 60 {
			lo := (s % 4) * 32
			st, err := tr.Step(in, y, order[lo:lo+32], s < 30)
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, st.Loss)
		}
		return losses, tr
	}
	l64, _ := run(false)
	l32, tr := run(true)
	again, _ := run(true)
	if !slices.Equal(l32, again) {
		t.Fatal("two float32 runs from one seed differ")
	}
	if tr.optEnc.f32.size() == 0 || tr.optHead.f32.size() == 0 || tr.optEnc.f64.size() != 0 {
		t.Fatalf("float32 run: encoder Adam has %d float32 and %d float64 entries, head %d float32",
			tr.optEnc.f32.size(), tr.optEnc.f64.size(), tr.optHead.f32.size())
	}
	if d := math.Abs(l32[0]-l64[0]) / l64[0]; d > 1e-5 || d == 0 {
		t.Errorf("first loss: float32 %v, float64 %v (relative %.2g, want (0, 1e-5])", l32[0], l64[0], d)
	}
	mean := func(l []float64) float64 {
		s := 0.0
		for _, v := range l[len(l)-20:] {
			s += v
		}
		return s / 20
	}
	t.Logf("first loss %.6g vs %.6g; last-20 mean %.6g vs %.6g", l32[0], l64[0], mean(l32), mean(l64))
	if m32, m64 := mean(l32), mean(l64); math.Abs(m32-m64) > 0.05*m64 || !(m32 < l32[0]) {
		t.Errorf("mean of the last 20 losses: float32 %v, float64 %v (first %v)", m32, m64, l32[0])
	}
}
