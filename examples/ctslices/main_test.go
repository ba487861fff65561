package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidreg/pidreg/internal/datasets"
	"github.com/pidreg/pidreg/internal/runner"
)

// repoRoot walks up from the working directory to the directory of go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

func smallFile(t *testing.T) string {
	return filepath.Join(repoRoot(t), "testdata", "ctslices_small.csv")
}

// partialFile returns the bundled 682-row sample, or skips the test when the
// shared data directory is absent.
func partialFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "..", "shared", "data", "ct_slices", "slice_localization_partial682.csv.gz")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("bundled CT sample not available: %v", err)
	}
	return p
}

// checkSplit asserts that s is a partition of 0…n−1 into three non-empty
// parts and, when byPatient, that every patient's rows lie in one part.
func checkSplit(t *testing.T, patients []int, s runner.Split, byPatient bool) {
	t.Helper()
	n := len(patients)
	part := make([]int, n)
	for i := range part {
		part[i] = -1
	}
	for k, rows := range [][]int{s.Train, s.Val, s.Test} {
		if len(rows) == 0 {
			t.Fatalf("part %d is empty", k)
		}
		for _, r := range rows {
			if r < 0 || r >= n {
				t.Fatalf("part %d holds row %d of %d", k, r, n)
			}
			if part[r] != -1 {
				t.Fatalf("row %d is in parts %d and %d", r, part[r], k)
			}
			part[r] = k
		}
	}
	for r, k := range part {
		if k == -1 {
			t.Fatalf("row %d is in no part", r)
		}
	}
	if !byPatient {
		return
	}
	where := map[int]int{}
	for r, p := range patients {
		if k, ok := where[p]; ok && k != part[r] {
			t.Fatalf("patient %d has rows in parts %d and %d", p, k, part[r])
		}
		where[p] = part[r]
	}
}

func TestSplitByPatientNeverMixesPatients(t *testing.T) {
	ct, err := datasets.LoadCTSlices(smallFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(distinct(ct.PatientID)); got != 4 {
		t.Fatalf("%s: %d patients, the test expects 4", smallFile(t), got)
	}
	for seed := range uint64(20) {
		s, err := split(ct.PatientID, "patient", seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkSplit(t, ct.PatientID, s, true)
	}
	// Random layouts: 3–40 patients with 1–60 slices each, rows of one
	// patient contiguous (as in the UCI file) or interleaved.
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 200 {
		g := 3 + rng.IntN(38)
		var patients []int
		for p := range g {
			for range 1 + rng.IntN(60) {
				patients = append(patients, 1000+7*p)
			}
		}
		if trial%2 == 1 {
			rng.Shuffle(len(patients), func(i, j int) { patients[i], patients[j] = patients[j], patients[i] })
		}
		s, err := split(patients, "patient", uint64(trial))
		if err != nil {
			t.Fatalf("trial %d (%d patients, %d rows): %v", trial, g, len(patients), err)
		}
		checkSplit(t, patients, s, true)
	}
}

func TestSplitByPatientIsSeeded(t *testing.T) {
	patients := make([]int, 0, 200)
	for p := range 20 {
		for range 10 {
			patients = append(patients, p)
		}
	}
	a, err := split(patients, "patient", 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := split(patients, "patient", 3)
	if !slices.Equal(a.Train, b.Train) || !slices.Equal(a.Val, b.Val) || !slices.Equal(a.Test, b.Test) {
		t.Fatal("the same seed gave two different splits")
	}
	differs := false
	for seed := uint64(4); seed < 10 && !differs; seed++ {
		c, _ := split(patients, "patient", seed)
		differs = !slices.Equal(a.Test, c.Test)
	}
	if !differs {
		t.Fatal("six other seeds all gave the test part of seed 3")
	}
	// 20 equal patients, 70/10/20: the greedy assignment hits the targets exactly.
	if len(a.Train) != 140 || len(a.Val) != 20 || len(a.Test) != 40 {
		t.Fatalf("parts of %d/%d/%d rows, want 140/20/40", len(a.Train), len(a.Val), len(a.Test))
	}
}

func TestSplitByRow(t *testing.T) {
	patients := make([]int, 100) // one patient: a row split must still work
	s, err := split(patients, "row", 1)
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, patients, s, false)
	if len(s.Train) != 70 || len(s.Val) != 10 || len(s.Test) != 20 {
		t.Fatalf("parts of %d/%d/%d rows, want 70/10/20", len(s.Train), len(s.Val), len(s.Test))
	}
}

// TestSplitTwoPatients: one patient is the test part (the smaller one), the
// other's rows hold training and validation.
func TestSplitTwoPatients(t *testing.T) {
	unequal := []int{5, 5, 5, 9, 9, 9, 9, 9, 9, 9, 9, 9}
	if s, err := split(unequal, "patient", 3); err != nil || len(s.Test) != 3 || unequal[s.Test[0]] != 5 {
		t.Fatalf("unequal patients: test part %v (%v), want the 3 rows of patient 5", s.Test, err)
	}
	patients := make([]int, 90)
	for i := range patients {
		patients[i] = 3 + 4*(i%2)
	}
	for seed := uint64(1); seed <= 10; seed++ {
		s, err := split(patients, "patient", seed)
		if err != nil {
			t.Fatal(err)
		}
		tp := patients[s.Test[0]]
		for _, i := range s.Test {
			if patients[i] != tp {
				t.Fatalf("seed %d: test part mixes patients", seed)
			}
		}
		for _, part := range [][]int{s.Train, s.Val} {
			for _, i := range part {
				if patients[i] == tp {
					t.Fatalf("seed %d: the test patient's row %d is in training or validation", seed, i)
				}
			}
		}
		if len(s.Train)+len(s.Val)+len(s.Test) != 90 || len(s.Val) == 0 || len(s.Test) != 45 {
			t.Fatalf("seed %d: parts %d/%d/%d", seed, len(s.Train), len(s.Val), len(s.Test))
		}
	}
}

func TestSplitTooFewPatients(t *testing.T) {
	for _, g := range []int{1} {
		patients := make([]int, 50)
		for i := range patients {
			patients[i] = i % g
		}
		_, err := split(patients, "patient", 1)
		if !errors.Is(err, errTooFewPatients) {
			t.Fatalf("%d patients: error %v, want errTooFewPatients", g, err)
		}
		if !strings.Contains(err.Error(), "-split-by row") || !strings.Contains(err.Error(), "holds "+string(rune('0'+g))+" patient") {
			t.Fatalf("%d patients: the message %q should give the count and suggest -split-by row", g, err)
		}
	}
	if _, err := split(make([]int, 10), "slice", 1); err == nil {
		t.Fatal("an unknown split mode was accepted")
	}
}

func TestConfigRule(t *testing.T) {
	for _, c := range []struct {
		nTrain, batch, latent int // flags (0: automatic)
		wantBatch, wantLatent int
	}{
		{37450, 0, 0, 256, 64}, // full UCI file: the method's defaults
		{1024, 0, 0, 256, 64},  // exactly four full batches
		{477, 0, 0, 119, 29},   // the 682-row sample, split by row
		{16, 0, 0, 8, 2},       // the 32-row test file, split by patient
		{8, 0, 0, 8, 2},
		{477, 64, 0, 64, 16}, // -batch given: the latent follows it
		{477, 0, 8, 119, 8},  // -latent given
		{477, 100, 20, 100, 20},
	} {
		cfg, err := config(options{batch: c.batch, latent: c.latent, epochs: 5}, c.nTrain, 9)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if cfg.Batch != c.wantBatch || cfg.Latent != c.wantLatent || cfg.Seed != 9 || cfg.Epochs != 5 {
			t.Fatalf("%+v: batch %d, latent %d, seed %d, epochs %d", c, cfg.Batch, cfg.Latent, cfg.Seed, cfg.Epochs)
		}
		// The PID of a batch needs more rows than latent dimensions (2k+3).
		if c.batch == 0 && c.latent == 0 && cfg.Batch < 2*(2*cfg.Latent) {
			t.Fatalf("%+v: batch %d has fewer than twice the %d latent dimensions", c, cfg.Batch, 2*cfg.Latent)
		}
	}
	if _, err := config(options{}, 7, 1); err == nil {
		t.Fatal("7 training rows were accepted with the automatic batch")
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-split-by", "slice"},
		{"-epochs", "-1"},
		{"-batch", "-2"},
		{"-latent", "-3"},
		{"-seeds", "0"},
		{"extra"},
		{"-nosuchflag"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("%q was accepted", args)
		}
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"-data", filepath.Join(t.TempDir(), "missing.csv")}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("missing file: error %v should name it", err)
	}
}

// readReport decodes the JSON report of a run.
func readReport(t *testing.T, path string) runner.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r runner.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func TestRunSmallFileByPatient(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "ct.json")
	var out, errb bytes.Buffer
	args := []string{"-data", smallFile(t), "-epochs", "3", "-seed", "5", "-report", report, "-plots", filepath.Join(dir, "plots")}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s%s", err, out.String(), errb.String())
	}
	r := readReport(t, report)
	ct, err := datasets.LoadCTSlices(smallFile(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := split(ct.PatientID, "patient", 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.TrainRows != len(s.Train) || r.ValRows != len(s.Val) || r.TestRows != len(s.Test) {
		t.Fatalf("report rows %d/%d/%d, split %d/%d/%d", r.TrainRows, r.ValRows, r.TestRows, len(s.Train), len(s.Val), len(s.Test))
	}
	if !slices.Equal(r.Modalities, []string{"bone", "air"}) {
		t.Fatalf("modalities %v", r.Modalities)
	}
	if r.EpochsRun < 1 || r.EpochsRun > 3 || !finite(r.Metrics.RMSE) || !finite(r.Metrics.MAE) || r.Metrics.RMSE < r.Metrics.MAE {
		t.Fatalf("epochs %d, metrics %+v", r.EpochsRun, r.Metrics)
	}
	for _, want := range []string{"epoch   1/3", "train 16 rows (2 patients), validation 8 (1), test 8 (1); batch 8, latent 2", "==> test RMSE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, png := range []string{"losses.png", "pid_atoms.png", "weights.png", "pred_vs_true.png"} {
		if fi, err := os.Stat(filepath.Join(dir, "plots", png)); err != nil || fi.Size() == 0 {
			t.Errorf("plot %s: %v", png, err)
		}
	}
}

func TestRunSeedsWritesOneReportPerSeed(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"-data", smallFile(t), "-epochs", "1", "-seeds", "2", "-q", "-report", filepath.Join(dir, "ct.json"), "-plots", dir}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, name := range []string{"ct.1.json", "ct.2.json"} {
		readReport(t, filepath.Join(dir, name))
	}
	for _, name := range []string{"seed1/losses.png", "seed2/losses.png"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("plots of one seed: %v", err)
		}
	}
	if strings.Contains(out.String(), "epoch   1/1") {
		t.Error("-q still printed epoch lines")
	}
	if !strings.Contains(out.String(), "mean over 2 seeds") {
		t.Errorf("no mean line:\n%s", out.String())
	}
}

func TestRunPartialFile(t *testing.T) {
	data := partialFile(t)
	var out, errb bytes.Buffer
	dir := t.TempDir()
	// The default patient split holds one of the two patients out for test.
	byPatient := filepath.Join(dir, "patient.json")
	if err := run(context.Background(), []string{"-data", data, "-epochs", "2", "-q", "-report", byPatient}, &out, &errb); err != nil {
		t.Fatalf("split by patient of the 2-patient sample: %v\n%s", err, errb.String())
	}
	if rp := readReport(t, byPatient); rp.TestRows == 0 || rp.TestRows > rp.TrainRows || rp.TrainRows+rp.ValRows+rp.TestRows != 682 {
		t.Fatalf("patient split rows %d/%d/%d", rp.TrainRows, rp.ValRows, rp.TestRows)
	}
	report := filepath.Join(dir, "ct.json")
	out.Reset()
	if err := run(context.Background(), []string{"-data", data, "-split-by", "row", "-epochs", "2", "-q", "-report", report}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	r := readReport(t, report)
	if r.TrainRows != 477 || r.ValRows != 68 || r.TestRows != 137 {
		t.Fatalf("rows %d/%d/%d, want 477/68/137 (70/10/20 of 682)", r.TrainRows, r.ValRows, r.TestRows)
	}
	// Two epochs already beat predicting the mean (R² > 0), and the
	// report carries a two-modality PID whose atoms sum to I(ỹ; Z₁,Z₂).
	if !finite(r.Metrics.RMSE) || !(r.Metrics.R2 > 0) || len(r.PID.Unique) != 2 {
		t.Fatalf("metrics %+v, PID %+v", r.Metrics, r.PID)
	}
	p := r.PID
	if sum := p.Unique[0] + p.Unique[1] + p.Redundancy + p.Synergy; math.Abs(sum-p.MI) > 1e-6*math.Max(1, p.MI) {
		t.Fatalf("PID atoms sum to %v, I(ỹ;Z₁,Z₂) = %v", sum, p.MI)
	}
	if !strings.Contains(out.String(), "batch 119, latent 29") {
		t.Errorf("output lacks the automatic sizes:\n%s", out.String())
	}
}

func TestRunBench(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "bench.json")
	var out, errb bytes.Buffer
	args := []string{"-data", smallFile(t), "-epochs", "1", "-seeds", "2", "-models", "pidreg,concat,unimodal:air", "-report", report}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"| pidreg |", "| concat |", "| unimodal:air |", "Modality selection", "seed 2/2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var tab struct {
		Seeds int `json:"seeds"`
		Rows  []struct {
			Model string `json:"model"`
			Runs  []any  `json:"runs"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b, &tab); err != nil {
		t.Fatal(err)
	}
	if tab.Seeds != 2 || len(tab.Rows) != 3 || tab.Rows[1].Model != "concat" || len(tab.Rows[1].Runs) != 2 {
		t.Fatalf("bench report %+v", tab)
	}
	if err := run(context.Background(), []string{"-data", smallFile(t), "-models", "pidreg,unimodal:bones"}, &out, &errb); err == nil {
		t.Fatal("an unknown model was accepted")
	}
}
