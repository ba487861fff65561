package trainer

import "fmt"

// Inputs holds the standardised training rows of every modality once, in
// float32: half the memory of float64, and more precision than a network's
// inputs need (a standardised value keeps 7 significant digits). Step
// copies a batch of rows into the graph's float64 input tensors.
type Inputs struct {
	N    int         // rows
	Dims []int       // columns of each modality
	X    [][]float32 // X[m] is modality m's rows, row-major, N×Dims[m]
	// Present, when set, says which rows have which modality, N×len(Dims)
	// row-major; nil means every row has every modality. The stored rows
	// of an absent modality must still be finite (imputed values).
	Present []bool
}

// NewInputs allocates the store of n rows of modalities with the given
// column counts.
func NewInputs(n int, dims []int) *Inputs {
	in := &Inputs{N: n, Dims: append([]int(nil), dims...), X: make([][]float32, len(dims))}
	for m, d := range dims {
		in.X[m] = make([]float32, n*d)
	}
	return in
}

// SetRows writes rows [lo, lo+len(rows)/d) of modality m from float64
// values (row-major, d = Dims[m] columns).
func (in *Inputs) SetRows(m, lo int, rows []float64) error {
	d := in.Dims[m]
	if len(rows)%d != 0 || lo < 0 || lo*d+len(rows) > len(in.X[m]) {
		return fmt.Errorf("trainer: %d values at row %d of a %d×%d input", len(rows), lo, in.N, d)
	}
	dst := in.X[m][lo*d : lo*d+len(rows)]
	for i, v := range rows {
		dst[i] = float32(v)
	}
	return nil
}

// row returns row r of modality m.
func (in *Inputs) row(m, r int) []float32 {
	d := in.Dims[m]
	return in.X[m][r*d : (r+1)*d]
}

// present reports whether row r has modality m.
func (in *Inputs) present(r, m int) bool {
	return in.Present == nil || in.Present[r*len(in.Dims)+m]
}
