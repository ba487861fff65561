package pidreg

import (
	"fmt"
	"math"
	"strings"

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
	// HeldOutFrom says which rows those are: "validation" (the rows Fit was
	// given for validation), "training" (Fit had none) or "given" (rows
	// passed to ExplainOn).
	HeldOutFrom string `json:"held_out_from"`
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
	// Normality checks the Gaussian assumption on [ỹ, Z₁, …, Z_M] of the
	// held-out rows: the Gaussian PID is exact only for jointly Gaussian
	// variables, so a failed check says to read the atoms with care.
	Normality Normality `json:"normality"`
	// Measure is the redundancy measure of the decompositions: "mmi" or
	// "dep" (Config.Measure).
	Measure string `json:"measure"`
	// Quantities are the held-out atoms (by name), the informations
	// I(ỹ; Zᵢ) and I(ỹ; Z) and, for two modalities, the co-information
	// Red − Syn, each with its bootstrap interval and permutation p-value
	// when Config.Bootstrap > 0 and there are two modalities.
	Quantities []Quantity `json:"quantities"`
	// Level is the confidence level of the intervals (0.95), Resamples the
	// number of bootstrap resamples and of permutations (0: none).
	Level     float64 `json:"level"`
	Resamples int     `json:"resamples"`
	// Share[i] is I(ỹ; Zᵢ)/I(ỹ; Z): what modality i carries alone.
	// Cost[i] is 1 − I(ỹ; Z₋ᵢ)/I(ỹ; Z), the fraction of the information
	// lost if modality i were dropped (for two modalities (Uᵢ + Syn)/I).
	// ShareCI and CostCI are their bootstrap intervals (nil without).
	Share   []float64    `json:"share"`
	Cost    []float64    `json:"cost"`
	ShareCI [][2]float64 `json:"share_ci,omitempty"`
	CostCI  [][2]float64 `json:"cost_ci,omitempty"`
	// Drop names the modality whose removal costs least, when that cost
	// (the upper end of its interval, when there is one) is below
	// Config.DropBelow of the information; else it is empty.
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

// Normality is the check of the Gaussian assumption (gaussian.CheckNormality:
// effect sizes of the departure, the worst columns, a verdict calibrated so
// that Gaussian samples pass at any size, and the classical p-values).
// Columns of the check are [ỹ, Z₁, …, Z_M]: 0 is the target, 1+i·k+j latent
// j of modality i. Checked is false, and Note says why, when the check could
// not be made.
type Normality struct {
	gaussian.NormalityCheck
	Checked bool   `json:"checked"`
	Note    string `json:"note,omitempty"`
}

// Quantity is one number of an explanation, in bits, with its uncertainty:
// CI the bootstrap confidence interval and P the permutation p-value
// against "the target carries no information" (nil when not computed).
type Quantity struct {
	Name string      `json:"name"`
	Bits float64     `json:"bits"`
	CI   *[2]float64 `json:"ci"`
	P    *float64    `json:"p"`
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
	e.Quantities = append([]Quantity(nil), e.Quantities...)
	e.ShareCI = append([][2]float64(nil), e.ShareCI...)
	e.CostCI = append([][2]float64(nil), e.CostCI...)
	return e
}

// ExplainOn returns the explanation with its decomposition recomputed on
// the rows of d (at most the first 2000 that have every modality; raw
// inputs and targets, as for Evaluate): the held-out atoms, their
// intervals (resamples bootstrap resamples and permutations; 0 means the
// model's Config.Bootstrap, negative none), the shares and costs, the drop
// advice and the normality check. The training record (history, training
// atoms, weights, λ) is the model's. The model is not changed.
func (m *Model) ExplainOn(d Dataset, resamples int) (Explanation, error) {
	if !m.trained {
		return Explanation{}, ErrNotTrained
	}
	if err := d.validate("explain", m.dims, m.dm, true, m.cfg.Missing); err != nil {
		return Explanation{}, err
	}
	if err := m.checkNames(d); err != nil {
		return Explanation{}, err
	}
	mm := *m
	if resamples != 0 {
		mm.cfg.Bootstrap = resamples
	}
	mm.exp = m.Explain()
	mm.exp.HeldOut, mm.exp.HeldOutRows, mm.exp.HeldOutFrom, mm.exp.Quantities = pid.LatticeResult{}, 0, "", nil
	mm.exp.Level, mm.exp.Resamples, mm.exp.ShareCI, mm.exp.CostCI = 0, 0, nil, nil
	mm.exp.Normality = Normality{}
	if err := mm.explainHeldOut(d, "given"); err != nil {
		return Explanation{}, err
	}
	if len(m.dims) >= 2 && mm.exp.HeldOutRows == 0 {
		return Explanation{}, fmt.Errorf("%w: explain: %d rows with every modality are too few for the decomposition of %d dimensions", ErrInput, d.Rows(), len(m.dims)*m.cfg.Latent+m.dm)
	}
	return mm.exp, nil
}

// maxHeldOut bounds the rows used for the held-out PID and the normality
// test (Mardia's statistics cost O(n²p)).
const maxHeldOut = 2000

// explainHeldOut computes the held-out PID, the normality verdict and the
// modality shares on the first rows (at most maxHeldOut) of d that have
// every modality; raw inputs and targets.
func (m *Model) explainHeldOut(d Dataset, from string) error {
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
	if n <= nm*k+dm+1 {
		m.exp.Normality.Note = fmt.Sprintf("%d held-out rows are too few for the decomposition of %d dimensions", n, nm*k+dm)
	} else {
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
		opt := m.cfg.pidOptions(true)
		r, err := trainer.Decompose(yt, lz, opt)
		if err != nil {
			return fmt.Errorf("pidreg: held-out PID: %w", err)
		}
		m.exp.HeldOut, m.exp.HeldOutRows, m.exp.HeldOutFrom = r, n, from
		f := mat.NewDense(n, dm+nm*k, nil)
		f.Slice(0, n, 0, dm).(*mat.Dense).Copy(yt)
		for i, z := range zs {
			f.Slice(0, n, dm+i*k, dm+(i+1)*k).(*mat.Dense).Copy(z)
		}
		m.exp.Normality = normality(f)
		var iv *pid.Intervals
		var pv *pid.PValues
		if nm == 2 && m.cfg.Bootstrap > 0 {
			if n < pid.MinBootstrapRows(dm+nm*k) {
				m.exp.Normality.Note = strings.TrimSpace(m.exp.Normality.Note + fmt.Sprintf(" no intervals: %d held-out rows are too few to bootstrap %d dimensions (need %d)", n, dm+nm*k, pid.MinBootstrapRows(dm+nm*k)))
			} else {
				b, err := pid.Bootstrap(yt, zs[0], zs[1], opt, pid.BootstrapOptions{B: m.cfg.Bootstrap, Seed: m.cfg.Seed})
				if err != nil {
					return fmt.Errorf("pidreg: held-out bootstrap: %w", err)
				}
				p, err := pid.PermutationTest(yt, zs[0], zs[1], opt, pid.PermutationOptions{P: m.cfg.Bootstrap, Seed: m.cfg.Seed})
				if err != nil {
					return fmt.Errorf("pidreg: held-out permutation test: %w", err)
				}
				iv, pv = &b, &p
			}
		}
		m.exp.Quantities = quantities(r, m.names, iv, pv)
		if iv != nil {
			m.exp.Level, m.exp.Resamples = iv.Level, iv.B
			m.exp.ShareCI, m.exp.CostCI = shareIntervals(iv)
		}
	}
	src := m.exp.HeldOut
	if m.exp.HeldOutRows == 0 {
		src = m.exp.PID
	}
	m.exp.Share, m.exp.Cost, m.exp.Drop = shares(src, m.names, m.cfg.DropBelow, m.exp.CostCI)
	return nil
}

// quantities lists the atoms and informations of r by name, with their
// intervals and p-values when given (two modalities).
func quantities(r pid.LatticeResult, names []string, iv *pid.Intervals, pv *pid.PValues) []Quantity {
	var out []Quantity
	ci := func(i pid.Interval) *[2]float64 { return &[2]float64{i.Lo, i.Hi} }
	pp := func(v float64) *float64 { return &v }
	for k, v := range r.Atoms {
		out = append(out, Quantity{Name: r.Name(k, names), Bits: v})
	}
	for i, v := range r.MIEach {
		out = append(out, Quantity{Name: "I(ỹ;" + names[i] + ")", Bits: v})
	}
	out = append(out, Quantity{Name: "I(ỹ;" + strings.Join(names, ",") + ")", Bits: r.MI})
	if pair, ok := r.Pair(); ok {
		out = append(out, Quantity{Name: "co-information", Bits: pair.CoInformation()})
		if iv != nil {
			for k, i := range []pid.Interval{iv.UniqueX, iv.UniqueY, iv.Redundancy, iv.Synergy, iv.MIX, iv.MIY, iv.MIXY} {
				out[k].CI = ci(i)
			}
			out[7].CI = ci(iv.Of(pid.Result.CoInformation))
		}
		if pv != nil {
			for k, p := range []float64{pv.UniqueX, pv.UniqueY, pv.Redundancy, pv.Synergy, pv.MIX, pv.MIY, pv.MIXY} {
				out[k].P = pp(p)
			}
		}
	}
	return out
}

// shareIntervals are the bootstrap intervals of the shares I(ỹ;Zᵢ)/I and
// the removal costs 1 − I(ỹ;Z_other)/I, of the kind of the seven atoms';
// nil when I is not positive for the estimate or for every replicate (the
// fractions are then undefined).
func shareIntervals(iv *pid.Intervals) (share, cost [][2]float64) {
	pair := func(f func(pid.Result) (float64, float64), i int) [2]float64 {
		in := iv.Of(func(r pid.Result) float64 {
			if !(r.MIXY > 0) {
				return math.NaN()
			}
			v := [2]float64{}
			v[0], v[1] = f(r)
			return v[i]
		})
		return [2]float64{in.Lo, in.Hi}
	}
	for i := range 2 {
		s, c := pair(pid.Result.Shares, i), pair(pid.Result.RemovalCosts, i)
		if math.IsNaN(s[0]) || math.IsNaN(c[0]) {
			return nil, nil
		}
		share, cost = append(share, s), append(cost, c)
	}
	return share, cost
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
// threshold — the upper end of the cost's interval when costCI is given.
func shares(r pid.LatticeResult, names []string, below float64, costCI [][2]float64) (share, cost []float64, drop string) {
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
	c := cost[i]
	if i < len(costCI) {
		c = costCI[i][1]
	}
	if c < below {
		drop = names[i]
	}
	return share, cost, drop
}

func normality(f *mat.Dense) Normality {
	c, err := gaussian.CheckNormality(f, gaussian.NormalityOptions{})
	if err != nil {
		return Normality{Note: err.Error()}
	}
	return Normality{NormalityCheck: c, Checked: true}
}
