package datasets

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Column counts of the UCI Superconductivity data (Hamidieh 2018).
const (
	SuperconPhysicsFeatures = 81 // train.csv: features derived from 8 element properties
	SuperconElements        = 86 // unique_m.csv: element fractions H … Rn
)

// Superconductivity is the UCI Superconductivity data set, seen as two
// modalities of the same materials: the physics features of train.csv and
// the chemical formula (element proportions) of unique_m.csv. Row i of every
// field describes the same material.
type Superconductivity struct {
	Physics      *mat.Dense // n × 81, the features of train.csv
	Elements     *mat.Dense // n × 86, the element columns of unique_m.csv
	Target       []float64  // n critical temperatures in kelvin
	Material     []string   // n chemical formulas, e.g. "Ba0.2La1.8Cu1O4"
	PhysicsNames []string   // 81 column names of Physics
	ElementNames []string   // 86 column names of Elements (element symbols)
}

// LoadSuperconductivity reads train.csv and unique_m.csv from dir, each
// gzipped (name + ".gz", preferred) or plain. See ReadSuperconductivity
// for the checks.
func LoadSuperconductivity(dir string) (*Superconductivity, error) {
	open := func(base string) (*os.File, string, error) {
		p, err := firstExisting(filepath.Join(dir, base+".gz"), filepath.Join(dir, base))
		if err != nil {
			return nil, "", fmt.Errorf("datasets: superconductivity: %w", err)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, "", fmt.Errorf("datasets: %w", err)
		}
		return f, p, nil
	}
	tf, tname, err := open("train.csv")
	if err != nil {
		return nil, err
	}
	defer tf.Close()
	uf, uname, err := open("unique_m.csv")
	if err != nil {
		return nil, err
	}
	defer uf.Close()
	return readSuperconductivity(tf, tname, uf, uname)
}

// ReadSuperconductivity reads the two files of the data set, plain or
// gzipped: train (81 feature columns, then critical_temp) and unique (86
// element columns, then critical_temp and material). It checks the column
// counts and the position of critical_temp and material, that every value
// is a finite number, that both files have the same number of rows, and
// that row by row their critical temperatures agree (to a relative 1e-9;
// in the published files they are identical strings). Any disagreement
// means the files are not row-aligned and is an ErrMismatch error.
func ReadSuperconductivity(train, unique io.Reader) (*Superconductivity, error) {
	return readSuperconductivity(train, "train.csv", unique, "unique_m.csv")
}

func readSuperconductivity(train io.Reader, tname string, unique io.Reader, uname string) (*Superconductivity, error) {
	// The two files are independent until the final comparison: read them
	// concurrently.
	type uniqueResult struct {
		elem, tc []float64
		material []string
		names    []string
		err      error
	}
	done := make(chan uniqueResult, 1)
	go func() {
		var u uniqueResult
		u.elem, u.tc, u.material, u.names, u.err = readSuperconUnique(unique, uname)
		done <- u
	}()
	phys, tc, pnames, terr := readSuperconTrain(train, tname)
	u := <-done
	if terr != nil {
		return nil, terr
	}
	if u.err != nil {
		return nil, u.err
	}
	n := len(tc)
	if len(u.tc) != n {
		return nil, fmt.Errorf("datasets: %s has %d rows but %s has %d: %w", uname, len(u.tc), tname, n, ErrMismatch)
	}
	for i, t := range u.tc {
		if d := math.Abs(t - tc[i]); d > 1e-9*max(1, math.Abs(t), math.Abs(tc[i])) {
			return nil, fmt.Errorf("datasets: data row %d: critical_temp is %v in %s but %v in %s; the files are not row-aligned: %w",
				i+1, tc[i], tname, t, uname, ErrMismatch)
		}
	}
	return &Superconductivity{
		Physics:      mat.NewDense(n, SuperconPhysicsFeatures, phys),
		Elements:     mat.NewDense(n, SuperconElements, u.elem),
		Target:       tc,
		Material:     u.material,
		PhysicsNames: pnames,
		ElementNames: u.names,
	}, nil
}

// readSuperconTrain reads train.csv: 81 features, then critical_temp.
func readSuperconTrain(r io.Reader, name string) (phys, tc []float64, names []string, err error) {
	f, err := openCSV(r, name)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	if err := checkHeader(name, f.Header(), SuperconPhysicsFeatures+1, []string{"critical_temp"}); err != nil {
		return nil, nil, nil, err
	}
	t, err := readComplete(f, upTo(SuperconPhysicsFeatures+1), nil)
	if err != nil {
		return nil, nil, nil, err
	}
	p := t.Select(upTo(SuperconPhysicsFeatures))
	return p.RawMatrix().Data, column(t, SuperconPhysicsFeatures), slices.Clone(f.Header()[:SuperconPhysicsFeatures]), nil
}

// readSuperconUnique reads unique_m.csv: 86 element fractions, then
// critical_temp and material.
func readSuperconUnique(r io.Reader, name string) (elem, tc []float64, material, names []string, err error) {
	f, err := openCSV(r, name)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer f.Close()
	if err := checkHeader(name, f.Header(), SuperconElements+2, []string{"critical_temp", "material"}); err != nil {
		return nil, nil, nil, nil, err
	}
	t, err := readComplete(f, upTo(SuperconElements+1), []int{SuperconElements + 1})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	e := t.Select(upTo(SuperconElements))
	return e.RawMatrix().Data, column(t, SuperconElements), t.Text[0], slices.Clone(f.Header()[:SuperconElements]), nil
}
