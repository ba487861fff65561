package datasets

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/pidreg/pidreg/internal/table"
)

// bufSize is the read-buffer size of the IDX files; large buffers keep the
// gzip layer from issuing many small reads.
const bufSize = 1 << 16

// decompress returns r itself, buffered, or a gzip reader over it when the
// stream starts with the gzip magic bytes 1f 8b. Sniffing the content rather
// than the file name lets callers pass plain or compressed files under any
// name. (CSV files are read by internal/table, which does the same.)
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

// openCSV opens a CSV stream with a header through internal/table.
func openCSV(r io.Reader, name string) (*table.File, error) {
	f, err := table.NewReader(r, name, table.Options{Header: true})
	if err != nil {
		return nil, fmt.Errorf("datasets: %w: %w", err, ErrFormat)
	}
	return f, nil
}

// readComplete reads the columns cols (and the text columns text) of f,
// which must hold no missing value.
func readComplete(f *table.File, cols, text []int) (*table.Table, error) {
	t, err := f.ReadComplete(cols, text)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w: %w", err, ErrFormat)
	}
	return t, nil
}

// columnIndex maps each column name of the header to its position and
// rejects duplicated names.
func columnIndex(name string, header []string) (map[string]int, error) {
	idx := make(map[string]int, len(header))
	for i, h := range header {
		if j, dup := idx[h]; dup {
			return nil, fmt.Errorf("datasets: %s: column %q appears twice (positions %d and %d): %w",
				name, h, j+1, i+1, ErrFormat)
		}
		idx[h] = i
	}
	return idx, nil
}

// checkHeader checks that the header has width columns, ends with the given
// names, and names no column twice.
func checkHeader(name string, header []string, width int, tail []string) error {
	if len(header) != width {
		return fmt.Errorf("datasets: %s: header has %d columns, want %d: %w", name, len(header), width, ErrFormat)
	}
	for i, want := range tail {
		j := width - len(tail) + i
		if header[j] != want {
			return fmt.Errorf("datasets: %s: column %d is %q, want %q: %w", name, j+1, header[j], want, ErrFormat)
		}
	}
	_, err := columnIndex(name, header)
	return err
}

// upTo returns 0, 1, …, n−1.
func upTo(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// column returns column j of t.Data as a new slice.
func column(t *table.Table, j int) []float64 {
	r, _ := t.Data.Dims()
	out := make([]float64, r)
	for i := range out {
		out[i] = t.Data.At(i, j)
	}
	return out
}
