package bench

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/runner"
)

// Report runs the benchmark (see Run), writes the table as JSON to
// jsonPath and its figures into plotsDir when those are not empty, and
// prints the Markdown table to w. It is what `pidreg bench` and the
// examples' -models flag do.
func Report(ctx context.Context, d pidreg.Dataset, splits []runner.Split, models []string, base pidreg.Config,
	progress io.Writer, jsonPath, plotsDir string, w io.Writer) error {
	tab, err := Run(ctx, d, splits, models, base, progress)
	if err != nil {
		return err
	}
	if jsonPath != "" {
		if err := runner.WriteJSON(jsonPath, tab); err != nil {
			return fmt.Errorf("writing %s: %w", jsonPath, err)
		}
	}
	if plotsDir != "" {
		if err := tab.Plots(plotsDir); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	return tab.Markdown(w)
}

// Flag parses the value of an example's -models flag: empty means no
// benchmark (nil), "all" every model, otherwise a list as for ParseModels.
func Flag(list string, names []string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	models, err := ParseModels(list, names)
	if err != nil {
		return nil, fmt.Errorf("-models: %w", err)
	}
	return models, nil
}

// Quiet returns w, or nil when quiet is set: the progress writer of an
// example's -q flag.
func Quiet(w io.Writer, quiet bool) io.Writer {
	if quiet {
		return nil
	}
	return w
}
