package table

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"gonum.org/v1/gonum/mat"
)

// FuzzParseColumns checks that any list and header either fail with an error
// or yield distinct, in-range indices.
func FuzzParseColumns(f *testing.F) {
	for _, s := range [][2]string{
		{"0,1-3,y", "t,x,y,z"},
		{"2-3", "a,b,2-3,c"},
		{"x-1,-,,", "x-1,x-2"},
		{"999999999999999999999-1", ""},
		{" 1 - 2 ", "a,b,c"},
		{"a,a", "a,b"},
	} {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, spec, headerList string, useHeader bool) {
		header := strings.Split(headerList, ",")
		ncols := len(header)
		if !useHeader {
			header = nil
		}
		cols, err := ParseColumns(spec, header, ncols)
		if err != nil {
			if len(cols) != 0 {
				t.Fatalf("error %v with columns %v", err, cols)
			}
			return
		}
		if len(cols) == 0 {
			t.Fatal("no columns and no error")
		}
		seen := make(map[int]bool)
		for _, j := range cols {
			if j < 0 || j >= ncols || seen[j] {
				t.Fatalf("bad column %d in %v (ncols %d)", j, cols, ncols)
			}
			seen[j] = true
		}
	})
}

// seps are the separators a fuzz input picks from: detection, then the
// three supported ones.
var seps = []rune{0, ',', ';', '\t'}

// FuzzReadCSV checks that any bytes, read whole with any separator, either
// fail with a one-line error or yield a finite matrix whose header matches
// its width.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n3,4\n",
		"1,2\n3\n",
		"a,b\n1,NaN\n",
		"\"a\",\"b\"\r\n1e308,-1e-308\r\n",
		"\xef\xbb\xbfx\n0x1p3\n",
		"a,\"b\nc\"\n1,2\n",
		"",
		"\n\n,\n",
		"\x1f\x8b\x08\x00",
		"a;b;\n1;2;\n",
		"a\tb\n1\t2\n",
		"a,b;c\n1,2\n",
	} {
		for k := range seps {
			f.Add([]byte(s), true, uint8(k))
		}
		f.Add([]byte(s), false, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, header bool, sep uint8) {
		tab, err := Read(bytes.NewReader(data), Options{Header: header, Comma: seps[int(sep)%len(seps)]})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		r, c := tab.Data.Dims()
		if r < 1 || c < 1 || len(tab.Line) != r {
			t.Fatalf("%d×%d, %d lines, without error", r, c, len(tab.Line))
		}
		if header && len(tab.Header) != c || !header && tab.Header != nil {
			t.Fatalf("header %q for %d columns", tab.Header, c)
		}
		for i := range r {
			for _, v := range tab.Data.RawRowView(i) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite %v", v)
				}
			}
		}
	})
}

// FuzzReadColumns reads selected columns of any bytes, with any separator
// and missing-value list, and checks what Read promises: one-line errors
// naming the input; on success one row per data line in increasing line
// order, the missing counts equal to the NaN cells, no infinity, and the
// same values as reading the same columns one at a time (parsing a column
// does not depend on which others are read).
func FuzzReadColumns(f *testing.F) {
	for _, s := range []struct{ data, na, spec string }{
		{"id,x,y\na,1,2\nb,,NA\n", "", "x,y"},
		{"x;y;\r\n1;2;\r\n;NA;\r\n", "NA", "0-1"},
		{"x\ty\n-999\t2\n3\t?\n", "-999,?", "y,x"},
		{"\"s1;s2\"\n1\n", "", "s1"},
		{"a,a,b\n1,2,3\n", "", "a-b"},
		{"x,y\n1e999,1\n", "", "y"},
		{"x,y\n1,2,\n3,4\n", "", "1"},
		{"k,text\n1,\"a,b\"\n2,\"c\n\"\"d\"\"\"\n", "", "k"},
	} {
		for k := range seps {
			f.Add([]byte(s.data), uint8(k), s.na, s.spec)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, sep uint8, na, spec string) {
		opt := Options{Header: true, Comma: seps[int(sep)%len(seps)]}
		if na != "" {
			opt.NA = strings.Split(na, ",")
		}
		var cols []int
		read := func(spec string) (*Table, error) {
			o := opt
			o.Stdin = bytes.NewReader(data)
			fl, err := Open(o, "-")
			if err != nil {
				return nil, err
			}
			defer fl.Close()
			if cols, err = fl.Columns(spec); err != nil {
				return nil, err
			}
			return fl.Read(cols)
		}
		tab, err := read(spec)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "standard input: ") && !strings.HasPrefix(msg, "table: ") {
				t.Fatalf("error %q is not one line naming the input", msg)
			}
			return
		}
		r, c := tab.Data.Dims()
		if len(tab.Line) != r || len(tab.Missing) != c || len(tab.Header) != c {
			t.Fatalf("%d×%d with %d lines, %d counts, header %q", r, c, len(tab.Line), len(tab.Missing), tab.Header)
		}
		for i := 1; i < r; i++ {
			if tab.Line[i] <= tab.Line[i-1] {
				t.Fatalf("lines %v not increasing", tab.Line)
			}
		}
		for k := range c {
			n := 0
			for i := range r {
				v := tab.Data.At(i, k)
				if math.IsInf(v, 0) {
					t.Fatalf("infinite value at %d,%d", i, k)
				}
				if math.IsNaN(v) {
					n++
				}
			}
			if n != tab.Missing[k] {
				t.Fatalf("column %d: %d NaN cells, %d counted missing", k, n, tab.Missing[k])
			}
			// The same column alone, by index into the header.
			o := opt
			o.Stdin = bytes.NewReader(data)
			fl, err := Open(o, "-")
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			one, err := fl.Read(cols[k : k+1])
			fl.Close()
			if err != nil {
				t.Fatalf("column %q alone: %v", tab.Header[k], err)
			}
			for i := range r {
				x, y := tab.Data.At(i, k), one.Data.At(i, 0)
				if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
					t.Fatalf("row %d column %q: %v read with others, %v alone", i, tab.Header[k], x, y)
				}
			}
		}
	})
}

// FuzzParquet mutates small Parquet files and reads their numeric columns:
// a corrupt file must give a one-line error, never a panic or a hang, and a
// readable one the values' invariants.
func FuzzParquet(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteParquet(&buf, []string{"a", "b"}, mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), "a,b")
	f.Add(writeParquet(f, pqRows(40)), "a-l,y")
	f.Add(writeParquet(f, pqRows(300), parquet.MaxRowsPerRowGroup(100), parquet.PageBufferSize(256)), "y,b,d")
	f.Fuzz(func(t *testing.T, data []byte, spec string) {
		if len(data) > 1<<16 {
			return
		}
		fl, err := Open(Options{Stdin: bytes.NewReader(data)}, "-")
		if err == nil {
			var cols []int
			if cols, err = fl.Columns(spec); err == nil {
				var tab *Table
				if tab, err = fl.Read(cols); err == nil {
					r, c := tab.Data.Dims()
					if len(tab.Line) != r || c != len(cols) {
						t.Fatalf("%d×%d, %d lines", r, c, len(tab.Line))
					}
				}
			}
			fl.Close()
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}
