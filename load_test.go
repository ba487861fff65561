package pidreg

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/table"
)

// missingFile is the generated file of testdata/README.md: 60 rows, x2
// missing in rows 4 and 17, y1 in row 9, the target in rows 12 and 33.
const missingFile = "testdata/gauss_missing.csv"

var xySpec = Columns{
	Modalities: []ModalityColumns{{Name: "x", Columns: "x1-x3"}, {Name: "y", Columns: "y1-y3"}},
	Target:     "target",
}

// naive parses gauss_missing.csv by hand: rows of the 9 fields.
func naive(t *testing.T) [][]string {
	t.Helper()
	raw, err := os.ReadFile(missingFile)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\r\n")[1:] {
		rows = append(rows, strings.Split(strings.TrimSuffix(line, ";"), ";"))
	}
	return rows
}

func TestReadFileMissing(t *testing.T) {
	d, rep, err := ReadFile(missingFile, xySpec)
	if err != nil {
		t.Fatal(err)
	}
	rows := naive(t)
	var kept [][]string
	for _, r := range rows {
		if r[2] != "" && r[2] != "NA" {
			kept = append(kept, r)
		}
	}
	if d.Rows() != len(kept) || len(kept) != 58 || rep.Rows != 60 || rep.Dropped != 2 {
		t.Fatalf("%d rows (report %+v), want 58 of 60", d.Rows(), rep)
	}
	cell := func(s string) float64 {
		if s == "" || s == "NA" {
			return math.NaN()
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i, r := range kept {
		for j := range 3 {
			for m, off := range []int{3, 6} {
				got, want := d.Modalities[m].X.At(i, j), cell(r[off+j])
				if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("row %d modality %d column %d: %v, want %v", i, m, j, got, want)
				}
			}
		}
		if d.Y.At(i, 0) != cell(r[2]) {
			t.Fatalf("row %d target %v", i, d.Y.At(i, 0))
		}
	}
	if want := map[string]int{"x2": 2, "y1": 1, "target": 2}; len(rep.Missing) != 3 || rep.Missing["x2"] != 2 || rep.Missing["y1"] != 1 || rep.Missing["target"] != 2 {
		t.Errorf("missing %v, want %v", rep.Missing, want)
	}
	if rep.WithoutModality != nil || rep.Constant != nil {
		t.Errorf("report %+v", rep)
	}

	// Without a target, every row is kept and the target is not read.
	noY := xySpec
	noY.Target = ""
	d, rep, err = ReadFile(missingFile, noY)
	if err != nil || d.Y != nil || d.Rows() != 60 || rep.Dropped != 0 || rep.TargetColumns != nil {
		t.Errorf("no target: %v, %d rows, %+v", err, d.Rows(), rep)
	}
}

// TestReadFileParquet writes the CSV's columns as Parquet and reads both:
// the Datasets must be identical.
func TestReadFileParquet(t *testing.T) {
	spec := xySpec
	want, _, err := ReadFile(missingFile, spec)
	if err != nil {
		t.Fatal(err)
	}
	cols := mat.NewDense(want.Rows(), 7, nil)
	for i := range want.Rows() {
		row := cols.RawRowView(i)
		row[0] = want.Y.At(i, 0)
		for j := range 3 {
			row[1+j] = want.Modalities[0].X.At(i, j)
			row[4+j] = want.Modalities[1].X.At(i, j)
		}
	}
	var buf bytes.Buffer
	if err := table.WriteParquet(&buf, []string{"target", "x1", "x2", "x3", "y1", "y2", "y3"}, cols); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "d.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, rep, err := ReadFile(p, spec)
	if err != nil {
		t.Fatal(err)
	}
	for m := range 2 {
		if !equalNaN(got.Modalities[m].X, want.Modalities[m].X) {
			t.Errorf("modality %d differs", m)
		}
	}
	// NaN written as a DOUBLE is read as missing, like a null.
	if !mat.Equal(got.Y, want.Y) || rep.Missing["x2"] != 2 || rep.Missing["y1"] != 1 {
		t.Errorf("target or report differ: %+v", rep)
	}
}

func equalNaN(a, b mat.Matrix) bool {
	r, c := a.Dims()
	if rb, cb := b.Dims(); r != rb || c != cb {
		return false
	}
	for i := range r {
		for j := range c {
			x, y := a.At(i, j), b.At(i, j)
			if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				return false
			}
		}
	}
	return true
}

func TestReadFilesJoin(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("p1,p2,y\n1,2,10\n3,4,20\n5,6,30\n"), 0o644)
	os.WriteFile(b, []byte("e1,e2,y,name\n0,1,10,A\n1,0,20,B\n1,1,30,C\n"), 0o644)
	d, rep, err := ReadFiles([]string{a, b}, Columns{
		Modalities: []ModalityColumns{{Name: "p", Columns: "p1-p2"}, {Name: "e", Columns: "e1-e2"}},
		Target:     "y",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(d.Modalities[1].X, mat.NewDense(3, 2, []float64{0, 1, 1, 0, 1, 1})) || !mat.Equal(d.Y, mat.NewDense(3, 1, []float64{10, 20, 30})) {
		t.Errorf("joined data %v %v", d.Modalities[1].X, d.Y)
	}
	if !slices.Equal(rep.Columns[1], []string{"e1", "e2"}) {
		t.Errorf("columns %q", rep.Columns)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	one := Columns{Modalities: []ModalityColumns{{Name: "a", Columns: "a"}}, Target: "y"}
	for _, tc := range []struct {
		path string
		spec Columns
		is   error
		msg  string
	}{
		{filepath.Join(dir, "absent.csv"), one, fs.ErrNotExist, "absent.csv"},
		{write("text.csv", "a,y\n1,2\nx,3\n"), one, ErrInput, `line 3, column 0 ("a"): "x": not a number`},
		{write("inf.csv", "a,y\n1,2\n+Inf,3\n"), one, ErrInput, "non-finite"},
		{write("ambiguous.csv", "a,y;z\n1,2\n"), one, ErrInput, "the separator is ambiguous"},
		{write("unknown.csv", "a,y\n1,2\n"), Columns{Modalities: []ModalityColumns{{Name: "a", Columns: "b"}}}, ErrInput, `modality a: table: column list "b": no column is named "b"`},
		{write("overlap.csv", "a,y\n1,2\n"), Columns{Modalities: []ModalityColumns{{Name: "a", Columns: "a,y"}}, Target: "y"}, ErrInput, `column "y" is in both modality a and the target`},
		{write("x.csv", "a,y\n1,2\n"), Columns{}, ErrInput, "no modality"},
		{write("empty.csv", "a,y\n1,2\n"), Columns{Modalities: []ModalityColumns{{Name: "a"}}}, ErrInput, `modality 1 ("a") has no columns`},
		{write("notarget.csv", "a,y\n1,\n2,NA\n"), one, ErrInput, "every one of the 2 rows has a missing target value"},
	} {
		_, _, err := ReadFile(tc.path, tc.spec)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err %v, want %v containing %q", filepath.Base(tc.path), err, tc.is, tc.msg)
		}
	}
	// A separator given explicitly overrides the detection.
	p := write("semi.csv", "a;y\n1,5;2\n")
	if _, _, err := ReadFile(p, Columns{Modalities: one.Modalities, Target: "y", Sep: ','}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "is the separator ';'?") {
		t.Errorf("forced comma: %v", err)
	}
	if _, _, err := ReadFile(p, one); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "a decimal comma?") {
		t.Errorf("decimal comma: %v", err)
	}
	// A custom NA list replaces the default one.
	q := write("na.csv", "a,y\n1,2\n-999,3\nNA,4\n")
	// (In a one-column modality a missing cell is a row without the modality.)
	if _, rep, err := ReadFile(q, Columns{Modalities: one.Modalities, Target: "y", NA: []string{"-999", "NA"}}); err != nil || rep.WithoutModality["a"] != 2 {
		t.Errorf("custom NA: %v %+v", err, rep)
	}
	if _, _, err := ReadFile(q, Columns{Modalities: one.Modalities, Target: "y", NA: []string{}}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), `"NA": not a number`) {
		t.Errorf("empty NA list: %v", err)
	}
}

func TestSplitRowsSeeded(t *testing.T) {
	frac := [3]float64{0.7, 0.1, 0.2}
	a1, b1, c1, err := SplitRows(100, frac, 3)
	if err != nil {
		t.Fatal(err)
	}
	a2, b2, c2, _ := SplitRows(100, frac, 3)
	if !slices.Equal(a1, a2) || !slices.Equal(b1, b2) || !slices.Equal(c1, c2) {
		t.Error("the same seed gave different splits")
	}
	a3, _, _, _ := SplitRows(100, frac, 4)
	if slices.Equal(a1, a3) {
		t.Error("seeds 3 and 4 gave the same training part")
	}
	all := slices.Concat(a1, b1, c1)
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("the parts are not a partition of 0…99: %v", all)
		}
	}
	if len(a1) != 70 || len(b1) != 10 || len(c1) != 20 {
		t.Errorf("sizes %d/%d/%d", len(a1), len(b1), len(c1))
	}
	if _, _, _, err := SplitRows(2, frac, 1); !errors.Is(err, ErrInput) {
		t.Errorf("2 rows: %v", err)
	}
}

func TestSplitGroupsKeepsGroups(t *testing.T) {
	groups := make([]int, 300)
	for i := range groups {
		groups[i] = (i * 7) % 23
	}
	tr, va, te, err := SplitGroups(groups, [3]float64{0.6, 0.2, 0.2}, 5)
	if err != nil {
		t.Fatal(err)
	}
	part := map[int]int{}
	for k, p := range [][]int{tr, va, te} {
		for _, i := range p {
			if q, ok := part[groups[i]]; ok && q != k {
				t.Fatalf("group %d in parts %d and %d", groups[i], q, k)
			}
			part[groups[i]] = k
		}
	}
	if len(tr)+len(va)+len(te) != 300 {
		t.Errorf("%d rows", len(tr)+len(va)+len(te))
	}
	if _, _, _, err := SplitGroups([]int{1, 1}, [3]float64{1, 1, 1}, 1); !errors.Is(err, ErrInput) {
		t.Errorf("one group for three parts: %v", err)
	}
}
