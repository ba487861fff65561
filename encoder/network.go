package encoder

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/fusion"
)

// Network is a trained multimodal network without any graph: one encoder
// per modality, the fusion weights and the regression head. It is what a
// trainer snapshots after every epoch (for validation and for keeping the
// best epoch) and what a saved model holds, so training-time validation and
// inference run the same code.
//
// Forward computes, for standardised inputs X₁ … X_M,
//
//	Zₘ = encₘ(Xₘ)   (BatchNorm with running statistics, no dropout, no bottleneck noise),
//	z  = Σᵢ wᵢZᵢ + Σ_{i<j} w_ij (Zᵢ⊙Z_j)   (fusion.FuseLatents; z = Z₁ for one modality),
//	ŷ  = head(z),
//
// in the head's (z-scored) target units.
type Network struct {
	Encoders []*Weights
	Head     *Weights
	// Fusion holds the fusion weights, one per term of fusion.Terms(M)
	// ((w₁, w₂, w₁₂) for two modalities); it is empty for one.
	Fusion []float64
}

// Validate checks that the pieces fit together: valid encoders with the
// head's input width, a valid head and fusion.NumTerms(M) finite fusion
// weights for M ≥ 2 modalities.
func (n *Network) Validate() error {
	if n == nil || len(n.Encoders) < 1 {
		return fmt.Errorf("%w: network with %d encoders, want at least one", ErrShape, n.sources())
	}
	if err := n.Head.Validate(); err != nil {
		return fmt.Errorf("head: %w", err)
	}
	for i, e := range n.Encoders {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("encoder %d: %w", i+1, err)
		}
		if e.Out() != n.Head.In() {
			return fmt.Errorf("%w: encoder %d gives %d values, the head takes %d", ErrShape, i+1, e.Out(), n.Head.In())
		}
	}
	want := 0
	if len(n.Encoders) >= 2 {
		want = fusion.NumTerms(len(n.Encoders))
	}
	if len(n.Fusion) != want {
		return fmt.Errorf("%w: %d fusion weights for %d encoders", ErrShape, len(n.Fusion), len(n.Encoders))
	}
	return nil
}

func (n *Network) sources() int {
	if n == nil {
		return 0
	}
	return len(n.Encoders)
}

// Clone returns a deep copy.
func (n *Network) Clone() *Network {
	c := &Network{Head: n.Head.Clone(), Fusion: cloneSlice(n.Fusion)}
	for _, e := range n.Encoders {
		c.Encoders = append(c.Encoders, e.Clone())
	}
	return c
}

// Latents returns each modality's latent Zₘ = encₘ(Xₘ) in inference mode.
func (n *Network) Latents(xs []mat.Matrix) ([]*mat.Dense, error) {
	if len(xs) != len(n.Encoders) {
		return nil, fmt.Errorf("%w: %d inputs for %d encoders", ErrShape, len(xs), len(n.Encoders))
	}
	zs := make([]*mat.Dense, len(xs))
	for i, x := range xs {
		z, err := n.Encoders[i].Forward(x)
		if err != nil {
			return nil, fmt.Errorf("encoder %d: %w", i+1, err)
		}
		zs[i] = z
	}
	return zs, nil
}

// forwardBlock is the number of rows Forward pushes through the network at
// a time: a block's activations (≈ 2k × 256 floats per layer) stay in cache
// and are recycled by the allocator, where a whole 10 000-row pass would
// allocate and fault in over 100 MB.
const forwardBlock = 1024

// Forward returns the head's output for the rows of the standardised inputs
// xs (one matrix per modality, equal row counts), in blocks of 1024 rows.
// mask, when not nil, says which rows have which modality (rows × M, 1 or
// 0): a row's weights are renormalised over the fusion terms of the
// modalities it has (fusion.RowWeights), and the latents of the others are
// not used.
func (n *Network) Forward(xs []mat.Matrix, mask mat.Matrix) (*mat.Dense, error) {
	if len(xs) != len(n.Encoders) || len(xs) == 0 {
		return nil, fmt.Errorf("%w: %d inputs for %d encoders", ErrShape, len(xs), len(n.Encoders))
	}
	rows, _ := xs[0].Dims()
	for i, x := range xs {
		if r, _ := x.Dims(); r != rows {
			return nil, fmt.Errorf("%w: input %d has %d rows, the first %d", ErrShape, i+1, r, rows)
		}
	}
	outW := n.Head.Out()
	out := mat.NewDense(rows, outW, nil)
	block := make([]mat.Matrix, len(xs))
	for lo := 0; lo < rows; lo += forwardBlock {
		hi := min(lo+forwardBlock, rows)
		for i, x := range xs {
			block[i] = sliceRows(x, lo, hi)
		}
		zs, err := n.Latents(block)
		if err != nil {
			return nil, err
		}
		fused := zs[0]
		if len(zs) >= 2 {
			lz := make([]mat.Matrix, len(zs))
			for i, z := range zs {
				lz[i] = z
			}
			var mk mat.Matrix
			if mask != nil {
				mk = sliceRows(mask, lo, hi)
			}
			if fused, err = fusion.FuseLatents(lz, n.Fusion, mk); err != nil {
				return nil, err
			}
		}
		p, err := n.Head.Forward(fused)
		if err != nil {
			return nil, fmt.Errorf("head: %w", err)
		}
		out.Slice(lo, hi, 0, outW).(*mat.Dense).Copy(p)
	}
	return out, nil
}

// sliceRows returns rows [lo, hi) of x without copying when x can be sliced.
func sliceRows(x mat.Matrix, lo, hi int) mat.Matrix {
	_, c := x.Dims()
	if s, ok := x.(interface {
		Slice(i, k, j, l int) mat.Matrix
	}); ok {
		return s.Slice(lo, hi, 0, c)
	}
	out := mat.NewDense(hi-lo, c, nil)
	for i := lo; i < hi; i++ {
		for j := 0; j < c; j++ {
			out.Set(i-lo, j, x.At(i, j))
		}
	}
	return out
}
