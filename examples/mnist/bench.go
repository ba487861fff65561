package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/bench"
	"github.com/pidreg/pidreg/internal/runner"
)

// parseModels parses -models: "" means no benchmark (train the PID model
// only), "all" every model of bench.Models, otherwise a comma-separated
// list such as "pidreg,concat,late,unimodal:NAME".
func parseModels(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	models, err := bench.ParseModels(list, modalityNames[:])
	if err != nil {
		return nil, fmt.Errorf("-models: %w", err)
	}
	return models, nil
}

// benchmark trains every model on every split with the base configuration
// (seed base.Seed+i on split i) and prints the Markdown table of mean ± sd
// test RMSE, MAE, R² and seconds per epoch, with the modality-selection
// check when pidreg is among the models. -report then names the JSON of
// the table (the schema of `pidreg bench -report`) and -plots a directory
// for the figures of the first seed.
func benchmark(ctx context.Context, d pidreg.Dataset, splits []runner.Split, models []string, base pidreg.Config, o options, stdout io.Writer) error {
	var progress io.Writer
	if !o.quiet {
		progress = stdout
	}
	return bench.Report(ctx, d, splits, models, base, progress, o.report, o.plots, stdout)
}
