package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// File is one data file, or several read side by side, opened for
// reading: its column names are known, its rows are read once by Read.
//
// Files read side by side describe the same samples: row i of every file
// is sample i. Their columns are concatenated in the order of the files; a
// name that a later file repeats (a shared column, such as the target
// present in both halves of a data set) is one column, at its first
// position. When a shared column is read, it is read from every file that
// has it and its values must agree row by row (missing cells agree with
// missing cells): that is the check that the files are aligned.
type File struct {
	parts  []*part
	header []string // nil when the files have no header
	loc    []loc    // where each column of the joined file is
	copies [][]loc  // further copies of each column in later files
	read1  bool
}

type part struct {
	name string // path, "standard input", or "" for a bare stream
	src  source
}

type loc struct{ part, col int }

// Open opens the files at paths ("-" is opt.Stdin) and reads their column
// names. A file is Parquet when its name ends in ".parquet" or ".pq" or its
// content starts with "PAR1"; otherwise it is CSV, gzip-compressed when it
// starts with the gzip magic bytes (a name ending in ".gz" must be). With
// several paths the files are read side by side (see File). The caller
// must Close the File.
func Open(opt Options, paths ...string) (*File, error) {
	if len(paths) == 0 {
		return nil, errors.New("table: no file to open")
	}
	var parts []*part
	fail := func(err error) (*File, error) {
		for _, p := range parts {
			p.src.close()
		}
		return nil, err
	}
	stdin := false
	for _, path := range paths {
		if path == "-" {
			if stdin {
				return fail(errors.New("standard input (\"-\") can be read only once"))
			}
			stdin = true
		}
		p, err := openPart(path, opt)
		if err != nil {
			return fail(err)
		}
		parts = append(parts, p)
	}
	return newFile(parts), nil
}

// openPart opens one file.
func openPart(path string, opt Options) (*part, error) {
	if path == "-" {
		if opt.Stdin == nil {
			return nil, errors.New("standard input: not available")
		}
		return streamPart(opt.Stdin, "standard input", opt)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if isParquetName(path) || (n == 4 && string(magic[:]) == parquetMagic) {
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		src, err := newParquet(f, st.Size(), f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &part{path, src}, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	src, err := newCSV(f, []io.Closer{f}, path, opt)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &part{path, src}, nil
}

// NewReader opens a stream as a File named name in messages: CSV (plain or
// gzipped), or Parquet when it starts with "PAR1" (then it is held in
// memory, since Parquet needs random access).
func NewReader(r io.Reader, name string, opt Options) (*File, error) {
	p, err := streamPart(r, name, opt)
	if err != nil {
		return nil, err
	}
	return newFile([]*part{p}), nil
}

// streamPart opens a stream. Its errors start with name, or with "table"
// when name is empty.
func streamPart(r io.Reader, name string, opt Options) (*part, error) {
	label := name
	if label == "" {
		label = "table"
	}
	br := bufio.NewReaderSize(r, sniffLen)
	if magic, _ := br.Peek(4); string(magic) == parquetMagic {
		b, err := io.ReadAll(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		src, err := newParquet(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		return &part{name, src}, nil
	}
	src, err := newCSV(br, nil, name, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	return &part{name, src}, nil
}

// newFile joins the columns of parts. Names are used only when every file
// has them.
func newFile(parts []*part) *File {
	f := &File{parts: parts}
	named := true
	for _, p := range parts {
		named = named && p.src.names() != nil
	}
	first := make(map[string]int) // name → part that has it first
	for pi, p := range parts {
		names := p.src.names()
		for j := range p.src.width() {
			if named {
				name := names[j]
				if q, ok := first[name]; ok && q != pi {
					k := slices.Index(f.header, name)
					f.copies[k] = append(f.copies[k], loc{pi, j})
					continue
				}
				first[name] = pi
				f.header = append(f.header, name)
			}
			f.loc = append(f.loc, loc{pi, j})
			f.copies = append(f.copies, nil)
		}
	}
	return f
}

// Header returns the column names (nil for CSV files without header). The
// slice must not be modified.
func (f *File) Header() []string { return f.header }

// Width returns the number of columns.
func (f *File) Width() int { return len(f.loc) }

// Name names the file(s) in messages: "a.csv", or "a.csv + b.csv".
func (f *File) Name() string {
	names := make([]string, len(f.parts))
	for i, p := range f.parts {
		names[i] = p.name
	}
	return strings.Join(names, " + ")
}

// Close closes the files.
func (f *File) Close() error {
	var first error
	for _, p := range f.parts {
		if err := p.src.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Columns resolves a column list (see ParseColumns) against the header.
// When a name is not found and the header looks like a single column that
// holds the separator of another dialect ("s1;s2;s3" read with ','), the
// error says so.
func (f *File) Columns(spec string) ([]int, error) {
	cols, err := ParseColumns(spec, f.header, len(f.loc))
	if err != nil && len(f.header) == 1 {
		for _, c := range []string{";", "\t", ","} {
			if strings.Contains(f.header[0], c) {
				sep := c
				if c == "\t" {
					sep = "tab"
				}
				return nil, fmt.Errorf("%s: the header has one column %q: is the separator '%s'? give it with -sep; %w",
					f.Name(), clipText(f.header[0]), sep, err)
			}
		}
	}
	return cols, err
}

// Read reads the columns cols (indices into Header) of every row. Only
// those cells are parsed: the others may hold text. Missing cells are NaN
// in Data and counted in Missing. A File can be read once.
func (f *File) Read(cols []int) (*Table, error) {
	return f.read(cols, nil, false)
}

// ReadComplete is Read for data that must have no missing value: a missing
// cell is an ErrMissing error naming its line and column. The columns text
// of a single CSV file, if any, are read unparsed into Table.Text.
func (f *File) ReadComplete(cols, text []int) (*Table, error) {
	if len(text) > 0 && len(f.parts) > 1 {
		return nil, errors.New("table: text columns are read from a single file only")
	}
	for _, j := range text {
		if j < 0 || j >= len(f.loc) {
			return nil, fmt.Errorf("table: column %d out of range [0, %d): %w", j, len(f.loc), ErrColumnSpec)
		}
	}
	return f.read(cols, text, true)
}

func (f *File) read(cols, text []int, strict bool) (*Table, error) {
	if f.read1 {
		return nil, errors.New("table: the file was already read")
	}
	f.read1 = true
	if len(cols) == 0 && len(text) == 0 {
		return nil, fmt.Errorf("table: no column to read: %w", ErrColumnSpec)
	}
	for _, j := range cols {
		if j < 0 || j >= len(f.loc) {
			return nil, fmt.Errorf("table: column %d out of range [0, %d): %w", j, len(f.loc), ErrColumnSpec)
		}
	}
	// What each file contributes: its columns among cols, and the copies
	// of the selected shared columns.
	need := make([][]int, len(f.parts))
	slot := make(map[loc]int) // file column → column of that file's table
	want := func(l loc) {
		if _, ok := slot[l]; !ok {
			slot[l] = len(need[l.part])
			need[l.part] = append(need[l.part], l.col)
		}
	}
	for _, j := range cols {
		want(f.loc[j])
		for _, c := range f.copies[j] {
			want(c)
		}
	}
	tabs := make([]*Table, len(f.parts))
	errs := make([]error, len(f.parts))
	var wg sync.WaitGroup
	for pi, p := range f.parts {
		// A file that contributes no column is still read, so that its
		// rows are counted and checked against the others.
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tx []int
			if pi == 0 {
				tx = text // only a single file has text columns
			}
			tabs[pi], errs[pi] = p.src.read(need[pi], tx, strict)
		}()
	}
	wg.Wait()
	for pi, err := range errs {
		if err != nil {
			return nil, f.wrap(pi, err)
		}
	}
	rows := len(tabs[0].Line)
	for pi := 1; pi < len(tabs); pi++ {
		if r := len(tabs[pi].Line); r != rows {
			return nil, fmt.Errorf("%s has %d data rows but %s has %d; files given together are joined row by row and must hold the same samples: %w",
				f.parts[0].name, rows, f.parts[pi].name, r, ErrMismatch)
		}
	}
	if err := f.agree(cols, tabs, slot); err != nil {
		return nil, err
	}
	if len(f.parts) == 1 && len(cols) == len(need[0]) {
		t := tabs[0] // the columns are those asked for, in order
		t.Header = f.names(cols)
		t.pos = []position{{f.parts[0].name, f.parts[0].src.unit(), t.Line}}
		t.colPos = make([]int, len(cols))
		return t, nil
	}
	out := &Table{
		Header:  f.names(cols),
		Data:    mat.NewDense(rows, len(cols), nil),
		Missing: make([]int, len(cols)),
		Text:    tabs[0].Text,
		Line:    tabs[0].Line,
		colPos:  make([]int, len(cols)),
	}
	for pi, p := range f.parts {
		out.pos = append(out.pos, position{p.name, p.src.unit(), tabs[pi].Line})
	}
	srcCol := make([]int, len(cols))
	for k, j := range cols {
		l := f.loc[j]
		srcCol[k] = slot[l]
		out.Missing[k] = tabs[l.part].Missing[srcCol[k]]
		out.colPos[k] = l.part
	}
	for i := range rows {
		dst := out.Data.RawRowView(i)
		for k := range cols {
			dst[k] = tabs[out.colPos[k]].Data.RawRowView(i)[srcCol[k]]
		}
	}
	return out, nil
}

// agree checks that the copies of every selected shared column hold the
// same values as the column itself.
func (f *File) agree(cols []int, tabs []*Table, slot map[loc]int) error {
	for _, j := range cols {
		l := f.loc[j]
		a, ca := tabs[l.part], slot[l]
		for _, c := range f.copies[j] {
			b, cb := tabs[c.part], slot[c]
			for i := range a.Line {
				x, y := a.Data.At(i, ca), b.Data.At(i, cb)
				if x == y || (math.IsNaN(x) && math.IsNaN(y)) {
					continue
				}
				return fmt.Errorf("column %q is %s at %s %d of %s but %s at %s %d of %s; files given together are joined row by row and must list the same samples in the same order: %w",
					f.header[j], cellText(x), f.parts[l.part].src.unit(), a.Line[i], f.parts[l.part].name,
					cellText(y), f.parts[c.part].src.unit(), b.Line[i], f.parts[c.part].name, ErrMismatch)
			}
		}
	}
	return nil
}

func cellText(v float64) string {
	if math.IsNaN(v) {
		return "missing"
	}
	return fmt.Sprint(v)
}

// names returns the header names of cols, or "column j" without header.
func (f *File) names(cols []int) []string {
	if f.header == nil {
		return nil
	}
	out := make([]string, len(cols))
	for k, j := range cols {
		out[k] = f.header[j]
	}
	return out
}

// wrap prefixes an error of file pi with its name.
func (f *File) wrap(pi int, err error) error {
	name := f.parts[pi].name
	if name == "" {
		name = "table"
	}
	return fmt.Errorf("%s: %w", name, err)
}
