package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/internal/runner"
)

const trainSynopsis = `Usage:
	pidreg train -data FILE [-data FILE] -modality NAME=COLS [-modality NAME=COLS] -target COLS
	    [-sep auto|comma|semicolon|tab] [-na LIST] [-missing impute|error]
	    [-epochs N] [-batch B] [-seed S] [-split 0.7,0.1,0.2] [-latent K]
	    [-policy split|stronger|bernoulli] [-debias] [-measure mmi|dep] [-bootstrap B]
	    [-dropout 0.3,0.2] [-modality-dropout P] [-inputs zscore|quantile] [-input-clip C]
	    [-out model.pidreg] [-report FILE.json] [-plots DIR] [-q]

Train a PID-weighted multimodal regression model on a data file. Give -modality
once per modality, in the order the decomposition names them (the PID needs two
or more; one trains a plain MLP regressor; the decomposition is the full
redundancy lattice up to four modalities, each modality against the rest
beyond). COLS is a comma-separated list of header names, 0-based indices and
inclusive ranges a-b whose ends are indices or names, as in 'pidreg pid'; a
column may belong to one modality or the target only, and the selected columns'
names must be unique (predict and eval find them again by name).

` + dataHelp + `
Every output (-out, -report, -plots) is checked before the data are read: a
file's directory must exist and be writable, and it must not be a directory
nor one of the -data files; the -plots directory must exist or be creatable.
Files are written atomically (a temporary file renamed into place) with the
permissions a new file gets (0666 less the umask).

The rows are split at random (seeded) into training, validation and test parts;
the validation part drives early stopping and the learning-rate schedule, the
test part is scored after training in the target's unit. Each epoch prints one
line (losses, PID atoms in bits, fusion weights, λ); on a terminal a progress
bar within the epoch shows the steps, their rate and the time left should
training run all -epochs ("≤": early stopping may end it sooner); -q prints
neither. Then the test metrics and the model's explanation are printed, as
'pidreg explain' prints it: the PID atoms in bits with their bootstrap
intervals and permutation p-values, the information each modality carries
alone and what dropping it would cost, the modality selection advice, the
fusion weights and λ, the check of the Gaussian assumption and the epoch the
weights froze, computed after training on the validation rows (on the training
rows when the run has no validation part). The model is written atomically to
-out (Ctrl-C stops training and writes nothing).

-report writes a JSON object with the keys metrics {mse, rmse, mae, r2}, pid
{unique, redundancy, synergy, mi, mi_each, atoms (every atom by name: {a},
{a}{b}, {a,b}, …)}, quantities (atoms and informations with their bootstrap
intervals and permutation p-values), weights, terms, lambdas, epochs_run,
frozen_at_epoch (null if the weights never froze), seconds_per_epoch,
epoch_seconds, train_rows, val_rows, test_rows, test_rows_out_of_range (test
rows with an input beyond the training range), history (one object per epoch:
losses, val_mse, the epoch's PID and windowed PID, weights, lambdas,
learn_rate) and more. -plots writes PNGs into the directory: pid_heldout.png
(the held-out atoms with their intervals as error bars), pid_atoms.png (the
atoms per epoch, the freeze marked), weights.png (the fusion weights per
epoch), losses.png and pred_vs_true.png (the test rows).

Inputs are standardised on the training rows (-inputs zscore), or first mapped
to normal scores through each column's training distribution (-inputs
quantile: better for sparse or heavy-tailed columns such as element fractions
or pixels). Either way each value is clamped to the range its column took on
the training rows, and to ±C with -input-clip C > 0 (-1: no clamping).

The PID of a mini-batch of M modalities needs batch ≥ M·latent + targets + 2
rows; lower -latent (or raise -batch) for small data or many modalities.
-measure dep uses Kay & Ince's I_dep instead of the MMI PID (two modalities).
-bootstrap B sets the bootstrap resamples behind the intervals and the
permutations behind the p-values (two modalities; default 200, -1 for none);
when the validation rows are too few to bootstrap, the explanation says so and
has no intervals: 'pidreg explain -data' computes them on more rows.
-modality-dropout P drops each modality of each training row with probability P
at every step (never all of them), so the model learns to predict rows that lack
a modality; a row whose cells of a modality are all missing lacks it.
`

// trainArgs are the parsed flags of train.
type trainArgs struct {
	data                       dataFlags
	target, out, report, plots string
	mods                       modalityFlag
	cfg                        pidreg.Config
	frac                       [3]float64
	quiet                      bool
}

func parseTrain(args []string, stdout io.Writer) (trainArgs, error) {
	fs := newFlagSet("train")
	var a trainArgs
	a.data.register(fs)
	fs.Var(&a.mods, "modality", "one modality as `NAME=COLS`; give the flag once per modality")
	fs.StringVar(&a.target, "target", "", "target `columns` (several columns make a vector target)")
	epochs := fs.Int("epochs", 200, "maximum number of `epochs`")
	batch := fs.Int("batch", 256, "mini-batch `size` (capped at the training rows)")
	seed := fs.Uint64("seed", 1, "random `seed` of the split, the initialisation and the training")
	split := fs.String("split", "0.7,0.1,0.2", "train,validation,test `fractions`")
	latent := fs.Int("latent", 64, "latent `size` of each modality encoder")
	policy := fs.String("policy", "split", "redundancy `policy` of the fusion weights: split, stronger or bernoulli")
	dropout := fs.String("dropout", "0.3,0.2", "dropout `rates` after each hidden layer, comma-separated (one per layer; 0 disables)")
	inputs := fs.String("inputs", "zscore", "input `map`: zscore or quantile")
	fs.Float64Var(&a.cfg.InputClip, "input-clip", 0, "clamp standardised inputs to ±`C` as well as to the training range (0: training range only; -1: no clamping)")
	fs.BoolVar(&a.cfg.Debias, "debias", false, "bias-correct every PID during training")
	fs.StringVar(&a.cfg.Measure, "measure", "mmi", "redundancy `measure`: mmi or dep (I_dep, two modalities)")
	fs.IntVar(&a.cfg.Bootstrap, "bootstrap", 200, "bootstrap `resamples` behind the intervals, and permutations behind the p-values; -1 for none")
	fs.BoolVar(&a.cfg.Float32, "float32", false, "train the encoders and the head in float32 (see pidreg.Config.Float32)")
	fs.Float64Var(&a.cfg.ModalityDropout, "modality-dropout", 0, "drop each modality of each training row with `probability` P (never all)")
	fs.StringVar(&a.out, "out", "model.pidreg", "model `file` to write (empty: do not save)")
	fs.StringVar(&a.report, "report", "", "JSON report `file`")
	fs.StringVar(&a.plots, "plots", "", "`directory` for PNG plots")
	fs.BoolVar(&a.quiet, "q", false, "quiet: no line per epoch, no progress bar")
	if err := parseFlags(fs, args, trainSynopsis, stdout); err != nil {
		return a, err
	}
	if err := a.data.check("train"); err != nil {
		return a, err
	}
	switch {
	case len(a.mods) == 0:
		return a, errors.New("train: need -modality NAME=COLS (once per modality)")
	case strings.TrimSpace(a.target) == "":
		return a, errors.New("train: need -target COLS")
	case *epochs < 1:
		return a, fmt.Errorf("train: -epochs %d: need at least 1", *epochs)
	case *batch < 4:
		return a, fmt.Errorf("train: -batch %d: need at least 4", *batch)
	case *latent < 1:
		return a, fmt.Errorf("train: -latent %d: need at least 1", *latent)
	case a.cfg.Bootstrap == 0:
		return a, errors.New("train: -bootstrap 0: give a number of resamples, or -1 for none")
	}
	var err error
	if a.frac, err = parseSplit(*split); err != nil {
		return a, fmt.Errorf("train: %w", err)
	}
	p, err := fusion.ParsePolicy(*policy)
	if err != nil {
		return a, fmt.Errorf("train: -policy: %w", err)
	}
	if a.cfg.Inputs, err = pidreg.ParseInputMap(*inputs); err != nil {
		return a, fmt.Errorf("train: -inputs: %w", err)
	}
	if a.cfg.Dropout, err = parseRates(*dropout); err != nil {
		return a, fmt.Errorf("train: -dropout: %w", err)
	}
	a.cfg.Epochs, a.cfg.Batch, a.cfg.Seed, a.cfg.Latent, a.cfg.Policy = *epochs, *batch, *seed, *latent, p
	a.cfg.Missing = a.data.policy()
	if err := checkConfig(a.cfg, len(a.mods)); err != nil {
		return a, fmt.Errorf("train: %w", err)
	}
	if err := checkOutputs(a.data.paths, out("out", a.out), out("report", a.report), outDir("plots", a.plots)); err != nil {
		return a, fmt.Errorf("train: %w", err)
	}
	return a, nil
}

func runTrain(args []string, stdin io.Reader, stdout io.Writer) error {
	ctx, stop := interruptible()
	defer stop()
	return tidy(train(ctx, args, stdin, stdout))
}

// train is the train command under a given context.
func train(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	a, err := parseTrain(args, stdout)
	if err != nil {
		return err
	}
	sel, err := readBySpec(stdin, &a.data, a.mods, a.target)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	split, err := splitRows(sel.data.Rows(), a.frac, a.cfg.Seed)
	if err != nil {
		return fmt.Errorf("train: %s: %w", a.data.name(), err)
	}
	if notes := dataNotes(sel.report, sel, "training and testing"); notes != "" {
		fmt.Fprint(stdout, notes)
	}
	var progress io.Writer
	if !a.quiet {
		progress = stdout
	}
	o := runner.Options{Out: a.out, Report: a.report, Plots: a.plots, Progress: progress, Bar: true, Inputs: a.data.paths,
		Columns: sel.columns, Targets: sel.target, Data: readReport(sel.report, sel, a.data.paths),
		Extra: map[string]string{"data": a.data.name(), "target": strings.Join(sel.target, ","), "model": a.out}}
	_, rep, err := runner.Run(ctx, sel.data, split, a.cfg, o)
	if err != nil {
		return fmt.Errorf("train: %w", interrupted(err))
	}
	fmt.Fprint(stdout, runner.Summary(rep))
	if a.out != "" {
		fmt.Fprintf(stdout, "model written to %s\n", a.out)
	}
	return nil
}

// parseRates parses comma-separated dropout rates, each in [0, 1). An empty
// string means no dropout layers' rates are given (the defaults apply).
func parseRates(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < 0 || v >= 1 {
			return nil, fmt.Errorf("rate %q is not a number in [0, 1)", strings.TrimSpace(f))
		}
		out = append(out, v)
	}
	return out, nil
}
