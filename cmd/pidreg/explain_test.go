package main

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pidreg/pidreg"
)

// synthData reads the file synthCSV writes as a data set: modality A
// (a1…a3), B (b1, b2), target y.
func synthData(t *testing.T, path string) pidreg.Dataset {
	t.Helper()
	header, rows := readCSV(t, path)
	return pidreg.Dataset{Modalities: []pidreg.Modality{
		{Name: "A", X: columns(t, header, rows, "a1", "a2", "a3")},
		{Name: "B", X: columns(t, header, rows, "b1", "b2")},
	}, Y: columns(t, header, rows, "y")}
}

// trainModel trains a small model with `pidreg train` on 300 rows and
// returns the data file and the model file.
func trainModel(t *testing.T, dir string, extra ...string) (data, model string) {
	t.Helper()
	data = synthCSV(t, dir, "d.csv", 300, 4)
	model = filepath.Join(dir, "m.pidreg")
	args := append([]string{"train", "-data", data, "-modality", "A=a1-a3", "-modality", "B=b1,b2", "-target", "y",
		"-out", model, "-bootstrap", "40"}, tiny...)
	mustRun(t, append(args, extra...)...)
	return data, model
}

// TestExplainTrained explains a model written by `pidreg train`: the text
// is the header followed by exactly the library's Explanation.Text, stored
// or recomputed on a data file; -json carries the same explanation; -plots
// draws its figures.
func TestExplainTrained(t *testing.T) {
	dir := t.TempDir()
	data, model := trainModel(t, dir)
	m, err := pidreg.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	stored := m.Explain()
	if stored.HeldOutRows != 30 || stored.Resamples != 0 {
		// 30 validation rows are too few to bootstrap 9 dimensions: the
		// stored explanation has no intervals, the recomputed one has.
		t.Fatalf("stored explanation on %d rows with %d resamples, want 30 and 0", stored.HeldOutRows, stored.Resamples)
	}

	out := mustRun(t, "explain", "-model", model)
	head := "model " + model + ": 2 modalities\n  A: 3 columns (a1, a2, a3)\n  B: 2 columns (b1, b2)\n  target: y\n" +
		"trained 2 epochs of at most 2, latent 4 per modality\nexplained on 30 validation rows when the model was trained\n"
	if out != head+stored.Text() {
		t.Errorf("explain printed\n%s\nwant\n%s", out, head+stored.Text())
	}

	d := synthData(t, data)
	for _, c := range []struct {
		flags     []string
		resamples int
	}{{nil, 40}, {[]string{"-bootstrap", "25"}, 25}, {[]string{"-bootstrap", "-1"}, -1}} {
		want, err := m.ExplainOn(d, c.resamples)
		if err != nil {
			t.Fatal(err)
		}
		if got := max(c.resamples, 0); want.Resamples != got {
			t.Fatalf("ExplainOn(%d): %d resamples", c.resamples, want.Resamples)
		}
		out := mustRun(t, append([]string{"explain", "-model", model, "-data", data}, c.flags...)...)
		head := "explained on the rows of " + data + ": 300 read, the 300 with every modality decomposed\n"
		if !strings.HasSuffix(out, head+want.Text()) {
			t.Errorf("explain -data %q printed\n%s\nwant it to end with\n%s", c.flags, out, head+want.Text())
		}
	}

	t.Run("json", func(t *testing.T) {
		var got struct {
			Source struct {
				Model      string `json:"model"`
				Data       []string
				RowsRead   int    `json:"rows_read"`
				On         string `json:"explained_on"`
				Modalities []struct {
					Name    string   `json:"name"`
					Columns int      `json:"columns"`
					Names   []string `json:"column_names"`
				} `json:"modalities"`
			} `json:"source"`
			pidreg.Explanation
		}
		var keys map[string]json.RawMessage
		out := mustRun(t, "explain", "-model", model, "-json")
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), &keys); err != nil {
			t.Fatal(err)
		}
		if _, ok := keys["history"]; ok {
			t.Error("-json without -history printed the history")
		}
		for _, k := range []string{"names", "held_out", "held_out_rows", "quantities", "share", "cost", "normality", "frozen_at", "weights", "lambdas"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("-json lacks %q", k)
			}
		}
		s := got.Source
		if s.Model != model || s.On != "validation" || len(s.Modalities) != 2 || s.Modalities[0].Columns != 3 || strings.Join(s.Modalities[1].Names, ",") != "b1,b2" {
			t.Errorf("source %+v", s)
		}
		if got.HeldOutRows != stored.HeldOutRows || len(got.Quantities) != len(stored.Quantities) || got.Quantities[0] != stored.Quantities[0] {
			t.Errorf("-json explanation %+v, want %+v", got.Explanation, stored)
		}

		out = mustRun(t, "explain", "-model", model, "-json", "-history", "-data", data, "-bootstrap", "25")
		got.Explanation = pidreg.Explanation{}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		want, err := m.ExplainOn(d, 25)
		if err != nil {
			t.Fatal(err)
		}
		if got.Source.On != "data" || got.Source.RowsRead != 300 || len(got.Source.Data) != 1 {
			t.Errorf("source %+v", got.Source)
		}
		if len(got.History) != len(stored.History) || got.Resamples != 25 || got.Text() != want.Text() {
			t.Errorf("-json -history -data: %d epochs, %d resamples, text\n%s\nwant %d epochs, 25, text\n%s",
				len(got.History), got.Resamples, got.Text(), len(stored.History), want.Text())
		}
	})

	t.Run("plots", func(t *testing.T) {
		plots := filepath.Join(dir, "plots")
		mustRun(t, "explain", "-model", model, "-data", data, "-plots", plots)
		onlyFiles(t, plots, "pid_heldout.png", "pid_atoms.png", "weights.png", "losses.png")
		for _, name := range []string{"pid_heldout.png", "pid_atoms.png"} {
			f, err := os.Open(filepath.Join(plots, name))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(f)
			f.Close()
			if err != nil || cfg.Width < 100 {
				t.Errorf("%s: %v, %d wide", name, err, cfg.Width)
			}
		}
	})
}

// TestExplainLibraryModel explains models saved by Model.SaveFile: one
// with column names (explained stored and on a data file), one without
// (explained as stored; -data is refused, naming what is missing).
func TestExplainLibraryModel(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 300, 5)
	d := synthData(t, data)
	cfg := pidreg.Config{Epochs: 3, Latent: 4, Batch: 32, Seed: 2, Bootstrap: 30}
	train, err := d.Subset(seq(0, 200))
	if err != nil {
		t.Fatal(err)
	}
	val, err := d.Subset(seq(200, 300))
	if err != nil {
		t.Fatal(err)
	}
	for _, named := range []bool{true, false} {
		m, err := pidreg.New(cfg, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		if named {
			if err := m.SetColumns([][]string{{"a1", "a2", "a3"}, {"b1", "b2"}}, []string{"y"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := m.Fit(context.Background(), train, val); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "lib.pidreg")
		if err := m.SaveFile(path); err != nil {
			t.Fatal(err)
		}
		e := m.Explain()
		if e.HeldOutRows != 100 || e.Resamples != 30 {
			t.Fatalf("library model explained on %d rows with %d resamples", e.HeldOutRows, e.Resamples)
		}
		out := mustRun(t, "explain", "-model", path)
		cols := map[bool]string{true: "  A: 3 columns (a1, a2, a3)\n", false: "  A: 3 columns\n"}[named]
		if !strings.Contains(out, cols) || !strings.HasSuffix(out, "explained on 100 validation rows when the model was trained\n"+e.Text()) {
			t.Errorf("named %v: explain printed\n%s", named, out)
		}
		if !named {
			wantFailure(t, "does not record the names of its input columns", "explain", "-model", path, "-data", data)
			continue
		}
		want, err := m.ExplainOn(d, 0)
		if err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, "explain", "-model", path, "-data", data); !strings.HasSuffix(out, want.Text()) {
			t.Errorf("explain -data printed\n%s\nwant it to end with\n%s", out, want.Text())
		}
	}
}

func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// TestExplainBadInput checks that every bad input is one line and exit 2,
// and that outputs are checked before the model is read.
func TestExplainBadInput(t *testing.T) {
	dir := t.TempDir()
	data, model := trainModel(t, dir)
	full, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(full), "\n")
	few := writeText(t, dir, "few.csv", strings.Join(lines[:21], ""))    // 20 rows
	tooFew := writeText(t, dir, "ten.csv", strings.Join(lines[:11], "")) // 10 rows
	var noTarget, renamed strings.Builder
	for _, l := range lines {
		if f := strings.Split(strings.TrimSuffix(l, "\n"), ","); len(f) == 8 {
			noTarget.WriteString(strings.Join(append(f[:6:6], f[7]), ",") + "\n")
		}
	}
	renamed.WriteString(strings.Replace(string(full), "id,a1,", "id,x1,", 1))
	noY := writeText(t, dir, "noy.csv", noTarget.String())
	wrong := writeText(t, dir, "wrong.csv", renamed.String())
	v1 := filepath.Join("..", "..", "testdata", "golden", "model_v1.pidreg")

	for _, c := range []struct {
		msg  string
		args []string
	}{
		{"need -model FILE", nil},
		{"-bootstrap 0: give a number of resamples (1 or more), or -1 for no intervals", []string{"-model", model, "-data", data, "-bootstrap", "0"}},
		{"-bootstrap -3: give a number", []string{"-model", model, "-data", data, "-bootstrap", "-3"}},
		{`invalid value "many" for flag -bootstrap`, []string{"-model", model, "-data", data, "-bootstrap", "many"}},
		{"-bootstrap needs -data FILE", []string{"-model", model, "-bootstrap", "10"}},
		{"-missing needs -data FILE", []string{"-model", model, "-missing", "error"}},
		{"-history needs -json", []string{"-model", model, "-history"}},
		{"20 rows with every modality are too few to bootstrap the decomposition of 9 dimensions: need at least 33 (give more rows, or -bootstrap -1 for no intervals)",
			[]string{"-model", model, "-data", few}},
		{"10 rows with every modality (of 10 read) are too few for the decomposition of 9 dimensions (1 target, 2 latents of 4 each): need at least 11",
			[]string{"-model", model, "-data", tooFew, "-bootstrap", "-1"}},
		{`noy.csv has no column "y" (target of the model)`, []string{"-model", model, "-data", noY}},
		{`wrong.csv has no column "a1" (modality A of the model)`, []string{"-model", model, "-data", wrong}},
		{"model format version 1", []string{"-model", v1}},
		{"-plots: " + data + " is not a directory", []string{"-model", filepath.Join(dir, "absent.pidreg"), "-plots", data}},
		{"absent.pidreg: no such file", []string{"-model", filepath.Join(dir, "absent.pidreg")}},
		{`unexpected argument "extra"`, []string{"-model", model, "extra"}},
	} {
		wantFailure(t, c.msg, append([]string{"explain"}, c.args...)...)
	}
	onlyFiles(t, dir, "d.csv", "m.pidreg", "few.csv", "ten.csv", "noy.csv", "wrong.csv")

	// With enough rows and no intervals asked for, few.csv is explained.
	if out := mustRun(t, "explain", "-model", model, "-data", few, "-bootstrap", "-1"); !strings.Contains(out, "the given rows (20, bias-corrected)") {
		t.Errorf("explain -bootstrap -1 on 20 rows:\n%s", out)
	}

	// Three modalities: the intervals are for two.
	three := filepath.Join(dir, "three.pidreg")
	mustRun(t, append([]string{"train", "-data", data, "-modality", "A=a1-a3", "-modality", "B=b1,b2", "-modality", "C=y2",
		"-target", "y", "-out", three}, tiny...)...)
	wantFailure(t, "-bootstrap 10: the intervals are computed for models of two modalities; "+three+" has 3",
		"explain", "-model", three, "-data", data, "-bootstrap", "10")
	if out := mustRun(t, "explain", "-model", three, "-data", data); !strings.Contains(out, "  C: 1 column (y2)\n") {
		t.Errorf("explain of three modalities:\n%s", out)
	}
}
