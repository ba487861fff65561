// Package table reads the numeric columns of data files — CSV or Parquet,
// one file or several side by side — into gonum matrices, and parses the
// column lists the pidreg command accepts (-modality, -target, -x, -y). It
// is the one reader of the module: the command, the public loading API of
// the root package and the data-set loaders of internal/datasets use it.
//
// # Reading
//
// Open reads the column names; File.Columns resolves a column list against
// them; File.Read reads the chosen columns in one pass; File.ReadBlocks
// does all three for the modalities and the target of a data set and
// applies the missing-value policy below. Only the chosen columns are
// parsed: the others may hold identifiers, chemical formulas or any text.
// ReadFile and Read read every column of a file that is one matrix (a
// covariance) and refuse missing cells.
//
// # CSV files
//
// Text with LF or CRLF line ends, an optional UTF-8 byte order mark, quoting
// as in RFC 4180 (encoding/csv), blank lines skipped, plain or
// gzip-compressed (recognised by the magic bytes 1f 8b; a name ending in
// ".gz" must be compressed). The separator is Options.Comma, or detected
// from the first line: the one of ',', ';' and tab that occurs there
// outside quotes; a line with none is a single column, a line with several
// is refused as ambiguous (ErrSeparator) — the caller then names it. A
// trailing separator (an empty last field on every line, or on the data
// lines only, or on the header only) is not a column. Cells are trimmed of
// spaces and parsed with strconv.ParseFloat; numbers use '.' as the decimal
// mark (a semicolon file with decimal commas is refused with that hint).
//
// # Parquet files
//
// A file whose name ends in ".parquet" or ".pq", or whose content starts
// with "PAR1", is Parquet (github.com/parquet-go/parquet-go). Its columns are
// the top-level fields of the schema, found by name. A chosen column must
// be a flat leaf of a numeric physical type — INT32, INT64, FLOAT or DOUBLE,
// whatever its logical type: unsigned integers are read as unsigned,
// DECIMAL(p, s) as unscaled·10⁻ˢ, DATE, TIME and TIMESTAMP as their integer
// count of days or time units; anything else (strings, booleans, lists,
// groups, INT96) is refused naming the column (ErrType). The file is read
// one column chunk of one row group at a time, page by page, straight into
// the matrix: it is never held as rows. Standard input ("-") starting with
// "PAR1" is held in memory, since Parquet needs random access. WriteParquet
// writes a matrix as DOUBLE columns.
//
// # Missing values
//
// A missing value is an empty cell, a cell whose trimmed text is in
// Options.NA (by default DefaultNA: NA, N/A, NaN, nan, null), a Parquet
// null, or a NaN stored in a Parquet file. It is NaN in Table.Data and
// counted in Table.Missing; no other value is NaN or infinite (±Inf, and
// numbers beyond the float64 range, are ErrNonFinite errors). ReadBlocks
// applies the data-set policy:
//
//   - a row with a missing target cell is dropped from the data set (it
//     can be neither trained nor scored on) and counted in Report.Dropped;
//   - a missing input cell stays NaN, for the model to impute from the
//     training rows, or, with Request.RefuseMissing, is an ErrMissing error
//     naming its line and column;
//   - a row in which every cell of one input block is missing is a row
//     without that modality, counted in Report.Absent;
//   - without a target block (prediction), no row is dropped and the
//     target columns are not read, so they may be empty.
//
// # Files side by side
//
// Several files given to Open describe the same samples, row i of each
// being sample i (the two halves of the UCI Superconductivity data, say).
// Their columns are concatenated in file order, and indices count across
// them; a name that a later file repeats is one column, at its first
// position, and when it is read its copies are compared row by row — the
// check that the files are aligned (ErrMismatch names the first
// disagreement). Row counts must agree.
//
// # Errors
//
// Errors start with the file name ("standard input" for "-") and carry
// the 1-based line (CSV) or row (Parquet) and the column of the first bad
// cell, and wrap a sentinel for errors.Is: ErrEmpty, ErrNoRows, ErrRagged,
// ErrNumber, ErrNonFinite, ErrMissing, ErrSeparator, ErrType, ErrFormat,
// ErrMismatch or ErrColumnSpec.
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
// The result keeps the order of the list. Unknown names (with a
// suggestion when only the case differs), indices out of range, reversed
// ranges, empty items, names that several header columns share (also as
// the end of a range), and columns listed twice are errors wrapping
// ErrColumnSpec.
//
// # Speed
//
// Reading is streaming: one record is held at a time, and values go into
// fixed-size blocks copied once into the matrix. See the benchmarks in
// table_test.go (the Superconductivity files, when present).
package table
