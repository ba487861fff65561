package table

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Sentinel errors wrapped by the functions of this package, for errors.Is.
var (
	ErrEmpty      = errors.New("empty file")
	ErrNoRows     = errors.New("no data rows")
	ErrRagged     = errors.New("wrong number of fields")
	ErrNumber     = errors.New("not a number")
	ErrNonFinite  = errors.New("non-finite value")
	ErrMissing    = errors.New("missing value")
	ErrColumnSpec = errors.New("bad column list")
	// ErrSeparator reports a CSV separator that cannot be detected, or one
	// that is not supported.
	ErrSeparator = errors.New("unknown separator")
	// ErrType reports a Parquet column that is not numeric, or not flat.
	ErrType = errors.New("not a numeric column")
	// ErrFormat reports a file that cannot be decoded (a corrupt Parquet
	// file, a broken gzip stream).
	ErrFormat = errors.New("malformed file")
	// ErrMismatch reports files read side by side that do not describe the
	// same rows: different row counts, or a shared column whose values
	// differ.
	ErrMismatch = errors.New("files disagree")
)

// DefaultNA lists the cell texts read as missing values when Options.NA is
// nil. An empty cell (or one of spaces) is always missing.
var DefaultNA = []string{"NA", "N/A", "NaN", "nan", "null"}

// Table is a block of numeric columns read from a file.
type Table struct {
	// Header holds the names of the columns of Data, or is nil when the
	// file was read without a header.
	Header []string
	// Data holds one row per data row of the file. A missing cell is NaN;
	// no other value is NaN or infinite.
	Data *mat.Dense
	// Missing counts the missing cells of each column of Data.
	Missing []int
	// Text holds the text columns asked of ReadComplete: Text[k][i] is
	// the cell of row i in the k-th of them, untrimmed.
	Text [][]string
	// Line is the position of each row in its file: the 1-based line where
	// the record starts (CSV) or the 1-based row number (Parquet). For
	// files read side by side it is the position in the first file.
	Line []int

	// pos locates rows in messages: one entry per file, and for each
	// column of Data the file it came from.
	pos    []position
	colPos []int
}

// position is where the rows of one file are.
type position struct {
	file string
	unit string // "line" or "row"
	line []int
}

// Where describes the place of row i, column k of the table for a message:
// "line 17" (CSV), "row 17" (Parquet), or "line 17 of b.csv" for files read
// side by side.
func (t *Table) Where(i, k int) string {
	if len(t.pos) == 0 {
		return fmt.Sprintf("line %d", t.Line[i])
	}
	p := t.pos[0]
	if k >= 0 && k < len(t.colPos) {
		p = t.pos[t.colPos[k]]
	}
	if len(t.pos) == 1 {
		return fmt.Sprintf("%s %d", p.unit, p.line[i])
	}
	return fmt.Sprintf("%s %d of %s", p.unit, p.line[i], p.file)
}

// Options controls how files are read. The zero value reads a CSV file
// without a header, detects its separator, and reads DefaultNA as missing.
type Options struct {
	// Header makes the first record of a CSV file the column names. Parquet
	// files always have names.
	Header bool
	// Comma is the field separator of a CSV file: ',', ';' or '\t'. Zero
	// detects it from the first line (see the package documentation).
	Comma rune
	// NA lists the cell texts (after trimming spaces) that mean a missing
	// value, in addition to the empty cell; nil means DefaultNA, an empty
	// non-nil slice only the empty cell.
	NA []string
	// Stdin is read for the path "-".
	Stdin io.Reader
}

// ParseSep parses the name of a separator: "," or "comma", ";" or
// "semicolon", "\t", `\t` or "tab"; "" and "auto" mean detection (0).
func ParseSep(s string) (rune, error) {
	switch s {
	case "", "auto":
		return 0, nil
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "\t", `\t`, "tab":
		return '\t', nil
	}
	return 0, fmt.Errorf("separator %q: want ',', ';', 'tab' or 'auto': %w", s, ErrSeparator)
}

// ReadFile reads every column of the file at path (CSV, plain or gzipped,
// or Parquet) into a Table. Every cell must be a finite number: a missing
// cell is an ErrMissing error naming its line and column. It suits files
// that are one matrix, such as a covariance; data sets with text or
// missing cells are read with Open and File.Read. Errors start with the
// path.
func ReadFile(path string, opt Options) (*Table, error) {
	f, err := Open(opt, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.readAll()
}

// Read reads every column of a CSV stream (plain or gzipped) into a Table,
// with the rules of ReadFile.
func Read(r io.Reader, opt Options) (*Table, error) {
	src, err := newCSV(r, nil, "", opt)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	f := newFile([]*part{{name: "", src: src}})
	return f.readAll()
}

// readAll reads every column, refusing missing cells.
func (f *File) readAll() (*Table, error) {
	cols := make([]int, len(f.loc))
	for j := range cols {
		cols[j] = j
	}
	return f.read(cols, nil, true)
}

// Select returns the columns cols of t.Data, in that order, as a new matrix.
// It panics if an index is out of range; use indices from ParseColumns.
func (t *Table) Select(cols []int) *mat.Dense {
	r, _ := t.Data.Dims()
	out := mat.NewDense(r, len(cols), nil)
	for i := range r {
		src := t.Data.RawRowView(i)
		dst := out.RawRowView(i)
		for k, j := range cols {
			dst[k] = src[j]
		}
	}
	return out
}

// Names returns the header names of cols, or "column j" labels without a
// header.
func (t *Table) Names(cols []int) []string {
	out := make([]string, len(cols))
	for k, j := range cols {
		if t.Header != nil {
			out[k] = t.Header[j]
		} else {
			out[k] = "column " + strconv.Itoa(j)
		}
	}
	return out
}

// chunks accumulates values in fixed-size blocks, so a large file is copied
// once (into the matrix) instead of at every growth of a single slice.
type chunks struct {
	full [][]float64
	cur  []float64
	n    int
}

const chunkLen = 1 << 15

func (c *chunks) add(v float64) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]float64, 0, chunkLen)
	}
	c.cur = append(c.cur, v)
	c.n++
}

func (c *chunks) flatten() []float64 {
	out := make([]float64, 0, c.n)
	for _, b := range c.full {
		out = append(out, b...)
	}
	return append(out, c.cur...)
}

// naSet is the set of cell texts read as missing.
type naSet struct {
	tokens map[string]bool
	// numeric is set when a token parses as a number ("-999"): then the set
	// is consulted before parsing, not only after a parse failure.
	numeric bool
}

func newNASet(list []string) naSet {
	if list == nil {
		list = DefaultNA
	}
	s := naSet{tokens: make(map[string]bool, len(list))}
	for _, t := range list {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		s.tokens[t] = true
		if v, err := strconv.ParseFloat(t, 64); err == nil && !math.IsNaN(v) {
			s.numeric = true
		}
	}
	return s
}

// parse reads one cell: a finite value, or missing (NaN, true), or an error.
func (s naSet) parse(cell string, comma rune) (float64, bool, error) {
	t := strings.TrimSpace(cell)
	if t == "" || (s.numeric && s.tokens[t]) {
		return math.NaN(), true, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return v, false, nil
	}
	if s.tokens[t] {
		return math.NaN(), true, nil
	}
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		hint := ""
		if comma != ',' && decimalComma(t) {
			hint = " (a decimal comma? numbers are read with '.' as the decimal mark)"
		}
		return 0, false, fmt.Errorf("%q: %w%s", clipText(t), ErrNumber, hint)
	}
	return 0, false, fmt.Errorf("%q: %w", clipText(t), ErrNonFinite)
}

// decimalComma reports whether t reads as a number once its one comma is a
// point.
func decimalComma(t string) bool {
	i := -1
	for k := 0; k < len(t); k++ {
		if t[k] == ',' {
			if i >= 0 {
				return false
			}
			i = k
		}
	}
	if i < 0 {
		return false
	}
	_, err := strconv.ParseFloat(t[:i]+"."+t[i+1:], 64)
	return err == nil
}

// clipText shortens s for an error message.
func clipText(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// count returns how many entries of list equal s.
func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// indicesOf returns the positions of s in list.
func indicesOf(list []string, s string) []int {
	var out []int
	for i, x := range list {
		if x == s {
			out = append(out, i)
		}
	}
	return out
}
