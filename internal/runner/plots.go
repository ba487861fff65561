package runner

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/plots"
)

// Plots writes the PNGs of a run into dir: pid_atoms.png (atoms per epoch,
// freeze marked), losses.png (training and validation prediction loss),
// weights.png (fusion weights per epoch) and pred_vs_true.png (test split).
// Plots that do not apply (no second modality, no test rows) are skipped.
func Plots(dir string, names []string, hist []pidreg.Epoch, frozenAt int, truth, pred []float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	var train, val, ux, uy, red, syn []float64
	var w [][3]float64
	for _, e := range hist {
		train = append(train, e.MSE())
		val = append(val, e.ValMSE)
		if r, ok := e.Windowed.Pair(); ok || len(names) == 2 {
			ux = append(ux, r.UniqueX)
			uy = append(uy, r.UniqueY)
			red = append(red, r.Redundancy)
			syn = append(syn, r.Synergy)
		}
		if len(e.Weights) == 3 {
			w = append(w, [3]float64(e.Weights))
		}
	}
	if len(hist) > 0 {
		if err := plots.Losses(filepath.Join(dir, "losses.png"), train, val); err != nil {
			return err
		}
	}
	if len(names) == 2 && len(hist) > 0 {
		n2 := [2]string{names[0], names[1]}
		if err := plots.Atoms(filepath.Join(dir, "pid_atoms.png"), ux, uy, red, syn, n2, frozenAt); err != nil {
			return err
		}
		if err := plots.Weights(filepath.Join(dir, "weights.png"), w, n2, frozenAt); err != nil {
			return err
		}
	}
	if len(truth) > 0 {
		if err := plots.Scatter(filepath.Join(dir, "pred_vs_true.png"), "test split: predicted against true", truth, pred); err != nil {
			return err
		}
	}
	return nil
}
