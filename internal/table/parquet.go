package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"gonum.org/v1/gonum/mat"
)

// parquetMagic starts (and ends) every Parquet file.
const parquetMagic = "PAR1"

// isParquetName reports whether a file name says Parquet.
func isParquetName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".parquet") || strings.HasSuffix(n, ".pq")
}

// conv says how the values of one Parquet column become float64.
type conv struct {
	kind  parquet.Kind
	uns   bool    // unsigned integer (INT(n, false))
	scale float64 // DECIMAL: the unscaled integer is multiplied by 10^-scale; 0: not a decimal
	bad   string  // why the column cannot be read, or ""
}

// parquetSource reads the flat numeric columns of a Parquet file, one
// column chunk of one row group at a time.
type parquetSource struct {
	f      *parquet.File
	r      io.ReaderAt
	size   int64
	closer io.Closer
	header []string
	leaf   []int // leaf column index of each header column, -1 if it is not a leaf
	conv   []conv
}

// newParquet opens a Parquet file from r (size bytes). The file's footer
// is read; the column chunks are read by read.
func newParquet(r io.ReaderAt, size int64, closer io.Closer) (s *parquetSource, err error) {
	defer recoverFormat(&err)
	if err := checkFooter(r, size); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrFormat)
	}
	s = &parquetSource{f: f, r: r, size: size, closer: closer}
	schema := f.Schema()
	for _, field := range schema.Fields() {
		name := field.Name()
		s.header = append(s.header, name)
		c := conv{}
		leaf := -1
		switch {
		case !field.Leaf():
			c.bad = "a group of columns, not one column"
		case field.Repeated():
			c.bad = "a repeated (list) column"
		default:
			lc, ok := schema.Lookup(name)
			if !ok {
				c.bad = "not found in the schema"
				break
			}
			leaf = lc.ColumnIndex
			c = numericConv(field.Type())
		}
		s.leaf = append(s.leaf, leaf)
		s.conv = append(s.conv, c)
	}
	if len(s.header) == 0 {
		return nil, fmt.Errorf("the Parquet schema has no columns: %w", ErrEmpty)
	}
	return s, nil
}

// checkFooter checks the frame of a Parquet file — "PAR1", the footer,
// its little-endian uint32 length, "PAR1" — before the decoder sees it: the
// decoder allocates whatever length the last bytes claim (up to 4 GiB), so
// a corrupt length must be refused first.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes are too few for a Parquet file: %w", size, ErrFormat)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("reading the Parquet footer: %v: %w", err, ErrFormat)
	}
	if string(tail[4:]) != parquetMagic {
		return fmt.Errorf("the file does not end with %q, so it is not a whole Parquet file: %w", parquetMagic, ErrFormat)
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("the Parquet footer claims %d bytes in a file of %d: %w", n, size, ErrFormat)
	}
	return nil
}

// numericConv decides how a leaf type is read: the numeric physical types
// INT32, INT64, FLOAT and DOUBLE, whatever their logical type (signed or
// unsigned integers, DECIMAL with its scale, and DATE, TIME and TIMESTAMP
// as their integer count of days or time units).
func numericConv(t parquet.Type) conv {
	c := conv{kind: t.Kind()}
	switch c.kind {
	case parquet.Int32, parquet.Int64, parquet.Float, parquet.Double:
	default:
		c.bad = typeName(t)
		return c
	}
	lt := t.LogicalType()
	if lt == nil {
		return c
	}
	switch v := lt.Value.(type) {
	case *format.IntType:
		c.uns = !v.IsSigned
	case *format.DecimalType:
		c.scale = math.Pow(10, -float64(v.Scale))
	case *format.DateType, *format.TimeType, *format.TimestampType, nil:
	default:
		c.bad = typeName(t)
	}
	return c
}

// typeName describes a Parquet type for a message: "BYTE_ARRAY (STRING)".
func typeName(t parquet.Type) string {
	name := t.Kind().String()
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		name += " (" + lt.String() + ")"
	}
	return name
}

func (s *parquetSource) names() []string { return s.header }
func (s *parquetSource) width() int      { return len(s.header) }
func (s *parquetSource) unit() string    { return "row" }

func (s *parquetSource) close() error {
	if s.closer == nil {
		return nil
	}
	err := s.closer.Close()
	s.closer = nil
	return err
}

// valueBuf is how many values are decoded per call into the page reader.
const valueBuf = 1024

// read decodes the columns cols of every row group, page by page: the
// file is never held as rows, and memory grows with the values actually
// decoded, never with the counts a (possibly corrupt) footer claims.
func (s *parquetSource) read(cols, text []int, strict bool) (t *Table, err error) {
	defer recoverFormat(&err)
	for _, j := range cols {
		if s.conv[j].bad != "" {
			return nil, fmt.Errorf("column %q is %s: %w", s.header[j], s.conv[j].bad, ErrType)
		}
	}
	if len(text) > 0 {
		return nil, fmt.Errorf("text columns are read from CSV files only: %w", ErrType)
	}
	k := len(cols)
	var (
		slabs   [][]float64 // one row-major rows×k block per row group
		missing = make([]int, k)
		buf     = make([]parquet.Value, valueBuf)
		first   []float64 // the first column of a row group, before its rows are known
		total   = 0
	)
	meta := s.f.Metadata().RowGroups
	if len(meta) != len(s.f.RowGroups()) {
		return nil, fmt.Errorf("%d row groups in the footer, %d decoded: %w", len(meta), len(s.f.RowGroups()), ErrFormat)
	}
	for g, rg := range s.f.RowGroups() {
		n := rg.NumRows()
		if n < 0 || n > math.MaxInt32-int64(total) {
			return nil, fmt.Errorf("a row group claims %d rows: %w", n, ErrFormat)
		}
		rows := int(n)
		chunks := rg.ColumnChunks()
		if err := s.checkRowGroup(&meta[g], cols, n); err != nil {
			return nil, err
		}
		// The first column is decoded into a growing slice: only once it
		// holds as many values as the row group claims rows is a block of
		// rows×k allocated for the others, so memory follows the data.
		leaf, cv, name, miss := s.firstFlat(), conv{kind: -1}, "", (*int)(nil)
		if k > 0 {
			leaf, cv, name, miss = s.leaf[cols[0]], s.conv[cols[0]], s.header[cols[0]], &missing[0]
		}
		if leaf < 0 || leaf >= len(chunks) {
			total += rows // nothing to count with: trust the footer
			continue
		}
		sk := sink{grow: first[:0], rows: rows}
		if err := s.readChunk(chunks[leaf], cv, name, &sk, total, buf, miss, strict); err != nil {
			return nil, err
		}
		first = sk.grow
		if sk.n != rows {
			return nil, fmt.Errorf("column %q has %d values in a row group of %d rows: %w", name, sk.n, rows, ErrFormat)
		}
		if k > 0 {
			slab := make([]float64, rows*k)
			for i, x := range first {
				slab[i*k] = x
			}
			for c := 1; c < k; c++ {
				j := cols[c]
				sk := sink{dst: slab, k: k, c: c, rows: rows}
				if err := s.readChunk(chunks[s.leaf[j]], s.conv[j], s.header[j], &sk, total, buf, &missing[c], strict); err != nil {
					return nil, err
				}
				if sk.n != rows {
					return nil, fmt.Errorf("column %q has %d values in a row group of %d rows: %w", s.header[j], sk.n, rows, ErrFormat)
				}
			}
			slabs = append(slabs, slab)
		}
		total += rows
	}
	if total == 0 {
		return nil, ErrNoRows
	}
	if n := s.f.NumRows(); n != int64(total) {
		return nil, fmt.Errorf("row groups hold %d rows, the footer says %d: %w", total, n, ErrFormat)
	}
	lines := make([]int, total)
	for i := range lines {
		lines[i] = i + 1
	}
	t = &Table{Missing: missing, Line: lines}
	if k > 0 {
		data := slabs[0]
		if len(slabs) > 1 {
			data = slices.Concat(slabs...) // row-major blocks in row order
		}
		t.Data = mat.NewDense(total, k, data)
	}
	return t, nil
}

// sink receives the values of one column chunk: appended to grow, or, with
// dst set, written into column c of the row-major k-column block dst.
type sink struct {
	grow    []float64
	dst     []float64
	k, c, n int
	rows    int
}

// put stores the next value; false means the chunk has more values than
// rows.
func (s *sink) put(x float64) bool {
	if s.n >= s.rows {
		return false
	}
	if s.dst != nil {
		s.dst[s.n*s.k+s.c] = x
	} else {
		s.grow = append(s.grow, x)
	}
	s.n++
	return true
}

// firstFlat returns the leaf index of the first flat column, or −1.
func (s *parquetSource) firstFlat() int {
	for _, l := range s.leaf {
		if l >= 0 {
			return l
		}
	}
	return -1
}

// checkRowGroup checks the column chunks of row group md that read is
// about to decode (see checkChunk).
func (s *parquetSource) checkRowGroup(md *format.RowGroup, cols []int, rows int64) error {
	var leaves []int
	for _, j := range cols {
		leaves = append(leaves, s.leaf[j])
	}
	if flat := s.firstFlat(); len(cols) == 0 && flat >= 0 {
		leaves = append(leaves, flat) // read to count the rows
	}
	for _, l := range leaves {
		if l < 0 || l >= len(md.Columns) {
			return fmt.Errorf("a row group has %d column chunks, column %d is missing: %w", len(md.Columns), l, ErrFormat)
		}
		if err := checkChunk(s.r, s.size, &md.Columns[l], rows); err != nil {
			return fmt.Errorf("%v: %w", err, ErrFormat)
		}
	}
	return nil
}

// readChunk passes the values of one column chunk (of a row group
// starting at row base) to sk, converted by cv; with cv.kind −1 they are
// only counted. A chunk with more values than rows is an error.
func (s *parquetSource) readChunk(chunk parquet.ColumnChunk, cv conv, name string, sk *sink, base int,
	buf []parquet.Value, missing *int, strict bool) error {
	pages := chunk.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("column %q: %v: %w", name, err, ErrFormat)
		}
		err = readPage(p, cv, name, sk, base, buf, missing, strict)
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}

// readPage passes the values of one page to sk.
func readPage(p parquet.Page, cv conv, name string, sk *sink, base int, buf []parquet.Value, missing *int, strict bool) error {
	vr := p.Values()
	for {
		m, err := vr.ReadValues(buf)
		for _, v := range buf[:m] {
			x, miss := 0.0, false
			if cv.kind >= 0 {
				x, miss = cv.value(v)
				if !miss && math.IsInf(x, 0) {
					return fmt.Errorf("row %d, column %q: %v: %w", base+sk.n+1, name, x, ErrNonFinite)
				}
				if miss {
					if strict {
						return fmt.Errorf("row %d, column %q: null: %w", base+sk.n+1, name, ErrMissing)
					}
					*missing++
				}
			}
			if !sk.put(x) {
				return fmt.Errorf("column %q has more values than its row group's %d rows: %w", name, sk.rows, ErrFormat)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("column %q: %v: %w", name, err, ErrFormat)
		}
	}
}

// value converts one value; a null (or a stored NaN) is missing.
func (c conv) value(v parquet.Value) (float64, bool) {
	if v.IsNull() {
		return math.NaN(), true
	}
	var x float64
	switch c.kind {
	case parquet.Int32:
		if c.uns {
			x = float64(v.Uint32())
		} else {
			x = float64(v.Int32())
		}
	case parquet.Int64:
		if c.uns {
			x = float64(v.Uint64())
		} else {
			x = float64(v.Int64())
		}
	case parquet.Float:
		x = float64(v.Float())
	case parquet.Double:
		x = v.Double()
	}
	if c.scale != 0 {
		x *= c.scale
	}
	if math.IsNaN(x) {
		return x, true
	}
	return x, false
}

// recoverFormat turns a panic of the Parquet decoder on a malformed file
// into an ErrFormat error: the decoder panics on some impossible schemas.
func recoverFormat(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("cannot decode the Parquet file: %v: %w", r, ErrFormat)
	}
}

// WriteParquet writes the columns of data, named by header, as a Parquet
// file of DOUBLE columns to w. The columns appear in the schema in the
// order of their names (the Parquet writer's rule for a dynamic schema).
func WriteParquet(w io.Writer, header []string, data *mat.Dense) error {
	r, c := data.Dims()
	if len(header) != c {
		return fmt.Errorf("table: %d names for %d columns", len(header), c)
	}
	group := parquet.Group{}
	for _, name := range header {
		if _, dup := group[name]; dup {
			return fmt.Errorf("table: column %q named twice", name)
		}
		group[name] = parquet.Leaf(parquet.DoubleType)
	}
	schema := parquet.NewSchema("table", group)
	// The leaf order of the schema is its column index.
	col := make([]int, c)
	for j, name := range header {
		lc, ok := schema.Lookup(name)
		if !ok {
			return errors.New("table: parquet schema lost a column")
		}
		col[j] = lc.ColumnIndex
	}
	pw := parquet.NewWriter(w, schema)
	const batch = 1024
	rows := make([]parquet.Row, 0, batch)
	for i := range r {
		row := make(parquet.Row, c)
		for j := range c {
			row[col[j]] = parquet.DoubleValue(data.At(i, j)).Level(0, 0, col[j])
		}
		rows = append(rows, row)
		if len(rows) == batch || i == r-1 {
			if _, err := pw.WriteRows(rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	return pw.Close()
}
