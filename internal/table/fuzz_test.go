package table

import (
	"bytes"
	"math"
	"strings"
	"testing"
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

// FuzzReadCSV checks that any bytes either fail with a one-line error or
// yield a finite matrix whose header matches its width.
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
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, header bool) {
		tab, err := Read(bytes.NewReader(data), Options{Header: header})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		r, c := tab.Data.Dims()
		if r < 1 || c < 1 {
			t.Fatalf("%d×%d without error", r, c)
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
