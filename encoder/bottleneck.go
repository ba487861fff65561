package encoder

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Bottleneck constants: λ = clamp(sigmoid(θ), LambdaMin, LambdaMax) and the
// offset inside the standard deviation of the noise.
const (
	LambdaMin = 0.001
	LambdaMax = 0.999
	// VarOffset is added to the batch variance before the square root.
	VarOffset = 1e-8
)

// Bottleneck is the training-time noise bottleneck of one modality:
//
//	Z = λ·R + (1−λ)·ε,   ε = μ_B + σ_B ⊙ ξ,   ξ ~ N(0, I),
//	λ = clamp(sigmoid(θ), 0.001, 0.999),
//
// where μ_B is the per-dimension mean of R over the batch and
// σ_B = √(s²_B + 1e-8) with s²_B the unbiased (divisor B−1, as torch.var)
// per-dimension batch variance. Gradients flow through μ_B and σ_B as well
// as through R and the scalar θ. At inference the bottleneck is the
// identity, Z = R.
type Bottleneck struct {
	g         *G.ExprGraph
	name      string
	batch, k  int
	theta     *G.Node // learnable scalar
	xi        *G.Node // (batch, k) input node with the standard normal draws
	forwarded bool
}

// NewBottleneck creates the learnable θ (initial value theta0; the method uses
// 4.0, λ ≈ 0.982) and the (batch × k) noise input node named name+".theta"
// and name+".xi". The noise starts at 0 (ε = μ_B): call Resample before each
// training step. batch must be ≥ 2 and k ≥ 1, theta0 finite, and the names
// unused in g.
func NewBottleneck(g *G.ExprGraph, name string, batch, k int, theta0 float64) (*Bottleneck, error) {
	if g == nil {
		return nil, fmt.Errorf("%w: NewBottleneck %q: nil graph", ErrConfig, name)
	}
	if batch < 2 || k < 1 {
		return nil, fmt.Errorf("%w: NewBottleneck %q: batch = %d, k = %d, want batch ≥ 2 and k ≥ 1", ErrConfig, name, batch, k)
	}
	if math.IsNaN(theta0) || math.IsInf(theta0, 0) {
		return nil, fmt.Errorf("%w: NewBottleneck %q: theta0 = %v", ErrNotFinite, name, theta0)
	}
	tn := name + ".theta"
	if len(g.ByName(tn)) > 0 {
		return nil, fmt.Errorf("%w: %q", ErrName, tn)
	}
	theta := G.NewScalar(g, tensor.Float64, G.WithName(tn), G.WithValue(G.NewF64(theta0)))
	xi, err := newMatrix(g, name+".xi", batch, k, make([]float64, batch*k), false)
	if err != nil {
		return nil, err
	}
	return &Bottleneck{g: g, name: name, batch: batch, k: k, theta: theta, xi: xi}, nil
}

// Forward wires Z for r, a (batch × k) node of the same graph, and returns Z.
// It may be called only once. Z's value is rewritten in place by every run
// (copy it to keep it past the next run).
func (b *Bottleneck) Forward(r *G.Node) (*G.Node, error) {
	if b.forwarded {
		return nil, fmt.Errorf("%w: Bottleneck %q", ErrForward, b.name)
	}
	if r == nil || r.Graph() != b.g {
		return nil, fmt.Errorf("%w: Bottleneck %q: input node is nil or in another graph", ErrConfig, b.name)
	}
	if s := r.Shape(); len(s) != 2 || s[0] != b.batch || s[1] != b.k {
		return nil, fmt.Errorf("%w: Bottleneck %q: input shape %v, want (%d, %d)", ErrShape, b.name, r.Shape(), b.batch, b.k)
	}
	if r.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%w: Bottleneck %q: input dtype %v, want float64", ErrConfig, b.name, r.Dtype())
	}
	wrap := func(step string, err error) error { return fmt.Errorf("Bottleneck %q: %s: %w", b.name, step, err) }
	sig, err := G.Sigmoid(b.theta)
	if err != nil {
		return nil, wrap("sigmoid", err)
	}
	lam, err := clampNode(sig, LambdaMin, LambdaMax)
	if err != nil {
		return nil, wrap("clamp", err)
	}
	// Z = ε + λ·(R − ε) = λ·R + (1−λ)·ε with ε = μ_B + σ_B ⊙ ξ, one fused op
	// (bottleneck_op.go) instead of a dozen gorgonia nodes.
	z, err := noiseMixNode(r, b.xi, lam, b.name)
	if err != nil {
		return nil, wrap("Z", err)
	}
	b.forwarded = true
	return z, nil
}

// Theta returns the learnable scalar θ (the method gives it its own Adam,
// learning rate 0.1).
func (b *Bottleneck) Theta() *G.Node { return b.theta }

// Noise returns the (batch × k) input node holding ξ.
func (b *Bottleneck) Noise() *G.Node { return b.xi }

// Resample refills ξ in place with independent standard normal draws
// (rng.NormFloat64, row-major); the next RunAll reads them.
func (b *Bottleneck) Resample(rng *rand.Rand) { drawNormal(b.xi.Value().Data().([]float64), rng) }

// DrawNoise makes the draws Resample makes, from rng in the same order,
// into dst instead of ξ, and returns dst (reused when it has batch·k
// entries). SetNoise puts them in ξ.
func (b *Bottleneck) DrawNoise(dst []float64, rng *rand.Rand) []float64 {
	if len(dst) != b.batch*b.k {
		dst = make([]float64, b.batch*b.k)
	}
	drawNormal(dst, rng)
	return dst
}

// SetNoise copies noise drawn by DrawNoise into ξ, which the next RunAll
// reads.
func (b *Bottleneck) SetNoise(src []float64) { copy(b.xi.Value().Data().([]float64), src) }

// drawNormal fills d with rng.NormFloat64 draws in order.
func drawNormal(d []float64, rng *rand.Rand) {
	for i := range d {
		d[i] = rng.NormFloat64()
	}
}

// Lambda returns λ = clamp(sigmoid(θ), 0.001, 0.999) for the current θ.
func (b *Bottleneck) Lambda() float64 { return LambdaOf(b.ThetaValue()) }

// ThetaValue returns the current θ.
func (b *Bottleneck) ThetaValue() float64 { return float64(*b.theta.Value().(*G.F64)) }

// SetTheta sets θ in place (a machine bound to the node sees the new value).
// A NaN or infinite v is ignored.
func (b *Bottleneck) SetTheta(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	*b.theta.Value().(*G.F64) = G.F64(v)
}

// LambdaOf returns clamp(sigmoid(θ), 0.001, 0.999).
func LambdaOf(theta float64) float64 {
	return clampOp{lo: LambdaMin, hi: LambdaMax}.apply(1 / (1 + math.Exp(-theta)))
}
