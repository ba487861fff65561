// Command pidreg decomposes, trains and evaluates PID-based multimodal
// regression models. Run `pidreg -h` for the list of commands and
// `pidreg COMMAND -h` for the flags of one.
//
// Every failure prints exactly one line starting "pidreg: " on standard
// error and exits with status 2; -h prints help on standard output and exits
// with status 0.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// command is one subcommand. run parses its own flags from args, reads
// stdin if it needs to, writes its results to stdout and returns an error
// for any failure (flag.ErrHelp after printing its help to stdout).
type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout io.Writer) error
}

// commands lists the subcommands in the order the usage shows them. Each
// lives in its own file.
func commands() []command {
	return []command{
		{"pid", "partial information decomposition of a covariance or a data file", runPID},
		{"train", "train a multimodal regression model on a data file (CSV or Parquet)", runTrain},
		{"predict", "predict the target of the rows of a data file with a trained model", runPredict},
		{"eval", "score a trained model on a data file (MSE, RMSE, MAE, R²)", runEval},
		{"explain", "print a trained model's explanation, or recompute it on a data file", runExplain},
		{"bench", "compare pidreg with its baselines and ablations over several seeds", runBench},
	}
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return fail(stderr, errors.New("no command given; run 'pidreg -h' for the list"))
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(args[1:], stdin, stdout)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	return fail(stderr, fmt.Errorf("unknown command %q; run 'pidreg -h' for the list", name))
}

// fail prints err as one line "pidreg: …" and returns the exit status 2.
func fail(stderr io.Writer, err error) int {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	fmt.Fprintf(stderr, "pidreg: %s\n", msg)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `pidreg: explainable multimodal regression through partial information decomposition.

Usage:
	pidreg COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "	%-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'pidreg COMMAND -h' for the flags of a command. Errors print one line
starting "pidreg: " on standard error and exit with status 2.
`)
}

// newFlagSet returns a flag set that reports errors only through
// parseFlags's return value.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args and rejects positional arguments. On -h it prints
// synopsis and the flag defaults to stdout and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, synopsis string, stdout io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, synopsis, "\nFlags:\n")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
			return err
		}
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (flags go before arguments and take the form -name value)", fs.Name(), fs.Arg(0))
	}
	return nil
}
