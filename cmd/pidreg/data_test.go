package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/table"
)

// userRow is one row of the generated problem of synthCSV, with an
// identifier and a text column as users' files have.
type userRow struct {
	id, name               string
	a1, a2, a3, b1, b2, y  float64
	noTarget, naTarget     bool
	missingA2, missingBoth bool
}

// userRows draws n rows of y = 2·a1 − a2 + a3·b1 + 0.5·b2 + noise.
func userRows(n int, seed uint64) []userRow {
	rng := rand.New(rand.NewPCG(seed, 11))
	rows := make([]userRow, n)
	for i := range rows {
		r := &rows[i]
		r.id = fmt.Sprintf("m%04d", i)
		r.name = []string{"Ba0.2La1.8Cu1O4", "Y1Ba2Cu3O7, doped", "Hg1Ba2Ca2Cu3O8"}[i%3]
		r.a1, r.a2, r.a3, r.b1, r.b2 = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		r.y = 2*r.a1 - r.a2 + r.a3*r.b1 + 0.5*r.b2 + 0.1*rng.NormFloat64()
	}
	return rows
}

// shape says how a file is written.
type shape struct {
	sep      string
	eol      string
	bom      bool
	trailing bool // a separator at the end of every line
	quote    bool // every field quoted
}

// render writes rows as text in the given shape.
func render(rows []userRow, s shape) string {
	var b strings.Builder
	if s.bom {
		b.WriteString("\xef\xbb\xbf")
	}
	line := func(fields ...string) {
		for i, f := range fields {
			if s.quote || strings.Contains(f, s.sep) || strings.Contains(f, ",") {
				f = `"` + f + `"`
			}
			if i > 0 {
				b.WriteString(s.sep)
			}
			b.WriteString(f)
		}
		if s.trailing {
			b.WriteString(s.sep)
		}
		b.WriteString(s.eol)
	}
	line("id", "name", "a1", "a2", "a3", "b1", "b2", "y")
	g := func(v float64) string { return fmt.Sprintf("%.17g", v) }
	for _, r := range rows {
		y := g(r.y)
		switch {
		case r.noTarget:
			y = ""
		case r.naTarget:
			y = "NA"
		}
		a2, b1, b2 := g(r.a2), g(r.b1), g(r.b2)
		if r.missingA2 {
			a2 = ""
		}
		if r.missingBoth {
			b1, b2 = "NA", ""
		}
		line(r.id, r.name, g(r.a1), a2, g(r.a3), b1, b2, y)
	}
	return b.String()
}

func writeText(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var twoMods = []string{"-modality", "A=a1-a3", "-modality", "B=b1,b2", "-target", "y"}

// TestTrainFileShapes trains on the same rows written in every shape a
// user's file comes in: each must give the same model, bit for bit, since
// only the bytes of the file differ.
func TestTrainFileShapes(t *testing.T) {
	rows := userRows(150, 1)
	rows[3].noTarget, rows[40].naTarget = true, true // dropped and counted
	dir := t.TempDir()
	base := render(rows, shape{sep: ",", eol: "\n"})
	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	zw.Write([]byte(base))
	zw.Close()
	files := map[string]string{
		"comma.csv":         base,
		"semicolon.csv":     render(rows, shape{sep: ";", eol: "\n"}),
		"tab.tsv":           render(rows, shape{sep: "\t", eol: "\n"}),
		"trailing.csv":      render(rows, shape{sep: ",", eol: "\n", trailing: true}),
		"crlf-bom-quoted":   render(rows, shape{sep: ",", eol: "\r\n", bom: true, quote: true}),
		"semi-trailing.csv": render(rows, shape{sep: ";", eol: "\r\n", trailing: true}),
		"gzipped.csv.gz":    gzBuf.String(),
	}
	probe := writeText(t, dir, "probe.csv", render(userRows(20, 99), shape{sep: ",", eol: "\n"}))
	var first []float64
	for _, name := range slices.Sorted(maps.Keys(files)) {
		t.Run(name, func(t *testing.T) {
			data := writeText(t, dir, name, files[name])
			model := filepath.Join(dir, name+".pidreg")
			report := filepath.Join(dir, name+".json")
			out := mustRun(t, append(append([]string{"train", "-data", data, "-out", model, "-report", report}, twoMods...), tiny...)...)
			if !strings.Contains(out, "note: 2 of 150 rows have no target value and are left out of training and testing (the first at line 5)") {
				t.Errorf("no note on the dropped rows:\n%s", out)
			}
			var rep struct {
				Data dataReportJSON `json:"data"`
			}
			raw, _ := os.ReadFile(report)
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Data.Rows != 150 || rep.Data.Dropped != 2 || rep.Data.Missing["y"] != 2 || len(rep.Data.Missing) != 1 {
				t.Errorf("report data %+v", rep.Data)
			}
			p := predictions(t, model, probe)
			if first == nil {
				first = p
			} else if !slices.Equal(first, p) {
				t.Errorf("the model trained on %s predicts differently from the one trained on the comma file", name)
			}
		})
	}
}

// predictions returns the predictions of a model file on a data file.
func predictions(t *testing.T, model, data string) []float64 {
	t.Helper()
	m, err := pidreg.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := pidreg.ReadFile(data, pidreg.Columns{Modalities: []pidreg.ModalityColumns{{Name: "A", Columns: "a1-a3"}, {Name: "B", Columns: "b1,b2"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(d)
	if err != nil {
		t.Fatal(err)
	}
	return p.RawMatrix().Data
}

// dataReportJSON mirrors runner.DataReport for decoding.
type dataReportJSON struct {
	Files           []string       `json:"files"`
	Rows            int            `json:"rows_read"`
	Dropped         int            `json:"rows_without_target"`
	Missing         map[string]int `json:"missing_cells"`
	WithoutModality map[string]int `json:"rows_without_modality"`
}

// TestPredictUnknownTarget predicts rows whose target column is present
// but empty (unknown): predict does not read it; eval refuses the file,
// since no row can be scored.
func TestPredictUnknownTarget(t *testing.T) {
	dir := t.TempDir()
	rows := userRows(120, 2)
	data := writeText(t, dir, "train.csv", render(rows, shape{sep: ",", eol: "\n"}))
	model := filepath.Join(dir, "m.pidreg")
	mustRun(t, append(append([]string{"train", "-data", data, "-out", model}, twoMods...), tiny...)...)
	unknown := userRows(10, 3)
	for i := range unknown {
		unknown[i].noTarget = true
	}
	newData := writeText(t, dir, "new.csv", render(unknown, shape{sep: ";", eol: "\r\n", trailing: true}))
	preds := filepath.Join(dir, "p.csv")
	mustRun(t, "predict", "-model", model, "-data", newData, "-out", preds)
	if h, r := readCSV(t, preds); !slices.Equal(h, []string{"prediction"}) || len(r) != 10 {
		t.Errorf("predictions: %q, %d rows", h, len(r))
	}
	wantFailure(t, "every one of the 10 rows has a missing target value", "eval", "-model", model, "-data", newData)

	// eval on a file where some targets are unknown scores the others.
	rows[5].noTarget = true
	part := writeText(t, dir, "part.csv", render(rows, shape{sep: ",", eol: "\n"}))
	rep := filepath.Join(dir, "eval.json")
	out := mustRun(t, "eval", "-model", model, "-data", part, "-report", rep)
	if !strings.Contains(out, "(119 rows)") || !strings.Contains(out, "note: 1 of 120 rows have no target value and are left out of scoring (the first at line 7)") {
		t.Errorf("eval printed %q", out)
	}
	raw, _ := os.ReadFile(rep)
	if !bytes.Contains(raw, []byte(`"rows_without_target": 1`)) {
		t.Errorf("eval report %s", raw)
	}
}

// TestShapesRefused checks each file that cannot be read: one line that
// names the problem, and no file written.
func TestShapesRefused(t *testing.T) {
	rows := userRows(60, 4)
	good := render(rows, shape{sep: ",", eol: "\n"})
	withRow := func(i int, f func(*userRow)) string {
		r := slices.Clone(rows)
		f(&r[i])
		return render(r, shape{sep: ",", eol: "\n"})
	}
	semi := render(rows, shape{sep: ";", eol: "\n"})
	for _, tc := range []struct {
		name, file, msg string
		args            []string
	}{
		{"ambiguous separator", strings.Replace(good, "id,name", "id;x,name", 1), "the first line has 7 commas and 1 semicolons outside quotes, so the separator is ambiguous; give it explicitly (-sep)", twoMods},
		{"semicolon read as comma", semi, `the header has one column "id;name;a1;a2;a3;b1;b2;y": is the separator ';'? give it with -sep`, append([]string{"-sep", "comma"}, twoMods...)},
		{"duplicate name in a range", strings.Replace(good, "a1,a2,a3,b1", "a1,a2,a3,a1", 1), `range "a1-a3": the name "a1" is shared by columns 2 and 5, so it cannot end a range`, twoMods},
		{"duplicate name by index", strings.Replace(good, "a1,a2,a3,b1", "a1,a2,a3,a1", 1), `2 columns of`, []string{"-modality", "A=2-4", "-target", "y"}},
		{"text in a selected column", good, `column 1 ("name"): "Ba0.2La1.8Cu1O4": not a number`, []string{"-modality", "A=name,a1", "-target", "y"}},
		{"missing input refused", withRow(9, func(r *userRow) { r.missingA2 = true }), `line 11, column "a2": missing value (-missing error`, append([]string{"-missing", "error"}, twoMods...)},
		{"case of a name", good, `no column is named "Y" (did you mean "y"?)`, []string{"-modality", "A=a1", "-target", "Y"}},
		{"no target at all", render(func() []userRow {
			r := slices.Clone(rows)
			for i := range r {
				r[i].noTarget = true
			}
			return r
		}(), shape{sep: ",", eol: "\n"}), "every one of the 60 rows has a missing target value", twoMods},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := writeText(t, dir, "d.csv", tc.file)
			args := append([]string{"train", "-data", data, "-out", filepath.Join(dir, "m.pidreg")}, tc.args...)
			wantFailure(t, tc.msg, append(args, tiny...)...)
			onlyFiles(t, dir, "d.csv")
		})
	}
}

// TestMissingInputsPassedOn: with -missing impute (the default) a missing
// input cell is not a reading error; the note counts it and the data set
// reaches the library, which imputes it (or, before imputation is wired,
// refuses the NaN itself, not with a reading error).
func TestMissingInputsPassedOn(t *testing.T) {
	rows := userRows(120, 5)
	rows[9].missingA2, rows[20].missingA2 = true, true
	dir := t.TempDir()
	data := writeText(t, dir, "d.csv", render(rows, shape{sep: ",", eol: "\n"}))
	model := filepath.Join(dir, "m.pidreg")
	code, stdout, stderr := cli(t, append(append([]string{"train", "-data", data, "-out", model}, twoMods...), tiny...)...)
	if !strings.Contains(stdout, "note: 2 cells are missing in the input columns (a2 2), passed on for the model to impute") {
		t.Errorf("stdout lacks the note:\n%s", stdout)
	}
	switch code {
	case 0:
		if _, err := os.Stat(model); err != nil {
			t.Error(err)
		}
	default:
		if !strings.Contains(stderr, "invalid input") || strings.Contains(stderr, "line ") {
			t.Errorf("stderr %q: want the library's refusal of NaN, not a reading error", stderr)
		}
	}
}

// pqTrain is a training file as a Parquet writer makes it: optional
// columns, a string column, integer and float32 columns.
type pqTrain struct {
	ID   string   `parquet:"id"`
	A1   float64  `parquet:"a1"`
	A2   float32  `parquet:"a2"`
	A3   *float64 `parquet:"a3,optional"`
	B1   float64  `parquet:"b1"`
	B2   int32    `parquet:"b2"`
	Y    *float64 `parquet:"y,optional"`
	Name string   `parquet:"name"`
}

// TestParquetRoundTrip writes a data set with parquet-go, trains on it,
// trains on the same values as CSV, and predicts both ways: Parquet in and
// out must give exactly what CSV gives.
func TestParquetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rows := userRows(200, 6)
	var pq []pqTrain
	var csvRows []userRow
	for i, r := range rows {
		a2 := float32(r.a2)
		b2 := int32(10 * r.b2)
		y := r.y
		p := pqTrain{ID: r.id, A1: r.a1, A2: a2, A3: &r.a3, B1: r.b1, B2: b2, Y: &y, Name: r.name}
		c := r
		c.a2, c.b2 = float64(a2), float64(b2)
		if i%17 == 3 { // no target: dropped in both
			p.Y = nil
			c.noTarget = true
		}
		pq = append(pq, p)
		csvRows = append(csvRows, c)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqTrain](&buf, parquet.MaxRowsPerRowGroup(64))
	if _, err := w.Write(pq); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pqFile := writeText(t, dir, "train.parquet", buf.String())
	csvFile := writeText(t, dir, "train.csv", render(csvRows, shape{sep: ",", eol: "\n"}))

	mp, mc := filepath.Join(dir, "p.pidreg"), filepath.Join(dir, "c.pidreg")
	outP := mustRun(t, append(append([]string{"train", "-data", pqFile, "-out", mp}, twoMods...), tiny...)...)
	mustRun(t, append(append([]string{"train", "-data", csvFile, "-out", mc}, twoMods...), tiny...)...)
	if !strings.Contains(outP, "note: 12 of 200 rows have no target value and are left out of training and testing (the first at row 4)") {
		t.Errorf("parquet train output:\n%s", outP)
	}
	if !slices.Equal(predictions(t, mp, csvFile), predictions(t, mc, csvFile)) {
		t.Error("the models trained on the Parquet and the CSV file predict differently")
	}

	predPQ := filepath.Join(dir, "preds.parquet")
	predCSV := filepath.Join(dir, "preds.csv")
	mustRun(t, "predict", "-model", mp, "-data", pqFile, "-out", predPQ)
	mustRun(t, "predict", "-model", mp, "-data", csvFile, "-out", predCSV)
	f, err := table.Open(table.Options{}, predPQ)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols, err := f.Columns("prediction")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Read(cols)
	if err != nil {
		t.Fatal(err)
	}
	_, want := readCSV(t, predCSV)
	if r, _ := got.Data.Dims(); r != 200 || len(want) != 200 {
		t.Fatalf("%d Parquet and %d CSV predictions, want 200", r, len(want))
	}
	for i := range want {
		if got.Data.At(i, 0) != want[i][0] {
			t.Fatalf("row %d: Parquet %v, CSV %v", i, got.Data.At(i, 0), want[i][0])
		}
	}
	// A text column cannot be selected.
	wantFailure(t, `column "name" is BYTE_ARRAY (STRING): not a numeric column`,
		append([]string{"train", "-data", pqFile, "-out", filepath.Join(dir, "x.pidreg"), "-modality", "A=name,a1", "-target", "y"}, tiny...)...)
	// eval and bench read Parquet too.
	if out := mustRun(t, "eval", "-model", mp, "-data", pqFile); !strings.Contains(out, "(188 rows)") {
		t.Errorf("eval: %s", out)
	}
}

// TestOutputsRefusedFirst gives outputs that cannot be written and a data
// file large enough that reading it alone takes a while: each must be
// refused well under a second, before the data are read, with nothing
// written and the data unchanged.
func TestOutputsRefusedFirst(t *testing.T) {
	dir := t.TempDir()
	rows := userRows(20000, 7)
	content := render(rows, shape{sep: ",", eol: "\n"})
	data := writeText(t, dir, "d.csv", content)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	file := writeText(t, dir, "file", "x")
	link := filepath.Join(dir, "link.csv")
	os.Symlink(data, link)
	model := filepath.Join(dir, "m.pidreg")
	train := func(extra ...string) []string {
		return append(append(append([]string{"train", "-data", data}, twoMods...), "-epochs", "200", "-q"), extra...)
	}
	cases := []struct {
		name, msg string
		args      []string
	}{
		{"out is the input", "-out: " + data + " is an input file: writing it would destroy the data", train("-out", data)},
		{"out is a link to the input", "is the input file " + data, train("-out", link)},
		{"out is a directory", "-out: " + sub + " is a directory", train("-out", sub)},
		{"out in a missing directory", "no such file or directory", train("-out", filepath.Join(dir, "nodir", "m.pidreg"))},
		{"report is the input", "-report: " + data + " is an input file", train("-out", model, "-report", data)},
		{"report in a file", "not a directory", train("-out", model, "-report", filepath.Join(file, "r.json"))},
		{"plots is a file", "-plots: " + file + " is not a directory", train("-out", model, "-plots", file)},
		{"out and report the same", "-out and -report are the same path", train("-out", model, "-report", model)},
		{"predict over its input", "-out: " + data + " is an input file", []string{"predict", "-model", model, "-data", data, "-out", data}},
		{"predict over the model", "-out: " + model + " is an input file", []string{"predict", "-model", model, "-data", data, "-out", model}},
		{"eval report over the input", "-report: " + data + " is an input file", []string{"eval", "-model", model, "-data", data, "-report", data}},
		{"bench plots is a file", "-plots: " + file + " is not a directory", append(append([]string{"bench", "-data", data}, twoMods...), "-plots", file)},
	}
	if os.Geteuid() == 0 {
		cases = append(cases, struct {
			name, msg string
			args      []string
		}{"read-only place", "-out:", train("-out", "/proc/self/m.pidreg")})
	} else {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		cases = append(cases, struct {
			name, msg string
			args      []string
		}{"read-only directory", "permission denied", train("-out", filepath.Join(ro, "m.pidreg"))})
	}
	// The model file predict and eval name must exist for them to get as
	// far as the check; an empty file will do, since it is never read.
	os.WriteFile(model, nil, 0o644)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			wantFailure(t, tc.msg, tc.args...)
			el := time.Since(start)
			t.Logf("refused in %v", el)
			if el > 500*time.Millisecond {
				t.Errorf("refused after %v", el)
			}
		})
	}
	if b, _ := os.ReadFile(data); string(b) != content {
		t.Error("the data file changed")
	}
	// Outputs are checked before the data are even read: standard input
	// is a tripwire here.
	for _, args := range [][]string{
		{"train", "-data", "-", "-out", sub},
		{"train", "-data", "-", "-out", model, "-plots", file},
		{"bench", "-data", "-", "-report", filepath.Join(dir, "nodir", "r.json")},
	} {
		trip := &tripwire{}
		var errOut bytes.Buffer
		code := run(append(append(args, twoMods...), "-q"), trip, &bytes.Buffer{}, &errOut)
		if code != 2 || trip.read {
			t.Errorf("%q: status %d, standard input read %v, stderr %q", args, code, trip.read, errOut.String())
		}
	}
	want := []string{"d.csv", "sub", "file", "link.csv", "m.pidreg"}
	if os.Geteuid() != 0 {
		want = append(want, "ro")
	}
	onlyFiles(t, dir, want...)
}

// TestOutputModes trains and predicts under two umasks: every output is
// created as os.Create would create it, readable by others under 022.
func TestOutputModes(t *testing.T) {
	rows := userRows(120, 8)
	for _, tc := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}} {
		dir := t.TempDir()
		data := writeText(t, dir, "d.csv", render(rows, shape{sep: ",", eol: "\n"}))
		model, report, plots := filepath.Join(dir, "m.pidreg"), filepath.Join(dir, "r.json"), filepath.Join(dir, "plots")
		preds, evalRep := filepath.Join(dir, "p.parquet"), filepath.Join(dir, "e.json")
		old := syscall.Umask(tc.umask)
		mustRun(t, append(append([]string{"train", "-data", data, "-out", model, "-report", report, "-plots", plots}, twoMods...), tiny...)...)
		mustRun(t, "predict", "-model", model, "-data", data, "-out", preds)
		mustRun(t, "eval", "-model", model, "-data", data, "-report", evalRep)
		syscall.Umask(old)
		for _, p := range []string{model, report, preds, evalRep, filepath.Join(plots, "losses.png")} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != tc.want {
				t.Errorf("umask %03o: %s has mode %v, want %v", tc.umask, filepath.Base(p), st.Mode().Perm(), tc.want)
			}
		}
	}
}

func TestBenchSampleTooLarge(t *testing.T) {
	dir := t.TempDir()
	data := synthCSV(t, dir, "d.csv", 60, 9)
	wantFailure(t, "-sample 100000: "+data+" has only 60 rows with a target; give -sample 60 or less, or 0 for all of them",
		append(append([]string{"bench", "-data", data}, "-modality", "A=a1,a2,a3", "-modality", "B=b1,b2", "-target", "y"), "-sample", "100000", "-q")...)
}

// TestJoinedFiles trains on two files side by side, as the README's
// Superconductivity recipe does, with the target in both.
func TestJoinedFiles(t *testing.T) {
	dir := t.TempDir()
	rows := userRows(120, 10)
	var a, b strings.Builder
	a.WriteString("a1,a2,a3,y\n")
	b.WriteString("b1,b2,y,label\r\n")
	for _, r := range rows {
		fmt.Fprintf(&a, "%.17g,%.17g,%.17g,%.17g\n", r.a1, r.a2, r.a3, r.y)
		fmt.Fprintf(&b, "%.17g,%.17g,%.17g,\"%s\"\r\n", r.b1, r.b2, r.y, r.name)
	}
	fa := writeText(t, dir, "a.csv", a.String())
	fb := writeText(t, dir, "b.csv", b.String())
	model := filepath.Join(dir, "m.pidreg")
	mustRun(t, append(append([]string{"train", "-data", fa, "-data", fb, "-out", model}, twoMods...), tiny...)...)
	// The model finds its columns in the joined files again.
	if out := mustRun(t, "eval", "-model", model, "-data", fa, "-data", fb); !strings.Contains(out, "(120 rows)") {
		t.Errorf("eval: %s", out)
	}
	// A file whose shared column disagrees is refused, naming the line.
	bad := strings.Replace(b.String(), fmt.Sprintf(",%.17g,", rows[2].y), ",99,", 1)
	fbad := writeText(t, dir, "bad.csv", bad)
	wantFailure(t, `column "y" is `, append(append([]string{"train", "-data", fa, "-data", fbad, "-out", model}, twoMods...), tiny...)...)
}

// tripwire is a reader that records being read.
type tripwire struct{ read bool }

func (r *tripwire) Read(p []byte) (int, error) {
	r.read = true
	return 0, io.EOF
}

// TestPIDReadsAnyShape runs 'pidreg pid' on the same samples as the
// generated comma file, as a semicolon file with a text column and as
// Parquet: the decomposition must be identical.
func TestPIDReadsAnyShape(t *testing.T) {
	src := filepath.Join(testdata, "gauss_small.csv")
	tab, err := table.ReadFile(src, table.Options{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var semi strings.Builder
	semi.WriteString("label;" + strings.Join(tab.Header, ";") + "\r\n")
	r, c := tab.Data.Dims()
	for i := range r {
		semi.WriteString("row " + fmt.Sprint(i))
		for j := range c {
			semi.WriteString(";" + fmt.Sprintf("%.17g", tab.Data.At(i, j)))
		}
		semi.WriteString("\r\n")
	}
	semiFile := writeText(t, dir, "g.csv", semi.String())
	var pq bytes.Buffer
	if err := table.WriteParquet(&pq, tab.Header, tab.Data); err != nil {
		t.Fatal(err)
	}
	pqFile := writeText(t, dir, "g.parquet", pq.String())
	args := []string{"-target", "target", "-x", "x1-x3", "-y", "y1,y2,y3", "-json"}
	want := mustRun(t, append([]string{"pid", "-data", src}, args...)...)
	for _, f := range []string{semiFile, pqFile} {
		if got := mustRun(t, append([]string{"pid", "-data", f}, args...)...); got != want {
			t.Errorf("%s: %s, want %s", filepath.Base(f), got, want)
		}
	}
	// The PID needs complete rows: an empty selected cell is refused by
	// its line; an empty cell in a column not selected is not read.
	lines := strings.Split(semi.String(), "\r\n")
	f := strings.Split(lines[5], ";")
	f[2] = "" // x1 of data row 5, on line 6
	lines[5] = strings.Join(f, ";")
	holed := writeText(t, dir, "h.csv", strings.Join(lines, "\r\n"))
	wantFailure(t, `line 6, column 2 ("x1"): empty cell: missing value; the PID needs complete rows`, append([]string{"pid", "-data", holed}, args...)...)
	if got := mustRun(t, "pid", "-data", holed, "-target", "target", "-x", "x2,x3", "-y", "y1-y3", "-json"); got == "" {
		t.Error("no output")
	}
}
