package encoder

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Layer is one Linear (+ BatchNorm) (+ ReLU) block of a trained MLP, without
// any graph. Dropout is absent: inference never drops units.
type Layer struct {
	In, Out int
	W       []float64 // In×Out, row-major: W[i*Out+j] maps input i to output j
	B       []float64 // Out biases

	// BN enables inference-mode BatchNorm with the running statistics:
	// y = Gamma ⊙ (x − Mean)/√(Var + Eps) + Beta, all slices of length Out.
	BN                     bool
	Gamma, Beta, Mean, Var []float64
	Eps                    float64

	ReLU bool // max(0, ·) after the (BatchNorm of the) Linear map
}

// Weights is a graph-free copy of an MLP: enough for inference and for saving.
type Weights struct {
	Layers []Layer
}

// In returns the input width (0 for an empty Weights).
func (w *Weights) In() int {
	if w == nil || len(w.Layers) == 0 {
		return 0
	}
	return w.Layers[0].In
}

// Out returns the output width (0 for an empty Weights).
func (w *Weights) Out() int {
	if w == nil || len(w.Layers) == 0 {
		return 0
	}
	return w.Layers[len(w.Layers)-1].Out
}

// Clone returns a deep copy.
func (w *Weights) Clone() *Weights {
	if w == nil {
		return nil
	}
	c := &Weights{Layers: make([]Layer, len(w.Layers))}
	for i, l := range w.Layers {
		l.W = cloneSlice(l.W)
		l.B = cloneSlice(l.B)
		l.Gamma = cloneSlice(l.Gamma)
		l.Beta = cloneSlice(l.Beta)
		l.Mean = cloneSlice(l.Mean)
		l.Var = cloneSlice(l.Var)
		c.Layers[i] = l
	}
	return c
}

func cloneSlice(s []float64) []float64 {
	if s == nil {
		return nil
	}
	return append([]float64{}, s...)
}

// Validate checks that the layers chain (each In equals the previous Out),
// every slice has its stated length, every number is finite, BatchNorm
// variances are ≥ 0 and epsilons > 0. It is meant for weights read from a
// file.
func (w *Weights) Validate() error {
	if w == nil || len(w.Layers) == 0 {
		return fmt.Errorf("%w: no layers", ErrShape)
	}
	for i, l := range w.Layers {
		if l.In < 1 || l.Out < 1 {
			return fmt.Errorf("%w: layer %d is %d→%d", ErrShape, i, l.In, l.Out)
		}
		if i > 0 && l.In != w.Layers[i-1].Out {
			return fmt.Errorf("%w: layer %d takes %d inputs but layer %d gives %d", ErrShape, i, l.In, i-1, w.Layers[i-1].Out)
		}
		check := func(name string, s []float64, n int) error {
			if len(s) != n {
				return fmt.Errorf("%w: layer %d: len(%s) = %d, want %d", ErrShape, i, name, len(s), n)
			}
			for j, v := range s {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%w: layer %d: %s[%d] = %v", ErrNotFinite, i, name, j, v)
				}
			}
			return nil
		}
		if err := check("W", l.W, l.In*l.Out); err != nil {
			return err
		}
		if err := check("B", l.B, l.Out); err != nil {
			return err
		}
		if !l.BN {
			continue
		}
		for _, f := range []struct {
			name string
			s    []float64
		}{{"Gamma", l.Gamma}, {"Beta", l.Beta}, {"Mean", l.Mean}, {"Var", l.Var}} {
			if err := check(f.name, f.s, l.Out); err != nil {
				return err
			}
		}
		for j, v := range l.Var {
			if v < 0 {
				return fmt.Errorf("%w: layer %d: Var[%d] = %v < 0", ErrConfig, i, j, v)
			}
		}
		if !(l.Eps > 0) || math.IsInf(l.Eps, 1) {
			return fmt.Errorf("%w: layer %d: Eps = %v, want a finite value > 0", ErrConfig, i, l.Eps)
		}
	}
	return nil
}

// Forward runs inference on the rows of x (n × In) and returns the n × Out
// output: per layer h ← h·W + b (one blas64 Gemm), then, with BatchNorm, the
// running-statistics normalisation
//
//	α = 1/√(Var + Eps),  h ← Gamma ⊙ (h·α − Mean·α) + Beta,
//
// computed as the training graph's BatchNorm computes it (the same row
// kernels, operation for operation), then ReLU, max(h, 0); the rows are
// shared between two goroutines when there are many, which changes no bit.
// There is no dropout and no randomness. It
// returns an error for a column count other than In, an empty x, a NaN or
// infinite entry of x, or invalid weights.
func (w *Weights) Forward(x mat.Matrix) (*mat.Dense, error) {
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("encoder: Weights.Forward: %w", err)
	}
	if x == nil {
		return nil, fmt.Errorf("%w: Weights.Forward: nil input", ErrShape)
	}
	n, d := x.Dims()
	if n == 0 || d != w.In() {
		return nil, fmt.Errorf("%w: Weights.Forward: input is %d×%d, want n×%d with n ≥ 1", ErrShape, n, d, w.In())
	}
	if err := checkFinite(x); err != nil {
		return nil, fmt.Errorf("encoder: Weights.Forward: %w", err)
	}
	cur := x
	var out *mat.Dense
	for _, l := range w.Layers {
		out = mat.NewDense(n, l.Out, nil)
		out.Mul(cur, mat.NewDense(l.In, l.Out, l.W))
		var alpha, shift []float64
		if l.BN {
			alpha = make([]float64, l.Out)
			shift = make([]float64, l.Out)
			for c := range alpha {
				alpha[c] = 1 / math.Sqrt(l.Var[c]+l.Eps)
				shift[c] = -(l.Mean[c] * alpha[c])
			}
		}
		raw := out.RawMatrix()
		rows := func(lo, hi int) {
			for r := lo; r < hi; r++ {
				row := raw.Data[r*raw.Stride : r*raw.Stride+l.Out]
				addRow(row, l.B)
				switch {
				case l.BN && l.ReLU:
					bnReluRow(row, row, alpha, shift, l.Gamma, l.Beta)
				case l.BN:
					bnRow(row, row, alpha, shift, l.Gamma, l.Beta)
				case l.ReLU:
					for c, v := range row {
						row[c] = max(v, 0)
					}
				}
			}
		}
		halves(l.Out, n, rows) // the two halves of the rows
		cur = out
	}
	return out, nil
}

// checkFinite returns an ErrNotFinite error naming the first NaN or ±Inf entry of x.
func checkFinite(x mat.Matrix) error {
	if rm, ok := x.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		for i := 0; i < raw.Rows; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%w: input[%d][%d] = %v", ErrNotFinite, i, j, v)
				}
			}
		}
		return nil
	}
	r, c := x.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := x.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: input[%d][%d] = %v", ErrNotFinite, i, j, v)
			}
		}
	}
	return nil
}
