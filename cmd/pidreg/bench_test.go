package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBench runs two models on two seeds and checks the Markdown table, the
// modality-selection check, the JSON report and the plots.
func TestBench(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 160, 8)
	report := filepath.Join(dir, "bench.json")
	plotDir := filepath.Join(dir, "plots")
	out := mustRun(t, "bench", "-data", data, "-modality", "A=a1,a2,a3", "-modality", "B=b1,b2", "-target", "y",
		"-models", "pidreg,unimodal:A", "-seeds", "2", "-epochs", "2", "-latent", "4", "-batch", "32",
		"-sample", "150", "-report", report, "-plots", plotDir)
	main, robust, ok := strings.Cut(out, "Robustness to a missing modality")
	if !ok || !strings.Contains(robust, "| pidreg |") || !strings.Contains(robust, "| without A | without B |") {
		t.Errorf("no robustness table for pidreg:\n%s", out)
	}
	lines := strings.Split(main, "\n")
	var rows, checks int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "| pidreg | "), strings.HasPrefix(l, "| unimodal:A | "):
			rows++
			if cells := strings.Split(strings.Trim(l, "| "), " | "); len(cells) != 6 || !strings.Contains(cells[1], " ± ") {
				t.Errorf("row %q", l)
			}
		case strings.HasPrefix(l, "| 1 | "), strings.HasPrefix(l, "| 2 | "):
			checks++
		}
	}
	if rows != 2 || checks != 2 {
		t.Errorf("%d model rows and %d selection rows, want 2 and 2:\n%s", rows, checks, out)
	}
	if !strings.Contains(out, "seed 2/2  unimodal:A") || !strings.Contains(out, "train/val/test rows 105/15/30") {
		t.Errorf("progress or split sizes missing:\n%s", out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Seeds int `json:"seeds"`
		Rows  []struct {
			Model string `json:"model"`
			RMSE  struct {
				Mean float64 `json:"mean"`
				N    int     `json:"n"`
			} `json:"rmse"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil || rep.Seeds != 2 || len(rep.Rows) != 2 || rep.Rows[1].Model != "unimodal:A" || rep.Rows[0].RMSE.N != 2 {
		t.Errorf("report %s: %v", raw, err)
	}
	for _, f := range []string{"val_loss.png", "pidreg/pid_atoms.png", "unimodal_A/pred_vs_true.png"} {
		if _, err := os.Stat(filepath.Join(plotDir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestBenchBadInput(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 40, 9)
	base := []string{"bench", "-data", data, "-target", "y", "-epochs", "1", "-latent", "4", "-batch", "16", "-q"}
	two := []string{"-modality", "A=a1,a2,a3", "-modality", "B=b1,b2"}
	wantFailure(t, "exactly twice (got 1)", append(base, "-modality", "A=a1")...)
	wantFailure(t, `unknown model "gbm"`, append(append(base, two...), "-models", "pidreg,gbm")...)
	wantFailure(t, `no modality named "C"`, append(append(base, two...), "-models", "unimodal:C")...)
	wantFailure(t, "-seeds 0", append(append(base, two...), "-seeds", "0")...)
	wantFailure(t, "-sample -3", append(append(base, two...), "-sample", "-3")...)
	wantFailure(t, "training and test fractions must be positive", append(append(base, two...), "-split", "1,1,0")...)
	wantFailure(t, "needs batches of at least", append(append(base, two...), "-models", "pidreg", "-latent", "32")...)
	wantFailure(t, "no row", append(append(base, two...), "-sample", "2")...)
}
