package transform

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// computed is a matrix without raw rows: (i, j) ↦ 10i + j.
type computed struct{ r, c int }

func (m computed) Dims() (int, int)    { return m.r, m.c }
func (m computed) At(i, j int) float64 { return float64(10*i + j) }
func (m computed) T() mat.Matrix       { return mat.Transpose{Matrix: m} }

// reader is computed with a ReadRow that counts its calls (FitPipeline
// reads from several goroutines).
type reader struct {
	computed
	calls *atomic.Int64
}

func (m reader) ReadRow(dst []float64, i, j int) {
	m.calls.Add(1)
	for k := range dst {
		dst[k] = m.At(i, j+k)
	}
}

func TestRow(t *testing.T) {
	d := mat.NewDense(3, 4, nil)
	for i := range 3 {
		for j := range 4 {
			d.Set(i, j, float64(10*i+j))
		}
	}
	var calls atomic.Int64
	for _, x := range []mat.Matrix{d, computed{3, 4}, reader{computed{3, 4}, &calls}} {
		for i := range 3 {
			for j := 0; j <= 4; j++ {
				for w := 0; j+w <= 4; w++ {
					got := Row(make([]float64, w), x, i, j)
					if len(got) != w {
						t.Fatalf("%T: Row(%d, %d) of %d has %d values", x, i, j, w, len(got))
					}
					for k, v := range got {
						if v != float64(10*i+j+k) {
							t.Fatalf("%T: Row(%d, %d)[%d] = %v", x, i, j, k, v)
						}
					}
				}
			}
		}
	}
	if calls.Load() == 0 {
		t.Error("Row never called ReadRow")
	}
	// A raw row is a view: no copy.
	v := Row(make([]float64, 2), d, 1, 1)
	v[0] = -1
	if d.At(1, 1) != -1 {
		t.Error("Row of a *mat.Dense copied")
	}
}

// TestFitPipelineReaders: the fit and the transform read a RowReader
// through ReadRow and give the same pipeline and values as from a
// *mat.Dense copy, across several column blocks.
func TestFitPipelineReaders(t *testing.T) {
	const r, c = 50, 2*fitBlock + 3
	var calls atomic.Int64
	x := reader{computed{r, c}, &calls}
	d := mat.DenseCopyOf(x)
	for _, opt := range []PipelineOptions{{}, {Quantile: true}} {
		pd, err := FitPipeline(d, opt)
		if err != nil {
			t.Fatal(err)
		}
		calls.Store(0)
		px, err := FitPipeline(x, opt)
		if err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 3*r {
			t.Errorf("fit: %d ReadRow calls, want one per row and block (%d)", n, 3*r)
		}
		zd, err := pd.Transform(d)
		if err != nil {
			t.Fatal(err)
		}
		zx, err := px.Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(zd, zx) {
			t.Errorf("quantile %v: the transforms differ", opt.Quantile)
		}
	}
}

// TestFitPipelineGoroutines: the fit is the same for every GOMAXPROCS, and
// of several bad columns in different blocks the error names the first.
func TestFitPipelineGoroutines(t *testing.T) {
	const r, c = 40, 4*fitBlock + 5
	rng := rand.New(rand.NewPCG(3, 4))
	x := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	x.Set(3, 7, math.NaN())
	for j := range r {
		x.Set(j, 2*fitBlock+1, 5) // a constant column
	}
	bad := mat.DenseCopyOf(x)
	bad.Set(9, fitBlock+3, math.Inf(1))
	bad.Set(2, 3*fitBlock+2, math.Inf(-1))
	bad.Set(1, 4*fitBlock+1, math.Inf(1))
	want := fmt.Sprintf("column %d, row 9", fitBlock+3)
	var ref *Pipeline
	for _, procs := range []int{1, 2, 3, 8} {
		prev := runtime.GOMAXPROCS(procs)
		p, err := FitPipeline(x, PipelineOptions{Quantile: true})
		_, berr := FitPipeline(bad, PipelineOptions{})
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = p
		} else if !reflect.DeepEqual(p, ref) {
			t.Errorf("GOMAXPROCS=%d: the pipeline differs from GOMAXPROCS=1", procs)
		}
		if berr == nil || !errors.Is(berr, ErrNonFinite) || !strings.Contains(berr.Error(), want) {
			t.Errorf("GOMAXPROCS=%d: error %v, want the first bad value (%s)", procs, berr, want)
		}
	}
	if got := ref.Constant(); !reflect.DeepEqual(got, []int{2*fitBlock + 1}) {
		t.Errorf("constant columns %v", got)
	}
}
