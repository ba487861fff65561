package pidreg

import (
	"context"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/trainer"
)

// benchData is shaped like Superconductivity: 81 and 86 columns.
func benchData(n int) Dataset { return benchDataDims(n, 81, 86) }

// benchDataDims is random data with two modalities of da and db columns.
func benchDataDims(n, da, db int) Dataset {
	rng := rand.New(rand.NewPCG(1, 1))
	a, b := mat.NewDense(n, da, nil), mat.NewDense(n, db, nil)
	y := mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for j := range ra {
			ra[j] = rng.NormFloat64()
		}
		for j := range rb {
			rb[j] = rng.NormFloat64()
		}
		y.Set(i, 0, ra[0]+rb[0]*ra[1]+0.1*rng.NormFloat64())
	}
	return Dataset{Modalities: []Modality{{"a", a}, {"b", b}}, Y: y}
}

// benchStep times one training step of the default model at batch 256 on
// 81+86 input columns. withPID: the phase before the weights freeze (batch
// PID and Gaussianity loss computed); otherwise the frozen phase.
func benchStep(b *testing.B, withPID bool) {
	benchStepData(b, benchData(1024), Config{Seed: 1}, withPID)
}

func benchStepData(b *testing.B, d Dataset, cfg Config, withPID bool) {
	m, err := New(cfg, d.Dims()...)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	t, err := trainer.New(m.spec(1, m.cfg.Batch), rng)
	if err != nil {
		b.Fatal(err)
	}
	defer t.Close()
	xs := trainer.NewInputs(1024, d.Dims())
	for i, mod := range d.Modalities {
		if err := xs.SetRows(i, 0, mod.X.(*mat.Dense).RawMatrix().Data); err != nil {
			b.Fatal(err)
		}
	}
	if !withPID {
		if err := t.Freeze(); err != nil {
			b.Fatal(err)
		}
	}
	idx := rng.Perm(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := (i % 4) * 256
		n := ((i + 1) % 4) * 256
		t.PrepareNext(idx[n : n+256]) // as Fit does within an epoch
		if _, err := t.Step(xs, d.Y, idx[s:s+256], withPID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrainStepPID(b *testing.B)    { benchStep(b, true) }
func BenchmarkTrainStepFrozen(b *testing.B) { benchStep(b, false) }

// BenchmarkTrainStepMNIST is the step of the MNIST example's default run:
// two modalities of 493 pixels (its selection), the default model.
func BenchmarkTrainStepMNIST(b *testing.B) {
	d := benchDataDims(1024, 493, 493)
	b.Run("PID", func(b *testing.B) { benchStepData(b, d, Config{Seed: 1}, true) })
	b.Run("Frozen", func(b *testing.B) { benchStepData(b, d, Config{Seed: 1}, false) })
}

// BenchmarkTrainStepFloat32 is BenchmarkTrainStepPID and
// BenchmarkTrainStepFrozen (SC: 81+86 columns) and BenchmarkTrainStepMNIST
// (493+493) with the encoders and the head in float32 (Config.Float32).
func BenchmarkTrainStepFloat32(b *testing.B) {
	cfg := Config{Seed: 1, Float32: true}
	sc, mnist := benchData(1024), benchDataDims(1024, 493, 493)
	b.Run("PID", func(b *testing.B) { benchStepData(b, sc, cfg, true) })
	b.Run("Frozen", func(b *testing.B) { benchStepData(b, sc, cfg, false) })
	b.Run("MNIST/PID", func(b *testing.B) { benchStepData(b, mnist, cfg, true) })
	b.Run("MNIST/Frozen", func(b *testing.B) { benchStepData(b, mnist, cfg, false) })
}

// BenchmarkPredict10k times Predict of the default model on 10 000 rows.
func BenchmarkPredict10k(b *testing.B) {
	d := benchData(10000)
	m, err := New(Config{Seed: 1, Epochs: 1}, d.Dims()...)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), part(d, 0, 512), Dataset{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Predict(d); err != nil {
			b.Fatal(err)
		}
	}
}
