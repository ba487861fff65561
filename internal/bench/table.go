package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/plots"
	"github.com/pidreg/pidreg/internal/runner"
)

// Table is the result of a benchmark: one Row per model, in the order
// given to Run, and the modality-selection check of every split.
type Table struct {
	Modalities []string `json:"modalities"`
	Seeds      int      `json:"seeds"`
	// BaseSeed is the seed of split 1; split i used BaseSeed+i−1.
	BaseSeed uint64 `json:"base_seed"`
	// TrainRows, ValRows and TestRows are the part sizes of split 1.
	TrainRows int   `json:"train_rows"`
	ValRows   int   `json:"val_rows"`
	TestRows  int   `json:"test_rows"`
	Rows      []Row `json:"rows"`
	// Selection holds one check per split when pidreg was benchmarked;
	// DropBelow is the threshold of Explain's recommendation.
	Selection []Selection `json:"selection,omitempty"`
	DropBelow float64     `json:"drop_below,omitempty"`
	// Robustness holds, for pidreg and modality-dropout when benchmarked,
	// the test error with every modality present and with each missing.
	Robustness []RobustRow `json:"robustness,omitempty"`

	first map[string]*fitted // split 1's models, for the plots
}

// Result is one model trained on one split.
type Result struct {
	Model           string         `json:"model"`
	Split           int            `json:"split"` // 1-based
	Metrics         pidreg.Metrics `json:"metrics"`
	SecondsPerEpoch float64        `json:"seconds_per_epoch"`
	Epochs          int            `json:"epochs"`
	Seconds         float64        `json:"seconds"` // wall time of training
}

// Row summarises a model over the splits.
type Row struct {
	Model           string   `json:"model"`
	RMSE            Stat     `json:"rmse"`
	MAE             Stat     `json:"mae"`
	R2              Stat     `json:"r2"`
	SecondsPerEpoch Stat     `json:"seconds_per_epoch"`
	Epochs          Stat     `json:"epochs"`
	Runs            []Result `json:"runs"`
}

// Stat is the mean and the sample standard deviation
// s = √(Σ(xᵢ − x̄)²/(n − 1)) of n values; s is NaN for n < 2 and both are
// NaN when a value is NaN (R² of a constant test target).
type Stat struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	N    int     `json:"n"`
}

// NewStat summarises xs.
func NewStat(xs []float64) Stat {
	s := Stat{Mean: math.NaN(), SD: math.NaN(), N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	s.Mean = sum / float64(len(xs))
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(xs)-1))
	}
	return s
}

// MarshalJSON writes NaN as null.
func (s Stat) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Mean *float64 `json:"mean"`
		SD   *float64 `json:"sd"`
		N    int      `json:"n"`
	}{finite(s.Mean), finite(s.SD), s.N})
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// format prints "mean ± sd" (the mean with verb, the sd to two significant
// digits), or the mean alone when the sd is undefined.
func (s Stat) format(verb string) string {
	if math.IsNaN(s.SD) {
		return fmt.Sprintf(verb, s.Mean)
	}
	return fmt.Sprintf(verb+" ± %.2g", s.Mean, s.SD)
}

func newRow(name string, runs []Result) Row {
	var rmse, mae, r2, spe, ep []float64
	for _, r := range runs {
		rmse = append(rmse, r.Metrics.RMSE)
		mae = append(mae, r.Metrics.MAE)
		r2 = append(r2, r.Metrics.R2)
		spe = append(spe, r.SecondsPerEpoch)
		ep = append(ep, float64(r.Epochs))
	}
	return Row{Model: name, RMSE: NewStat(rmse), MAE: NewStat(mae), R2: NewStat(r2),
		SecondsPerEpoch: NewStat(spe), Epochs: NewStat(ep), Runs: runs}
}

// RobustRow is one model's test error (mean ± sd over the splits) with
// every modality present (Missing[0], named "none") and with modality i
// missing from every test row (Missing[i+1]).
type RobustRow struct {
	Model   string   `json:"model"`
	Missing []string `json:"missing"`
	RMSE    []Stat   `json:"rmse"`
	MAE     []Stat   `json:"mae"`
}

func newRobustRow(name string, runs [][]pidreg.Metrics) RobustRow {
	r := RobustRow{Model: name}
	for k := range runs[0] {
		var rmse, mae []float64
		for _, run := range runs {
			rmse, mae = append(rmse, run[k].RMSE), append(mae, run[k].MAE)
		}
		r.RMSE, r.MAE = append(r.RMSE, NewStat(rmse)), append(r.MAE, NewStat(mae))
	}
	return r
}

// Selection is the modality-selection check of one split. Explain's Cost[i]
// is the fraction of I(ỹ; Z) lost without modality i (CostCI its bootstrap
// interval); Candidate is the modality of least cost, Recommended equals it
// when that cost (the interval's upper end) is below the threshold
// (Config.DropBelow) and is empty otherwise. Unimodal is the test error of
// the model on the modalities Keep (all but Candidate; "unimodal" for two
// modalities); the Predict times are medians over the test rows, in
// seconds.
type Selection struct {
	Split           int            `json:"split"`
	Recommended     string         `json:"recommended"`
	Candidate       string         `json:"candidate"`
	Keep            string         `json:"keep"`
	Cost            []float64      `json:"cost"`
	CostCI          [][2]float64   `json:"cost_ci,omitempty"`
	Share           []float64      `json:"share"`
	Bimodal         pidreg.Metrics `json:"bimodal"`
	Unimodal        pidreg.Metrics `json:"unimodal"`
	BimodalPredict  float64        `json:"bimodal_predict_seconds"`
	UnimodalPredict float64        `json:"unimodal_predict_seconds"`
}

// Saved is the fraction of inference time saved by the unimodal model,
// 1 − t_unimodal/t_bimodal.
func (s Selection) Saved() float64 {
	if s.BimodalPredict <= 0 {
		return math.NaN()
	}
	return 1 - s.UnimodalPredict/s.BimodalPredict
}

func (s Selection) verdict() string {
	if s.Recommended != "" {
		return "drop " + s.Recommended
	}
	return "keep all"
}

// line is the one-line account printed as progress.
func (s Selection) line() string {
	return fmt.Sprintf("%s (dropping %s loses %.1f%% of the information); RMSE %.4g with both, %.4g with %s alone; predict %s → %s (%.0f%% saved)",
		s.verdict(), s.Candidate, 100*minCost(s.Cost), s.Bimodal.RMSE, s.Unimodal.RMSE, s.Keep,
		duration(s.BimodalPredict), duration(s.UnimodalPredict), 100*s.Saved())
}

// costs formats the removal costs of a check, with their intervals.
func costs(s Selection) string {
	parts := make([]string, len(s.Cost))
	for i, c := range s.Cost {
		parts[i] = fmt.Sprintf("%.3f", c)
		if i < len(s.CostCI) {
			parts[i] += fmt.Sprintf(" [%.3f, %.3f]", s.CostCI[i][0], s.CostCI[i][1])
		}
	}
	return strings.Join(parts, " / ")
}

func minCost(c []float64) float64 {
	m := math.Inf(1)
	for _, v := range c {
		m = math.Min(m, v)
	}
	return m
}

// duration prints seconds with a unit that keeps three significant digits.
func duration(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	default:
		return fmt.Sprintf("%.3g µs", s*1e6)
	}
}

// Markdown writes the table (mean ± sample sd over the splits) and, when
// present, the modality-selection check.
func (t *Table) Markdown(w io.Writer) error {
	var b strings.Builder
	seeds := fmt.Sprintf("Seed %d", t.BaseSeed)
	if t.Seeds > 1 {
		seeds = fmt.Sprintf("Seeds %d–%d (%d; mean ± sd over the seeds)", t.BaseSeed, t.BaseSeed+uint64(t.Seeds)-1, t.Seeds)
	}
	fmt.Fprintf(&b, "%s; every model on the same splits (train/val/test rows %d/%d/%d for the first) with the same encoder settings.\n\n",
		seeds, t.TrainRows, t.ValRows, t.TestRows)
	b.WriteString("| model | test RMSE | MAE | R² | s/epoch | epochs |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3g | %.1f |\n", r.Model,
			r.RMSE.format("%.4g"), r.MAE.format("%.4g"), r.R2.format("%.4f"), r.SecondsPerEpoch.Mean, r.Epochs.Mean)
	}
	if len(t.Selection) > 0 {
		fmt.Fprintf(&b, "\nModality selection (pidreg's PID on held-out rows; drop a modality whose removal loses < %.3g%% of I(y; Z), at the upper end of its 95%% interval):\n\n", 100*t.DropBelow)
		fmt.Fprintf(&b, "| seed | verdict | cost %s | RMSE all | RMSE without the cheapest (kept) | predict all | predict without | time saved |\n", strings.Join(t.Modalities, " / "))
		b.WriteString("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		var both, one, saved []float64
		drops := 0
		for _, s := range t.Selection {
			fmt.Fprintf(&b, "| %d | %s | %s | %.4g | %.4g (%s) | %s | %s | %.0f%% |\n", s.Split, s.verdict(),
				costs(s), s.Bimodal.RMSE, s.Unimodal.RMSE, s.Keep,
				duration(s.BimodalPredict), duration(s.UnimodalPredict), 100*s.Saved())
			both = append(both, s.Bimodal.RMSE)
			one = append(one, s.Unimodal.RMSE)
			saved = append(saved, s.Saved())
			if s.Recommended != "" {
				drops++
			}
		}
		fmt.Fprintf(&b, "\nA modality was recommended for dropping on %d of %d seeds; RMSE with every modality %s, with the cheapest removed %s; inference time saved %s%%.\n",
			drops, len(t.Selection), NewStat(both).format("%.4g"), NewStat(one).format("%.4g"), scale(NewStat(saved), 100).format("%.0f"))
	}
	if len(t.Robustness) > 0 {
		b.WriteString("\nRobustness to a missing modality (test RMSE when every test row lacks that modality; the model predicts from the others):\n\n")
		b.WriteString("| model | all present |")
		for _, n := range t.Modalities {
			fmt.Fprintf(&b, " without %s |", n)
		}
		b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(t.Modalities)+1) + "\n")
		for _, r := range t.Robustness {
			fmt.Fprintf(&b, "| %s |", r.Model)
			for _, s := range r.RMSE {
				fmt.Fprintf(&b, " %s |", s.format("%.4g"))
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func scale(s Stat, k float64) Stat { return Stat{Mean: s.Mean * k, SD: s.SD * k, N: s.N} }

// Plots writes the figures of split 1 into dir: val_loss.png (validation
// loss per epoch of every model), and for each model a subdirectory (its
// name with ':' replaced by '_') with the figures of runner.Plots: losses,
// PID atoms and fusion weights where they apply, and predicted against true.
func (t *Table) Plots(dir string) error {
	var series []plots.Series
	for _, r := range t.Rows {
		f := t.first[r.Model]
		if f == nil {
			continue
		}
		var e pidreg.Explanation
		if f.model != nil && !f.model.Config().EqualWeights {
			// With fixed weights no PID is computed while training: its
			// atom and weight curves would be flat lines of no meaning.
			e = f.model.Explain()
		}
		var truth, pred []float64
		if f.truth != nil {
			for i := range f.truth {
				truth = append(truth, f.truth[i])
				pred = append(pred, f.pred.At(i, 0))
			}
		}
		sub := filepath.Join(dir, strings.ReplaceAll(r.Model, ":", "_"))
		if err := runner.Plots(sub, e, f.hist, truth, pred); err != nil {
			return fmt.Errorf("bench: plots of %s: %w", r.Model, err)
		}
		if len(f.hist) > 0 {
			val := make([]float64, len(f.hist))
			for i, e := range f.hist {
				val[i] = e.ValMSE
			}
			series = append(series, plots.Series{Name: r.Model, Y: val})
		}
	}
	if len(series) > 0 && t.ValRows > 0 {
		if err := plots.Lines(filepath.Join(dir, "val_loss.png"), "validation loss per model (seed 1)",
			"epoch", "validation MSE (z-scored target)", series, 0); err != nil {
			return fmt.Errorf("bench: plots: %w", err)
		}
	}
	return nil
}
