// Command testdatagen writes the small, seeded data files under the module's
// testdata/ directory that the tests of cmd/pidreg (and anyone else) read.
// Regenerate them with
//
//	go generate ./internal/gen/testdatagen
//
// which runs `go run . -out ../../../testdata` from this directory. The
// output is deterministic (fixed seeds, math/rand/v2 PCG, shortest
// round-trip float formatting), so a regeneration leaves the files
// byte-identical unless this program changes. Files it does not name are
// left alone.
//
// Files written (all comma-separated, LF line ends):
//
//   - cov_sum.csv: the 3×3 covariance of (M, X, Y) with X, Y, N independent
//     standard normals and M = X + Y + N. Exact integers. Analytic PID
//     (bits): I(M;X) = I(M;Y) = ½·log₂(3/2) ≈ 0.2925, I(M;X,Y) = ½·log₂ 3 ≈
//     0.7925, so Red = 0.2925, U_X = U_Y = 0, Syn = ½ bit exactly.
//   - cov_copy.csv: the 5×5 covariance of (M, X1, X2, Y1, Y2) with X1, X2
//     independent standard normals, Y = X an exact copy, and M = 0.6·X1 + E,
//     Var E = 0.64. Singular on purpose (it needs the PID's Cholesky jitter).
//     Analytic PID: I(M;X) = I(M;Y) = I(M;X,Y) = −½·log₂(1 − 0.36) ≈ 0.3219
//     bits, all of it redundant; U_X = U_Y = Syn = 0.
//   - cov_vec.csv: the 6×6 population covariance of (M1, M2, X1, X2, Y1, Y2)
//     for the linear model below with a 2-dimensional target, for the ~G-PID.
//   - gauss_small.csv: 300 rows with header target,x1,x2,x3,y1,y2,y3 drawn
//     from the linear Gaussian model below (seed 1).
//   - gauss_missing.csv: 60 rows of the same model (seed 2) in the shape of
//     a file a user brings: semicolon-separated, CRLF line ends, a
//     trailing separator on every line, an identifier and a text column
//     (id, site), values with 6 significant digits, and missing cells —
//     x2 "NA" in rows 4 and 17, y1 empty in row 9, the target empty in row
//     12 and "NA" in row 33 (1-based data rows). The loading API's example
//     and the command's tests read it.
//
// The model of gauss_small.csv (all symbols independent standard normals):
//
//	x1 = s + 0.5·e1      y1 = s + 0.5·e2        (s: shared → redundancy)
//	x2 = a               y2 = b                 (a, b: unique to X, to Y)
//	x3 = u + w           y3 = w + 0.1·e3        (y3 cancels w in x3 → synergy)
//	target = s + 0.8·a + 0.8·b + u + 0.5·e4
//
// cov_vec.csv uses X = (s + 0.5·e1, a), Y = (s + 0.5·e2, b) and
// M1 = s + a + 0.5·e3, M2 = s − b + 0.5·e4.
package main

//go:generate go run . -out ../../../testdata

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

func main() {
	out := flag.String("out", "testdata", "directory to write the files into")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "testdatagen:", err)
		os.Exit(1)
	}
}

func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name   string
		header []string
		rows   [][]float64
	}{
		{"cov_sum.csv", nil, [][]float64{{3, 1, 1}, {1, 1, 0}, {1, 0, 1}}},
		{"cov_copy.csv", nil, [][]float64{
			{1, 0.6, 0, 0.6, 0},
			{0.6, 1, 0, 1, 0},
			{0, 0, 1, 0, 1},
			{0.6, 1, 0, 1, 0},
			{0, 0, 1, 0, 1},
		}},
		{"cov_vec.csv", nil, covVec()},
		{"gauss_small.csv", []string{"target", "x1", "x2", "x3", "y1", "y2", "y3"}, gaussSmall(300, 1)},
	}
	for _, f := range files {
		if err := writeCSV(filepath.Join(dir, f.name), f.header, f.rows); err != nil {
			return err
		}
	}
	return writeMissing(filepath.Join(dir, "gauss_missing.csv"), gaussSmall(60, 2))
}

// writeMissing writes rows of (target, x1, x2, x3, y1, y2, y3) as
// gauss_missing.csv (see the package comment).
func writeMissing(path string, rows [][]float64) error {
	missing := map[[2]int]string{{4, 2}: "NA", {17, 2}: "NA", {9, 4}: "", {12, 0}: "", {33, 0}: "NA"}
	sites := []string{"north", "south", "east"}
	var b strings.Builder
	b.WriteString("id;site;target;x1;x2;x3;y1;y2;y3;\r\n")
	for i, r := range rows {
		fmt.Fprintf(&b, "s%03d;%s;", i+1, sites[i%len(sites)])
		for j, v := range r {
			if m, ok := missing[[2]int{i + 1, j}]; ok {
				b.WriteString(m)
			} else {
				b.WriteString(strconv.FormatFloat(v, 'g', 6, 64))
			}
			b.WriteString(";")
		}
		b.WriteString("\r\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// covVec returns the covariance L·Lᵀ of (M1, M2, X1, X2, Y1, Y2) = L·(s, a, b,
// e1, e2, e3, e4) for the model in the package comment.
func covVec() [][]float64 {
	l := mat.NewDense(6, 7, []float64{
		// s  a   b  e1   e2   e3   e4
		1, 1, 0, 0, 0, 0.5, 0, // M1
		1, 0, -1, 0, 0, 0, 0.5, // M2
		1, 0, 0, 0.5, 0, 0, 0, // X1
		0, 1, 0, 0, 0, 0, 0, // X2
		1, 0, 0, 0, 0.5, 0, 0, // Y1
		0, 0, 1, 0, 0, 0, 0, // Y2
	})
	var c mat.Dense
	c.Mul(l, l.T())
	rows := make([][]float64, 6)
	for i := range rows {
		rows[i] = mat.Row(nil, i, &c)
	}
	return rows
}

// gaussSmall draws n rows of (target, x1, x2, x3, y1, y2, y3).
func gaussSmall(n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	rows := make([][]float64, n)
	for i := range rows {
		s, a, b, u, w := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		e1, e2, e3, e4 := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		rows[i] = []float64{
			s + 0.8*a + 0.8*b + u + 0.5*e4,
			s + 0.5*e1, a, u + w,
			s + 0.5*e2, b, w + 0.1*e3,
		}
	}
	return rows
}

func writeCSV(path string, header []string, rows [][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if header != nil {
		fmt.Fprintln(w, strings.Join(header, ","))
	}
	cells := make([]string, 0, 8)
	for _, r := range rows {
		cells = cells[:0]
		for _, v := range r {
			cells = append(cells, strconv.FormatFloat(v, 'g', -1, 64))
		}
		fmt.Fprintln(w, strings.Join(cells, ","))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
