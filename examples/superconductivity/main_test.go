package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dataDir finds ../shared/data/superconductivity beside the repository, or
// skips the test.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the working directory")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", "superconductivity")
	if _, err := os.Stat(filepath.Join(d, "train.csv.gz")); err != nil {
		t.Skip("Superconductivity data not found at", d)
	}
	return d
}

// TestRunSample trains two epochs on a 600-row sample of the real data and
// checks the report: the two modalities, the split sizes, a finite RMSE.
func TestRunSample(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 21 263 rows")
	}
	data := dataDir(t)
	report := filepath.Join(t.TempDir(), "sc.json")
	var out strings.Builder
	if err := run([]string{"-data", data, "-sample", "600", "-epochs", "2", "-q", "-report", report}, &out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Modalities []string `json:"modalities"`
		TrainRows  int      `json:"train_rows"`
		TestRows   int      `json:"test_rows"`
		Metrics    struct {
			RMSE float64 `json:"rmse"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Modalities) != 2 || r.Modalities[0] != "physics" || r.TrainRows != 420 || r.TestRows != 120 || !(r.Metrics.RMSE > 0) {
		t.Fatalf("report %+v", r)
	}
	if !strings.Contains(out.String(), "RMSE") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestBadFlags(t *testing.T) {
	var out strings.Builder
	for _, args := range [][]string{{"-dropout", "x"}, {"-data", t.TempDir()}, {"-nope"}} {
		if err := run(args, &out); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
