package pidreg

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
	"github.com/pidreg/pidreg/pid"
	"github.com/pidreg/pidreg/transform"
)

// Explanation is what a trained model says about its modalities. All
// information quantities are in bits.
type Explanation struct {
	// Names are the modality names, in the order of the atoms.
	Names []string `json:"names"`
	// PID holds the windowed per-batch atoms that set the stored fusion
	// weights during training (X = first modality, Y = second).
	PID pid.Result `json:"pid"`
	// HeldOut is the PID of the INT target on the inference-mode latents of
	// the held-out (validation) rows, bias-corrected; it is computed once
	// after training and is the better estimate of what each modality carries.
	HeldOut     pid.Result `json:"held_out"`
	HeldOutRows int        `json:"held_out_rows"`
	// Weights are the stored fusion weights (w₁, w₂, w₃).
	Weights [3]float64 `json:"weights"`
	// Lambdas are the learned bottleneck λ of each modality.
	Lambdas []float64 `json:"lambdas"`
	// FrozenAt is the epoch (1-based) after which the weights froze, or −1.
	FrozenAt int `json:"frozen_at"`
	// History is the per-epoch record of the run.
	History []Epoch `json:"history"`
	// Normality is a multivariate normality test of [ỹ, Z₁, Z₂] on the
	// held-out rows: the Gaussian PID is exact only for jointly Gaussian
	// variables, so a rejection says to read the atoms with care.
	Normality Normality `json:"normality"`
	// Share[i] is I(ỹ; Zᵢ)/I(ỹ; Z₁,Z₂): what modality i carries alone
	// (its unique atom plus the redundancy). Cost[i] is
	// (Uᵢ + Syn)/I(ỹ; Z₁,Z₂) = 1 − I(ỹ; Z_other)/I(ỹ; Z₁,Z₂): the fraction
	// of the information lost if modality i were dropped.
	Share []float64 `json:"share"`
	Cost  []float64 `json:"cost"`
	// Drop names a modality whose removal costs less than Config.DropBelow
	// of the information, or is empty.
	Drop string `json:"drop,omitempty"`
	// ConstantColumns lists input columns that were constant on the
	// training split (kept, centred, never divided by zero).
	ConstantColumns []string `json:"constant_columns,omitempty"`
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
	return e
}

// maxHeldOut bounds the rows used for the held-out PID and the normality
// test (Mardia's statistics cost O(n²p)).
const maxHeldOut = 2000

// explainHeldOut computes the held-out PID, the normality verdict and the
// modality shares on the first rows (at most maxHeldOut) of d, raw inputs
// and targets.
func (m *Model) explainHeldOut(d Dataset) error {
	if len(m.dims) != 2 {
		return nil
	}
	rows := min(d.Rows(), maxHeldOut)
	head := Dataset{Modalities: make([]Modality, len(d.Modalities)), Y: d.Y.Slice(0, rows, 0, m.dm).(*mat.Dense)}
	for i, mod := range d.Modalities {
		head.Modalities[i] = Modality{Name: mod.Name, X: mod.X.Slice(0, rows, 0, m.dims[i]).(*mat.Dense)}
	}
	xs, err := m.scaleInputs(head)
	if err != nil {
		return fmt.Errorf("pidreg: explanation: %w", err)
	}
	zs, err := m.net.Latents(xs)
	if err != nil {
		return fmt.Errorf("pidreg: explanation: %w", err)
	}
	dm := m.dm
	yt, err := transform.InverseNormalDense(nil, head.Y, transform.Blom)
	if err != nil {
		return fmt.Errorf("pidreg: explanation: %w", err)
	}
	k := m.cfg.Latent
	if rows > 2*k+dm+1 {
		r, err := pid.FromSamples(yt, zs[0], zs[1], pid.Options{Debias: true})
		if err != nil {
			return fmt.Errorf("pidreg: held-out PID: %w", err)
		}
		m.exp.HeldOut, m.exp.HeldOutRows = r, rows
	}
	src := m.exp.HeldOut
	if m.exp.HeldOutRows == 0 {
		src = m.exp.PID
	}
	m.exp.Share, m.exp.Cost, m.exp.Drop = shares(src, m.names, m.cfg.DropBelow)

	f := mat.NewDense(rows, dm+2*k, nil)
	f.Slice(0, rows, 0, dm).(*mat.Dense).Copy(yt)
	f.Slice(0, rows, dm, dm+k).(*mat.Dense).Copy(zs[0])
	f.Slice(0, rows, dm+k, dm+2*k).(*mat.Dense).Copy(zs[1])
	m.exp.Normality = normality(f)
	return nil
}

// shares turns atoms into per-modality shares and removal costs, and names
// the modality to drop when its cost is below the threshold.
func shares(r pid.Result, names []string, below float64) (share, cost []float64, drop string) {
	if r.MIXY <= 0 {
		return []float64{0, 0}, []float64{0, 0}, ""
	}
	share = []float64{r.MIX / r.MIXY, r.MIY / r.MIXY}
	cost = []float64{(r.UniqueX + r.Synergy) / r.MIXY, (r.UniqueY + r.Synergy) / r.MIXY}
	i := 0
	if cost[1] < cost[0] {
		i = 1
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
