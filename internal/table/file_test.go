package table

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"gonum.org/v1/gonum/mat"
)

// writeFile writes content to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sameNaN compares matrices with NaN equal to NaN.
func sameNaN(a, b *mat.Dense) bool {
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb {
		return false
	}
	for i := range ra {
		for j := range ca {
			x, y := a.At(i, j), b.At(i, j)
			if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				return false
			}
		}
	}
	return true
}

var nan = math.NaN()

// readCols opens one CSV text with a header and reads the named columns.
func readCols(t *testing.T, text string, opt Options, spec string) (*Table, error) {
	t.Helper()
	opt.Header = true
	opt.Stdin = strings.NewReader(text)
	f, err := Open(opt, "-")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cols, err := f.Columns(spec)
	if err != nil {
		return nil, err
	}
	return f.Read(cols)
}

// TestShapes reads files of every shape a user brings: text and id
// columns, missing cells, other separators, trailing separators, CRLF,
// BOM and quotes.
func TestShapes(t *testing.T) {
	want := mat.NewDense(3, 2, []float64{1, 10, nan, 20, 3, nan})
	for _, tc := range []struct {
		name, text string
		opt        Options
		missing    []int
	}{
		{"text and id columns", "id,name,x,y\n7,\"Ba0.2La1.8Cu1O4\",1,10\nb,\"a, b\",NA,20\n9,,3,\n", Options{}, []int{1, 1}},
		{"semicolons", "id;x;y\n1;1;10\n2;;20\n3;3;NaN\n", Options{}, []int{1, 1}},
		{"tabs", "id\tx\ty\n1\t1\t10\n2\tN/A\t20\n3\t3\tnull\n", Options{}, []int{1, 1}},
		{"trailing separator everywhere", "x,y,\n1,10,\n,20,\n3,,\n", Options{}, []int{1, 1}},
		{"trailing separator in rows only", "x,y\n1,10,\n,20\n3,,\n", Options{}, []int{1, 1}},
		{"trailing separator in the header only", "x;y;\n1;10\n;20\n3;\n", Options{}, []int{1, 1}},
		{"CRLF, BOM, quotes", "\xef\xbb\xbf\"x\",\"y\"\r\n\"1\",10\r\n\"\",20\r\n3,\" \"\r\n", Options{}, []int{1, 1}},
		{"custom NA", "x,y\n1,10\n-999,20\n3,?\n", Options{NA: []string{"-999", "?"}}, []int{1, 1}},
		{"explicit separator", "x;y\n1;10\n;20\n3;\n", Options{Comma: ';'}, []int{1, 1}},
		{"blank lines", "x,y\n\n1,10\n\n,20\n3,\n\n", Options{}, []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := readCols(t, tc.text, tc.opt, "x,y")
			if err != nil {
				t.Fatal(err)
			}
			if !sameNaN(tab.Data, want) || !slices.Equal(tab.Missing, tc.missing) || !slices.Equal(tab.Header, []string{"x", "y"}) {
				t.Errorf("header %q, missing %v, data\n%v", tab.Header, tab.Missing, mat.Formatted(tab.Data))
			}
		})
	}
}

func TestShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, spec string
		opt              Options
		is               error
		msg              string
	}{
		{"ambiguous", "a,b;c\n1,2\n", "a", Options{}, ErrSeparator, "1 commas and 1 semicolons outside quotes, so the separator is ambiguous"},
		{"semicolon read as comma", "s1;s2;s3\n1;2;3\n", "s1-s3", Options{Comma: ','}, ErrColumnSpec, `the header has one column "s1;s2;s3": is the separator ';'? give it with -sep`},
		{"tab read as semicolon", "s1\ts2\n1\t2\n", "s1", Options{Comma: ';'}, ErrColumnSpec, `is the separator 'tab'?`},
		{"trailing field with a value", "x,y\n1,2,3\n", "x", Options{}, ErrRagged, "line 2 has 3 fields, the header has 2"},
		{"text in a selected column", "x,y\n1,abc\n", "y", Options{}, ErrNumber, `line 2, column 1 ("y"): "abc": not a number`},
		{"NA list without NaN", "x,y\n1,NaN\n", "y", Options{NA: []string{"NA"}}, ErrNonFinite, `line 2, column 1 ("y"): "NaN": non-finite value`},
		{"empty NA list keeps NA a word", "x,y\n1,NA\n", "y", Options{NA: []string{}}, ErrNumber, `"NA": not a number`},
		{"infinite", "x,y\n1,-Inf\n", "y", Options{}, ErrNonFinite, `"-Inf": non-finite`},
		{"overflow", "x,y\n1,1e999\n", "y", Options{}, ErrNonFinite, `"1e999"`},
		{"header only", "x,y\n", "y", Options{}, ErrNoRows, "header but no data rows"},
		{"bad sep", "x,y\n1,2\n", "y", Options{Comma: '|'}, ErrSeparator, "want ',', ';' or tab"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readCols(t, tc.text, tc.opt, tc.spec)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.is, tc.msg)
			}
			if err != nil && (strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "standard input: ")) {
				t.Errorf("error %q is not one line naming the input", err)
			}
		})
	}
}

func TestParseSep(t *testing.T) {
	for in, want := range map[string]rune{"": 0, "auto": 0, ",": ',', "comma": ',', ";": ';', "semicolon": ';', "tab": '\t', `\t`: '\t', "\t": '\t'} {
		if got, err := ParseSep(in); err != nil || got != want {
			t.Errorf("ParseSep(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"|", "  ", ",,", "space"} {
		if _, err := ParseSep(bad); !errors.Is(err, ErrSeparator) {
			t.Errorf("ParseSep(%q): %v", bad, err)
		}
	}
}

// TestJoin reads two files side by side: the shared column is read from
// both and compared, the files' text columns are never parsed.
func TestJoin(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", []byte("f1,f2,y\n1,2,10\n3,4,20\n5,6,\n"))
	b := writeFile(t, dir, "b.csv.gz", gz(t, "e1,e2,y,material\r\n0.5,0.5,10,\"Ba2Cu\"\r\n1,0,20.0,X\r\n0,1,,Y\r\n"))
	f, err := Open(Options{Header: true}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if h := f.Header(); !slices.Equal(h, []string{"f1", "f2", "y", "e1", "e2", "material"}) || f.Width() != 6 {
		t.Fatalf("joined header %q", h)
	}
	if f.Name() != a+" + "+b {
		t.Errorf("Name() = %q", f.Name())
	}
	cols, err := f.Columns("e1-e2,f1,y")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := f.Read(cols)
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 4, []float64{0.5, 0.5, 1, 10, 1, 0, 3, 20, 0, 1, 5, nan})
	if !sameNaN(tab.Data, want) || !slices.Equal(tab.Header, []string{"e1", "e2", "f1", "y"}) || !slices.Equal(tab.Missing, []int{0, 0, 0, 1}) {
		t.Errorf("header %q missing %v\n%v", tab.Header, tab.Missing, mat.Formatted(tab.Data))
	}
	if w := tab.Where(2, 0); w != "line 4 of "+b {
		t.Errorf("Where = %q", w)
	}

	// A file that contributes no column is still counted.
	c := writeFile(t, dir, "c.csv", []byte("z\nq\n"))
	f2, _ := Open(Options{Header: true}, a, c)
	defer f2.Close()
	if _, err := f2.Read([]int{0}); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "has 3 data rows but "+c+" has 1") {
		t.Errorf("row counts: %v", err)
	}
	// A shared column that differs says where.
	d := writeFile(t, dir, "d.csv", []byte("y,g\n10,1\n21,2\n,3\n"))
	f3, _ := Open(Options{Header: true}, a, d)
	defer f3.Close()
	cols, _ = f3.Columns("y,g")
	if _, err := f3.Read(cols); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), `column "y" is 20 at line 3 of `+a+" but 21 at line 3 of "+d) {
		t.Errorf("shared column: %v", err)
	}
	if _, err := Open(Options{Header: true, Stdin: strings.NewReader("x\n1\n")}, "-", "-"); err == nil {
		t.Error("standard input twice accepted")
	}
}

// pqRow is a Parquet schema with every kind of column the reader meets.
type pqRow struct {
	ID   string   `parquet:"id"`
	A    float64  `parquet:"a"`
	B    *float64 `parquet:"b,optional"`
	N    int32    `parquet:"n"`
	U    uint32   `parquet:"u"`
	L    int64    `parquet:"l"`
	F    float32  `parquet:"f"`
	D    int64    `parquet:"d,decimal(2:10)"`
	Flag bool     `parquet:"flag"`
	Tags []int64  `parquet:"tags,list"`
	Y    *float64 `parquet:"y,optional"`
}

func writeParquet(t testing.TB, rows []pqRow, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ptr(v float64) *float64 { return &v }

func pqRows(n int) []pqRow {
	rows := make([]pqRow, n)
	for i := range rows {
		x := float64(i)
		rows[i] = pqRow{ID: "r" + string(rune('a'+i%26)), A: x / 2, N: int32(-i), U: math.MaxUint32 - uint32(i), L: 1<<40 + int64(i),
			F: float32(x) + 0.5, D: int64(i*100 + 25), Flag: i%2 == 0, Tags: []int64{int64(i)}}
		if i%3 != 1 {
			rows[i].B = ptr(x)
		}
		if i%4 != 3 {
			rows[i].Y = ptr(10 * x)
		}
	}
	return rows
}

func TestParquet(t *testing.T) {
	const n = 2500
	rows := pqRows(n)
	// Small row groups and pages: the reader must cross their borders.
	raw := writeParquet(t, rows, parquet.MaxRowsPerRowGroup(700), parquet.PageBufferSize(512))
	dir := t.TempDir()
	for _, name := range []string{"d.parquet", "no-extension"} {
		p := writeFile(t, dir, name, raw)
		f, err := Open(Options{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if h := f.Header(); !slices.Equal(h, []string{"id", "a", "b", "n", "u", "l", "f", "d", "flag", "tags", "y"}) {
			t.Errorf("header %q", h)
		}
		cols, err := f.Columns("y,a-l,f-d")
		if err != nil {
			t.Fatal(err)
		}
		tab, err := f.Read(cols)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r, c := tab.Data.Dims(); r != n || c != 8 {
			t.Fatalf("%d×%d", r, c)
		}
		nb, ny := 0, 0
		for i, row := range rows {
			b, y := nan, nan
			if row.B != nil {
				b = *row.B
			} else {
				nb++
			}
			if row.Y != nil {
				y = *row.Y
			} else {
				ny++
			}
			want := []float64{y, row.A, b, float64(row.N), float64(row.U), float64(row.L), float64(row.F), float64(row.D) / 100}
			got := tab.Data.RawRowView(i)
			for k := range want {
				if got[k] != want[k] && !(math.IsNaN(got[k]) && math.IsNaN(want[k])) {
					t.Fatalf("row %d column %d: %v, want %v", i, k, got[k], want[k])
				}
			}
			if tab.Line[i] != i+1 {
				t.Fatalf("Line[%d] = %d", i, tab.Line[i])
			}
		}
		if !slices.Equal(tab.Missing, []int{ny, 0, nb, 0, 0, 0, 0, 0}) {
			t.Errorf("missing %v, want y %d b %d", tab.Missing, ny, nb)
		}
		if w := tab.Where(3, 0); w != "row 4" {
			t.Errorf("Where = %q", w)
		}
	}
	// Standard input, and the columns that are refused.
	for spec, msg := range map[string]string{
		"id":   `column "id" is BYTE_ARRAY (STRING): not a numeric column`,
		"flag": `column "flag" is BOOLEAN`,
		"tags": `column "tags" is a group of columns`,
	} {
		f, err := Open(Options{Stdin: bytes.NewReader(raw)}, "-")
		if err != nil {
			t.Fatal(err)
		}
		cols, err := f.Columns(spec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Read(cols)
		f.Close()
		if !errors.Is(err, ErrType) || !strings.Contains(err.Error(), msg) || !strings.HasPrefix(err.Error(), "standard input: ") {
			t.Errorf("%s: %v", spec, err)
		}
	}
	// Strict reading refuses a null.
	p := writeFile(t, dir, "s.parquet", raw)
	if _, err := ReadFile(p, Options{}); err == nil {
		t.Error("ReadFile read a file with text columns")
	}
	// A truncated or corrupt file is an error, not a panic.
	for name, b := range map[string][]byte{
		"trunc.parquet":   raw[:len(raw)/2],
		"garbage.parquet": []byte("PAR1 this is not parquet PAR1"),
		"zeroed.parquet":  zeroMiddle(raw),
	} {
		p := writeFile(t, dir, name, b)
		f, err := Open(Options{}, p)
		if err == nil {
			cols, _ := f.Columns("a,b,y")
			_, err = f.Read(cols)
			f.Close()
		}
		if err == nil && name != "zeroed.parquet" {
			t.Errorf("%s read without error", name)
		}
		if err != nil && !strings.HasPrefix(err.Error(), p+": ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// zeroMiddle returns b with a stretch of its data pages zeroed.
func zeroMiddle(b []byte) []byte {
	c := append([]byte(nil), b...)
	for i := len(c) / 4; i < len(c)/3; i++ {
		c[i] = 0
	}
	return c
}

func TestWriteParquetRoundTrip(t *testing.T) {
	data := mat.NewDense(3, 2, []float64{1.5, -2, 1e-300, 3, 7, math.MaxFloat64})
	var buf bytes.Buffer
	if err := WriteParquet(&buf, []string{"prediction_y", "prediction_a"}, data); err != nil {
		t.Fatal(err)
	}
	f, err := Open(Options{Stdin: &buf}, "-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols, err := f.Columns("prediction_y,prediction_a")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := f.Read(cols)
	if err != nil || !mat.Equal(tab.Data, data) {
		t.Fatalf("%v\n%v", err, mat.Formatted(tab.Data))
	}
	if err := WriteParquet(&buf, []string{"a", "a"}, data); err == nil {
		t.Error("duplicate names written")
	}
}

func TestReadBlocks(t *testing.T) {
	const text = "id,a1,a2,b1,b2,y,note\n" +
		"1,1,2,3,4,10,x\n" +
		"2,,2,,,11,y\n" + // modality B absent
		"3,1,NA,3,4,,z\n" + // no target: dropped
		"4,1,2,3,5,13,w\n"
	open := func() *File {
		f, err := Open(Options{Header: true, Stdin: strings.NewReader(text)}, "-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	req := Request{
		Inputs: []Block{{Name: "modality A", Spec: "a1-a2"}, {Name: "modality B", Spec: "b1,b2"}},
		Target: Block{Name: "-target", Spec: "y"},
	}
	b, err := open().ReadBlocks(req)
	if err != nil {
		t.Fatal(err)
	}
	r := b.Report
	if r.Rows != 4 || r.Kept != 3 || r.Dropped != 1 || r.FirstDropped != "line 4" {
		t.Errorf("report %+v", r)
	}
	// a2's NA is in the dropped row, b1 and b2 are the absent modality's:
	// only a1's empty cell is a missing input cell.
	if !slices.Equal(r.Missing, []Count{{"a1", 1}, {"y", 1}}) {
		t.Errorf("missing %v", r.Missing)
	}
	if !slices.Equal(r.Absent, []int{0, 1}) || !slices.Equal(r.Constant, []string{"a1", "a2", "b1"}) {
		t.Errorf("absent %v constant %v", r.Absent, r.Constant)
	}
	if !sameNaN(b.Inputs[0], mat.NewDense(3, 2, []float64{1, 2, nan, 2, 1, 2})) ||
		!sameNaN(b.Inputs[1], mat.NewDense(3, 2, []float64{3, 4, nan, nan, 3, 5})) ||
		!mat.Equal(b.Target, mat.NewDense(3, 1, []float64{10, 11, 13})) {
		t.Errorf("blocks %v %v %v", mat.Formatted(b.Inputs[0]), mat.Formatted(b.Inputs[1]), mat.Formatted(b.Target))
	}
	if !slices.Equal(b.InputNames[1], []string{"b1", "b2"}) || !slices.Equal(b.TargetNames, []string{"y"}) {
		t.Errorf("names %q %q", b.InputNames, b.TargetNames)
	}

	// With RefuseMissing, the first missing input cell of a kept row is
	// named (the dropped row's NA is not).
	req.RefuseMissing = true
	if _, err := open().ReadBlocks(req); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), `standard input: line 3, column "a1": missing value`) {
		t.Errorf("refuse: %v", err)
	}
	// A row without a whole modality is not a missing cell.
	req.Inputs[0].Spec = "a2"
	if b, err := open().ReadBlocks(req); err != nil || !slices.Equal(b.Report.Absent, []int{0, 1}) {
		t.Errorf("refuse with modality B absent in one row: %v", err)
	}

	// By name, without a target: all rows are kept.
	b, err = open().ReadBlocks(Request{Inputs: []Block{{Name: "modality B of the model", Names: []string{"b2", "b1"}}}})
	if err != nil || b.Report.Kept != 4 || b.Target != nil || !slices.Equal(b.InputNames[0], []string{"b2", "b1"}) {
		t.Errorf("by name: %v %+v", err, b)
	}

	for _, tc := range []struct {
		req Request
		msg string
	}{
		{Request{Inputs: []Block{{Name: "modality A", Spec: "a1"}}, Target: Block{Name: "-target", Spec: "1"}}, `column "a1" is in both modality A and -target`},
		{Request{Inputs: []Block{{Name: "modality A", Spec: "a9"}}}, `modality A: table: column list "a9": no column is named "a9"`},
		{Request{Inputs: []Block{{Name: "modality B of the model", Names: []string{"b3"}}}}, `standard input has no column "b3" (modality B of the model)`},
		{Request{Inputs: []Block{{Name: "modality A", Spec: "a1"}}, Target: Block{Name: "-target", Spec: "note"}}, `"x": not a number`},
	} {
		if _, err := open().ReadBlocks(tc.req); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("err = %v, want %q", err, tc.msg)
		}
	}
	// Every target missing.
	f, _ := Open(Options{Header: true, Stdin: strings.NewReader("x,y\n1,\n2,NA\n")}, "-")
	defer f.Close()
	if _, err := f.ReadBlocks(Request{Inputs: []Block{{Name: "A", Spec: "x"}}, Target: Block{Name: "-target", Spec: "y"}}); !errors.Is(err, ErrNoRows) {
		t.Errorf("no target at all: %v", err)
	}
	// Duplicated names are refused when selected.
	f, _ = Open(Options{Header: true, Stdin: strings.NewReader("x,x,y\n1,2,3\n")}, "-")
	defer f.Close()
	if _, err := f.ReadBlocks(Request{Inputs: []Block{{Name: "modality A", Spec: "0-1"}}}); !strings.Contains(err.Error(), `2 columns of standard input are named "x"`) {
		t.Errorf("duplicate: %v", err)
	}
}

// TestJoinParquetCounted joins a CSV file with a Parquet file whose columns
// are not read: its rows are still counted, from its first flat column
// (the string "id"; "tags" is a list).
func TestJoinParquetCounted(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("x\n")
	for i := range 40 {
		csv.WriteString(strings.Repeat("1", i%3+1) + "\n")
	}
	c := writeFile(t, dir, "x.csv", []byte(csv.String()))
	for n, ok := range map[int]bool{40: true, 39: false} {
		p := writeFile(t, dir, "p.parquet", writeParquet(t, pqRows(n), parquet.MaxRowsPerRowGroup(16)))
		f, err := Open(Options{Header: true}, c, p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Read([]int{0})
		f.Close()
		if ok != (err == nil) || !ok && !errors.Is(err, ErrMismatch) {
			t.Errorf("%d Parquet rows: %v", n, err)
		}
	}
}

// benchTable is a 20 000 × 80 matrix of random-looking values.
func benchTable() *mat.Dense {
	const r, c = 20000, 80
	d := make([]float64, r*c)
	x := uint64(1)
	for i := range d {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		d[i] = float64(x>>11) / (1 << 40)
	}
	return mat.NewDense(r, c, d)
}

func benchHeader(c int) []string {
	h := make([]string, c)
	for j := range h {
		h[j] = "c" + strconv.Itoa(j)
	}
	return h
}

// BenchmarkReadParquet reads 80 DOUBLE columns of 20 000 rows.
func BenchmarkReadParquet(b *testing.B) {
	data := benchTable()
	_, c := data.Dims()
	var buf bytes.Buffer
	if err := WriteParquet(&buf, benchHeader(c), data); err != nil {
		b.Fatal(err)
	}
	raw := buf.Bytes()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := NewReader(bytes.NewReader(raw), "bench", Options{})
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := f.Columns("c0-c79")
		if _, err := f.Read(cols); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCSVColumns reads 80 columns of 20 000 rows of CSV text
// (shortest round-trip formatting), and 8 of them: the cells not selected
// are not parsed.
func BenchmarkReadCSVColumns(b *testing.B) {
	data := benchTable()
	r, c := data.Dims()
	var sb strings.Builder
	sb.WriteString(strings.Join(benchHeader(c), ",") + "\n")
	for i := range r {
		for j := range c {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatFloat(data.At(i, j), 'g', -1, 64))
		}
		sb.WriteByte('\n')
	}
	raw := []byte(sb.String())
	for _, spec := range []string{"c0-c79", "c0-c7"} {
		b.Run(spec, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := NewReader(bytes.NewReader(raw), "bench", Options{Header: true})
				if err != nil {
					b.Fatal(err)
				}
				cols, _ := f.Columns(spec)
				if _, err := f.Read(cols); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
