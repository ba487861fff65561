// Package runner is the train-and-report loop shared by the pidreg command
// and the bundled examples: fit a model on a split data set, print progress,
// score the test split in the target's unit, and write the JSON report, the
// plots and the model file that the user asked for.
package runner
