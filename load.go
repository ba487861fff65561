package pidreg

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"

	"github.com/pidreg/pidreg/internal/datasets"
	"github.com/pidreg/pidreg/internal/table"
)

// This file is the loading API: data files into a Dataset, and seeded
// splits of its rows. It uses only the exported Dataset and Modality types
// and the internal readers, which the pidreg command shares.

// Columns says which columns of a data file make a Dataset, and how the
// file is read. The zero value of each field but Modalities has the
// documented default.
//
// A column list is what the command's -modality and -target flags take:
// comma-separated header names, 0-based indices and inclusive ranges a-b
// whose ends are indices or names ("0-80", "H-Rn", "x1,x2,7"). A header
// name that matches an item exactly wins over the other readings.
type Columns struct {
	// Modalities lists the modalities in order, each with its columns.
	Modalities []ModalityColumns
	// Target is the column list of the target (several columns make a
	// vector target). Empty reads no target: the Dataset's Y is nil, as
	// for data to predict, and no row is dropped.
	Target string
	// Sep is the separator of a CSV file: ',', ';' or '\t'. Zero detects it
	// from the header line (the one of the three found there outside
	// quotes); a header with several is an error asking for Sep.
	Sep rune
	// NA lists the cell texts that mean a missing value, besides the empty
	// cell. Nil means NA, N/A, NaN, nan and null; an empty slice, none.
	NA []string
}

// ModalityColumns names one modality and its column list.
type ModalityColumns struct {
	Name    string
	Columns string
}

// ReadReport says what ReadFile found in the file.
type ReadReport struct {
	// Rows is the number of data rows read; Dropped of them had a missing
	// target cell and are not in the Dataset, which has Rows − Dropped.
	Rows, Dropped int
	// Missing counts the missing cells of each selected column that has
	// some, over the rows read.
	Missing map[string]int
	// WithoutModality counts, per modality that has some, the rows of the
	// Dataset in which every cell of that modality is missing.
	WithoutModality map[string]int
	// Constant lists the selected columns that take a single value on the
	// rows of the Dataset (missing cells aside); a model learns nothing
	// from them.
	Constant []string
	// Columns holds the header names of each modality's columns and
	// TargetColumns those of the target, ready for Model.SetColumns.
	Columns       [][]string
	TargetColumns []string
}

// ReadFile reads a Dataset out of a data file: CSV with a header row
// (plain or gzip-compressed, comma, semicolon or tab separated, CRLF or
// LF line ends, quotes as in RFC 4180) or Parquet (a name ending in
// ".parquet", or content starting with "PAR1"; flat numeric columns found
// by name, nulls missing).
//
// Only the selected columns are parsed, so the others may hold identifiers
// or text. A column may belong to one modality or the target only, and a
// selected column's name must be unique in the header (a saved model finds
// its columns again by name).
//
// Missing values (empty cells, the texts of spec.NA, Parquet nulls): a row
// whose target has a missing cell is left out and counted in
// ReadReport.Dropped; a missing input cell is NaN in the Dataset, for the
// model to impute from the training rows; a row in which a whole modality
// is missing is counted in ReadReport.WithoutModality. Every other value is
// finite: ±Inf, text in a selected column and numbers beyond the float64
// range are errors naming the line (or Parquet row) and the column, and
// wrap ErrInput. A file that cannot be opened gives the error of os.Open.
func ReadFile(path string, spec Columns) (Dataset, ReadReport, error) {
	return ReadFiles([]string{path}, spec)
}

// ReadFiles is ReadFile for files that describe the same samples side by
// side: row i of every file is sample i. Their columns are used as one
// header, in file order (indices count across the files); a name that a
// later file repeats is one column, whose values must agree row by row in
// every file that has it (the check that the files are aligned). The UCI
// Superconductivity data, for instance, comes as two such files sharing
// the target column critical_temp.
func ReadFiles(paths []string, spec Columns) (Dataset, ReadReport, error) {
	if len(spec.Modalities) == 0 {
		return Dataset{}, ReadReport{}, fmt.Errorf("%w: no modality to read", ErrInput)
	}
	req := table.Request{Target: table.Block{Name: "the target", Spec: spec.Target}}
	for i, m := range spec.Modalities {
		if m.Columns == "" {
			return Dataset{}, ReadReport{}, fmt.Errorf("%w: modality %d (%q) has no columns", ErrInput, i+1, m.Name)
		}
		req.Inputs = append(req.Inputs, table.Block{Name: "modality " + m.Name, Spec: m.Columns})
	}
	f, err := table.Open(table.Options{Header: true, Comma: spec.Sep, NA: spec.NA}, paths...)
	if err != nil {
		return Dataset{}, ReadReport{}, loadError(err)
	}
	defer f.Close()
	b, err := f.ReadBlocks(req)
	if err != nil {
		return Dataset{}, ReadReport{}, loadError(err)
	}
	d := Dataset{Y: b.Target}
	for i, x := range b.Inputs {
		d.Modalities = append(d.Modalities, Modality{Name: spec.Modalities[i].Name, X: x})
	}
	r := b.Report
	rep := ReadReport{Rows: r.Rows, Dropped: r.Dropped, Constant: r.Constant,
		Columns: b.InputNames, TargetColumns: b.TargetNames}
	for _, c := range r.Missing {
		if rep.Missing == nil {
			rep.Missing = make(map[string]int)
		}
		rep.Missing[c.Column] = c.Cells
	}
	for i, n := range r.Absent {
		if n > 0 {
			if rep.WithoutModality == nil {
				rep.WithoutModality = make(map[string]int)
			}
			rep.WithoutModality[spec.Modalities[i].Name] = n
		}
	}
	return d, rep, nil
}

// loadError keeps file-system errors as they are and marks the others as
// unusable input.
func loadError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInput, err)
}

// splitStream is the PCG stream of SplitRows and SplitGroups, so a seed
// gives the same split as `pidreg train -seed`.
const splitStream = 0x5eed5911

// SplitRows splits the rows 0…n−1 at random into training, validation and
// test parts of sizes proportional to frac (normalised to sum to one; {70,
// 10, 20} and {0.7, 0.1, 0.2} are the same split). The sizes are the
// largest-remainder rounding of frac_k·n, so they sum to n and each
// differs from frac_k·n by less than one row. Each part is in ascending
// order; a part with fraction 0 is empty, and a part with a positive
// fraction that would get no row is an error wrapping ErrInput. The split
// depends only on n, frac and seed, and is the one `pidreg train -seed`
// makes. Use the parts with Dataset.Subset.
func SplitRows(n int, frac [3]float64, seed uint64) (train, val, test []int, err error) {
	train, val, test, err = datasets.SplitRows(n, frac, rand.New(rand.NewPCG(seed, splitStream)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return train, val, test, nil
}

// SplitGroups splits rows into training, validation and test parts so that
// no group has rows in two parts: groups[i] is the group of row i (a
// patient, a site, a material family), and whole groups are assigned.
// Rows of one group are correlated, so a split that separates them scores
// a model on groups it has never seen, as it will be used.
//
// The distinct groups are shuffled (from seed); the first ones seed each
// part with a positive fraction, and each further group goes to the part
// furthest below its target frac_k·n rows. With g the size of the largest
// group, every part ends within 2g rows of its target. Each part is in
// ascending row order. Fewer distinct groups than parts with a positive
// fraction is an error wrapping ErrInput. The split depends only on
// groups, frac and seed.
func SplitGroups(groups []int, frac [3]float64, seed uint64) (train, val, test []int, err error) {
	train, val, test, err = datasets.SplitByGroup(groups, frac, rand.New(rand.NewPCG(seed, splitStream)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return train, val, test, nil
}
