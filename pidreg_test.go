package pidreg

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pidreg/pidreg/transform"
	"gonum.org/v1/gonum/mat"
)

// synthetic returns n rows where only the first modality is informative:
// y = sin(2a₀) + a₁a₂ + 0.5a₃ + 0.05ε, and the second modality is noise.
func synthetic(n int, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	a := mat.NewDense(n, 6, nil)
	b := mat.NewDense(n, 5, nil)
	y := mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for j := range ra {
			ra[j] = rng.NormFloat64()
		}
		for j := range rb {
			rb[j] = rng.NormFloat64()
		}
		y.Set(i, 0, math.Sin(2*ra[0])+ra[1]*ra[2]+0.5*ra[3]+0.05*rng.NormFloat64())
	}
	return Dataset{Modalities: []Modality{{"signal", a}, {"noise", b}}, Y: y}
}

// small is a quick configuration for the tests; without bootstrap
// intervals (TestFitInformativeModality turns them on).
func small(seed uint64, epochs int) Config {
	return Config{Latent: 8, Hidden: []int{64, 32}, HeadHidden: []int{64, 32}, Dropout: []float64{0.1, 0},
		Batch: 128, Epochs: epochs, Seed: seed, Patience: 15, Bootstrap: -1}
}

// part returns rows [lo, hi) of d, copied into new *mat.Dense matrices
// (Subset's views would let a test's changes reach d).
func part(d Dataset, lo, hi int) Dataset {
	s, err := d.Subset(rows(lo, hi))
	if err != nil {
		panic(err)
	}
	for i, m := range s.Modalities {
		s.Modalities[i].X = mat.DenseCopyOf(m.X)
	}
	return s
}

func rows(lo, hi int) []int {
	out := make([]int, hi-lo)
	for i := range out {
		out[i] = lo + i
	}
	return out
}

func fitSynthetic(t *testing.T, cfg Config) (*Model, Dataset) {
	t.Helper()
	d := synthetic(1600, 3)
	train, val, test := part(d, 0, 1100), part(d, 1100, 1300), part(d, 1300, 1600)
	m, err := New(cfg, d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), train, val); err != nil {
		t.Fatal(err)
	}
	return m, test
}

func TestFitInformativeModality(t *testing.T) {
	cfg := small(1, 60)
	cfg.Bootstrap = 200
	m, test := fitSynthetic(t, cfg)
	met, err := m.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	if met.R2 < 0.8 {
		t.Errorf("test R² = %.3f, want ≥ 0.8 (metrics %+v)", met.R2, met)
	}
	w := m.Weights()
	if !(w[0] > w[1]) {
		t.Errorf("weights %v do not favour the informative modality", w)
	}
	e := m.Explain()
	if e.HeldOutRows == 0 {
		t.Fatal("no held-out PID")
	}
	if !(e.HeldOut.Unique(0) > e.HeldOut.Unique(1)+0.5) {
		t.Errorf("held-out atoms %+v: the signal modality should carry far more unique information", e.HeldOut)
	}
	// The noise costs nothing by its point estimate, and on 200 held-out
	// rows its 95 % interval stays below the 5 % threshold, so the advice
	// is to drop it ...
	if e.Cost[1] != 0 || len(e.CostCI) != 2 || !(e.CostCI[1][1] > 0 && e.CostCI[1][1] < 0.05) || e.Drop != "noise" {
		t.Errorf("cost %v, interval %v, Drop %q: want cost 0 with an interval inside (0, 5 %%) and the advice to drop noise", e.Cost, e.CostCI, e.Drop)
	}
	// ... but the advice rests on the interval, not the estimate: a
	// threshold between the two keeps it.
	if _, _, drop := shares(e.HeldOut, e.Names, e.CostCI[1][1]/2, e.CostCI); drop != "" {
		t.Errorf("threshold below the interval's end: drop %q, want none", drop)
	}
	for _, q := range e.Quantities {
		if q.CI == nil || (q.P == nil) != (q.Name == "co-information") || !(q.CI[0] <= q.CI[1]) {
			t.Errorf("quantity %s has interval %v and p %v", q.Name, q.CI, q.P)
		}
		if q.Name == "{signal}" && (*q.P > 0.01 || !(q.CI[0] > 0.5)) {
			t.Errorf("unique signal information %.3f: interval %v, p %v; want it clearly above 0", q.Bits, *q.CI, *q.P)
		}
	}
	if len(e.History) == 0 || len(e.Lambdas) != 2 {
		t.Errorf("history %d epochs, lambdas %v", len(e.History), e.Lambdas)
	}
}

func TestSaveLoadIdentical(t *testing.T) {
	m, test := fitSynthetic(t, small(2, 5))
	cols := [][]string{{"a0", "a1", "a2", "a3", "a4", "a5"}, {"b0", "b1", "b2", "b3", "b4"}}
	if err := m.SetColumns(cols, []string{"y"}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetColumns([][]string{{"a0"}}, nil); err == nil {
		t.Fatal("SetColumns accepted the wrong number of names")
	}
	if err := m.SetColumns(cols, []string{"y"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	m2, err := Load(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p1, err := m.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(p1, p2) {
		t.Fatal("predictions differ after Save/Load")
	}
	if !reflect.DeepEqual(m2.Explain().PID, m.Explain().PID) {
		t.Fatal("explanation differs after Save/Load")
	}
	if got := m2.Columns(); len(got) != 2 || got[1][4] != "b4" || m2.TargetColumns()[0] != "y" {
		t.Fatalf("column names after Save/Load: %v %v", got, m2.TargetColumns())
	}
	// Every kind of damage is refused.
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated header", raw[:10]},
		{"truncated payload", raw[:len(raw)/2]},
		{"truncated checksum", raw[:len(raw)-5]},
		{"flipped payload bit", flip(raw, len(raw)/2)},
		{"flipped checksum bit", flip(raw, len(raw)-1)},
		{"bad magic", flip(raw, 0)},
		{"unknown version", flip(raw, 11)},
	} {
		if _, err := Load(bytes.NewReader(c.b)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", c.name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x10
	return c
}

func TestDeterministic(t *testing.T) {
	m1, test := fitSynthetic(t, small(9, 3))
	m2, _ := fitSynthetic(t, small(9, 3))
	var b1, b2 bytes.Buffer
	if err := m1.Save(&b1); err != nil {
		t.Fatal(err)
	}
	if err := m2.Save(&b2); err != nil {
		t.Fatal(err)
	}
	// Timings differ between runs; compare the predictions and the weights.
	p1, _ := m1.Predict(test)
	p2, _ := m2.Predict(test)
	if !mat.Equal(p1, p2) {
		t.Fatal("same seed, different predictions")
	}
	if !slices.Equal(m1.Weights(), m2.Weights()) {
		t.Fatal("same seed, different fusion weights")
	}
	m3, _ := fitSynthetic(t, small(10, 3))
	p3, _ := m3.Predict(test)
	if mat.Equal(p1, p3) {
		t.Fatal("different seeds gave identical predictions")
	}
}

func TestCancel(t *testing.T) {
	d := synthetic(1600, 4)
	m, err := New(small(1, 10000), d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var epochs int
	start := time.Now()
	_, err = m.Fit(ctx, part(d, 0, 1200), part(d, 1200, 1600), WithProgress(func(Epoch) {
		epochs++
		if epochs == 2 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if epochs != 2 {
		t.Fatalf("%d epochs ran after cancel at epoch 2", epochs)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("cancellation took %v", time.Since(start))
	}
	// The model is usable with the best weights seen so far.
	if _, err := m.Predict(part(d, 0, 10)); err != nil {
		t.Fatal(err)
	}
}

func TestBadInput(t *testing.T) {
	d := synthetic(300, 5)
	m, err := New(small(1, 1), d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	inf := part(d, 0, 300)
	inf.Modalities[1].X.(*mat.Dense).Set(17, 2, math.Inf(1))
	nanY := part(d, 0, 300)
	nanY.Y.Set(4, 0, math.NaN())
	wrong := Dataset{Modalities: []Modality{d.Modalities[0], {"short", mat.NewDense(300, 2, nil)}}, Y: d.Y}
	ragged := Dataset{Modalities: []Modality{d.Modalities[0], {"noise", mat.NewDense(299, 5, nil)}}, Y: d.Y}
	for name, c := range map[string]struct {
		d    Dataset
		want error
	}{
		"+Inf":         {inf, ErrInput},
		"NaN target":   {nanY, ErrInput},
		"wrong dims":   {wrong, ErrDimension},
		"ragged":       {ragged, ErrInput},
		"no target":    {Dataset{Modalities: d.Modalities}, ErrInput},
		"too few rows": {part(d, 0, 3), ErrInput},
	} {
		if _, err := m.Fit(context.Background(), c.d, Dataset{}); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	if _, err := m.Predict(d); !errors.Is(err, ErrNotTrained) {
		t.Errorf("Predict before Fit: %v", err)
	}
	for _, rows := range [][]int{{300}, {-1}, {0, 1, 1 << 20}} {
		if _, err := d.Subset(rows); !errors.Is(err, ErrInput) {
			t.Errorf("Subset(%v) of 300 rows: err = %v, want ErrInput", rows, err)
		}
	}
	refuse := small(1, 1)
	refuse.Missing = transform.Refuse
	mr, err := New(refuse, d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	nan := part(d, 0, 300)
	nan.Modalities[1].X.(*mat.Dense).Set(17, 2, math.NaN())
	if _, err := mr.Fit(context.Background(), nan, Dataset{}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "row 17") {
		t.Errorf("NaN with Missing = Refuse: err = %v, want ErrInput naming row 17", err)
	}
	if _, err := New(Config{}); !errors.Is(err, ErrInput) {
		t.Errorf("no modality: err = %v", err)
	}
	if _, err := New(Config{}, make([]int, 65)...); !errors.Is(err, ErrInput) {
		t.Errorf("65 modalities: err = %v", err)
	}
	if _, err := New(Config{}, 3, 4, 5, 6); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "at least 259 rows") || !strings.Contains(err.Error(), "-latent") {
		t.Errorf("four modalities of 64 latents in batches of 256: err = %v, want ErrInput saying which setting to change", err)
	}
	if _, err := New(Config{Latent: 32}, 3, 4, 5, 6); err != nil {
		t.Errorf("four modalities of 32 latents: %v", err)
	}
	if _, err := New(Config{Dropout: []float64{1.5, 0}}, 3, 4); err == nil {
		t.Error("dropout 1.5 accepted")
	}
	if _, err := New(Config{InputClip: math.NaN()}, 3, 4); !errors.Is(err, ErrInput) {
		t.Errorf("NaN input clip: err = %v", err)
	}
	if _, err := New(Config{Inputs: InputMap(7)}, 3, 4); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "InputMap(7)") {
		t.Errorf("unknown input map: err = %v", err)
	}
}

func TestConstantColumn(t *testing.T) {
	d := synthetic(900, 6)
	for i := 0; i < 900; i++ {
		d.Modalities[1].X.(*mat.Dense).Set(i, 0, 3.5) // a constant column, as in real data
	}
	m, err := New(small(1, 3), d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), part(d, 0, 700), part(d, 700, 900)); err != nil {
		t.Fatal(err)
	}
	e := m.Explain()
	if len(e.ConstantColumns) != 1 || e.ConstantColumns[0] != "noise[0]" {
		t.Fatalf("constant columns reported: %v", e.ConstantColumns)
	}
	p, err := m.Predict(part(d, 0, 50))
	if err != nil {
		t.Fatal(err)
	}
	if err := finite(p, false); err != nil {
		t.Fatal(err)
	}
}

func TestScore(t *testing.T) {
	truth := mat.NewDense(4, 1, []float64{1, 2, 3, 4})
	pred := mat.NewDense(4, 1, []float64{1, 2, 3, 6})
	m, err := Score(pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	if m.MSE != 1 || m.RMSE != 1 || m.MAE != 0.5 || math.Abs(m.R2-(1-4/5.0)) > 1e-15 {
		t.Fatalf("%+v", m)
	}
}

// TestVectorTarget trains on a two-column target end to end: the batch PID
// goes through the ~G-PID solver, and predictions have two columns.
func TestVectorTarget(t *testing.T) {
	d := synthetic(1000, 8)
	y2 := mat.NewDense(1000, 2, nil)
	for i := 0; i < 1000; i++ {
		a := d.Modalities[0].X.(*mat.Dense).RawRowView(i)
		y2.Set(i, 0, d.Y.At(i, 0))
		y2.Set(i, 1, a[4]-0.5*a[5])
	}
	d.Y = y2
	m, err := New(small(1, 40), d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := m.Fit(context.Background(), part(d, 0, 700), part(d, 700, 850))
	if err != nil {
		t.Fatal(err)
	}
	if got := hist[0].PID.Method; got != "tilde" {
		t.Fatalf("batch PID method %q, want tilde", got)
	}
	test := part(d, 850, 1000)
	p, err := m.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := p.Dims(); r != 150 || c != 2 {
		t.Fatalf("predictions %d×%d", r, c)
	}
	met, err := m.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	if met.R2 < 0.7 {
		t.Errorf("R² = %.3f on the vector target", met.R2)
	}
	e := m.Explain()
	if e.HeldOut.Method != "tilde" || !(e.HeldOut.Unique(0) > e.HeldOut.Unique(1)) {
		t.Errorf("held-out PID %+v", e.HeldOut)
	}
}

// TestDegenerateData checks that a constant target and a modality whose
// columns are all constant are refused before training, naming the column
// or the modality.
func TestDegenerateData(t *testing.T) {
	d := synthetic(300, 8)
	m, err := New(small(1, 3), d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetColumns(nil, []string{"critical_temp"}); err != nil {
		t.Fatal(err)
	}
	flat := part(d, 0, 300)
	for i := range 300 {
		flat.Y.Set(i, 0, 42)
	}
	var epochs int
	_, err = m.Fit(context.Background(), flat, Dataset{}, WithProgress(func(Epoch) { epochs++ }))
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), `"critical_temp" is constant`) || epochs != 0 {
		t.Errorf("constant target: err = %v after %d epochs, want ErrInput naming critical_temp before any epoch", err, epochs)
	}
	dead := part(d, 0, 300)
	dead.Modalities[1].X.(*mat.Dense).Zero()
	_, err = m.Fit(context.Background(), dead, Dataset{}, WithProgress(func(Epoch) { epochs++ }))
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "modality noise: all 5 columns are constant") || epochs != 0 {
		t.Errorf("constant modality: err = %v after %d epochs", err, epochs)
	}
}

// TestExplainOn recomputes a trained model's decomposition on other rows,
// without changing the model.
func TestExplainOn(t *testing.T) {
	m, test := fitSynthetic(t, small(4, 20))
	before := m.Explain()
	e, err := m.ExplainOn(test, 50)
	if err != nil {
		t.Fatal(err)
	}
	if e.HeldOutRows != 300 || e.Resamples != 50 || len(e.Quantities) != 8 || e.Quantities[0].CI == nil {
		t.Errorf("explained on %d rows with %d resamples, %d quantities", e.HeldOutRows, e.Resamples, len(e.Quantities))
	}
	if !(e.HeldOut.Unique(0) > 0.3) || len(e.History) != len(before.History) {
		t.Errorf("recomputed atoms %v, history %d epochs", e.HeldOut.Atoms, len(e.History))
	}
	if after := m.Explain(); !reflect.DeepEqual(after, before) {
		t.Error("ExplainOn changed the model's explanation")
	}
	if _, err := m.ExplainOn(part(test, 0, 5), 0); !errors.Is(err, ErrInput) {
		t.Errorf("5 rows: err = %v, want ErrInput", err)
	}
	if _, err := new(Model).ExplainOn(test, 0); !errors.Is(err, ErrNotTrained) {
		t.Errorf("untrained: err = %v", err)
	}
}

// TestFloat32Model: a model trained with Config.Float32 writes the same
// bytes for the same seed, keeps the setting through Save and Load, predicts
// the same after loading, and predicts about as well as the float64 model of
// the same seed.
func TestFloat32Model(t *testing.T) {
	cfg := small(9, 20)
	cfg.Float32 = true
	var files [2][]byte
	var m *Model
	var test Dataset
	for i := range files {
		m, test = fitSynthetic(t, cfg)
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two float32 trainings with one seed wrote different model files")
	}
	m2, err := Load(bytes.NewReader(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !m2.Config().Float32 {
		t.Error("Float32 lost through Save and Load")
	}
	p1, _ := m.Predict(test)
	p2, _ := m2.Predict(test)
	if !mat.Equal(p1, p2) {
		t.Error("a float32 model predicts differently after Load")
	}
	m64, _ := fitSynthetic(t, small(9, 20))
	e32, err := m.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	e64, err := m64.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test R²: float32 %.4f, float64 %.4f", e32.R2, e64.R2)
	if e32.R2 < 0.6 || math.Abs(e32.R2-e64.R2) > 0.05 {
		t.Errorf("test R²: float32 %.4f, float64 %.4f", e32.R2, e64.R2)
	}
}
