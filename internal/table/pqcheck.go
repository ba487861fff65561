package table

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"
)

// The Parquet decoder allocates what a page header declares (its
// compressed and uncompressed sizes, up to 2 GiB each) before it checks
// that the bytes exist, so a corrupt file of a few hundred bytes can cost
// gigabytes. checkChunk walks the page headers of a column chunk first and
// refuses any that a whole file could not hold. It reads only the headers,
// a few dozen bytes per page, through a small window, and allocates
// nothing for what a header declares: a field it does not need is stepped
// over by arithmetic.

// maxPageBytes bounds the uncompressed size of one page. Writers make pages
// of a few hundred kilobytes to a few megabytes; 256 MiB leaves room for
// any real file.
const maxPageBytes = 256 << 20

var errCorrupt = errors.New("corrupt column chunk")

// checkChunk checks the column chunk cc of a row group of rows rows in a
// Parquet file of size bytes read through r.
func checkChunk(r io.ReaderAt, size int64, cc *format.ColumnChunk, rows int64) error {
	md := &cc.MetaData
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	end := start + md.TotalCompressedSize
	if start < 4 || md.TotalCompressedSize < 0 || end < start || end > size-8 {
		return fmt.Errorf("a column chunk claims bytes %d to %d of a file of %d: %w", start, end, size, errCorrupt)
	}
	c := cursor{r: r, pos: start, end: end}
	for c.pos < end {
		h, err := c.pageHeader()
		if err != nil {
			return fmt.Errorf("page header at byte %d: %w", c.pos, err)
		}
		switch {
		case h.compressed < 0 || h.compressed > end-c.pos:
			return fmt.Errorf("a page claims %d bytes with %d left in its column chunk: %w", h.compressed, end-c.pos, errCorrupt)
		case h.uncompressed < 0 || h.uncompressed > maxPageBytes:
			return fmt.Errorf("a page claims %d uncompressed bytes: %w", h.uncompressed, errCorrupt)
		case md.TotalUncompressedSize >= 0 && h.uncompressed > md.TotalUncompressedSize:
			return fmt.Errorf("a page claims %d uncompressed bytes, its column chunk %d: %w", h.uncompressed, md.TotalUncompressedSize, errCorrupt)
		case h.values < 0 || h.values > rows:
			return fmt.Errorf("a page claims %d values in a row group of %d rows: %w", h.values, rows, errCorrupt)
		}
		c.pos += h.compressed
	}
	return nil
}

// pageSizes are the fields of a page header that the decoder allocates by.
type pageSizes struct {
	uncompressed, compressed int64
	values                   int64 // num_values of a data or dictionary page
}

// Thrift compact protocol types.
const (
	ctBoolTrue = 1 + iota
	ctBoolFalse
	ctByte
	ctI16
	ctI32
	ctI64
	ctDouble
	ctBinary
	ctList
	ctSet
	ctMap
	ctStruct
)

// cursor reads thrift compact data from r between pos and end through a
// small window.
type cursor struct {
	r        io.ReaderAt
	pos, end int64
	win      [256]byte
	winPos   int64 // file offset of win[0]
	winLen   int
}

var errTruncated = fmt.Errorf("truncated page header: %w", errCorrupt)

func (c *cursor) byte() (byte, error) {
	if c.pos >= c.end {
		return 0, errTruncated
	}
	if c.pos < c.winPos || c.pos >= c.winPos+int64(c.winLen) {
		n := int64(len(c.win))
		if c.end-c.pos < n {
			n = c.end - c.pos
		}
		got, err := c.r.ReadAt(c.win[:n], c.pos)
		if got == 0 {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		c.winPos, c.winLen = c.pos, got
	}
	b := c.win[c.pos-c.winPos]
	c.pos++
	return b, nil
}

func (c *cursor) skip(n int64) error {
	if n < 0 || n > c.end-c.pos {
		return errTruncated
	}
	c.pos += n
	return nil
}

func (c *cursor) uvarint() (uint64, error) {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		b, err := c.byte()
		if err != nil {
			return 0, err
		}
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("varint too long: %w", errCorrupt)
}

func (c *cursor) varint() (int64, error) {
	u, err := c.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// fields calls fn for each field of a struct, with its id and type; fn
// must consume the value (read it or call skipValue).
func (c *cursor) fields(depth int, fn func(id int16, typ byte) error) error {
	if depth > 32 {
		return fmt.Errorf("structs nested too deep: %w", errCorrupt)
	}
	var last int16
	for {
		b, err := c.byte()
		if err != nil {
			return err
		}
		if b == 0 {
			return nil // stop
		}
		typ, delta := b&0x0f, int16(b>>4)
		id := last + delta
		if delta == 0 {
			v, err := c.varint()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		if err := fn(id, typ); err != nil {
			return err
		}
	}
}

// skipValue steps over a value of a compact type.
func (c *cursor) skipValue(typ byte, depth int) error {
	switch typ {
	case ctBoolTrue, ctBoolFalse:
		return nil
	case ctByte:
		return c.skip(1)
	case ctI16, ctI32, ctI64:
		_, err := c.uvarint()
		return err
	case ctDouble:
		return c.skip(8)
	case ctBinary:
		n, err := c.uvarint()
		if err != nil {
			return err
		}
		if n > uint64(c.end-c.pos) {
			return errTruncated
		}
		return c.skip(int64(n))
	case ctList, ctSet:
		b, err := c.byte()
		if err != nil {
			return err
		}
		n, elem := uint64(b>>4), b&0x0f
		if n == 15 {
			if n, err = c.uvarint(); err != nil {
				return err
			}
		}
		if n > uint64(c.end-c.pos) { // every element takes a byte at least
			return errTruncated
		}
		for range n {
			if elem == ctBoolTrue || elem == ctBoolFalse {
				if err := c.skip(1); err != nil {
					return err
				}
				continue
			}
			if err := c.skipValue(elem, depth+1); err != nil {
				return err
			}
		}
		return nil
	case ctMap:
		n, err := c.uvarint()
		if err != nil || n == 0 {
			return err
		}
		if n > uint64(c.end-c.pos) {
			return errTruncated
		}
		kv, err := c.byte()
		if err != nil {
			return err
		}
		for range n {
			if err := c.skipValue(kv>>4, depth+1); err != nil {
				return err
			}
			if err := c.skipValue(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case ctStruct:
		return c.fields(depth+1, func(_ int16, t byte) error { return c.skipValue(t, depth+1) })
	}
	return fmt.Errorf("unknown thrift type %d: %w", typ, errCorrupt)
}

// pageHeader reads a PageHeader: uncompressed_page_size (2) and
// compressed_page_size (3), and num_values (1) of the data page (5),
// dictionary page (7) or data page v2 (8) header.
func (c *cursor) pageHeader() (pageSizes, error) {
	var h pageSizes
	err := c.fields(0, func(id int16, typ byte) error {
		switch {
		case (id == 2 || id == 3) && typ == ctI32:
			v, err := c.varint()
			if id == 2 {
				h.uncompressed = v
			} else {
				h.compressed = v
			}
			return err
		case (id == 5 || id == 7 || id == 8) && typ == ctStruct:
			return c.fields(1, func(fid int16, ft byte) error {
				if fid == 1 && ft == ctI32 {
					v, err := c.varint()
					h.values = v
					return err
				}
				return c.skipValue(ft, 1)
			})
		}
		return c.skipValue(typ, 0)
	})
	return h, err
}
