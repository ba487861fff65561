package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// bufSize is the read-buffer size used for every file; large buffers keep
// the gzip and CSV layers from issuing many small reads.
const bufSize = 1 << 16

// decompress returns r itself, buffered, or a gzip reader over it when the
// stream starts with the gzip magic bytes 1f 8b. Sniffing the content rather
// than the file name lets callers pass plain or compressed files under any
// name.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, bufSize)
	magic, err := br.Peek(2)
	if err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		// Too short to be gzip (the parser reports the truncation) or plain.
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip header: %w", err)
	}
	return bufio.NewReaderSize(zr, bufSize), nil
}

// firstExisting returns the first of the paths that exists as a regular
// file, or an error that lists every candidate.
func firstExisting(paths ...string) (string, error) {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %q exists: %w", paths, os.ErrNotExist)
}

// csvReader wraps encoding/csv with the conventions of this package: content
// sniffed for gzip, records reused, ragged rows reported by us (with the
// line and the expected width) rather than by encoding/csv.
type csvReader struct {
	name   string // file name for error messages
	r      *csv.Reader
	header []string
}

// newCSVReader reads the header line of a (possibly gzipped) CSV stream.
func newCSVReader(r io.Reader, name string) (*csvReader, error) {
	dr, err := decompress(r)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	cr := csv.NewReader(dr)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("datasets: %s: empty file, no header line: %w", name, ErrFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: header: %v: %w", name, err, ErrFormat)
	}
	header := make([]string, len(hdr))
	copy(header, hdr)
	if len(header) > 0 {
		// A UTF-8 byte-order mark would otherwise become part of the first name.
		if b := []byte(header[0]); len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
			header[0] = string(b[3:])
		}
	}
	return &csvReader{name: name, r: cr, header: header}, nil
}

// next returns the next record, io.EOF at the end, or an error that names
// the line. Records of a width other than the header's are rejected. The
// returned slice is reused by the following call.
func (c *csvReader) next() ([]string, int, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, 0, fmt.Errorf("datasets: %s: %v: %w", c.name, err, ErrFormat)
		}
		// An I/O error underneath, such as a truncated gzip stream.
		return nil, 0, fmt.Errorf("datasets: %s: %w", c.name, err)
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.header) {
		return nil, line, fmt.Errorf("datasets: %s line %d: %d fields, want %d as in the header: %w",
			c.name, line, len(rec), len(c.header), ErrFormat)
	}
	return rec, line, nil
}

// columnIndex maps each column name of the header to its position and
// rejects duplicated names.
func (c *csvReader) columnIndex() (map[string]int, error) {
	idx := make(map[string]int, len(c.header))
	for i, h := range c.header {
		if j, dup := idx[h]; dup {
			return nil, fmt.Errorf("datasets: %s: column %q appears twice (positions %d and %d): %w",
				c.name, h, j+1, i+1, ErrFormat)
		}
		idx[h] = i
	}
	return idx, nil
}

// parseFinite parses a float64 and rejects NaN, ±Inf and empty fields,
// naming the file, line and column.
func (c *csvReader) parseFinite(s string, line int, col string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("datasets: %s line %d column %q: %q is not a number: %w", c.name, line, col, s, ErrFormat)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("datasets: %s line %d column %q: non-finite value %q: %w", c.name, line, col, s, ErrFormat)
	}
	return v, nil
}

// floatBuffer accumulates values of unknown count in fixed-size chunks and
// copies them once into their final slice; growing one slice by append
// would copy (and, on fresh memory, page-fault) every value about three
// times.
type floatBuffer struct {
	full [][]float64
	cur  []float64
}

const floatChunk = 1 << 15

func (b *floatBuffer) add(v float64) {
	if len(b.cur) == cap(b.cur) {
		if b.cur != nil {
			b.full = append(b.full, b.cur)
		}
		b.cur = make([]float64, 0, floatChunk)
	}
	b.cur = append(b.cur, v)
}

func (b *floatBuffer) len() int { return len(b.full)*floatChunk + len(b.cur) }

// slice returns all values in one new slice.
func (b *floatBuffer) slice() []float64 {
	out := make([]float64, 0, b.len())
	for _, c := range b.full {
		out = append(out, c...)
	}
	return append(out, b.cur...)
}
