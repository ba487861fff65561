package table

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseColumns parses a column list such as "0,3-5,critical_temp" against a
// file with ncols columns and the given header (nil when the file has none)
// and returns the 0-based column indices in list order. The grammar and its
// precedence rules are in the package documentation. Every error wraps
// ErrColumnSpec and quotes the offending item.
func ParseColumns(spec string, header []string, ncols int) ([]int, error) {
	if header != nil && len(header) != ncols {
		return nil, fmt.Errorf("table: column list: header has %d names for %d columns: %w", len(header), ncols, ErrColumnSpec)
	}
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("table: empty column list: %w", ErrColumnSpec)
	}
	var out []int
	seen := make(map[int]string)
	add := func(j int, item string) error {
		if prev, ok := seen[j]; ok {
			return fmt.Errorf("table: column list %q: column %d given twice (%q and %q): %w", spec, j, prev, item, ErrColumnSpec)
		}
		seen[j] = item
		out = append(out, j)
		return nil
	}
	for k, raw := range strings.Split(spec, ",") {
		item := strings.TrimSpace(raw)
		if item == "" {
			return nil, fmt.Errorf("table: column list %q: item %d is empty: %w", spec, k+1, ErrColumnSpec)
		}
		// 1. An exact header name.
		if j, n := lookup(header, item); n == 1 {
			if err := add(j, item); err != nil {
				return nil, err
			}
			continue
		} else if n > 1 {
			return nil, fmt.Errorf("table: column list %q: the name %q is shared by columns %s: %w", spec, item, joinInts(indicesOf(header, item)), ErrColumnSpec)
		}
		// 2. An inclusive range a-b of indices or header names.
		if strings.Contains(item, "-") {
			lo, hi, err := span(item, header)
			if err != nil {
				return nil, fmt.Errorf("table: column list %q: %v: %w", spec, err, ErrColumnSpec)
			}
			if lo > hi {
				return nil, fmt.Errorf("table: column list %q: range %q is reversed: %w", spec, item, ErrColumnSpec)
			}
			if hi >= ncols {
				return nil, fmt.Errorf("table: column list %q: range %q goes past the last column %d: %w", spec, item, ncols-1, ErrColumnSpec)
			}
			for j := lo; j <= hi; j++ {
				if err := add(j, item); err != nil {
					return nil, err
				}
			}
			continue
		}
		// 3. A single index.
		j, ok := index(item)
		if !ok {
			return nil, fmt.Errorf("table: column list %q: %s: %w", spec, unknown(item, header), ErrColumnSpec)
		}
		if j >= ncols {
			return nil, fmt.Errorf("table: column list %q: column %d is out of range [0, %d]: %w", spec, j, ncols-1, ErrColumnSpec)
		}
		if err := add(j, item); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// span resolves a range item a-b whose ends are each an index or a unique
// header name. Names may contain '-' themselves, so every '-' is tried as the
// separator; exactly one reading must resolve.
func span(item string, header []string) (lo, hi int, err error) {
	end := func(s string) (int, bool) {
		s = strings.TrimSpace(s)
		if j, n := lookup(header, s); n == 1 {
			return j, true
		}
		return index(s)
	}
	found := 0
	for k := 0; k < len(item); k++ {
		if item[k] != '-' {
			continue
		}
		a, okA := end(item[:k])
		b, okB := end(item[k+1:])
		if okA && okB {
			if found++; found > 1 {
				return 0, 0, fmt.Errorf("range %q can be read in more than one way", item)
			}
			lo, hi = a, b
		}
	}
	if found == 0 {
		for k := 0; k < len(item); k++ {
			if item[k] != '-' {
				continue
			}
			for _, e := range []string{strings.TrimSpace(item[:k]), strings.TrimSpace(item[k+1:])} {
				if at := indicesOf(header, e); len(at) > 1 {
					return 0, 0, fmt.Errorf("range %q: the name %q is shared by columns %s, so it cannot end a range (rename one, or use indices)",
						item, e, joinInts(at))
				}
			}
		}
		return 0, 0, fmt.Errorf("%s", unknown(item, header))
	}
	return lo, hi, nil
}

// lookup returns the index of name in header and how many entries match.
func lookup(header []string, name string) (j, n int) {
	j = -1
	for i, h := range header {
		if h == name {
			if n == 0 {
				j = i
			}
			n++
		}
	}
	return j, n
}

// index parses a non-negative decimal index made of ASCII digits only (no
// sign, no spaces inside). Indices too large for an int become math.MaxInt,
// which every range check rejects.
func index(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	j, err := strconv.Atoi(s)
	if err != nil {
		return math.MaxInt, true
	}
	return j, true
}

// unknown describes an item that is neither a header name nor an index.
func unknown(item string, header []string) string {
	if header == nil {
		return fmt.Sprintf("%q is not an index or a range a-b (the file has no header, so names cannot be used)", item)
	}
	for _, h := range header {
		if strings.EqualFold(h, item) {
			return fmt.Sprintf("no column is named %q (did you mean %q?), and it is not an index or a range a-b of indices or names", item, h)
		}
	}
	return fmt.Sprintf("no column is named %q, and it is not an index or a range a-b of indices or names", item)
}

// joinInts lists indices for a message: "1, 5 and 9".
func joinInts(x []int) string {
	s := make([]string, len(x))
	for i, v := range x {
		s[i] = strconv.Itoa(v)
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
