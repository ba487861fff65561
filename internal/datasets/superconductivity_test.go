package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// superconFiles writes n rows of a small synthetic pair of files with the
// real layout (quoted headers, CRLF line ends, a material string that needs
// quoting) and returns them with the values written.
func superconFiles(n int, seed uint64) (train, unique string, phys, elem, tc []float64, material []string) {
	rng := rand.New(rand.NewPCG(seed, seed))
	var tb, ub strings.Builder
	for j := range SuperconPhysicsFeatures {
		fmt.Fprintf(&tb, "\"f%d\",", j)
	}
	tb.WriteString("\"critical_temp\"\r\n")
	for j := range SuperconElements {
		fmt.Fprintf(&ub, "e%d,", j)
	}
	ub.WriteString("critical_temp,material\r\n")
	ff := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i := range n {
		t := math.Round(rng.Float64()*185e5) / 1e5
		tc = append(tc, t)
		for range SuperconPhysicsFeatures {
			v := rng.NormFloat64() * 100
			phys = append(phys, v)
			tb.WriteString(ff(v) + ",")
		}
		tb.WriteString(ff(t) + "\r\n")
		for range SuperconElements {
			v := 0.0
			if rng.IntN(10) == 0 {
				v = math.Round(rng.Float64()*1e3) / 100
			}
			elem = append(elem, v)
			ub.WriteString(ff(v) + ",")
		}
		// The same temperature written differently ("29" against "29.0").
		m := fmt.Sprintf("Ba%d,Cu", i)
		material = append(material, m)
		fmt.Fprintf(&ub, "%s,%q\r\n", strconv.FormatFloat(t, 'f', 6, 64), m)
	}
	return tb.String(), ub.String(), phys, elem, tc, material
}

func TestReadSuperconductivity(t *testing.T) {
	tr, un, phys, elem, tc, material := superconFiles(50, 1)
	d, err := ReadSuperconductivity(strings.NewReader(tr), bytes.NewReader(gz(t, []byte(un))))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Physics.RawMatrix().Data, phys) || !slices.Equal(d.Elements.RawMatrix().Data, elem) {
		t.Error("feature values differ from those written")
	}
	if !slices.Equal(d.Target, tc) || !slices.Equal(d.Material, material) {
		t.Error("targets or materials differ from those written")
	}
	if r, c := d.Physics.Dims(); r != 50 || c != 81 {
		t.Errorf("physics %d×%d", r, c)
	}
	if r, c := d.Elements.Dims(); r != 50 || c != 86 {
		t.Errorf("elements %d×%d", r, c)
	}
	if len(d.PhysicsNames) != 81 || d.PhysicsNames[0] != "f0" || d.PhysicsNames[80] != "f80" ||
		len(d.ElementNames) != 86 || d.ElementNames[85] != "e85" {
		t.Errorf("column names %v … / %v …", d.PhysicsNames[:2], d.ElementNames[:2])
	}
}

func TestReadSuperconductivityErrors(t *testing.T) {
	tr, un, _, _, _, _ := superconFiles(4, 2)
	trLines := strings.Split(tr, "\r\n")
	unLines := strings.Split(un, "\r\n")
	join := func(ls []string) string { return strings.Join(ls, "\r\n") }
	replaceField := func(ls []string, line, field int, v string) string {
		out := slices.Clone(ls)
		f := strings.Split(out[line], ",")
		f[field] = v
		out[line] = strings.Join(f, ",")
		return join(out)
	}
	dropLine := func(ls []string, line int) string {
		return join(slices.Delete(slices.Clone(ls), line, line+1))
	}
	cases := []struct {
		name        string
		train, uniq string
		err         error
		want        string
	}{
		{"temperature differs", replaceField(trLines, 3, 81, "99.5"), un, ErrMismatch, "data row 3: critical_temp is 99.5 in train.csv"},
		{"unique shorter", tr, dropLine(unLines, 4), ErrMismatch, "unique_m.csv has 3 rows but train.csv has 4"},
		{"unique longer", dropLine(trLines, 4), un, ErrMismatch, "unique_m.csv has 4 rows but train.csv has 3"},
		{"train width", replaceField(trLines, 0, 80, `"a","b"`), un, ErrFormat, "header has 83 columns, want 82"},
		{"train last column", replaceField(trLines, 0, 81, "Tc"), un, ErrFormat, `column 82 is "Tc", want "critical_temp"`},
		{"unique material column", tr, replaceField(unLines, 0, 87, "formula"), ErrFormat, `want "material"`},
		{"duplicate name", replaceField(trLines, 0, 1, "f0"), un, ErrFormat, `"f0" appears twice`},
		{"NaN feature", replaceField(trLines, 2, 7, "NaN"), un, ErrFormat, `train.csv: line 3, column 7 ("f7"): "NaN" is a missing value`},
		{"bad element", tr, replaceField(unLines, 1, 3, "x"), ErrFormat, `unique_m.csv: line 2, column 3 ("e3")`},
		{"ragged", replaceField(trLines, 1, 5, "1,2"), un, ErrFormat, "line 2 has 83 fields, the header has 82"},
		{"no rows", trLines[0] + "\r\n", unLines[0] + "\r\n", ErrFormat, "no data rows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSuperconductivity(strings.NewReader(tc.train), strings.NewReader(tc.uniq))
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	if _, err := LoadSuperconductivity(t.TempDir()); err == nil || !strings.Contains(err.Error(), "train.csv") {
		t.Errorf("empty directory: got %v", err)
	}
}

// TestLoadSuperconductivityShared reads the real files and checks them
// against the published description and against each other: the physics
// feature number_of_elements must equal the number of non-zero element
// fractions in the other file, row by row.
func TestLoadSuperconductivityShared(t *testing.T) {
	d, err := LoadSuperconductivity(sharedData(t, "superconductivity"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.Target)
	if n != 21263 {
		t.Fatalf("%d rows, want 21263", n)
	}
	var sum float64
	for _, v := range d.Target {
		sum += v
	}
	if mean := sum / float64(n); math.Abs(mean-34.42) > 0.005 {
		t.Errorf("mean critical temperature %.4f, want 34.42", mean)
	}
	if lo, hi := slices.Min(d.Target), slices.Max(d.Target); lo != 0.00021 || hi != 185 {
		t.Errorf("critical temperature range [%v, %v], want [0.00021, 185]", lo, hi)
	}
	if d.PhysicsNames[0] != "number_of_elements" || d.ElementNames[0] != "H" || d.ElementNames[85] != "Rn" {
		t.Errorf("names: %q, %q … %q", d.PhysicsNames[0], d.ElementNames[0], d.ElementNames[85])
	}
	zero := []string{}
	for j, name := range d.ElementNames {
		allZero := true
		for i := range n {
			allZero = allZero && d.Elements.At(i, j) == 0
		}
		if allZero {
			zero = append(zero, name)
		}
	}
	if want := []string{"He", "Ne", "Ar", "Kr", "Xe", "Pm", "Po", "At", "Rn"}; !slices.Equal(zero, want) {
		t.Errorf("all-zero element columns %v, want %v", zero, want)
	}
	for i := range n {
		nz := 0
		for _, v := range d.Elements.RawRowView(i) {
			if v != 0 {
				nz++
			}
		}
		if float64(nz) != d.Physics.At(i, 0) {
			t.Fatalf("row %d (%s): number_of_elements %v but %d non-zero element fractions",
				i, d.Material[i], d.Physics.At(i, 0), nz)
		}
	}
}

func BenchmarkLoadSuperconductivity(b *testing.B) {
	dir := sharedData(b, "superconductivity")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadSuperconductivity(dir); err != nil {
			b.Fatal(err)
		}
	}
}
