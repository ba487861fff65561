// Package table reads numeric CSV files into gonum matrices and parses the
// column lists the pidreg command accepts (-target, -x, -y).
//
// # Files
//
// Read and ReadFile accept comma-separated text, plain or gzip-compressed
// (recognised by a ".gz" name or by the gzip magic bytes 1f 8b), with or
// without a header row, with LF or CRLF line ends and an optional UTF-8 byte
// order mark. Quoting follows RFC 4180 (encoding/csv). Blank lines are
// skipped. Every data cell must parse as a finite float64
// (strconv.ParseFloat after trimming spaces); columns that are not numeric
// (an identifier, a material formula) can be left out by header name with
// Options.Skip.
//
// Errors carry the 1-based line number and the 0-based column index (plus the
// header name when there is one) of the first bad cell, and wrap a sentinel
// for errors.Is: ErrEmpty (no record at all), ErrNoRows (a header but no data),
// ErrRagged (a row with the wrong number of fields), ErrNumber (a cell that is
// not a number) or ErrNonFinite (NaN, ±Inf or a value beyond float64 range).
//
// Reading is streaming: one record is held at a time, and values go into
// fixed-size blocks that are copied once into the matrix. The 21 263 × 82
// Superconductivity training file (24 MB, 7.9 MB gzipped) reads in about
// 0.4 s on one core.
//
// # Column lists
//
// ParseColumns turns a comma-separated list such as "0,3-5,critical_temp" into
// column indices. An item is, in order of precedence:
//
//  1. a header name, matched exactly (case-sensitive, after trimming spaces);
//     an exact match wins even over the other readings, so a column named
//     "2-4" or "7" is selected by that name;
//  2. an inclusive range a-b, each end a 0-based index or a header name
//     ("x1-x3", "mean_atomic_mass-7"), in file order a ≤ b; names may
//     contain '-' themselves, so every '-' is tried as the separator and
//     exactly one reading must resolve;
//  3. a single 0-based index.
//
// The result keeps the order of the list. Unknown names, indices out of
// range, reversed ranges, empty items, names that several header columns
// share, and columns listed twice are errors wrapping ErrColumnSpec.
package table
