// Package plots draws the figures of the pidreg examples and command as PNG
// files: per-epoch curves (losses, PID atoms, fusion weights) and a
// predicted-against-true scatter.
//
// The functions take plain slices, so the package depends on nothing in
// pidreg; callers copy the numbers out of a model's history. Every figure is
// a Width×Height (960×600) PNG at 96 dots per inch, with a title, labelled
// axes, a grid and a legend, drawn with gonum.org/v1/plot.
//
// # Per-epoch curves
//
// Lines is the general form: each Series is drawn at x = 1, 2, …, len(Y), and
// an optional dashed vertical marker shows one epoch. Atoms, Losses and
// Weights are Lines with fixed titles, labels and legends:
//
//   - Atoms: the four atoms of the partial information decomposition of the
//     target's information about the two latents (Williams and Beer 2010;
//     Gaussian PID, Barrett 2015), in bits, which satisfy
//     UniqueX + UniqueY + Redundancy + Synergy = I(Y; Z1, Z2);
//   - Weights: the fusion weights of z = w1·Z1 + w2·Z2 + w3·(Z1⊙Z2), with the
//     epoch at which they froze;
//   - Losses: training and validation loss.
//
// The y range is padded above the data so the legend, in the top right
// corner, does not hide the curves.
//
// # Missing values
//
// NaN and ±Inf are skipped, not drawn and not fatal: a curve is broken into
// its runs of finite values (an isolated finite value is drawn as a dot),
// and a scatter pair with a non-finite member is left out. Input with no
// finite value at all is an ErrEmpty error, slices that must match in
// length but do not an ErrLength error, and finite values whose span
// max − min overflows float64 (no axis can be laid out) an ErrRange error.
//
// # Files
//
// A figure is rendered in memory, written to a temporary file in the
// destination's directory and renamed over the destination, so a reader
// never sees a partial PNG and a failed call leaves an existing file as it
// was (internal/outfile, the module's one atomic writer). The file gets the
// permissions os.Create would give: 0666 less the umask.
package plots
