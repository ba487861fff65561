package pidreg

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
	"github.com/pidreg/pidreg/internal/trainer"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/transform"
)

// Explanation is what a trained model says about its modalities. All
// information quantities are in bits.
//
// The decompositions are lattices (pid.LatticeResult) over the modalities
// in the order of Names: for two modalities the atoms are the unique
// information of each ({a}, {b}), their redundancy ({a}{b}) and their
// synergy ({a,b}); for M modalities the Williams–Beer lattice (18 atoms for
// three, 166 for four; a one-vs-rest reduction beyond). Atoms names them.
type Explanation struct {
	// Names are the modality names, in the order of the atoms.
	Names []string `json:"names"`
	// PID holds the windowed per-batch atoms that set the stored fusion
	// weights during training.
	PID pid.LatticeResult `json:"pid"`
	// HeldOut is the PID of the INT target on the inference-mode latents of
	// the held-out (validation) rows that have every modality,
	// bias-corrected; it is computed once after training and is the better
	// estimate of what each modality carries.
	HeldOut     pid.LatticeResult `json:"held_out"`
	HeldOutRows int               `json:"held_out_rows"`
	// Weights are the stored fusion weights, one per term of Terms.
	Weights []float64 `json:"weights"`
	// Terms name the fusion terms: each modality's latent, then the product
	// of every pair ("a⊙b"), in fusion.Terms order.
	Terms []string `json:"terms"`
	// Lambdas are the learned bottleneck λ of each modality.
	Lambdas []float64 `json:"lambdas"`
	// FrozenAt is the epoch (1-based) after which the weights froze, or −1.
	FrozenAt int `json:"frozen_at"`
	// History is the per-epoch record of the run.
	History []Epoch `json:"history"`
	// Normality is a multivariate normality test of [ỹ, Z₁, …, Z_M] on the
	// held-out rows: the Gaussian PID is exact only for jointly Gaussian
	// variables, so a rejection says to read the atoms with care.
	Normality Normality `json:"normality"`
	// Share[i] is I(ỹ; Zᵢ)/I(ỹ; Z): what modality i carries alone.
	// Cost[i] is 1 − I(ỹ; Z₋ᵢ)/I(ỹ; Z), the fraction of the information
	// lost if modality i were dropped (for two modalities (Uᵢ + Syn)/I).
	Share []float64 `json:"share"`
	Cost  []float64 `json:"cost"`
	// Drop names a modality whose removal costs less than Config.DropBelow
	// of the information, or is empty.
	Drop string `json:"drop,omitempty"`
	// ConstantColumns lists input columns that were constant on the
	// training split (kept, centred, never divided by zero).
	ConstantColumns []string `json:"constant_columns,omitempty"`
}

// Atom is one atom of a decomposition, named by its antichain of modality
// names: {a} (unique to a), {a}{b} (redundant to a and b), {a,b} (synergy
// of a and b), {a}{b,c}, ….
type Atom struct {
	Name string  `json:"name"`
	Bits float64 `json:"bits"`
}

// Atoms returns the atoms of the held-out decomposition (or of the
// training one when there were no held-out rows), in the lattice's
// canonical order.
func (e Explanation) Atoms() []Atom {
	r := e.HeldOut
	if e.HeldOutRows == 0 {
		r = e.PID
	}
	out := make([]Atom, len(r.Atoms))
	for k, v := range r.Atoms {
		out[k] = Atom{Name: r.Name(k, e.Names), Bits: v}
	}
	return out
}

// Normality is the verdict of Mardia's multivariate skewness and kurtosis
// tests (Mardia 1970) at the 1 % level.
type Normality struct {
	Test      string  `json:"test"`
	Rows      int     `json:"rows"`
	Dims      int     `json:"dims"`
	SkewnessP float64 `json:"skewness_p"`
	KurtosisP float64 `json:"kurtosis_p"`
	Gaussian  bool    `json:"gaussian"`
	Note      string  `json:"note,omitempty"`
}

// Explain returns the model's explanation (a copy).
func (m *Model) Explain() Explanation {
	e := m.exp
	e.Names = append([]string(nil), e.Names...)
	e.Lambdas = append([]float64(nil), e.Lambdas...)
	e.History = append([]Epoch(nil), e.History...)
	e.Share = append([]float64(nil), e.Share...)
	e.Cost = append([]float64(nil), e.Cost...)
	e.Weights = append([]float64(nil), e.Weights...)
	e.Terms = append([]string(nil), e.Terms...)
	return e
}

// maxHeldOut bounds the rows used for the held-out PID and the normality
// test (Mardia's statistics cost O(n²p)).
const maxHeldOut = 2000

// explainHeldOut computes the held-out PID, the normality verdict and the
// modality shares on the first rows (at most maxHeldOut) of d that have
// every modality; raw inputs and targets.
func (m *Model) explainHeldOut(d Dataset) error {
	nm := len(m.dims)
	if nm < 2 {
		return nil
	}
	present, err := m.presence(d)
	if err != nil {
		return err
	}
	var rows []int
	for r := 0; r < d.Rows() && len(rows) < maxHeldOut; r++ {
		if present == nil || all(present[r*nm:(r+1)*nm]) {
			rows = append(rows, r)
		}
	}
	head, err := d.Subset(rows)
	if err != nil {
		return err
	}
	n := len(rows)
	k, dm := m.cfg.Latent, m.dm
	if n > nm*k+dm+1 {
		xs, err := m.scaleInputs(head)
		if err != nil {
			return fmt.Errorf("pidreg: explanation: %w", err)
		}
		zs, err := m.net.Latents(xs)
		if err != nil {
			return fmt.Errorf("pidreg: explanation: %w", err)
		}
		yt, err := transform.InverseNormalDense(nil, head.Y, transform.Blom)
		if err != nil {
			return fmt.Errorf("pidreg: explanation: %w", err)
		}
		lz := make([]mat.Matrix, nm)
		for i, z := range zs {
			lz[i] = z
		}
		r, err := trainer.Decompose(yt, lz, pid.Options{Debias: true})
		if err != nil {
			return fmt.Errorf("pidreg: held-out PID: %w", err)
		}
		m.exp.HeldOut, m.exp.HeldOutRows = r, n
		f := mat.NewDense(n, dm+nm*k, nil)
		f.Slice(0, n, 0, dm).(*mat.Dense).Copy(yt)
		for i, z := range zs {
			f.Slice(0, n, dm+i*k, dm+(i+1)*k).(*mat.Dense).Copy(z)
		}
		m.exp.Normality = normality(f)
	}
	src := m.exp.HeldOut
	if m.exp.HeldOutRows == 0 {
		src = m.exp.PID
	}
	m.exp.Share, m.exp.Cost, m.exp.Drop = shares(src, m.names, m.cfg.DropBelow)
	return nil
}

func all(b []bool) bool {
	for _, v := range b {
		if !v {
			return false
		}
	}
	return true
}

// shares turns a decomposition into per-modality shares and removal costs,
// and names the modality to drop when its cost is the least and below the
// threshold.
func shares(r pid.LatticeResult, names []string, below float64) (share, cost []float64, drop string) {
	share, cost = make([]float64, len(names)), make([]float64, len(names))
	if !(r.MI > 0) || len(r.MIEach) != len(names) || len(r.MIRest) != len(names) {
		return share, cost, ""
	}
	for i := range names {
		share[i] = r.MIEach[i] / r.MI
		cost[i] = 1 - r.MIRest[i]/r.MI
	}
	i := 0
	for j := range cost {
		if cost[j] < cost[i] {
			i = j
		}
	}
	if cost[i] < below {
		drop = names[i]
	}
	return share, cost, drop
}

func normality(f *mat.Dense) Normality {
	rows, dims := f.Dims()
	out := Normality{Test: "mardia", Rows: rows, Dims: dims, SkewnessP: math.NaN(), KurtosisP: math.NaN()}
	res, err := gaussian.Mardia(f)
	if err != nil {
		out.Note = err.Error()
		return out
	}
	out.SkewnessP, out.KurtosisP = res.SkewnessP, res.KurtosisP
	out.Gaussian = res.SkewnessP >= 0.01 && res.KurtosisP >= 0.01
	return out
}
