package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/bench"
	"github.com/pidreg/pidreg/internal/runner"
)

const benchSynopsis = `Usage:
	pidreg bench -data FILE [-data FILE] -modality NAME=COLS -modality NAME=COLS -target COLS
	    [-sep auto|comma|semicolon|tab] [-na LIST] [-missing impute|error]
	    [-models LIST] [-seeds N] [-seed S] [-epochs N] [-batch B] [-latent K]
	    [-split 0.7,0.1,0.2] [-sample N] [-plots DIR] [-report FILE.json] [-q]

Train pidreg, its baselines and its ablations on identical splits (one random
split per seed; seed i uses -seed + i − 1 for the split and the models) with
identical encoder settings, and print a Markdown table of the test RMSE, MAE
and R² (mean ± sd over the seeds), seconds per epoch and epochs run.

Models (-models is a comma-separated list; default all):
	pidreg          the method
	concat          early fusion: one encoder on both modalities' columns
	late            one model per modality, predictions averaged
	unimodal:NAME   one model on modality NAME
	equal-weights   fusion weights fixed at 1/3
	no-cmi, no-cs, no-gauss   one regulariser switched off
	no-freeze       the PID and the weights are updated for the whole run

With pidreg in the list, the modality-selection check follows the table: for
every seed, the modality whose removal pidreg's PID says costs least, whether
it falls under the threshold, the unimodal model's test RMSE next to the
bimodal one, and the median time of predicting the test rows with each.

Each trained model prints one line; on a terminal a progress bar shows the
epoch and steps of the model being trained, their rate and the time left for
that model should it run all -epochs ("≤": early stopping may end it sooner);
-q prints neither.

-sample N draws N rows (seeded by -seed) before splitting; more rows than the
data have (after leaving out rows without a target) is an error. -plots writes
PNGs of seed 1 (per model, plus the validation loss of all models); -report
writes the table as JSON. Both are checked before any model is trained.

` + dataHelp

func runBench(args []string, stdin io.Reader, stdout io.Writer) error {
	ctx, stop := interruptible()
	defer stop()
	return tidy(benchCmd(ctx, args, stdin, stdout))
}

func benchCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("bench")
	var (
		mods    modalityFlag
		data    dataFlags
		target  = fs.String("target", "", "target `columns`")
		models  = fs.String("models", "all", "comma-separated `list` of models")
		seeds   = fs.Int("seeds", 3, "`number` of seeds (splits)")
		seed    = fs.Uint64("seed", 1, "first `seed`")
		epochs  = fs.Int("epochs", 200, "maximum number of `epochs`")
		batch   = fs.Int("batch", 256, "mini-batch `size`")
		latent  = fs.Int("latent", 64, "latent `size` of each encoder")
		split   = fs.String("split", "0.7,0.1,0.2", "train,validation,test `fractions`")
		sample  = fs.Int("sample", 0, "use a seeded sample of `N` rows (0: all)")
		plotDir = fs.String("plots", "", "`directory` for PNG plots of seed 1")
		report  = fs.String("report", "", "JSON `file` for the table")
		quiet   = fs.Bool("q", false, "quiet: no line per trained model, no progress bar")
		f32     = fs.Bool("float32", false, "train the encoders and the heads in float32 (see pidreg.Config.Float32)")
	)
	fs.Var(&mods, "modality", "one modality as `NAME=COLS`; give the flag twice")
	data.register(fs)
	if err := parseFlags(fs, args, benchSynopsis, stdout); err != nil {
		return err
	}
	if err := data.check("bench"); err != nil {
		return err
	}
	switch {
	case len(mods) != 2:
		return fmt.Errorf("bench: need -modality NAME=COLS exactly twice (got %d)", len(mods))
	case strings.TrimSpace(*target) == "":
		return errors.New("bench: need -target COLS")
	case *seeds < 1:
		return fmt.Errorf("bench: -seeds %d: need at least 1", *seeds)
	case *epochs < 1:
		return fmt.Errorf("bench: -epochs %d: need at least 1", *epochs)
	case *batch < 4:
		return fmt.Errorf("bench: -batch %d: need at least 4", *batch)
	case *latent < 1:
		return fmt.Errorf("bench: -latent %d: need at least 1", *latent)
	case *sample < 0:
		return fmt.Errorf("bench: -sample %d: need a positive count (0 for all rows)", *sample)
	}
	frac, err := parseSplit(*split)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	names := []string{mods[0].name, mods[1].name}
	list, err := bench.ParseModels(*models, names)
	if err != nil {
		return fmt.Errorf("bench: -models: %w", err)
	}
	if err := checkOutputs(data.paths, out("report", *report), outDir("plots", *plotDir)); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	sel, err := readBySpec(stdin, &data, mods, *target)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	d := sel.data
	if *sample > d.Rows() {
		return fmt.Errorf("bench: -sample %d: %s has only %d rows with a target; give -sample %d or less, or 0 for all of them",
			*sample, data.name(), d.Rows(), d.Rows())
	}
	if *sample > 0 {
		if d, err = bench.Sample(d, *sample, *seed); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	splits, err := bench.Splits(d.Rows(), frac, *seeds, *seed)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", data.name(), err)
	}
	if notes := dataNotes(sel.report, sel, "the benchmark"); notes != "" {
		fmt.Fprint(stdout, notes)
	}
	var progress io.Writer
	if !*quiet {
		progress = stdout
	}
	var fitOpts []pidreg.FitOption
	if bar := runner.TerminalBar(stdout); progress != nil && bar != nil {
		bar.What = "for this model"
		progress = bar
		fitOpts = append(fitOpts, bar.FitOption())
		defer bar.Clear() // before an error line, should the run stop mid-epoch
	}
	cfg := pidreg.Config{Epochs: *epochs, Batch: *batch, Latent: *latent, Seed: *seed, Float32: *f32}
	res, err := bench.Run(ctx, d, splits, list, cfg, progress, fitOpts...)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("bench: interrupted")
		}
		return err
	}
	if *report != "" {
		if err := runner.WriteJSON(*report, res); err != nil {
			return fmt.Errorf("bench: writing %s: %w", *report, err)
		}
	}
	if *plotDir != "" {
		if err := res.Plots(*plotDir); err != nil {
			return err
		}
	}
	if progress != nil {
		fmt.Fprintln(stdout)
	}
	return res.Markdown(stdout)
}
