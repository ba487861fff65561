package table

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// source is one opened file: CSV or Parquet.
type source interface {
	// names returns the column names, or nil for a CSV file without header.
	names() []string
	// width returns the number of columns.
	width() int
	// read reads the numeric columns cols and the text columns text of
	// every row. With strict, a missing cell is an ErrMissing error. The
	// Table's Header is left nil.
	read(cols, text []int, strict bool) (*Table, error)
	// unit names a position: "line" or "row".
	unit() string
	close() error
}

// csvSource streams a CSV file whose first record has been read.
type csvSource struct {
	cr     *csv.Reader
	closer []io.Closer
	header []string // nil without header
	ncols  int      // columns, without a trailing empty one
	first  []string // without header: the first record, which is data
	line1  int      // its line
	comma  rune
	na     naSet
}

// sniffLen is how much of the start of a file separator detection looks
// at; the buffer holds at least that much.
const sniffLen = 1 << 16

// newCSV reads the first record of a CSV stream, plain or gzipped.
// closers are closed by close (the file under r).
func newCSV(r io.Reader, closers []io.Closer, name string, opt Options) (*csvSource, error) {
	s := &csvSource{closer: closers, na: newNASet(opt.NA)}
	br := bufio.NewReaderSize(r, sniffLen)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %v: %w", err, ErrFormat)
		}
		s.closer = append(s.closer, zr)
		br = bufio.NewReaderSize(zr, sniffLen)
	} else if strings.HasSuffix(name, ".gz") {
		return nil, fmt.Errorf("the name ends in .gz but the content is not gzip-compressed: %w", ErrFormat)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
		br.Discard(3)
	}
	s.comma = opt.Comma
	if s.comma == 0 {
		head, _ := br.Peek(sniffLen)
		c, err := detectComma(head)
		if err != nil {
			return nil, err
		}
		s.comma = c
	} else if s.comma != ',' && s.comma != ';' && s.comma != '\t' {
		return nil, fmt.Errorf("separator %q: want ',', ';' or tab: %w", s.comma, ErrSeparator)
	}
	cr := csv.NewReader(br)
	cr.Comma = s.comma
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // ragged rows are reported by read, with the header's width
	s.cr = cr

	rec, err := cr.Read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, err
	}
	width := len(rec)
	// A trailing separator on every line makes an empty last column: it is
	// not a column of the file.
	trailing := width > 1 && strings.TrimSpace(rec[width-1]) == ""
	s.ncols = width
	if trailing {
		s.ncols = width - 1
	}
	if opt.Header {
		s.header = make([]string, s.ncols)
		for j := range s.header {
			s.header[j] = strings.TrimSpace(rec[j])
		}
	} else {
		s.first = append([]string(nil), rec...)
		s.line1, _ = cr.FieldPos(0)
	}
	return s, nil
}

// detectComma picks the separator of the first line of head: the one of
// ',', ';' and tab that occurs outside quotes. A line with none is one
// column (','); a line with several is ambiguous.
func detectComma(head []byte) (rune, error) {
	var n [3]int // commas, semicolons, tabs
	quoted := false
	for _, b := range head {
		if b == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		switch b {
		case '\n':
			return pickComma(n)
		case ',':
			n[0]++
		case ';':
			n[1]++
		case '\t':
			n[2]++
		}
	}
	return pickComma(n)
}

var commaNames = [3]string{"commas", "semicolons", "tabs"}
var commas = [3]rune{',', ';', '\t'}

func pickComma(n [3]int) (rune, error) {
	found := -1
	var seen []string
	for k, c := range n {
		if c > 0 {
			seen = append(seen, fmt.Sprintf("%d %s", c, commaNames[k]))
			if found < 0 {
				found = k
			}
		}
	}
	switch len(seen) {
	case 0:
		return ',', nil
	case 1:
		return commas[found], nil
	}
	return 0, fmt.Errorf("the first line has %s outside quotes, so the separator is ambiguous; give it explicitly (-sep): %w",
		strings.Join(seen, " and "), ErrSeparator)
}

func (s *csvSource) names() []string { return s.header }
func (s *csvSource) width() int      { return s.ncols }
func (s *csvSource) unit() string    { return "line" }

func (s *csvSource) close() error {
	var first error
	for i := len(s.closer) - 1; i >= 0; i-- {
		if err := s.closer[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	s.closer = nil
	return first
}

// read streams the remaining records and parses the cells of cols only:
// the other cells may hold anything.
func (s *csvSource) read(cols, text []int, strict bool) (*Table, error) {
	var (
		data    chunks
		lines   []int
		missing = make([]int, len(cols))
		texts   = make([][]string, len(text))
	)
	rec, line, err := s.first, s.line1, error(nil)
	if rec == nil {
		rec, line, err = s.next()
	}
	for ; err != io.EOF; rec, line, err = s.next() {
		if err != nil {
			return nil, err
		}
		if n := len(rec); n != s.ncols && (n != s.ncols+1 || strings.TrimSpace(rec[n-1]) != "") {
			what := "the first row"
			if s.header != nil {
				what = "the header"
			}
			return nil, fmt.Errorf("line %d has %d fields, %s has %d: %w", line, n, what, s.ncols, ErrRagged)
		}
		for k, j := range cols {
			v, miss, err := s.na.parse(rec[j], s.comma)
			if err == nil && miss && strict {
				err = fmt.Errorf("%q is a %w", clipText(strings.TrimSpace(rec[j])), ErrMissing)
				if strings.TrimSpace(rec[j]) == "" {
					err = fmt.Errorf("empty cell: %w", ErrMissing)
				}
			}
			if err != nil {
				if l, _ := s.cr.FieldPos(j); l > 0 {
					line = l
				}
				return nil, fmt.Errorf("line %d, %s: %w", line, s.label(j), err)
			}
			if miss {
				missing[k]++
			}
			data.add(v)
		}
		for k, j := range text {
			texts[k] = append(texts[k], strings.Clone(rec[j]))
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		if s.header != nil {
			return nil, fmt.Errorf("header but %w", ErrNoRows)
		}
		return nil, ErrNoRows
	}
	t := &Table{Missing: missing, Line: lines}
	if len(text) > 0 {
		t.Text = texts
	}
	if len(cols) > 0 {
		t.Data = mat.NewDense(len(lines), len(cols), data.flatten())
	}
	return t, nil
}

// next returns the next record and its line.
func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, 0, fmt.Errorf("%w: %w", err, ErrFormat)
		}
		if err == io.EOF {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("%w: %w", err, ErrFormat) // a broken gzip stream underneath
	}
	line, _ := s.cr.FieldPos(0)
	return rec, line, nil
}

// label names column j in messages: `column 3 ("x2")`.
func (s *csvSource) label(j int) string {
	if s.header == nil {
		return fmt.Sprintf("column %d", j)
	}
	return fmt.Sprintf("column %d (%q)", j, s.header[j])
}
