package fusion

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layer fuses M latents in a graph with one weight per term, shared by all
// rows:
//
//	z = Σ_i w_i Z_i + Σ_{i<j} w_ij (Z_i ⊙ Z_j),
//
// the terms in the order of Terms, as one op with one gradient op per
// latent (see the package doc). The weights are a vector input node of
// length NumTerms(M); they are constants for the graph, no gradient is
// computed for them.
type Layer struct {
	m         int
	w         *G.Node
	forwarded bool
}

// NewLayer adds the weight node of the fusion of m ≥ 1 latents to g, named
// "fusion.w" (or "fusion.w#2", … if that name is taken, since gorgonia
// merges input nodes with equal names), with equal initial weights
// 1/NumTerms(m). The error wraps ErrShape for m < 1 or a nil graph.
func NewLayer(g *G.ExprGraph, m int) (*Layer, error) {
	if g == nil || m < 1 {
		return nil, fmt.Errorf("%w: NewLayer: %d latents (want ≥ 1) or nil graph", ErrShape, m)
	}
	nt := NumTerms(m)
	v := make([]float64, nt)
	for i := range v {
		v[i] = 1 / float64(nt)
	}
	t := tensor.New(tensor.WithShape(nt), tensor.WithBacking(v))
	return &Layer{m: m, w: G.NewVector(g, tensor.Float64, G.WithShape(nt), G.WithName(weightName(g)), G.WithValue(t))}, nil
}

// weightName returns the first free name of the series fusion.w, fusion.w#2, ….
func weightName(g *G.ExprGraph) string {
	name := "fusion.w"
	for i := 2; len(g.ByName(name)) > 0; i++ {
		name = fmt.Sprintf("fusion.w#%d", i)
	}
	return name
}

// Node returns the weight input node.
func (l *Layer) Node() *G.Node { return l.w }

// Sources returns the number of latents.
func (l *Layer) Sources() int { return l.m }

// Forward wires the fused node for the M float64 matrices zs, all of the
// same shape and in the layer's graph. It may be called only once.
func (l *Layer) Forward(zs ...*G.Node) (*G.Node, error) {
	if l.forwarded {
		return nil, fmt.Errorf("fusion: Layer.Forward already called")
	}
	z, err := forward("Layer.Forward", l.w, l.m, -1, zs, false)
	if err == nil {
		l.forwarded = true
	}
	return z, err
}

// Set writes w (length NumTerms(M)) into the weight node in place; the next
// RunAll reads it. A wrong length (ErrShape) or a non-finite weight
// (ErrNotFinite) is refused, leaving the node unchanged.
func (l *Layer) Set(w []float64) error {
	if len(w) != NumTerms(l.m) {
		return fmt.Errorf("%w: Layer.Set: %d weights, want %d", ErrShape, len(w), NumTerms(l.m))
	}
	if err := checkWeights("Layer.Set", w); err != nil {
		return err
	}
	copy(l.w.Value().Data().([]float64), w)
	return nil
}

// Weights returns a copy of the weights in the node.
func (l *Layer) Weights() []float64 {
	return append([]float64(nil), l.w.Value().Data().([]float64)...)
}

// MaskedLayer fuses M latents in a graph with per-row weights, for batches
// in which some rows lack modalities: row r is
//
//	z_r = Σ_t W_rt · term_t,r
//
// with W the rows × NumTerms(M) weight matrix input node (see RowWeights for
// how a mask turns the weights into W). A term whose weight is 0 still
// multiplies its latent, so the latents of absent modalities must be
// finite (zeros, for instance). The weights get no gradient.
type MaskedLayer struct {
	m, rows   int
	w         *G.Node
	forwarded bool
}

// NewMaskedLayer adds the rows × NumTerms(m) weight node of the masked
// fusion of m ≥ 1 latents to g, named like NewLayer's, with every row set
// to the equal weights 1/NumTerms(m). The error wraps ErrShape for m < 1,
// rows < 1 or a nil graph.
func NewMaskedLayer(g *G.ExprGraph, m, rows int) (*MaskedLayer, error) {
	if g == nil || m < 1 || rows < 1 {
		return nil, fmt.Errorf("%w: NewMaskedLayer: %d latents and %d rows (want ≥ 1) or nil graph", ErrShape, m, rows)
	}
	nt := NumTerms(m)
	v := make([]float64, rows*nt)
	for i := range v {
		v[i] = 1 / float64(nt)
	}
	t := tensor.New(tensor.WithShape(rows, nt), tensor.WithBacking(v))
	return &MaskedLayer{m: m, rows: rows, w: G.NewMatrix(g, tensor.Float64, G.WithShape(rows, nt), G.WithName(weightName(g)), G.WithValue(t))}, nil
}

// Node returns the weight input node.
func (l *MaskedLayer) Node() *G.Node { return l.w }

// Sources returns the number of latents.
func (l *MaskedLayer) Sources() int { return l.m }

// Forward wires the fused node for the M float64 matrices zs, all with the
// layer's number of rows and the same shape, in the layer's graph. It may
// be called only once.
func (l *MaskedLayer) Forward(zs ...*G.Node) (*G.Node, error) {
	if l.forwarded {
		return nil, fmt.Errorf("fusion: MaskedLayer.Forward already called")
	}
	z, err := forward("MaskedLayer.Forward", l.w, l.m, l.rows, zs, true)
	if err == nil {
		l.forwarded = true
	}
	return z, err
}

// Set writes the per-row weights of w under mask (rows × M, 1 for a present
// modality, 0 for an absent one; nil means every modality present) into the
// weight node, as RowWeights computes them. A refused input (errors as
// RowWeights, or a mask with the wrong number of rows, ErrShape) leaves
// the node unchanged.
func (l *MaskedLayer) Set(w []float64, mask mat.Matrix) error {
	nt := NumTerms(l.m)
	if len(w) != nt {
		return fmt.Errorf("%w: MaskedLayer.Set: %d weights, want %d", ErrShape, len(w), nt)
	}
	if err := checkWeights("MaskedLayer.Set", w); err != nil {
		return err
	}
	dst := l.w.Value().Data().([]float64)
	if mask == nil {
		for r := 0; r < l.rows; r++ {
			copy(dst[r*nt:(r+1)*nt], w)
		}
		return nil
	}
	if r, c := mask.Dims(); r != l.rows || c != l.m {
		return fmt.Errorf("%w: MaskedLayer.Set: %d×%d mask, want %d×%d", ErrShape, r, c, l.rows, l.m)
	}
	rw, err := RowWeights(w, mask)
	if err != nil {
		return err
	}
	copy(dst, rw.RawMatrix().Data)
	return nil
}

// RowWeights returns a copy of the weight matrix in the node.
func (l *MaskedLayer) RowWeights() *mat.Dense {
	nt := NumTerms(l.m)
	return mat.NewDense(l.rows, nt, append([]float64(nil), l.w.Value().Data().([]float64)...))
}

// forward checks the latents and applies the fusion op (op.go) to the
// weight node w and the latents: z = Σ_t w_t·term_t, the products of the
// pairs and the sum accumulated left to right in term order (the order
// FuseLatents follows). rows < 0 accepts any number of rows.
func forward(where string, w *G.Node, m, rows int, zs []*G.Node, masked bool) (*G.Node, error) {
	g := w.Graph()
	if len(zs) != m {
		return nil, fmt.Errorf("%w: %s: %d latents, want %d", ErrShape, where, len(zs), m)
	}
	for i, z := range zs {
		if z == nil || z.Graph() != g {
			return nil, fmt.Errorf("%w: %s: latent %d is nil or from another graph", ErrShape, where, i)
		}
		s := z.Shape()
		if len(s) != 2 || !s.Eq(zs[0].Shape()) || rows >= 0 && s[0] != rows {
			return nil, fmt.Errorf("%w: %s: latent %d has shape %v, want a matrix of the shape of latent 0 %v with %d rows",
				ErrShape, where, i, s, zs[0].Shape(), rows)
		}
		if z.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("%w: %s: latent %d has dtype %v, want float64", ErrShape, where, i, z.Dtype())
		}
	}
	z, err := G.ApplyOp(newFuseOp(m, masked), append(G.Nodes{w}, zs...)...)
	if err != nil {
		return nil, fmt.Errorf("fusion: %s: %w", where, err)
	}
	return z, nil
}

// FuseLatents is the inference mirror of Layer and MaskedLayer: it returns
// Σ_i w_i Z_i + Σ_{i<j} w_ij (Z_i ⊙ Z_j) for M ≥ 1 matrices of the same
// non-empty shape, the weights in the order of Terms, in the same order of
// operations as the graph, so that the two agree bit for bit. With a
// mask (n × M, 1 for a present modality, 0 for an absent one), row r uses
// the per-row weights of RowWeights; the latents of absent modalities are
// not read (they may hold NaN), so the result equals the MaskedLayer's
// except possibly for the sign of zeros. A nil mask means every modality
// is present.
//
// Errors wrap ErrShape, ErrNotFinite (a NaN or infinite weight or read
// latent entry) or ErrMask.
func FuseLatents(zs []mat.Matrix, w []float64, mask mat.Matrix) (*mat.Dense, error) {
	m := len(zs)
	if m == 0 {
		return nil, fmt.Errorf("%w: FuseLatents: no latents", ErrShape)
	}
	for i, z := range zs {
		if z == nil {
			return nil, fmt.Errorf("%w: FuseLatents: latent %d is nil", ErrShape, i)
		}
	}
	n, c := zs[0].Dims()
	for i, z := range zs {
		if r2, c2 := z.Dims(); r2 != n || c2 != c || n == 0 || c == 0 {
			return nil, fmt.Errorf("%w: FuseLatents: latent %d is %d×%d, latent 0 %d×%d, want equal non-empty shapes", ErrShape, i, r2, c2, n, c)
		}
	}
	nt := NumTerms(m)
	if len(w) != nt {
		return nil, fmt.Errorf("%w: FuseLatents: %d weights for %d latents, want %d", ErrShape, len(w), m, nt)
	}
	if err := checkWeights("FuseLatents", w); err != nil {
		return nil, err
	}
	var rw *mat.Dense
	present := make([]bool, m)
	for i := range present {
		present[i] = true
	}
	if mask != nil {
		if r, k := mask.Dims(); r != n || k != m {
			return nil, fmt.Errorf("%w: FuseLatents: %d×%d mask, want %d×%d", ErrShape, r, k, n, m)
		}
		var err error
		if rw, err = RowWeights(w, mask); err != nil {
			return nil, err
		}
	}
	terms := Terms(m)
	out := mat.NewDense(n, c, nil)
	raw := out.RawMatrix()
	rows := make([][]float64, m)
	bufs := make([][]float64, m)
	for i := range bufs {
		bufs[i] = make([]float64, c)
	}
	wr := w
	for r := 0; r < n; r++ {
		if rw != nil {
			wr = rw.RawRowView(r)
			for i := range present {
				present[i] = mask.At(r, i) == 1
			}
		}
		for i, z := range zs {
			if present[i] {
				rows[i] = rowOf(z, r, bufs[i])
			}
		}
		// Every present latent has its own term before the products, so
		// the latent terms check the entries they read.
		dst := raw.Data[r*raw.Stride : r*raw.Stride+c]
		first := true
		for t, src := range terms {
			if !termPresent(src, present) {
				continue
			}
			wt, a := wr[t], rows[src[0]]
			a = a[:len(dst)]
			switch {
			case len(src) == 1:
				var chk float64 // v·0 is 0 for a finite v, NaN otherwise
				if first {
					for j, v := range a {
						chk += v * 0
						dst[j] = float64(wt * v)
					}
				} else {
					for j, v := range a {
						chk += v * 0
						dst[j] = float64(dst[j] + float64(wt*v))
					}
				}
				if chk != 0 {
					for j, v := range a {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							return nil, fmt.Errorf("%w: FuseLatents: latent %d entry (%d,%d) is %v", ErrNotFinite, src[0], r, j, v)
						}
					}
				}
			case first: // unreachable: a present pair has present latents before it
				b := rows[src[1]][:len(dst)]
				for j := range dst {
					dst[j] = float64(wt * float64(a[j]*b[j]))
				}
			default:
				b := rows[src[1]][:len(dst)]
				for j := range dst {
					dst[j] = float64(dst[j] + float64(wt*float64(a[j]*b[j])))
				}
			}
			first = false
		}
	}
	return out, nil
}

// rowOf returns row r of z: a slice of its backing array for a
// mat.RawMatrixer, else a copy into buf.
func rowOf(z mat.Matrix, r int, buf []float64) []float64 {
	if rm, ok := z.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		return raw.Data[r*raw.Stride : r*raw.Stride+len(buf)]
	}
	return mat.Row(buf, r, z)
}
