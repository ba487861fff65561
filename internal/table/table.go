package table

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Sentinel errors wrapped by Read, ReadFile and ParseColumns.
var (
	ErrEmpty      = errors.New("empty file")
	ErrNoRows     = errors.New("no data rows")
	ErrRagged     = errors.New("wrong number of fields")
	ErrNumber     = errors.New("not a number")
	ErrNonFinite  = errors.New("non-finite value")
	ErrColumnSpec = errors.New("bad column list")
)

// Table is a numeric CSV file held in memory.
type Table struct {
	// Header holds the column names, one per column of Data, or is nil when
	// the file was read without a header.
	Header []string
	// Data holds one row per data line of the file.
	Data *mat.Dense
}

// Options controls how a CSV file is read. The zero value reads a
// comma-separated file without a header.
type Options struct {
	// Header makes the first record the column names.
	Header bool
	// Comma is the field separator; 0 means ','.
	Comma rune
	// Skip names header columns to leave out without parsing them (for
	// instance an identifier or a text column). It requires Header, and every
	// name must be present in the header.
	Skip []string
}

// ReadFile reads the CSV file at path; see Read. A name ending in ".gz" or
// content starting with the gzip magic bytes is decompressed. Errors start
// with the path.
func ReadFile(path string, opt Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	t, err := Read(r, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read reads a numeric CSV stream into a Table. Input that starts with the
// gzip magic bytes is decompressed first.
func Read(r io.Reader, opt Options) (*Table, error) {
	if len(opt.Skip) > 0 && !opt.Header {
		return nil, errors.New("table: Options.Skip needs a header")
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("table: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // ragged rows are reported below, with the header width
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
	}

	rec, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("table: %w", ErrEmpty)
	}
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	width := len(rec)
	// pos[j] is the matrix column of file field j, or -1 for a skipped field.
	pos := make([]int, width)
	for j := range pos {
		pos[j] = j
	}
	cols := width
	var header []string
	if opt.Header {
		header = make([]string, width)
		for j, s := range rec {
			header[j] = strings.TrimSpace(s)
		}
		for _, name := range opt.Skip {
			j := slices.Index(header, name)
			if j < 0 {
				return nil, fmt.Errorf("table: column %q to skip is not in the header: %w", name, ErrColumnSpec)
			}
			pos[j] = -1
		}
		kept := header[:0:0]
		for j, name := range header {
			if pos[j] >= 0 {
				pos[j] = len(kept)
				kept = append(kept, name)
			}
		}
		header, cols = kept, len(kept)
		if cols == 0 {
			return nil, fmt.Errorf("table: every column is skipped: %w", ErrColumnSpec)
		}
		rec, err = cr.Read()
	}

	var data chunks
	rows := 0
	for ; err != io.EOF; rec, err = cr.Read() {
		if err != nil {
			return nil, fmt.Errorf("table: %w", err)
		}
		if len(rec) != width {
			line, _ := cr.FieldPos(0)
			what := "the first row"
			if opt.Header {
				what = "the header"
			}
			return nil, fmt.Errorf("table: line %d has %d fields, %s has %d: %w", line, len(rec), what, width, ErrRagged)
		}
		for j, s := range rec {
			if pos[j] < 0 {
				continue
			}
			v, err := parseCell(s)
			if err != nil {
				line, _ := cr.FieldPos(j)
				label := fmt.Sprintf("column %d", j)
				if header != nil {
					label += fmt.Sprintf(" (%q)", header[pos[j]])
				}
				return nil, fmt.Errorf("table: line %d, %s: %w", line, label, err)
			}
			data.add(v)
		}
		rows++
	}
	if rows == 0 {
		return nil, fmt.Errorf("table: header but %w", ErrNoRows)
	}
	return &Table{Header: header, Data: mat.NewDense(rows, cols, data.flatten())}, nil
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

// parseCell parses one trimmed cell as a finite float64.
func parseCell(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty cell: %w", ErrNumber)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q: %w", clipText(t), ErrNumber)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q: %w", clipText(t), ErrNonFinite)
	}
	return v, nil
}

// clipText shortens s for an error message.
func clipText(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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
