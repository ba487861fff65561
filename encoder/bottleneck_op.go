package encoder

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pidreg/pidreg/internal/opkit"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// noiseMixOp is the bottleneck's mixing step as one op: for R and ξ (n × k)
// and the scalar λ,
//
//	μ_c = (1/n) Σ_s R_sc,   σ_c = √((1/(n−1)) Σ_s (R_sc − μ_c)² + VarOffset),
//	E_sc = ξ_sc·σ_c + μ_c,  Z = E + λ·(R − E),
//
// in the order of operations of the gorgonia graph it replaces (Mean,
// BroadcastSub, Square, Sum, Mul, Add, Sqrt, BroadcastHadamardProd,
// BroadcastAdd, Sub, Mul, Add: a dozen nodes, each allocating and most
// cloning, and twice as many in the backward pass). ξ is a constant input.
// With the upstream gradient G and G_E = G − λ·G its gradients are
//
//	∂/∂λ = Σ_sc G_sc·(R_sc − E_sc),
//	∂/∂R_sc = λ·G_sc + (1/n) Σ_s G_E,sc + (R_sc − μ_c)/((n−1)·σ_c) · Σ_s G_E,sc·ξ_sc,
//
// the last two terms being the paths through μ and σ (the μ-dependence of
// the variance drops out because Σ_s (R_sc − μ_c) = 0). The gradient ops read
// μ and σ saved by this run's forward pass (G depends on Z, so the forward
// node always runs first); the op holds that state, so its graph must be run
// by one goroutine at a time.
type noiseMixOp struct {
	opkit.Pure
	name      string
	mean, std []float64 // this run's μ and σ
	out       opkit.Buffer
}

// noiseMixNode returns Z for r, xi (n × k) and the scalar lambda.
func noiseMixNode(r, xi, lambda *G.Node, name string) (*G.Node, error) {
	if !r.Shape().Eq(xi.Shape()) || r.Dims() != 2 || r.Shape()[0] < 2 || !lambda.IsScalar() {
		return nil, fmt.Errorf("%w: noise mix %s: R %v, ξ %v, λ %v, want two equal (n ≥ 2, k) and a scalar",
			ErrShape, name, r.Shape(), xi.Shape(), lambda.Shape())
	}
	return G.ApplyOp(&noiseMixOp{name: name}, r, xi, lambda)
}

func (op *noiseMixOp) Arity() int { return 3 }
func (op *noiseMixOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), a, opkit.MatrixType(a))
}
func (op *noiseMixOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// inputs returns (n, k, R, ξ, λ) of a call with arguments R, ξ, λ, ….
func (op *noiseMixOp) inputs(vs []G.Value, what string) (n, k int, r, xi []float64, lambda float64, err error) {
	if n, k, r, err = read.Matrix(vs[0], what+": R"); err != nil {
		return
	}
	n2, k2, xi, err := read.Matrix(vs[1], what+": ξ")
	if err != nil {
		return
	}
	if n2 != n || k2 != k || n < 2 {
		err = fmt.Errorf("%w: %s: R %d×%d, ξ %d×%d", ErrShape, what, n, k, n2, k2)
		return
	}
	lambda, err = read.Scalar(vs[2], what+": λ")
	return n, k, r, xi, lambda, err
}

func (op *noiseMixOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want 3", ErrShape, op, len(vs))
	}
	n, k, r, xi, lambda, err := op.inputs(vs, op.String())
	if err != nil {
		return nil, err
	}
	if cap(op.mean) < k {
		op.mean, op.std = make([]float64, k), make([]float64, k)
	}
	mean, std := op.mean[:k], op.std[:k]
	clear(mean)
	clear(std) // holds the sums of squares until σ is computed
	for s := 0; s < n; s++ {
		for j, v := range r[s*k : (s+1)*k] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for s := 0; s < n; s++ {
		for j, v := range r[s*k : (s+1)*k] {
			d := v - mean[j]
			std[j] += float64(d * d)
		}
	}
	inv := 1 / float64(n-1)
	for j, ss := range std {
		std[j] = math.Sqrt(float64(ss*inv) + VarOffset)
	}
	z := op.out.Get(n * k)
	for s := 0; s < n; s++ {
		zr, rr, xr := z[s*k:(s+1)*k], r[s*k:(s+1)*k], xi[s*k:(s+1)*k]
		for j, v := range rr {
			e := float64(xr[j]*std[j]) + mean[j]
			zr[j] = e + float64(lambda*(v-e))
		}
	}
	return op.out.Matrix(n, k), nil
}

func (op *noiseMixOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.noiseMix{%s,%p}", op.name, op)
}
func (op *noiseMixOp) Hashcode() uint32 { return opkit.Hash(op) }
func (op *noiseMixOp) String() string   { return "NoiseMix{" + op.name + "}" }

// DiffWRT: R and λ; the noise ξ is a constant.
func (op *noiseMixOp) DiffWRT(int) []bool { return []bool{true, false, true} }

// SymDiff returns the nodes ∂/∂R, nil and ∂/∂λ.
func (op *noiseMixOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("%w: %s gradient: %d inputs, want 3", ErrShape, op, len(in))
	}
	args := G.Nodes{in[0], in[1], in[2], grad}
	dr, err := G.ApplyOp(&noiseMixGradOp{fwd: op, wrtR: true}, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂R node: %w", op, err)
	}
	dl, err := G.ApplyOp(&noiseMixGradOp{fwd: op}, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂λ node: %w", op, err)
	}
	return G.Nodes{dr, nil, dl}, nil
}

// noiseMixGradOp maps (R, ξ, λ, G) to ∂/∂R (wrtR) or to the scalar ∂/∂λ of
// a noiseMixOp. It is not differentiable itself.
type noiseMixGradOp struct {
	opkit.Leaf
	fwd      *noiseMixOp
	wrtR     bool
	out      opkit.Buffer
	dmu, dsd []float64 // scratch: Σ_s G_E and Σ_s G_E·ξ per column
}

func (op *noiseMixGradOp) Arity() int { return 4 }
func (op *noiseMixGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.wrtR {
		return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), a, opkit.MatrixType(a), opkit.MatrixType(a))
	}
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), a, opkit.MatrixType(a), a)
}
func (op *noiseMixGradOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	if !op.wrtR {
		return tensor.ScalarShape(), nil
	}
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

func (op *noiseMixGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 4 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want 4", ErrShape, op, len(vs))
	}
	f := op.fwd
	n, k, r, xi, lambda, err := f.inputs(vs, op.String())
	if err != nil {
		return nil, err
	}
	n2, k2, g, err := read.Matrix(vs[3], op.String()+": upstream gradient")
	if err != nil {
		return nil, err
	}
	if n2 != n || k2 != k || len(f.mean) < k {
		return nil, fmt.Errorf("%w: %s: R %d×%d, gradient %d×%d (or no forward pass yet)", ErrShape, op, n, k, n2, k2)
	}
	mean, std := f.mean[:k], f.std[:k]
	if !op.wrtR {
		// ∂/∂λ = Σ G ⊙ (R − E)
		dl := 0.0
		for s := 0; s < n; s++ {
			gr, rr, xr := g[s*k:(s+1)*k], r[s*k:(s+1)*k], xi[s*k:(s+1)*k]
			for j, v := range rr {
				e := float64(xr[j]*std[j]) + mean[j]
				dl += float64(gr[j] * (v - e))
			}
		}
		return G.NewF64(dl), nil
	}
	if cap(op.dmu) < k {
		op.dmu, op.dsd = make([]float64, k), make([]float64, k)
	}
	dmu, dsd := op.dmu[:k], op.dsd[:k]
	clear(dmu)
	clear(dsd)
	for s := 0; s < n; s++ {
		gr, xr := g[s*k:(s+1)*k], xi[s*k:(s+1)*k]
		for j, gj := range gr {
			ge := gj - float64(lambda*gj)
			dmu[j] += ge
			dsd[j] += float64(ge * xr[j])
		}
	}
	// dmu ← (1/n) Σ G_E, dsd ← Σ G_E·ξ / ((n−1)σ)
	for j := range dmu {
		dmu[j] /= float64(n)
		dsd[j] /= float64(n-1) * std[j]
	}
	dr := op.out.Get(n * k)
	for s := 0; s < n; s++ {
		dR, gr, rr := dr[s*k:(s+1)*k], g[s*k:(s+1)*k], r[s*k:(s+1)*k]
		for j, v := range rr {
			dR[j] = float64(lambda*gr[j]) + dmu[j] + float64((v-mean[j])*dsd[j])
		}
	}
	return op.out.Matrix(n, k), nil
}

func (op *noiseMixGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.noiseMixGrad{%s,%v,%p}", op.fwd.name, op.wrtR, op)
}
func (op *noiseMixGradOp) Hashcode() uint32 { return opkit.Hash(op) }
func (op *noiseMixGradOp) String() string {
	if op.wrtR {
		return "NoiseMixGradR{" + op.fwd.name + "}"
	}
	return "NoiseMixGradλ{" + op.fwd.name + "}"
}
