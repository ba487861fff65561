package datasets

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Column layout of the UCI "Relative location of CT slices on axial axis"
// data (Graf et al. 2011): patientId, value0 … value383, reference. The
// first 240 values are a histogram of bone structures in polar space, the
// other 144 a histogram of air inclusions.
const (
	CTBoneFeatures = 240 // value0 … value239
	CTAirFeatures  = 144 // value240 … value383
)

// CTSlices is the CT-slice localisation data set: one row per slice.
//
// The reference is the relative axial position of the slice in [0, 100]
// (0 = top of the head, 100 = soles of the feet). Histogram entries of the
// published file take the value −0.25 where a bin holds no data; they are
// passed through unchanged.
type CTSlices struct {
	PatientID []int      // n patient identifiers (use them to split by patient)
	Bone      *mat.Dense // n × 240: value0 … value239
	Air       *mat.Dense // n × 144: value240 … value383
	Reference []float64  // n relative axial positions, the regression target
}

// LoadCTSlices reads the CT-slice CSV at path, plain or gzipped (recognised
// by content). See ReadCTSlices for the checks.
func LoadCTSlices(path string) (*CTSlices, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return readCTSlices(f, path)
}

// ReadCTSlices reads the CT-slice CSV from r, plain or gzipped. The header
// must name patientId, value0 … value383 and reference, in any order (other
// columns are ignored); every row must have as many fields as the header;
// patientId must be an integer and every other value a finite number. The
// error names the missing column, or the line and column of a bad value.
func ReadCTSlices(r io.Reader) (*CTSlices, error) { return readCTSlices(r, "CT slices") }

func readCTSlices(r io.Reader, name string) (*CTSlices, error) {
	f, err := openCSV(r, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	idx, err := columnIndex(name, f.Header())
	if err != nil {
		return nil, err
	}
	const nv = CTBoneFeatures + CTAirFeatures
	names := make([]string, 0, nv+2)
	names = append(names, "patientId")
	for j := range nv {
		names = append(names, "value"+strconv.Itoa(j))
	}
	names = append(names, "reference")
	pos := make([]int, len(names)) // pos[k] = field index of names[k]
	for k, nm := range names {
		i, ok := idx[nm]
		if !ok {
			return nil, fmt.Errorf("datasets: %s: header has no column %q (want patientId, value0…value%d, reference): %w",
				name, nm, nv-1, ErrFormat)
		}
		pos[k] = i
	}
	t, err := readComplete(f, pos, nil)
	if err != nil {
		return nil, err
	}
	n, _ := t.Data.Dims()
	patients := make([]int, n)
	for i := range patients {
		id, err := patientID(t.Data.At(i, 0))
		if err != nil {
			return nil, fmt.Errorf("datasets: %s: %s, column \"patientId\": %w", name, t.Where(i, 0), err)
		}
		patients[i] = id
	}
	return &CTSlices{
		PatientID: patients,
		Bone:      t.Select(upTo(CTBoneFeatures + 1)[1:]),
		Air:       t.Select(upTo(nv + 1)[CTBoneFeatures+1:]),
		Reference: column(t, nv+1),
	}, nil
}

// patientID accepts an integral value ("3" or "3.0").
func patientID(f float64) (int, error) {
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%v is not an integer patient id: %w", f, ErrFormat)
	}
	return int(f), nil
}
