package runner

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/plots"
)

// maxBars bounds the atoms drawn in pid_heldout.png: the largest ones (a
// lattice of four modalities has 166).
const maxBars = 24

// Plots writes the PNGs of a run into dir: pid_atoms.png (the unique atom of
// each modality, the redundancy of all and their synergy per epoch, freeze
// marked), pid_heldout.png (the held-out atoms with their bootstrap
// intervals; for three or more modalities the largest of the lattice),
// losses.png (training and validation prediction loss), weights.png (fusion
// weights per epoch) and pred_vs_true.png (test split). Plots that do not
// apply (one modality, no test rows) are skipped.
func Plots(dir string, e pidreg.Explanation, hist []pidreg.Epoch, truth, pred []float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if len(hist) > 0 {
		var train, val []float64
		for _, h := range hist {
			train = append(train, h.MSE())
			val = append(val, h.ValMSE)
		}
		if err := plots.Losses(filepath.Join(dir, "losses.png"), train, val); err != nil {
			return err
		}
	}
	if nm := len(e.Names); nm >= 2 && len(hist) > 0 {
		atoms := make([]plots.Series, nm+2)
		weights := make([]plots.Series, len(e.Terms))
		for i, n := range e.Names {
			atoms[i].Name = "unique " + n
		}
		atoms[nm].Name, atoms[nm+1].Name = "redundancy (all)", "synergy (all)"
		for t, n := range e.Terms {
			weights[t].Name = n
		}
		for _, h := range hist {
			w := h.Windowed
			for i := range nm {
				atoms[i].Y = append(atoms[i].Y, orNaN(w.Sources == nm, func() float64 { return w.Unique(i) }))
			}
			atoms[nm].Y = append(atoms[nm].Y, orNaN(w.Sources == nm, w.Redundancy))
			atoms[nm+1].Y = append(atoms[nm+1].Y, orNaN(w.Sources == nm, w.Synergy))
			for t := range weights {
				weights[t].Y = append(weights[t].Y, orNaN(t < len(h.Weights), func() float64 { return h.Weights[t] }))
			}
		}
		if err := plots.Lines(filepath.Join(dir, "pid_atoms.png"), "PID atoms per epoch (windowed, training batches)", "epoch", "information (bits)", atoms, e.FrozenAt); err != nil {
			return err
		}
		if err := plots.Lines(filepath.Join(dir, "weights.png"), "Fusion weights per epoch", "epoch", "weight", weights, e.FrozenAt); err != nil {
			return err
		}
	}
	if err := HeldOutPlot(filepath.Join(dir, "pid_heldout.png"), e); err != nil {
		return err
	}
	if len(truth) > 0 {
		if err := plots.Scatter(filepath.Join(dir, "pred_vs_true.png"), "test split: predicted against true", truth, pred); err != nil {
			return err
		}
	}
	return nil
}

// HeldOutPlot draws the held-out atoms of e with their bootstrap intervals
// (the largest maxBars atoms for a large lattice) to path; it draws nothing
// for an explanation without a held-out decomposition.
func HeldOutPlot(path string, e pidreg.Explanation) error {
	if len(e.Names) < 2 || e.HeldOutRows == 0 {
		return nil
	}
	var bars []plots.Bar
	for _, q := range e.Quantities {
		if len(q.Name) == 0 || q.Name[0] != '{' {
			continue
		}
		b := plots.NewBar(q.Name, q.Bits)
		if q.CI != nil && q.CI[0] <= q.Bits && q.Bits <= q.CI[1] {
			b.Lo, b.Hi = q.CI[0], q.CI[1]
		}
		bars = append(bars, b)
	}
	if len(bars) > maxBars {
		sort.SliceStable(bars, func(i, j int) bool { return bars[i].Value > bars[j].Value })
		bars = bars[:maxBars]
	}
	title := fmt.Sprintf("held-out PID, %d rows (bits)", e.HeldOutRows)
	if e.Resamples > 0 {
		title = fmt.Sprintf("held-out PID, %d rows (bits; %.0f %% bootstrap intervals, %d resamples)", e.HeldOutRows, 100*e.Level, e.Resamples)
	}
	return plots.Bars(path, title, "bits", bars)
}

// orNaN returns f() when ok, NaN (a gap in a curve) otherwise.
func orNaN(ok bool, f func() float64) float64 {
	if !ok {
		return math.NaN()
	}
	return f()
}
