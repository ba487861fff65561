package table

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadGood(t *testing.T) {
	const withHeader = "\xef\xbb\xbf\"a\", b ,c\r\n1,2,3\r\n\r\n 4.5 ,-6e2,0x1p-2\r\n"
	want := mat.NewDense(2, 3, []float64{1, 2, 3, 4.5, -600, 0.25})
	for name, in := range map[string][]byte{
		"plain": []byte(withHeader),
		"gzip":  gz(t, withHeader),
	} {
		tab, err := Read(bytes.NewReader(in), Options{Header: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(tab.Header, []string{"a", "b", "c"}) || !mat.Equal(tab.Data, want) {
			t.Errorf("%s: header %q, data %v", name, tab.Header, mat.Formatted(tab.Data))
		}
	}
	tab, err := Read(strings.NewReader("1;2\n3;4\n"), Options{Comma: ';'})
	if err != nil || tab.Header != nil || !mat.Equal(tab.Data, mat.NewDense(2, 2, []float64{1, 2, 3, 4})) {
		t.Errorf("no header: %v %+v", err, tab)
	}
	tab, err = Read(strings.NewReader("id,x,name\n7,1.5,abc\n8,2.5,\"d,e\"\n"), Options{Header: true, Skip: []string{"name", "id"}})
	if err != nil || !slices.Equal(tab.Header, []string{"x"}) || !mat.Equal(tab.Data, mat.NewDense(2, 1, []float64{1.5, 2.5})) {
		t.Errorf("skip: %v %+v", err, tab)
	}
	if got := tab.Names([]int{0}); !slices.Equal(got, []string{"x"}) {
		t.Errorf("Names = %q", got)
	}
}

func TestReadFileGzipByNameAndMagic(t *testing.T) {
	dir := t.TempDir()
	const text = "x,y\n1,2\n3,4\n"
	files := map[string][]byte{
		"a.csv":    []byte(text),
		"b.csv.gz": gz(t, text),
		"c.csv":    gz(t, text), // compressed without the extension
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		tab, err := ReadFile(p, Options{Header: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !mat.Equal(tab.Data, mat.NewDense(2, 2, []float64{1, 2, 3, 4})) {
			t.Errorf("%s: %v", name, mat.Formatted(tab.Data))
		}
		sel := tab.Select([]int{1, 0})
		if !mat.Equal(sel, mat.NewDense(2, 2, []float64{2, 1, 4, 3})) {
			t.Errorf("Select: %v", mat.Formatted(sel))
		}
	}
	p := filepath.Join(dir, "bad.gz")
	os.WriteFile(p, []byte(text), 0o600)
	if _, err := ReadFile(p, Options{Header: true}); err == nil || !strings.HasPrefix(err.Error(), p) {
		t.Errorf(".gz that is not gzip: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.csv"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		header   bool
		is       error
		msg      string
	}{
		{"empty", "", true, ErrEmpty, "empty file"},
		{"blank lines", "\n\n", false, ErrEmpty, "empty file"},
		{"header only", "a,b\n", true, ErrNoRows, "no data rows"},
		{"ragged short", "a,b,c\n1,2,3\n4,5\n", true, ErrRagged, "line 3 has 2 fields, the header has 3"},
		{"ragged long", "1,2\n3,4,5\n", false, ErrRagged, "line 2 has 3 fields, the first row has 2"},
		{"text", "a,b\n1,2\n3,x7\n", true, ErrNumber, `line 3, column 1 ("b"): "x7"`},
		{"text no header", "1,2\n3,x7\n", false, ErrNumber, `line 2, column 1: "x7"`},
		{"empty cell", "a,b\n1,\n", true, ErrNumber, `line 2, column 1 ("b"): empty cell`},
		{"nan", "a,b\n1,2\nNaN,3\n", true, ErrNonFinite, `line 3, column 0 ("a"): "NaN"`},
		{"inf", "a,b\n1,-Inf\n", true, ErrNonFinite, `column 1 ("b"): "-Inf"`},
		{"overflow", "a\n1e999\n", true, ErrNonFinite, `"1e999"`},
		{"skip unknown", "a,b\n1,2\n", true, ErrColumnSpec, `"zz" to skip`},
		{"quote", "a,b\n1,\"2\n", true, nil, "extraneous or missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{Header: tc.header}
			if tc.name == "skip unknown" {
				opt.Skip = []string{"zz"}
			}
			_, err := Read(strings.NewReader(tc.in), opt)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.is, tc.msg)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
		})
	}
	if _, err := Read(strings.NewReader("a\n1\n"), Options{Skip: []string{"a"}}); err == nil {
		t.Error("Skip without Header accepted")
	}
}

// superconductivity is the real 21 263 × 82 file, when the shared data is
// present next to the repository.
const superconductivity = "../../../shared/data/superconductivity/train.csv.gz"

func TestReadSuperconductivity(t *testing.T) {
	if _, err := os.Stat(superconductivity); err != nil {
		t.Skip("shared data not present:", err)
	}
	if raceEnabled || testing.Short() {
		t.Skip("reads 24 MB; timed, so not under -race or -short")
	}
	start := time.Now()
	tab, err := ReadFile(superconductivity, Options{Header: true})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	r, c := tab.Data.Dims()
	if r != 21263 || c != 82 || tab.Header[81] != "critical_temp" {
		t.Fatalf("%d×%d, last column %q", r, c, tab.Header[c-1])
	}
	mean := mat.Sum(tab.Data.ColView(81)) / float64(r)
	if mean < 34.41 || mean > 34.43 { // documented mean critical_temp 34.42 K
		t.Errorf("mean critical_temp = %v", mean)
	}
	t.Logf("read %d×%d in %v", r, c, elapsed)
	if elapsed > 3*time.Second { // generous: 2 cores shared with other jobs
		t.Errorf("reading took %v", elapsed)
	}
}

func BenchmarkReadSuperconductivity(b *testing.B) {
	raw, err := os.ReadFile(superconductivity)
	if err != nil {
		b.Skip("shared data not present:", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(raw), Options{Header: true}); err != nil {
			b.Fatal(err)
		}
	}
}
