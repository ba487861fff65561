package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/regularizer"
)

// A term is one entry of the loss L = Σ weightₜ·termₜ. The table below is
// the only place that names the terms: the graph, the per-step readouts and
// the reports all iterate over it. Adding a term is one entry here plus the
// field of the root Config that carries its weight.
type term struct {
	name string
	// doc says what the term is.
	doc string
	// needs is the least number of modalities the term applies to.
	needs int
	// build returns the unweighted term node; it may add input nodes and
	// register their buffers on t.
	build func(t *Trainer) (*G.Node, error)
	// gated terms are multiplied inside their op by a 0/1 input node that
	// Freeze sets to 0 (the op then skips all work).
	gated bool
}

var terms = [...]term{
	{name: "mse", doc: "mean squared error of the z-scored target (weight 1)", needs: 1, build: buildMSE},
	{name: "cs", doc: "Cauchy–Schwarz divergence of each encoder output to N(0, I), summed over modalities", needs: 1, build: buildCS},
	{name: "cmi", doc: "conditional Cauchy–Schwarz CMI I(Zᵢ; X₋ᵢ | Xᵢ), summed over modalities", needs: 2, build: buildCMI},
	{name: "gauss", doc: "Shapiro–Francia Gaussianity loss −log W of [ỹ, Z₁, …, Z_M], off once the fusion weights freeze", needs: 2, build: buildGauss, gated: true},
}

// Terms returns the names of the loss terms in table order; "mse" is first
// and always present.
func Terms() []string {
	out := make([]string, len(terms))
	for i, tm := range terms {
		out[i] = tm.name
	}
	return out
}

func termIndex(name string) int {
	for i, tm := range terms {
		if tm.name == name {
			return i
		}
	}
	return -1
}

// builtTerm is a term present in this graph.
type builtTerm struct {
	name   string
	weight float64
	node   *G.Node   // unweighted value
	val    []float64 // its tap
}

// Terms returns the names of the terms this graph computes, in the order of
// Stats.Terms.
func (t *Trainer) Terms() []string {
	out := make([]string, len(t.terms))
	for i, bt := range t.terms {
		out[i] = bt.name
	}
	return out
}

// buildTerms builds every term that applies and whose weight is > 0 and
// returns the total loss, summed in table order by one op.
func (t *Trainer) buildTerms() (*G.Node, error) {
	var nodes []*G.Node
	var weights []float64
	for _, tm := range terms {
		w := 1.0
		if tm.name != "mse" {
			w = t.spec.Weights[tm.name]
		}
		if !(w > 0) || t.sources() < tm.needs {
			continue
		}
		n, err := tm.build(t)
		if err != nil {
			return nil, fmt.Errorf("loss term %s: %w", tm.name, err)
		}
		t.terms = append(t.terms, builtTerm{name: tm.name, weight: w, node: n})
		nodes, weights = append(nodes, n), append(weights, w)
	}
	return regularizer.WeightedSum(weights, nodes...)
}

// buildMSE is the mean squared error as one op with one gradient op.
func buildMSE(t *Trainer) (*G.Node, error) {
	return regularizer.MSE(t.pred, t.yNode)
}

func buildCS(t *Trainer) (*G.Node, error) {
	var sum *G.Node
	for i, r := range t.r {
		q, qbuf := t.input(fmt.Sprintf("q%d", i+1), t.batch, t.k)
		t.q = append(t.q, qbuf)
		cs, err := regularizer.CSDivergence(r, q)
		if err != nil {
			return nil, err
		}
		if sum == nil {
			sum = cs
		} else {
			sum = G.Must(G.Add(sum, cs))
		}
	}
	return sum, nil
}

// buildCMI adds CMIᵢ = I(Zᵢ; X₋ᵢ | Xᵢ) over the modalities, each from the
// Gram matrices of the batch inputs (filled by load) and of the latent:
// M = κ(Xᵢ), K = κ(X₋ᵢ) and L = κ(Zᵢ). For two modalities K = κ(X_other);
// for more, K is the product kernel ∘_{j≠i} κ(X_j) of the others (each
// factor with its own median bandwidth), the Gram matrix of their joint.
func buildCMI(t *Trainer) (*G.Node, error) {
	var grams, rest []*G.Node
	m := len(t.spec.Dims)
	for i := range m {
		n, buf := t.input(fmt.Sprintf("gram%d", i+1), t.batch, t.batch)
		grams, t.gram = append(grams, n), append(t.gram, buf)
	}
	if m == 2 {
		rest = []*G.Node{grams[1], grams[0]}
	} else {
		for i := range m {
			n, buf := t.input(fmt.Sprintf("gram_rest%d", i+1), t.batch, t.batch)
			rest, t.rest = append(rest, n), append(t.rest, buf)
		}
	}
	var sum *G.Node
	for i := range m {
		c, err := regularizer.CMI(t.z[i], grams[i], rest[i], t.spec.Bandwidth)
		if err != nil {
			return nil, err
		}
		if sum == nil {
			sum = c
		} else if sum, err = G.Add(sum, c); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// buildGauss is −log W of [ỹ, Z₁, …, Z_M], gated by a scalar input node:
// ỹ and the latents are separate inputs of the op (no concatenation node),
// so with the gate at 0 neither the loss nor its gradients do any work.
func buildGauss(t *Trainer) (*G.Node, error) {
	ytn := G.NewMatrix(t.g, tensor.Float64, G.WithShape(t.batch, t.spec.Targets), G.WithName("ytilde"),
		G.WithValue(tensor.New(tensor.WithShape(t.batch, t.spec.Targets), tensor.WithBacking(t.yt))))
	t.gate = G.NewScalar(t.g, tensor.Float64, G.WithName("gauss_gate"), G.WithValue(1.0))
	return regularizer.Gaussianity(t.gate, ytn, t.z...)
}
