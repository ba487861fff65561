package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
)

func tiny(n int) pidreg.Dataset {
	rng := rand.New(rand.NewPCG(3, 4))
	a, b, y := mat.NewDense(n, 3, nil), mat.NewDense(n, 2, nil), mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < 3; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
		for j := 0; j < 2; j++ {
			b.Set(i, j, rng.NormFloat64())
		}
		y.Set(i, 0, a.At(i, 0)+a.At(i, 1)*b.At(i, 0))
	}
	return pidreg.Dataset{Modalities: []pidreg.Modality{{Name: "a", X: a}, {Name: "b", X: b}}, Y: y}
}

func span(lo, hi int) []int {
	var r []int
	for i := lo; i < hi; i++ {
		r = append(r, i)
	}
	return r
}

// TestRunOutputs checks the report's keys (the schema of issue 3), the
// model file and the plots of one small run.
func TestRunOutputs(t *testing.T) {
	dir := t.TempDir()
	d := tiny(400)
	cfg := pidreg.Config{Latent: 4, Hidden: []int{16, 8}, HeadHidden: []int{16, 8}, Batch: 64, Epochs: 3, Seed: 1}
	var progress strings.Builder
	o := Options{Out: filepath.Join(dir, "m.pidreg"), Report: filepath.Join(dir, "r.json"), Plots: filepath.Join(dir, "plots"),
		Progress: &progress, Columns: [][]string{{"a0", "a1", "a2"}, {"b0", "b1"}}, Targets: []string{"y"}}
	_, rep, err := Run(context.Background(), d, Split{span(0, 280), span(280, 320), span(320, 400)}, cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(progress.String(), "\n"); got != 3 {
		t.Errorf("%d progress lines for 3 epochs", got)
	}
	raw, err := os.ReadFile(o.Report)
	if err != nil {
		t.Fatal(err)
	}
	var js map[string]any
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"metrics", "pid", "weights", "lambdas", "epochs_run", "frozen_at_epoch",
		"seconds_per_epoch", "epoch_seconds", "train_rows", "val_rows", "test_rows"} {
		if _, ok := js[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	met := js["metrics"].(map[string]any)
	for _, k := range []string{"mse", "rmse", "mae", "r2"} {
		if _, ok := met[k]; !ok {
			t.Errorf("metrics lack %q", k)
		}
	}
	p := js["pid"].(map[string]any)
	for _, k := range []string{"unique", "redundancy", "synergy", "mi"} {
		if _, ok := p[k]; !ok {
			t.Errorf("pid lacks %q", k)
		}
	}
	if n := len(p["unique"].([]any)); n != 2 {
		t.Errorf("%d unique atoms", n)
	}
	if js["train_rows"].(float64) != 280 || js["test_rows"].(float64) != 80 || rep.EpochsRun != 3 {
		t.Errorf("rows/epochs: %v %v %d", js["train_rows"], js["test_rows"], rep.EpochsRun)
	}
	m, err := pidreg.LoadFile(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	hist, ok := js["history"].([]any)
	if !ok || len(hist) != 3 {
		t.Fatalf("history: %v", js["history"])
	}
	for i, h := range hist {
		e := h.(map[string]any)
		if e["epoch"] != float64(i+1) || e["val_mse"] == nil || e["pid"] == nil || e["weights"] == nil {
			t.Errorf("history[%d] = %v", i, e)
		}
		if v := e["val_mse"].(float64); v != rep.History[i].ValMSE {
			t.Errorf("history[%d].val_mse = %v, want %v", i, v, rep.History[i].ValMSE)
		}
	}
	tail, err := d.Subset(span(320, 400))
	if err != nil {
		t.Fatal(err)
	}
	far, err := m.OutOfRange(tail)
	if err != nil || js["test_rows_out_of_range"] != float64(far) {
		t.Errorf("test_rows_out_of_range = %v, the model counts %d (err %v)", js["test_rows_out_of_range"], far, err)
	}
	if line := "test rows have inputs beyond the training range"; (far > 0) != strings.Contains(Summary(rep), line) {
		t.Errorf("%d test rows out of range; summary:\n%s", far, Summary(rep))
	}
	if c := m.Columns(); len(c) != 2 || c[1][1] != "b1" {
		t.Errorf("saved columns %v", c)
	}
	for _, f := range []string{"losses.png", "pid_atoms.png", "weights.png", "pred_vs_true.png"} {
		fh, err := os.Open(filepath.Join(o.Plots, f))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
			t.Errorf("%s is %v", f, b)
		}
	}
	s := Summary(rep)
	for _, want := range []string{"RMSE", "{a} ", "fusion weights", "Mardia"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.json")
	if err := WriteJSON(p, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(filepath.Join(dir, "missing", "y"), 1); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("left %d files behind", len(ents))
	}
}

// TestRunChecksOutputsFirst gives outputs that cannot be written: Run must
// refuse them before training (it returns at once, and writes nothing).
func TestRunChecksOutputsFirst(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(data, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := pidreg.Config{Latent: 4, Batch: 64, Epochs: 200, Seed: 1}
	for _, tc := range []struct {
		o   Options
		msg string
	}{
		{Options{Out: data, Inputs: []string{data}}, "model: " + data + " is an input file"},
		{Options{Out: dir}, "is a directory"},
		{Options{Report: filepath.Join(dir, "no", "r.json")}, "no such file"},
		{Options{Plots: file}, "is not a directory"},
		{Options{Out: filepath.Join(dir, "m"), Report: filepath.Join(dir, "m")}, "model and report are the same path"},
	} {
		start := time.Now()
		_, _, err := Run(context.Background(), tiny(400), Split{span(0, 280), span(280, 320), span(320, 400)}, cfg, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%+v: err %v, want %q", tc.o, err, tc.msg)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("%+v: refused after %v", tc.o, el)
		}
	}
	if b, _ := os.ReadFile(data); string(b) != "x\n" {
		t.Errorf("the input was changed to %q", b)
	}
}

func TestSummaryWording(t *testing.T) {
	one := 1
	_ = one
	for _, tc := range []struct {
		r    Report
		want []string
	}{
		{Report{EpochsRun: 1, Modalities: []string{"a", "b"}, explanation: pidreg.Explanation{Names: []string{"a", "b"}, FrozenAt: -1}},
			[]string{"1 epoch (best 0)", "the fusion weights never froze"}},
		{Report{EpochsRun: 7, FrozenAtEpoch: &one, Modalities: []string{"a", "b"}, explanation: pidreg.Explanation{Names: []string{"a", "b"}, FrozenAt: 1}},
			[]string{"7 epochs", "the fusion weights froze after epoch 1"}},
	} {
		s := Summary(&tc.r)
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("summary %q lacks %q", s, w)
			}
		}
		if strings.Contains(s, "1 epochs") || strings.Contains(s, "froze never") {
			t.Errorf("summary %q", s)
		}
	}
	if got := Lambdas([]float64{0.012345678901, 1, 2.5e-7}); got != "0.01235, 1, 2.5e-07" {
		t.Errorf("Lambdas = %q", got)
	}
}

// TestRunNoValidation checks that a run without validation rows still
// writes its report: the history's validation loss is null, not NaN (which
// JSON cannot encode).
func TestRunNoValidation(t *testing.T) {
	dir := t.TempDir()
	cfg := pidreg.Config{Latent: 4, Hidden: []int{16, 8}, HeadHidden: []int{16, 8}, Batch: 64, Epochs: 2, Seed: 2}
	o := Options{Report: filepath.Join(dir, "r.json")}
	if _, _, err := Run(context.Background(), tiny(300), Split{Train: span(0, 240), Test: span(240, 300)}, cfg, o); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(o.Report)
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		History []map[string]any `json:"history"`
	}
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if len(js.History) != 2 {
		t.Fatalf("%d history entries, want 2", len(js.History))
	}
	for i, e := range js.History {
		if v, ok := e["val_mse"]; !ok || v != nil {
			t.Errorf("history[%d].val_mse = %v (present %v), want null", i, v, ok)
		}
	}
}

// TestSeeds runs two seeds and checks what Seeds prints and writes: the
// per-seed lines, report files and plot directories, the headline, and a
// closing line whose means are those of the returned reports.
func TestSeeds(t *testing.T) {
	dir := t.TempDir()
	d := tiny(300)
	splits := []Split{{span(0, 200), span(200, 240), span(240, 300)}, {span(100, 300), span(60, 100), span(0, 60)}}
	runs := SeedRuns{
		Splits: splits,
		Config: func(i int) (pidreg.Config, error) {
			return pidreg.Config{Latent: 4, Hidden: []int{16, 8}, HeadHidden: []int{16, 8}, Batch: 64, Epochs: 2, Seed: 7 + uint64(i), Bootstrap: -1}, nil
		},
		Options:  Options{Report: filepath.Join(dir, "r.json"), Plots: filepath.Join(dir, "plots")},
		Headline: func(r *Report) string { return "==> headline " + r.Modalities[0] + "\n" },
		Unit:     " K",
	}
	var out strings.Builder
	reps, err := Seeds(context.Background(), d, runs, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].TrainRows != 200 || reps[1].TestRows != 60 {
		t.Fatalf("%d reports", len(reps))
	}
	for _, f := range []string{"r.7.json", "r.8.json", "plots/seed7/losses.png", "plots/seed8/losses.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("output of one seed: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("several seeds wrote the plain report name")
	}
	text := out.String()
	if strings.Count(text, "==> headline a\n") != 2 || !strings.Contains(text, "seed 7\n") || strings.Index(text, "seed 8\n") < strings.Index(text, "seed 7\n") {
		t.Errorf("per-seed lines:\n%s", text)
	}
	mean := func(f func(*pidreg.Metrics) float64) float64 { return (f(reps[0].Metrics) + f(reps[1].Metrics)) / 2 }
	sd := func(f func(*pidreg.Metrics) float64) float64 {
		return math.Abs(f(reps[0].Metrics)-f(reps[1].Metrics)) / math.Sqrt2
	}
	rmse := func(m *pidreg.Metrics) float64 { return m.RMSE }
	mae := func(m *pidreg.Metrics) float64 { return m.MAE }
	r2 := func(m *pidreg.Metrics) float64 { return m.R2 }
	want := fmt.Sprintf("mean over 2 seeds: RMSE %.3f ± %.3f K, MAE %.3f ± %.3f K, R² %.4f ± %.4f, %.2f s/epoch\n",
		mean(rmse), sd(rmse), mean(mae), sd(mae), mean(r2), sd(r2), (reps[0].SecondsPerEpoch+reps[1].SecondsPerEpoch)/2)
	if !strings.HasSuffix(text, want) {
		t.Errorf("closing line: want %q in\n%s", want, text)
	}

	// One run: no seed line, the report and plots under their own names,
	// no closing line; Intro replaces the seed line; MAE first.
	runs.Splits, runs.Options.Report, runs.MAEFirst, runs.Unit = splits[:1], filepath.Join(dir, "one.json"), true, ""
	runs.Intro = func(i int, cfg pidreg.Config) string { return fmt.Sprintf("intro %d seed %d\n", i, cfg.Seed) }
	out.Reset()
	if _, err := Seeds(context.Background(), d, runs, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "intro 0 seed 7\n") || strings.Contains(out.String(), "mean over") {
		t.Errorf("one seed:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "one.json")); err != nil {
		t.Error(err)
	}
	if got := meanLine(reps, "", true); !strings.HasPrefix(got, "mean over 2 seeds: MAE ") {
		t.Errorf("MAE first: %q", got)
	}

	// A configuration error stops the runs.
	bad := errors.New("no config")
	runs.Config = func(int) (pidreg.Config, error) { return pidreg.Config{}, bad }
	if _, err := Seeds(context.Background(), d, runs, &out); !errors.Is(err, bad) {
		t.Errorf("config error: %v", err)
	}
	if _, err := Seeds(context.Background(), d, SeedRuns{Splits: splits}, &out); err == nil {
		t.Error("no configuration accepted")
	}
}
