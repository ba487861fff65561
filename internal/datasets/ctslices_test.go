package datasets

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

var update = flag.Bool("update", false, "rewrite ../../testdata/ctslices_small.csv from its generator")

// ctSmallPath is the committed synthetic CT file; TestCTSlicesSmallGolden
// keeps it equal to writeSyntheticCT(…, 4, 8, 2011) and -update rewrites it.
const ctSmallPath = "../../testdata/ctslices_small.csv"

// writeSyntheticCT writes a CSV with the layout of the UCI CT-slice data
// and returns the values it wrote. Patient p (id 10·p+3, so ids are not
// contiguous) has rowsPer slices at uniform random axial positions
// r ∈ (0, 100). Each histogram is a bump whose centre moves with r,
//
//	bone_j = a·exp(−(j − 2.4·r)² / (2·15²)),        j = 0…239,
//	air_j  = a·exp(−(j − 1.44·(100 − r))² / (2·10²)), j = 0…143,
//
// with a ∈ [0.5, 1) drawn per slice, values rounded to 4 decimals and
// those below 0.02 set to 0; about 3 % of the bins hold −0.25, the
// "no data" code of the real file. The reference is therefore recoverable
// from either modality, as in the real data. Rows of the same patient are
// contiguous. Values are written in shortest form, so parsing returns them
// exactly.
func writeSyntheticCT(w io.Writer, patients, rowsPer int, seed uint64) (*CTSlices, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	n := patients * rowsPer
	want := &CTSlices{
		PatientID: make([]int, 0, n),
		Bone:      mat.NewDense(n, CTBoneFeatures, nil),
		Air:       mat.NewDense(n, CTAirFeatures, nil),
		Reference: make([]float64, 0, n),
	}
	var b strings.Builder
	b.WriteString("patientId")
	for j := range CTBoneFeatures + CTAirFeatures {
		fmt.Fprintf(&b, ",value%d", j)
	}
	b.WriteString(",reference\n")
	bin := func(centre, width float64, j int, a float64) float64 {
		if rng.Float64() < 0.03 {
			return -0.25
		}
		d := (float64(j) - centre) / width
		v := math.Round(a*math.Exp(-d*d/2)*1e4) / 1e4
		if v < 0.02 {
			return 0
		}
		return v
	}
	fmtF := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for p := range patients {
		for range rowsPer {
			i := len(want.Reference)
			id := 10*p + 3
			r := math.Round(rng.Float64()*100*1e6) / 1e6
			a := 0.5 + rng.Float64()/2
			b.WriteString(strconv.Itoa(id))
			for j := range CTBoneFeatures {
				v := bin(2.4*r, 15, j, a)
				want.Bone.Set(i, j, v)
				b.WriteString("," + fmtF(v))
			}
			for j := range CTAirFeatures {
				v := bin(1.44*(100-r), 10, j, a)
				want.Air.Set(i, j, v)
				b.WriteString("," + fmtF(v))
			}
			b.WriteString("," + fmtF(r) + "\n")
			want.PatientID = append(want.PatientID, id)
			want.Reference = append(want.Reference, r)
		}
	}
	_, err := io.WriteString(w, b.String())
	return want, err
}

func equalCT(t *testing.T, got, want *CTSlices) {
	t.Helper()
	if !slices.Equal(got.PatientID, want.PatientID) {
		t.Errorf("patient ids differ")
	}
	if !slices.Equal(got.Reference, want.Reference) {
		t.Errorf("references differ")
	}
	if !mat.Equal(got.Bone, want.Bone) {
		t.Errorf("bone histograms differ")
	}
	if !mat.Equal(got.Air, want.Air) {
		t.Errorf("air histograms differ")
	}
}

func TestReadCTSlicesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	want, err := writeSyntheticCT(&buf, 3, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadCTSlices(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	equalCT(t, got, want)

	// The same file gzipped, through LoadCTSlices, with CRLF line ends.
	crlf := bytes.ReplaceAll(buf.Bytes(), []byte("\n"), []byte("\r\n"))
	p := writeFile(t, t.TempDir(), "ct.csv.gz", gz(t, crlf))
	got, err = LoadCTSlices(p)
	if err != nil {
		t.Fatal(err)
	}
	equalCT(t, got, want)
}

// TestReadCTSlicesColumnOrder permutes the columns of a file (and adds one
// the loader must ignore): the result must not change.
func TestReadCTSlicesColumnOrder(t *testing.T) {
	var buf bytes.Buffer
	want, err := writeSyntheticCT(&buf, 2, 3, 11)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	width := len(strings.Split(lines[0], ","))
	perm := rand.New(rand.NewPCG(5, 5)).Perm(width)
	var out strings.Builder
	for li, line := range lines {
		f := strings.Split(line, ",")
		g := make([]string, 0, width+1)
		for _, k := range perm {
			g = append(g, f[k])
		}
		if li == 0 {
			g = append(g, "comment")
		} else {
			g = append(g, `"free, text"`)
		}
		out.WriteString(strings.Join(g, ",") + "\n")
	}
	got, err := ReadCTSlices(strings.NewReader(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	equalCT(t, got, want)
}

func TestReadCTSlicesErrors(t *testing.T) {
	var buf bytes.Buffer
	if _, err := writeSyntheticCT(&buf, 2, 2, 3); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	lines := strings.Split(strings.TrimSuffix(good, "\n"), "\n")
	edit := func(line int, f func([]string) []string) string {
		ls := slices.Clone(lines)
		ls[line] = strings.Join(f(strings.Split(ls[line], ",")), ",")
		return strings.Join(ls, "\n") + "\n"
	}
	set := func(col int, v string) func([]string) []string {
		return func(f []string) []string { f[col] = v; return f }
	}
	cases := []struct{ name, data, want string }{
		{"empty", "", "empty file"},
		{"header only", lines[0] + "\n", "no data rows"},
		{"missing column", edit(0, set(18, "valueX")), `no column "value17"`},
		{"missing reference", edit(0, set(385, "ref")), `no column "reference"`},
		{"duplicate column", edit(0, set(18, "value3")), `"value3" appears twice`},
		{"ragged row", edit(2, func(f []string) []string { return f[:100] }), "line 3 has 100 fields, the header has 386"},
		{"NaN value", edit(1, set(5, "NaN")), `line 2, column 5 ("value4"): "NaN" is a missing value`},
		{"Inf reference", edit(3, set(385, "+Inf")), `line 4, column 385 ("reference"): "+Inf": non-finite`},
		{"text value", edit(1, set(300, "abc")), `column 300 ("value299"): "abc": not a number`},
		{"empty value", edit(1, set(7, "")), `column 7 ("value6"): empty cell: missing value`},
		{"fractional patient", edit(2, set(0, "1.5")), `line 3, column "patientId": 1.5 is not an integer`},
		{"bare quote", edit(1, set(9, `1"2`)), `bare "`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCTSlices(strings.NewReader(tc.data))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v, want ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// Patient ids written as integral floats are accepted.
	d, err := ReadCTSlices(strings.NewReader(edit(1, set(0, "3.0"))))
	if err != nil || d.PatientID[0] != 3 {
		t.Errorf("patientId 3.0: got %v, %v", d, err)
	}
	if _, err := LoadCTSlices(filepath.Join(t.TempDir(), "absent.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: got %v", err)
	}
	// A truncated gzip stream is an error, not a short data set.
	z := gz(t, []byte(good))
	if _, err := ReadCTSlices(bytes.NewReader(z[:len(z)/2])); err == nil {
		t.Error("truncated gzip: no error")
	}
}

// TestLoadCTSlicesShared reads the 682-row excerpt of the real file: patients
// 0 and 1, reference 5.9–39.8, and the −0.25 "no data" code passed through.
func TestLoadCTSlicesShared(t *testing.T) {
	dir := sharedData(t, "ct_slices")
	d, err := LoadCTSlices(filepath.Join(dir, "slice_localization_partial682.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Reference) != 682 {
		t.Fatalf("%d rows, want 682", len(d.Reference))
	}
	ids := slices.Compact(slices.Sorted(slices.Values(d.PatientID)))
	if !slices.Equal(ids, []int{0, 1}) {
		t.Errorf("patients %v, want [0 1]", ids)
	}
	lo, hi := slices.Min(d.Reference), slices.Max(d.Reference)
	if math.Abs(lo-5.9) > 0.05 || math.Abs(hi-39.8) > 0.05 {
		t.Errorf("reference range [%v, %v], want ≈ [5.9, 39.8]", lo, hi)
	}
	noData := 0
	for _, v := range slices.Concat(d.Bone.RawMatrix().Data, d.Air.RawMatrix().Data) {
		if v == -0.25 {
			noData++
		} else if v < 0 || v > 1 {
			t.Fatalf("histogram value %v outside [0, 1] and not the −0.25 code", v)
		}
	}
	if noData == 0 {
		t.Error("no −0.25 entries: the no-data code was altered")
	}
	// The shared-data split by patient puts the two patients apart.
	tr, va, te, err := SplitByGroup(d.PatientID, [3]float64{0.5, 0, 0.5}, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(va) != 0 || len(tr)+len(te) != 682 || d.PatientID[tr[0]] == d.PatientID[te[0]] {
		t.Errorf("split by patient: %d/%d/%d rows, err %v", len(tr), len(va), len(te), err)
	}
}

// TestCTSlicesSmallGolden keeps testdata/ctslices_small.csv, a 32-row file
// other packages read in their tests, equal to its generator; run
// `go test ./internal/datasets -run CTSlicesSmallGolden -update` to rewrite it.
func TestCTSlicesSmallGolden(t *testing.T) {
	var buf bytes.Buffer
	want, err := writeSyntheticCT(&buf, 4, 8, 2011)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(ctSmallPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ctSmallPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	disk, err := os.ReadFile(ctSmallPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(disk, buf.Bytes()) {
		t.Fatalf("%s differs from its generator; run with -update", ctSmallPath)
	}
	got, err := LoadCTSlices(ctSmallPath)
	if err != nil {
		t.Fatal(err)
	}
	equalCT(t, got, want)
}

func BenchmarkReadCTSlices(b *testing.B) {
	var buf bytes.Buffer
	if _, err := writeSyntheticCT(&buf, 10, 200, 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadCTSlices(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
