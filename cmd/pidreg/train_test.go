package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
)

// tiny are the flags that keep a training run in the tests short: the PID
// of a batch of 32 rows needs 2·4 + 1 + 2 = 11 ≤ 32.
var tiny = []string{"-epochs", "2", "-latent", "4", "-batch", "32", "-q"}

// synthCSV writes n rows of a generated regression problem to dir/name and
// returns the path. Modality A (a1…a3) carries most of the signal, B
// (b1, b2) a little and a synergy with A; "id" is an unused column; y2 is a
// second target for the vector case.
//
//	y  = 2·a1 − a2 + a3·b1 + 0.5·b2 + 0.1·ε
//	y2 = a1 + b1 + 0.1·ε'
func synthCSV(t *testing.T, dir, name string, n int, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("id,a1,a2,a3,b1,b2,y,y2\n")
	for i := range n {
		a1, a2, a3 := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		b1, b2 := rng.NormFloat64(), rng.NormFloat64()
		y := 2*a1 - a2 + a3*b1 + 0.5*b2 + 0.1*rng.NormFloat64()
		y2 := a1 + b1 + 0.1*rng.NormFloat64()
		fmt.Fprintf(&b, "%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", i, a1, a2, a3, b1, b2, y, y2)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readCSV reads a CSV file with a header into the header and the values.
func readCSV(t *testing.T, path string) ([]string, [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float64
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for j, s := range r {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

// columns builds a matrix out of the named columns of a CSV file.
func columns(t *testing.T, header []string, rows [][]float64, names ...string) *mat.Dense {
	t.Helper()
	out := mat.NewDense(len(rows), len(names), nil)
	for k, name := range names {
		j := slices.Index(header, name)
		if j < 0 {
			t.Fatalf("no column %q", name)
		}
		for i, r := range rows {
			out.Set(i, k, r[j])
		}
	}
	return out
}

// mustRun runs the command and fails the test unless it succeeds.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := cli(t, args...)
	if code != 0 {
		t.Fatalf("%q: status %d, stderr %q", args, code, stderr)
	}
	if stderr != "" {
		t.Errorf("%q: stderr %q on success", args, stderr)
	}
	return stdout
}

// onlyFiles fails unless dir holds exactly the named files (no model, no
// temporary file left behind).
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// TestTrainPredictEval trains on a generated file and checks the report's
// schema (issue 3), the stored column names, that predict writes exactly
// Model.Predict of a file whose columns are in another order, and that eval
// prints and reports exactly Model.Evaluate.
func TestTrainPredictEval(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "train.csv", 200, 1)
	model := filepath.Join(dir, "m.pidreg")
	report := filepath.Join(dir, "report.json")
	plotDir := filepath.Join(dir, "plots")
	out := mustRun(t, append([]string{"train", "-data", data, "-modality", "A=a1,a2,a3", "-modality", "B=4-5",
		"-target", "y", "-out", model, "-report", report, "-plots", plotDir, "-seed", "3"}, tiny...)...)
	for _, want := range []string{"test (40 rows): RMSE", "{A} ", "model written to " + model} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "epoch   1/2") {
		t.Errorf("-q printed epoch lines:\n%s", out)
	}

	t.Run("report", func(t *testing.T) { checkReport(t, report, 2) })
	t.Run("plots", func(t *testing.T) {
		for _, name := range []string{"pid_atoms.png", "losses.png", "weights.png", "pred_vs_true.png"} {
			f, err := os.Open(filepath.Join(plotDir, name))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(f)
			f.Close()
			if err != nil || cfg.Width < 100 || cfg.Height < 100 {
				t.Errorf("%s: %v, %dx%d", name, err, cfg.Width, cfg.Height)
			}
		}
	})

	m, err := pidreg.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Columns(); !slices.Equal(got[0], []string{"a1", "a2", "a3"}) || !slices.Equal(got[1], []string{"b1", "b2"}) {
		t.Errorf("stored columns %q", got)
	}
	if got := m.TargetColumns(); !slices.Equal(got, []string{"y"}) {
		t.Errorf("stored target %q", got)
	}

	// A new file with the columns shuffled, the target and id absent.
	rng := rand.New(rand.NewPCG(9, 9))
	var b strings.Builder
	b.WriteString("b2,a3,extra,a1,b1,a2\n")
	for range 25 {
		fmt.Fprintf(&b, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(),
			rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64())
	}
	newData := filepath.Join(dir, "new.csv")
	if err := os.WriteFile(newData, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	preds := filepath.Join(dir, "preds.csv")
	predictOut := mustRun(t, "predict", "-model", model, "-data", newData, "-out", preds)
	header, rows := readCSV(t, newData)
	d := pidreg.Dataset{Modalities: []pidreg.Modality{
		{Name: "A", X: columns(t, header, rows, "a1", "a2", "a3")},
		{Name: "B", X: columns(t, header, rows, "b1", "b2")},
	}}
	want, err := m.Predict(d)
	if err != nil {
		t.Fatal(err)
	}
	// predict -out prints nothing but a note on rows beyond the training range.
	if far, err := m.OutOfRange(d); err != nil || (far == 0) != (predictOut == "") ||
		(far > 0 && !strings.HasPrefix(predictOut, fmt.Sprintf("note: %d of 25 rows", far))) {
		t.Errorf("predict -out printed %q; %d rows out of range (err %v)", predictOut, far, err)
	}
	ph, prow := readCSV(t, preds)
	if !slices.Equal(ph, []string{"prediction"}) || len(prow) != 25 {
		t.Fatalf("predictions: header %q, %d rows", ph, len(prow))
	}
	for i, r := range prow {
		if r[0] != want.At(i, 0) {
			t.Errorf("row %d: predict wrote %v, Model.Predict gives %v", i, r[0], want.At(i, 0))
		}
	}
	// Standard output gives the same bytes.
	stdout := mustRun(t, "predict", "-model", model, "-data", newData)
	if file, _ := os.ReadFile(preds); stdout != string(file) {
		t.Errorf("predict to stdout differs from -out")
	}

	// eval on the training file: metrics equal Model.Evaluate exactly.
	evalReport := filepath.Join(dir, "eval.json")
	out = mustRun(t, "eval", "-model", model, "-data", data, "-report", evalReport)
	header, rows = readCSV(t, data)
	whole := pidreg.Dataset{Modalities: []pidreg.Modality{
		{Name: "A", X: columns(t, header, rows, "a1", "a2", "a3")},
		{Name: "B", X: columns(t, header, rows, "b1", "b2")},
	}, Y: columns(t, header, rows, "y")}
	met, err := m.Evaluate(whole)
	if err != nil {
		t.Fatal(err)
	}
	// The file holds the validation and test rows too, some beyond the
	// training range.
	far, err := m.OutOfRange(whole)
	if err != nil || far == 0 {
		t.Errorf("OutOfRange of the whole file = %d, %v; want some rows", far, err)
	}
	if !strings.Contains(out, fmt.Sprintf("RMSE %.6g", met.RMSE)) || !strings.Contains(out, "(200 rows)") {
		t.Errorf("eval printed %q, want RMSE %.6g on 200 rows", out, met.RMSE)
	}
	var er struct {
		Metrics    map[string]float64 `json:"metrics"`
		Rows       int                `json:"rows"`
		OutOfRange *int               `json:"rows_out_of_range"`
	}
	raw, err := os.ReadFile(evalReport)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &er); err != nil {
		t.Fatal(err)
	}
	wantM := map[string]float64{"mse": met.MSE, "rmse": met.RMSE, "mae": met.MAE, "r2": met.R2}
	if er.Rows != 200 || len(er.Metrics) != 4 || er.OutOfRange == nil || *er.OutOfRange != far ||
		!strings.Contains(out, fmt.Sprintf("note: %d of 200 rows", far)) {
		t.Errorf("eval report %s, printed %q; want %d rows out of range", raw, out, far)
	}
	for k, v := range wantM {
		if er.Metrics[k] != v {
			t.Errorf("eval report %s = %v, Model.Evaluate %v", k, er.Metrics[k], v)
		}
	}
}

// checkReport decodes a train report and checks every key issue 3 requires.
func checkReport(t *testing.T, path string, modalities int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]json.RawMessage
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"metrics", "pid", "weights", "lambdas", "epochs_run", "frozen_at_epoch",
		"seconds_per_epoch", "epoch_seconds", "train_rows", "val_rows", "test_rows"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	var rep struct {
		Metrics map[string]*float64 `json:"metrics"`
		PID     struct {
			Unique     []float64 `json:"unique"`
			Redundancy *float64  `json:"redundancy"`
			Synergy    *float64  `json:"synergy"`
			MI         *float64  `json:"mi"`
		} `json:"pid"`
		Weights         []float64 `json:"weights"`
		Lambdas         []float64 `json:"lambdas"`
		EpochsRun       int       `json:"epochs_run"`
		Frozen          *int      `json:"frozen_at_epoch"`
		SecondsPerEpoch float64   `json:"seconds_per_epoch"`
		EpochSeconds    []float64 `json:"epoch_seconds"`
		TrainRows       int       `json:"train_rows"`
		ValRows         int       `json:"val_rows"`
		TestRows        int       `json:"test_rows"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mse", "rmse", "mae", "r2"} {
		if v, ok := rep.Metrics[k]; !ok || v == nil {
			t.Errorf("metrics.%s missing or null", k)
		}
	}
	if len(rep.Metrics) == 4 && rep.Metrics["rmse"] != nil && rep.Metrics["mse"] != nil {
		if d := math.Abs(*rep.Metrics["rmse"] - math.Sqrt(*rep.Metrics["mse"])); d > 1e-12 {
			t.Errorf("rmse %v is not √mse %v", *rep.Metrics["rmse"], *rep.Metrics["mse"])
		}
	}
	if len(rep.PID.Unique) != modalities || rep.PID.Redundancy == nil || rep.PID.Synergy == nil || rep.PID.MI == nil {
		t.Errorf("pid %+v", rep.PID)
	} else if sum := rep.PID.Unique[0] + rep.PID.Unique[1] + *rep.PID.Redundancy + *rep.PID.Synergy; math.Abs(sum-*rep.PID.MI) > 1e-9 {
		t.Errorf("atoms sum to %v, mi %v", sum, *rep.PID.MI)
	}
	if len(rep.Weights) != 3 || math.Abs(rep.Weights[0]+rep.Weights[1]+rep.Weights[2]-1) > 1e-9 {
		t.Errorf("weights %v", rep.Weights)
	}
	if len(rep.Lambdas) != modalities {
		t.Errorf("lambdas %v", rep.Lambdas)
	}
	if rep.EpochsRun != 2 || len(rep.EpochSeconds) != 2 || rep.SecondsPerEpoch <= 0 {
		t.Errorf("epochs_run %d, epoch_seconds %v, seconds_per_epoch %v", rep.EpochsRun, rep.EpochSeconds, rep.SecondsPerEpoch)
	}
	if rep.Frozen != nil {
		t.Errorf("frozen_at_epoch %d after 2 epochs (the freeze rule needs ≥ 5)", *rep.Frozen)
	}
	if rep.TrainRows != 140 || rep.ValRows != 20 || rep.TestRows != 40 {
		t.Errorf("rows %d/%d/%d, want 140/20/40", rep.TrainRows, rep.ValRows, rep.TestRows)
	}
}

// TestTrainVectorTarget trains on two target columns with one modality
// and checks predict's header.
func TestTrainVectorTarget(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 120, 2)
	model := filepath.Join(dir, "v.pidreg")
	mustRun(t, "train", "-data", data, "-modality", "A=1-5", "-target", "y,y2", "-out", model,
		"-epochs", "1", "-latent", "4", "-batch", "32", "-q")
	preds := filepath.Join(dir, "p.csv")
	mustRun(t, "predict", "-model", model, "-data", data, "-out", preds)
	h, rows := readCSV(t, preds)
	if !slices.Equal(h, []string{"prediction_y", "prediction_y2"}) || len(rows) != 120 || len(rows[0]) != 2 {
		t.Errorf("header %q, %d rows", h, len(rows))
	}
	mustRun(t, "eval", "-model", model, "-data", data)
}

// TestTrainQuantileInputs trains with -inputs quantile and checks that rows
// far outside the training range still predict finite values.
func TestTrainQuantileInputs(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 120, 1)
	model := filepath.Join(dir, "q.pidreg")
	mustRun(t, "train", "-data", data, "-modality", "A=1-3", "-modality", "B=4-5", "-target", "y", "-out", model,
		"-epochs", "2", "-latent", "4", "-batch", "32", "-q", "-inputs", "quantile", "-dropout", "0.1,0")
	h, rows := readCSV(t, data)
	far := strings.Join(h, ",") + "\n"
	for i, r := range rows[:5] {
		r[1] = 1e12 * float64(i-2)
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		far += strings.Join(cells, ",") + "\n"
	}
	farFile := filepath.Join(dir, "far.csv")
	if err := os.WriteFile(farFile, []byte(far), 0o644); err != nil {
		t.Fatal(err)
	}
	preds := filepath.Join(dir, "p.csv")
	// Rows 0, 1, 3 and 4 are beyond the training range; row 2 (a1 = 0) is not.
	if out := mustRun(t, "predict", "-model", model, "-data", farFile, "-out", preds); !strings.Contains(out, "note: 4 of 5 rows have inputs beyond the range") {
		t.Errorf("predict printed %q, want a note on 4 of 5 rows", out)
	}
	if out := mustRun(t, "eval", "-model", model, "-data", farFile); !strings.Contains(out, "note: 4 of 5 rows") {
		t.Errorf("eval printed %q, want a note on 4 of 5 rows", out)
	}
	_, got := readCSV(t, preds)
	for i, r := range got {
		if v := r[0]; math.IsNaN(v) || math.Abs(v) > 100 {
			t.Errorf("row %d: prediction %g for an input of %g", i, v, 1e12*float64(i-2))
		}
	}
}

// TestTrainBadInput checks that every bad input exits 2 with one line and
// leaves no model (nor a temporary file) behind.
func TestTrainBadInput(t *testing.T) {
	good := "id,a1,a2,a3,b1,b2,y,y2\n"
	rng := rand.New(rand.NewPCG(4, 4))
	for range 60 {
		good += fmt.Sprintf("1,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", rng.NormFloat64(), rng.NormFloat64(),
			rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64())
	}
	mods := []string{"-modality", "A=a1,a2,a3", "-modality", "B=b1,b2", "-target", "y"}
	cases := []struct {
		name, file, msg string
		args            []string
	}{
		{"missing with -missing error", withCell(good, "NaN"), `line 2, column "a1": missing value (-missing error; -missing impute passes it on`, append([]string{"-missing", "error"}, mods...)},
		{"bad -missing", good, `-missing "drop": want impute or error`, append([]string{"-missing", "drop"}, mods...)},
		{"bad -sep", good, `separator "pipe"`, append([]string{"-sep", "pipe"}, mods...)},
		{"ragged", good + "1,2,3\n", "line 62 has 3 fields", mods},
		{"unknown column", good, `no column is named "a9"`, []string{"-modality", "A=a1,a9", "-target", "y"}},
		{"text cell", withCell(good, "abc"), `"abc": not a number`, mods},
		{"infinite", withCell(good, "-Inf"), "non-finite", mods},
		{"too few rows", good[:strings.Index(good, "\n")+1] + "1,1,2,3,4,5,6,7\n1,2,3,4,5,6,7,8\n", "no row", mods},
		{"bad split", good, `-split "0.7,0.3"`, append([]string{"-split", "0.7,0.3"}, mods...)},
		{"negative split", good, `"-0.1" is not a finite fraction`, append([]string{"-split", "0.7,-0.1,0.2"}, mods...)},
		{"no modality", good, "need -modality", []string{"-target", "y"}},
		{"a constant modality", good, "modality C: all 1 columns are constant", append([]string{"-modality", "C=id"}, mods...)},
		{"same name twice", good, `modality "A" given twice`, []string{"-modality", "A=a1", "-modality", "A=a2", "-target", "y"}},
		{"overlap", good, `column "a1" is in both modality A and -target`, []string{"-modality", "A=a1,a2", "-target", "a1"}},
		{"no target", good, "need -target", []string{"-modality", "A=a1"}},
		{"bad modality flag", good, "want NAME=COLS", []string{"-modality", "A", "-target", "y"}},
		{"bad input map", good, `input map "rank"`, append([]string{"-inputs", "rank"}, mods...)},
		{"bad dropout", good, `rate "1.5" is not a number in [0, 1)`, append([]string{"-dropout", "0.3,1.5"}, mods...)},
		{"dropout count", good, "Config.Dropout has 3 rates for the 2 layers of Config.Hidden", append([]string{"-dropout", "0.1,0.1,0.1"}, mods...)},
		{"bad policy", good, `unknown policy "best"`, append([]string{"-policy", "best"}, mods...)},
		{"batch too small for the PID", good, "needs batches of at least", append([]string{"-latent", "64"}, mods...)},
		{"missing out dir", good, "no such file", mods},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "d.csv")
			if err := os.WriteFile(data, []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			model := filepath.Join(dir, "m.pidreg")
			args := []string{"train", "-data", data, "-out", model, "-epochs", "1", "-batch", "32", "-latent", "4", "-q"}
			args = append(args, c.args...)
			if c.name == "missing out dir" {
				args = append(args, "-out", filepath.Join(dir, "nodir", "m.pidreg"))
			}
			wantFailure(t, c.msg, args...)
			onlyFiles(t, dir, "d.csv")
		})
	}
}

// withCell replaces a1 of the first data row by v.
func withCell(good, v string) string {
	i := strings.Index(good, "\n") + 1
	j := strings.Index(good[i:], ",") + i + 1
	k := strings.Index(good[j:], ",") + j
	return good[:j] + v + good[k:]
}

// TestPredictEvalBadInput checks predict and eval against a model: missing
// columns, a corrupt or truncated model, non-finite data.
func TestPredictEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 80, 5)
	model := filepath.Join(dir, "m.pidreg")
	mustRun(t, append([]string{"train", "-data", data, "-modality", "A=a1,a2,a3", "-modality", "B=b1,b2", "-target", "y",
		"-out", model}, tiny...)...)
	raw, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)/2] ^= 0x10
	corrupt := write("corrupt.pidreg", string(flipped))
	truncated := write("trunc.pidreg", string(raw[:len(raw)-40]))
	notModel := write("text.pidreg", "this is a text file, not a pidreg model\n")
	noB2 := write("nob2.csv", "a1,a2,a3,b1,y\n1,2,3,4,5\n")
	noY := write("noy.csv", "a1,a2,a3,b1,b2\n1,2,3,4,5\n")
	inf := write("inf.csv", "a1,a2,a3,b1,b2\n1,2,3,4,-Inf\n")
	nan := write("nan.csv", "a1,a2,a3,b1,b2\n1,2,3,4,NaN\n")
	noB := write("nob.csv", "a1,a2,a3,b1,b2\n1,2,3,,\n1,2,3,4,5\n")
	dup := write("dup.csv", "a1,a2,a3,b1,b2,b2\n1,2,3,4,5,6\n")
	preds := filepath.Join(dir, "p.csv")

	wantFailure(t, `has no column "b2" (modality B of the model)`, "predict", "-model", model, "-data", noB2, "-out", preds)
	wantFailure(t, `has 2 columns named "b2"`, "predict", "-model", model, "-data", dup, "-out", preds)
	wantFailure(t, `line 2, column 4 ("b2"): "-Inf": non-finite value`, "predict", "-model", model, "-data", inf, "-out", preds)
	wantFailure(t, `line 2, column "b2": missing value (-missing error`, "predict", "-model", model, "-data", nan, "-out", preds, "-missing", "error")
	// A row without modality B is predicted from A, and said so.
	if out := mustRun(t, "predict", "-model", model, "-data", noB, "-out", preds); !strings.Contains(out, "note: modality B is missing in 1 row") {
		t.Errorf("predict of a row without B: %q", out)
	}
	if _, rows := readCSV(t, preds); len(rows) != 2 || math.IsNaN(rows[0][0]) {
		t.Errorf("predictions of a row without B: %v", rows)
	}
	os.Remove(preds)
	none := write("none.csv", "a1,a2,a3,b1,b2\n,,,,\n1,2,3,4,5\n")
	wantFailure(t, "row 0 has no modality", "predict", "-model", model, "-data", none, "-out", preds)
	wantFailure(t, "checksum mismatch", "predict", "-model", corrupt, "-data", data, "-out", preds)
	wantFailure(t, "truncated", "predict", "-model", truncated, "-data", data, "-out", preds)
	wantFailure(t, "bad magic", "predict", "-model", notModel, "-data", data, "-out", preds)
	wantFailure(t, "need -model", "predict", "-data", data)
	wantFailure(t, "need -data", "predict", "-model", model)
	wantFailure(t, `has no column "y" (target of the model)`, "eval", "-model", model, "-data", noY)
	wantFailure(t, "checksum mismatch", "eval", "-model", corrupt, "-data", data)
	if _, err := os.Stat(preds); !os.IsNotExist(err) {
		t.Errorf("a failed predict left %s: %v", preds, err)
	}

	// A model saved by the library without column names is refused by name.
	m, err := pidreg.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetColumns(nil, nil); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(dir, "bare.pidreg")
	if err := m.SaveFile(bare); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, "does not record the names of its input columns", "predict", "-model", bare, "-data", data)
}

// TestTrainInterrupt sends SIGINT to the process after the first epoch: the
// command must stop, exit 2 and write no model.
func TestTrainInterrupt(t *testing.T) {
	// Keep the test binary alive whatever happens to the command's handler.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, os.Interrupt)
	defer signal.Stop(guard)

	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 200, 6)
	model := filepath.Join(dir, "m.pidreg")
	report := filepath.Join(dir, "r.json")
	w := &signalWriter{}
	var errOut bytes.Buffer
	code := run([]string{"train", "-data", data, "-modality", "A=a1,a2,a3", "-modality", "B=b1,b2", "-target", "y",
		"-out", model, "-report", report, "-epochs", "200", "-latent", "4", "-batch", "32"}, strings.NewReader(""), w, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "interrupted; no model written") || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("status %d, stderr %q", code, errOut.String())
	}
	if n := strings.Count(w.buf.String(), "\n"); n < 1 || n > 20 {
		t.Errorf("%d epoch lines before stopping", n)
	}
	onlyFiles(t, dir, "d.csv")
}

// signalWriter sends SIGINT to the process on its first write.
type signalWriter struct {
	buf  bytes.Buffer
	sent bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if !w.sent {
		w.sent = true
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			return 0, err
		}
	}
	return w.buf.Write(p)
}

func TestTrainHelp(t *testing.T) {
	for cmd, want := range map[string]string{
		"train":   "pidreg train -data FILE [-data FILE] -modality NAME=COLS",
		"predict": "pidreg predict -model FILE -data FILE",
		"eval":    "pidreg eval -model FILE -data FILE",
		"bench":   "pidreg bench -data FILE",
		"explain": "pidreg explain -model FILE [-data FILE]",
	} {
		code, stdout, stderr := cli(t, cmd, "-h")
		if code != 0 || stderr != "" || !strings.Contains(stdout, want) || !strings.Contains(stdout, "Flags:") {
			t.Errorf("%s -h: status %d, stderr %q, stdout %q", cmd, code, stderr, stdout)
		}
	}
}

func TestParseSplit(t *testing.T) {
	f, err := parseSplit("70, 10, 20")
	if err != nil || math.Abs(f[0]-0.7) > 1e-15 || math.Abs(f[1]-0.1) > 1e-15 || math.Abs(f[2]-0.2) > 1e-15 {
		t.Errorf("70,10,20: %v %v", f, err)
	}
	if f, err := parseSplit("0.8,0,0.2"); err != nil || f[1] != 0 {
		t.Errorf("no validation part: %v %v", f, err)
	}
	for _, bad := range []string{"", "1,1", "1,1,1,1", "0,1,1", "1,1,0", "1,NaN,1", "1,Inf,1", "a,b,c", "0,0,0"} {
		if _, err := parseSplit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTrainFloat32 trains with -float32: the model records the setting, and
// two runs with one seed write the same bytes.
func TestTrainFloat32(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 120, 1)
	var files [2][]byte
	for i := range files {
		model := filepath.Join(dir, fmt.Sprintf("f%d.pidreg", i))
		mustRun(t, "train", "-data", data, "-modality", "A=1-3", "-modality", "B=4-5", "-target", "y", "-out", model,
			"-epochs", "2", "-latent", "4", "-batch", "32", "-q", "-float32", "-bootstrap", "-1")
		b, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
		m, err := pidreg.LoadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Config().Float32 {
			t.Fatal("-float32 is not in the model's configuration")
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two -float32 runs with one seed wrote different model files")
	}
}
