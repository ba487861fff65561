package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/runner"
)

// synth returns n rows of y = 2a₁ − a₂ + a₃b₁ + 0.3b₂ + 0.1ε with modality
// "A" = (a₁, a₂, a₃) and "B" = (b₁, b₂).
func synth(n int, seed uint64) pidreg.Dataset {
	rng := rand.New(rand.NewPCG(seed, 3))
	a := mat.NewDense(n, 3, nil)
	b := mat.NewDense(n, 2, nil)
	y := mat.NewDense(n, 1, nil)
	for i := range n {
		for j := range 3 {
			a.Set(i, j, rng.NormFloat64())
		}
		for j := range 2 {
			b.Set(i, j, rng.NormFloat64())
		}
		y.Set(i, 0, 2*a.At(i, 0)-a.At(i, 1)+a.At(i, 2)*b.At(i, 0)+0.3*b.At(i, 1)+0.1*rng.NormFloat64())
	}
	return pidreg.Dataset{Modalities: []pidreg.Modality{{Name: "A", X: a}, {Name: "B", X: b}}, Y: y}
}

// small is a configuration that trains in milliseconds: the PID of a batch
// of 32 needs 2·4 + 1 + 2 = 11 rows.
func small(epochs int) pidreg.Config {
	return pidreg.Config{Latent: 4, Hidden: []int{16}, HeadHidden: []int{16}, Dropout: []float64{0.1},
		Epochs: epochs, Batch: 32, Seed: 5}
}

func TestStat(t *testing.T) {
	s := NewStat([]float64{1, 2, 3, 4})
	if s.Mean != 2.5 || math.Abs(s.SD-math.Sqrt(5.0/3)) > 1e-15 || s.N != 4 {
		t.Errorf("NewStat(1,2,3,4) = %+v, want mean 2.5, sd √(5/3)", s)
	}
	// Shifting the data moves the mean and leaves the sd.
	sh := NewStat([]float64{1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4})
	if math.Abs(sh.Mean-s.Mean-1e6) > 1e-9 || math.Abs(sh.SD-s.SD) > 1e-9 {
		t.Errorf("shifted: %+v vs %+v", sh, s)
	}
	one := NewStat([]float64{7})
	if one.Mean != 7 || !math.IsNaN(one.SD) || one.format("%.3g") != "7" {
		t.Errorf("one value: %+v %q", one, one.format("%.3g"))
	}
	if got := s.format("%.3g"); got != "2.5 ± 1.3" {
		t.Errorf("format %q", got)
	}
	b, err := json.Marshal(one)
	if err != nil || string(b) != `{"mean":7,"sd":null,"n":1}` {
		t.Errorf("JSON %s, %v", b, err)
	}
}

func TestParseModels(t *testing.T) {
	names := []string{"tens", "units"}
	all := []string{"pidreg", "modality-dropout", "concat", "late", "unimodal:tens", "unimodal:units", "equal-weights",
		"no-cmi", "no-cs", "no-gauss", "no-freeze"}
	for _, list := range []string{"", "all", " all "} {
		if got, err := ParseModels(list, names); err != nil || !slices.Equal(got, all) {
			t.Errorf("%q: %q, %v", list, got, err)
		}
	}
	if got, err := ParseModels("late, unimodal:units,pidreg", names); err != nil || !slices.Equal(got, []string{"late", "unimodal:units", "pidreg"}) {
		t.Errorf("list: %q, %v", got, err)
	}
	for _, bad := range []string{"bogus", "pidreg,pidreg", "unimodal:hundreds", "pidreg,", "unimodal:"} {
		if _, err := ParseModels(bad, names); !errors.Is(err, ErrModel) {
			t.Errorf("%q: err %v, want ErrModel", bad, err)
		}
	}
}

func TestSplitsAndSample(t *testing.T) {
	sp, err := Splits(50, [3]float64{0.6, 0.2, 0.2}, 3, 11)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Splits(50, [3]float64{0.6, 0.2, 0.2}, 3, 11)
	for i, s := range sp {
		all := slices.Concat(s.Train, s.Val, s.Test)
		slices.Sort(all)
		for k, r := range all {
			if r != k {
				t.Fatalf("split %d is not a partition of 0…49", i)
			}
		}
		if len(s.Train) != 30 || len(s.Val) != 10 || len(s.Test) != 10 {
			t.Errorf("split %d sizes %d/%d/%d", i, len(s.Train), len(s.Val), len(s.Test))
		}
		if !slices.Equal(s.Test, again[i].Test) {
			t.Errorf("split %d is not reproducible", i)
		}
	}
	if slices.Equal(sp[0].Test, sp[1].Test) {
		t.Error("seeds 1 and 2 give the same test rows")
	}
	if _, err := Splits(50, [3]float64{1, 1, 1}, 0, 1); !errors.Is(err, ErrInput) {
		t.Errorf("0 seeds: %v", err)
	}

	d := synth(40, 1)
	s, err := Sample(d, 15, 2)
	if err != nil || s.Rows() != 15 {
		t.Fatalf("Sample: %d rows, %v", s.Rows(), err)
	}
	// Every sampled row is a row of d, in increasing order.
	last := -1
	for i := range 15 {
		k := -1
		for r := range 40 {
			if slices.Equal(mat.Row(nil, r, d.Modalities[0].X), mat.Row(nil, i, s.Modalities[0].X)) &&
				slices.Equal(mat.Row(nil, r, d.Modalities[1].X), mat.Row(nil, i, s.Modalities[1].X)) && d.Y.At(r, 0) == s.Y.At(i, 0) {
				k = r
			}
		}
		if k <= last {
			t.Fatalf("sample row %d is row %d of the data (previous %d)", i, k, last)
		}
		last = k
	}
	if full, _ := Sample(d, 100, 2); full.Rows() != 40 {
		t.Errorf("oversized sample has %d rows", full.Rows())
	}
}

func TestConcat(t *testing.T) {
	d := synth(6, 2)
	c := concat(d)
	if len(c.Modalities) != 1 || c.Modalities[0].Name != "A+B" {
		t.Fatalf("concat modalities %v", c.Names())
	}
	x := c.Modalities[0].X
	for i := range 6 {
		for j := range 5 {
			want := 0.0
			if j < 3 {
				want = d.Modalities[0].X.At(i, j)
			} else {
				want = d.Modalities[1].X.At(i, j-3)
			}
			if x.At(i, j) != want {
				t.Fatalf("concat[%d,%d] = %v, want %v", i, j, x.At(i, j), want)
			}
		}
	}
}

// TestRun benchmarks four models on two seeds and checks the invariants of
// the table: late fusion is exactly the average of the unimodal models'
// predictions, a model that cannot freeze in two epochs is the same run as
// no-freeze, and the selection check reuses the unimodal model it names.
func TestRun(t *testing.T) {
	d := synth(160, 1)
	splits, err := Splits(d.Rows(), [3]float64{0.7, 0.1, 0.2}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	models := []string{PIDReg, Late, UnimodalPrefix + "A", UnimodalPrefix + "B", NoFreeze, Concat}
	var progress bytes.Buffer
	tab, err := Run(context.Background(), d, splits, models, small(2), &progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != len(models) {
		t.Fatalf("%d rows for %d models", len(tab.Rows), len(models))
	}
	byName := map[string]Row{}
	for i, r := range tab.Rows {
		if r.Model != models[i] || len(r.Runs) != 2 || r.RMSE.N != 2 {
			t.Errorf("row %d: %s with %d runs", i, r.Model, len(r.Runs))
		}
		for _, run := range r.Runs {
			if !(run.Metrics.RMSE > 0) || run.Epochs != 2 || !(run.SecondsPerEpoch > 0) {
				t.Errorf("%s split %d: %+v", r.Model, run.Split, run)
			}
			if math.Abs(run.Metrics.RMSE-math.Sqrt(run.Metrics.MSE)) > 1e-12 {
				t.Errorf("%s: RMSE² ≠ MSE", r.Model)
			}
		}
		byName[r.Model] = r
	}
	if n := strings.Count(progress.String(), "\n"); n != 2*len(models)+2 {
		t.Errorf("%d progress lines, want %d:\n%s", n, 2*len(models)+2, progress.String())
	}

	// late = (ŷ_A + ŷ_B)/2 of the very unimodal models in the table.
	fa, fb, fl := tab.first["unimodal:A"], tab.first["unimodal:B"], tab.first[Late]
	test, err := d.Subset(splits[0].Test)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(splits[0].Test) {
		if want := (fa.pred.At(i, 0) + fb.pred.At(i, 0)) / 2; fl.pred.At(i, 0) != want {
			t.Fatalf("late prediction %d = %v, want %v", i, fl.pred.At(i, 0), want)
		}
		if fl.truth[i] != test.Y.At(i, 0) {
			t.Fatalf("late truth %d misaligned", i)
		}
	}
	if got := byName[Late].Runs[0].SecondsPerEpoch; math.Abs(got-(fa.spe+fb.spe)) > 1e-12 {
		t.Errorf("late s/epoch %v, want the sum %v", got, fa.spe+fb.spe)
	}
	// The unimodal model sees one modality; concat one of 5 columns.
	if dims := fa.model.Dims(); !slices.Equal(dims, []int{3}) {
		t.Errorf("unimodal:A dims %v", dims)
	}
	if dims := tab.first[Concat].model.Dims(); !slices.Equal(dims, []int{5}) {
		t.Errorf("concat dims %v", dims)
	}
	// Same seed, same split, no freeze possible in 2 epochs: same run.
	for k := range 2 {
		if p, nf := byName[PIDReg].Runs[k].Metrics, byName[NoFreeze].Runs[k].Metrics; p != nf {
			t.Errorf("split %d: pidreg %+v ≠ no-freeze %+v", k+1, p, nf)
		}
	}
	if p, a := byName[PIDReg].Runs[0].Metrics, byName["unimodal:A"].Runs[0].Metrics; p == a {
		t.Error("pidreg and unimodal:A have identical metrics")
	}

	if len(tab.Selection) != 2 || tab.DropBelow != 0.05 {
		t.Fatalf("%d selection checks, threshold %v", len(tab.Selection), tab.DropBelow)
	}
	for k, s := range tab.Selection {
		drop := slices.Index(tab.Modalities, s.Candidate)
		keep := slices.Index(tab.Modalities, s.Keep)
		if drop < 0 || keep != 1-drop || s.Cost[drop] > s.Cost[keep] {
			t.Errorf("split %d: candidate %s, keep %s, cost %v", k+1, s.Candidate, s.Keep, s.Cost)
		}
		if (s.Recommended != "") != (s.Cost[drop] < tab.DropBelow) || (s.Recommended != "" && s.Recommended != s.Candidate) {
			t.Errorf("split %d: recommended %q with cost %v", k+1, s.Recommended, s.Cost)
		}
		if s.Bimodal != byName[PIDReg].Runs[k].Metrics || s.Unimodal != byName["unimodal:"+s.Keep].Runs[k].Metrics {
			t.Errorf("split %d: the check's errors are not the table's", k+1)
		}
		if !(s.BimodalPredict > 0) || !(s.UnimodalPredict > 0) {
			t.Errorf("split %d: predict times %v, %v", k+1, s.BimodalPredict, s.UnimodalPredict)
		}
	}

	var md bytes.Buffer
	if err := tab.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, want := range []string{"| model | test RMSE | MAE | R² | s/epoch | epochs |", "Seeds 5–6 (2; mean ± sd over the seeds)", "| seed | verdict | cost A / B |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	for _, m := range models {
		if !strings.Contains(out, "| "+m+" | ") {
			t.Errorf("markdown has no row for %s", m)
		}
	}
	if n := strings.Count(out, " ± "); n < 3*len(models) {
		t.Errorf("%d mean ± sd cells, want ≥ %d", n, 3*len(models))
	}

	raw, err := json.Marshal(tab)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Rows []struct {
			Model string `json:"model"`
			Runs  []any  `json:"runs"`
		} `json:"rows"`
		Selection []any `json:"selection"`
	}
	if err := json.Unmarshal(raw, &back); err != nil || len(back.Rows) != len(models) || len(back.Rows[0].Runs) != 2 || len(back.Selection) != 2 {
		t.Errorf("JSON round trip: %v, %s", err, raw)
	}

	dir := t.TempDir()
	if err := tab.Plots(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"val_loss.png", "pidreg/pid_atoms.png", "pidreg/weights.png", "unimodal_A/losses.png", "late/pred_vs_true.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 960 || cfg.Height != 600 {
			t.Errorf("%s: %v, %d×%d", name, err, cfg.Width, cfg.Height)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "late", "losses.png")); !os.IsNotExist(err) {
		t.Errorf("late fusion has no single loss curve, yet: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	d := synth(60, 2)
	splits, _ := Splits(60, [3]float64{0.7, 0.1, 0.2}, 1, 1)
	ctx := context.Background()
	one := pidreg.Dataset{Modalities: d.Modalities[:1], Y: d.Y}
	if _, err := Run(ctx, one, splits, []string{PIDReg}, small(1), nil); !errors.Is(err, ErrInput) {
		t.Errorf("one modality: %v", err)
	}
	if _, err := Run(ctx, d, splits, []string{"unimodal:C"}, small(1), nil); !errors.Is(err, ErrModel) {
		t.Errorf("unknown modality: %v", err)
	}
	if _, err := Run(ctx, d, splits, nil, small(1), nil); !errors.Is(err, ErrModel) {
		t.Errorf("no models: %v", err)
	}
	if _, err := Run(ctx, d, splits, []string{Late, Late}, small(1), nil); !errors.Is(err, ErrModel) {
		t.Errorf("repeated model: %v", err)
	}
	bad := []runner.Split{{Train: []int{0, 1, 2}, Test: []int{60}}}
	if _, err := Run(ctx, d, bad, []string{Late}, small(1), nil); !errors.Is(err, ErrInput) {
		t.Errorf("row out of range: %v", err)
	}
	if _, err := Run(ctx, d, []runner.Split{{Train: []int{0, 1}}}, []string{Late}, small(1), nil); !errors.Is(err, ErrInput) {
		t.Errorf("no test rows: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cancelled, d, splits, []string{PIDReg}, small(1), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// The root's own checks surface with the model and seed named.
	cfg := small(1)
	cfg.Latent = 64
	if _, err := Run(ctx, d, splits, []string{Concat, PIDReg}, cfg, nil); !errors.Is(err, pidreg.ErrInput) || !strings.Contains(err.Error(), "pidreg, seed 1") {
		t.Errorf("latent too large for the batch: %v", err)
	}
}

// TestRunThreeModalities benchmarks three modalities: concat and late use
// all three, the selection check trains the model on the other two, and the
// robustness table scores pidreg and modality-dropout with each modality
// missing.
func TestRunThreeModalities(t *testing.T) {
	d := synth(200, 2)
	rng := rand.New(rand.NewPCG(8, 8))
	c := mat.NewDense(200, 2, nil)
	for i := range 200 {
		c.Set(i, 0, d.Modalities[0].X.At(i, 0)+0.3*rng.NormFloat64()) // a second view of A's main column
		c.Set(i, 1, rng.NormFloat64())
	}
	d.Modalities = append(d.Modalities, pidreg.Modality{Name: "C", X: c})
	splits, err := Splits(d.Rows(), [3]float64{0.7, 0.1, 0.2}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := small(2)
	cfg.Batch = 64 // the batch PID of 3·4 latents needs 15 rows
	models := []string{PIDReg, ModalityDrop, Concat, Late}
	tab, err := Run(context.Background(), d, splits, models, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Selection) != 1 || len(tab.Selection[0].Cost) != 3 || strings.Count(tab.Selection[0].Keep, "+") != 1 {
		t.Errorf("selection %+v", tab.Selection)
	}
	if len(tab.Robustness) != 2 || len(tab.Robustness[1].RMSE) != 4 || tab.Robustness[1].Missing[3] != "C" {
		t.Fatalf("robustness %+v", tab.Robustness)
	}
	for _, r := range tab.Robustness {
		for k, s := range r.RMSE {
			if !(s.Mean > 0) {
				t.Errorf("%s without %s: RMSE %v", r.Model, r.Missing[k], s.Mean)
			}
		}
	}
	var md bytes.Buffer
	if err := tab.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| without A | without B | without C |", "| modality-dropout |", "cost A / B / C"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if _, err := Run(context.Background(), only(d, 0), splits, models, cfg, nil); !errors.Is(err, ErrInput) {
		t.Errorf("one modality: err = %v", err)
	}
}
