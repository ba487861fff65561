package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pidreg/pidreg"
)

// TestTrainSameBytes runs `pidreg train` twice with one seed: the two model
// files must be identical (the format holds no wall-clock time).
func TestTrainSameBytes(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 300, 4)
	var files [2][]byte
	for i := range files {
		out := filepath.Join(dir, "m"+string(rune('a'+i))+".pidreg")
		args := append([]string{"train", "-data", data, "-modality", "A=a1-a3", "-modality", "B=b1,b2", "-target", "y",
			"-seed", "3", "-out", out}, tiny...)
		var stderr bytes.Buffer
		if code := run(args, nil, &bytes.Buffer{}, &stderr); code != 0 {
			t.Fatalf("train: exit %d: %s", code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two `pidreg train` runs with seed 3 wrote different model files")
	}
	if _, err := pidreg.Load(bytes.NewReader(files[0])); err != nil {
		t.Fatal(err)
	}
}

// TestPredictOldModel gives `pidreg predict` a model file of format 1: one
// line that names the version, exit 2.
func TestPredictOldModel(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 20, 4)
	var stdout, stderr bytes.Buffer
	code := run([]string{"predict", "-model", filepath.Join("..", "..", "testdata", "golden", "model_v1.pidreg"), "-data", data}, nil, &stdout, &stderr)
	msg := stderr.String()
	if code != 2 || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "pidreg: ") || !strings.Contains(msg, "version 1") {
		t.Errorf("predict with a version-1 model: exit %d, stderr %q; want 2 and one line naming version 1", code, msg)
	}
	if stdout.Len() != 0 {
		t.Errorf("predict with a version-1 model wrote %q", stdout.String())
	}
}
