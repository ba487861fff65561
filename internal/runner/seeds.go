package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/pidreg/pidreg"
)

// SeedRuns describes the runs of Seeds: one model per split, each with its
// own seed.
type SeedRuns struct {
	// Splits are the row splits, one per run.
	Splits []Split
	// Config returns the model configuration of run i. Its Seed names the
	// run: in the printout and in the names of its outputs.
	Config func(i int) (pidreg.Config, error)
	// Options are the outputs and progress of every run. With more than
	// one run, the report FILE of seed S is written as FILE.S.json (FILE
	// less a ".json" suffix) and the plots go to the subdirectory seedS of
	// the plot directory; a model file (Out) holds the last run's model.
	Options Options
	// Intro, when set, returns what is printed before run i, in place of
	// the line "seed S" that otherwise precedes each of several runs.
	Intro func(i int, cfg pidreg.Config) string
	// Headline, when set, returns what is printed after each run's Summary.
	Headline func(*Report) string
	// Unit follows the means of the RMSE and the MAE in the closing line
	// (" K"); MAEFirst puts the MAE before the RMSE there.
	Unit     string
	MAEFirst bool
}

// Seeds trains a model on d for every split of runs, each with the
// configuration runs.Config(i), and prints to w for each run its
// introduction, its Summary and its headline. After several runs it prints
// the mean and sample standard deviation of the test metrics over the
// runs and the mean of their seconds per epoch,
//
//	mean over N seeds: RMSE m ± sd, MAE m ± sd, R² m ± sd, t s/epoch
//
// It returns the reports, one per run, or the first error (with the reports
// of the runs before it).
func Seeds(ctx context.Context, d pidreg.Dataset, runs SeedRuns, w io.Writer) ([]*Report, error) {
	if runs.Config == nil {
		return nil, errors.New("runner: seeds: no configuration")
	}
	several := len(runs.Splits) > 1
	reps := make([]*Report, 0, len(runs.Splits))
	for i, s := range runs.Splits {
		cfg, err := runs.Config(i)
		if err != nil {
			return reps, err
		}
		opt := runs.Options
		if several && opt.Report != "" {
			opt.Report = fmt.Sprintf("%s.%d.json", strings.TrimSuffix(opt.Report, ".json"), cfg.Seed)
		}
		if several && opt.Plots != "" {
			opt.Plots = filepath.Join(opt.Plots, fmt.Sprintf("seed%d", cfg.Seed))
		}
		switch {
		case runs.Intro != nil:
			fmt.Fprint(w, runs.Intro(i, cfg))
		case several:
			fmt.Fprintf(w, "seed %d\n", cfg.Seed)
		}
		_, rep, err := Run(ctx, d, s, cfg, opt)
		if err != nil {
			return reps, err
		}
		fmt.Fprint(w, Summary(rep))
		if runs.Headline != nil {
			fmt.Fprint(w, runs.Headline(rep))
		}
		reps = append(reps, rep)
	}
	if several {
		fmt.Fprintln(w, meanLine(reps, runs.Unit, runs.MAEFirst))
	}
	return reps, nil
}

// meanLine is the closing line of Seeds.
func meanLine(reps []*Report, unit string, maeFirst bool) string {
	n := len(reps)
	rmse, mae, r2, spe := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, r := range reps {
		rmse[i], mae[i], r2[i] = math.NaN(), math.NaN(), math.NaN()
		if r.Metrics != nil {
			rmse[i], mae[i], r2[i] = r.Metrics.RMSE, r.Metrics.MAE, r.Metrics.R2
		}
		spe[i] = r.SecondsPerEpoch
	}
	stat3 := func(name string, x []float64) string {
		m, sd := stat.MeanStdDev(x, nil)
		return fmt.Sprintf("%s %.3f ± %.3f%s", name, m, sd, unit)
	}
	first, second := stat3("RMSE", rmse), stat3("MAE", mae)
	if maeFirst {
		first, second = second, first
	}
	mr2, sdr2 := stat.MeanStdDev(r2, nil)
	return fmt.Sprintf("mean over %d seeds: %s, %s, R² %.4f ± %.4f, %.2f s/epoch", n, first, second, mr2, sdr2, stat.Mean(spe, nil))
}
