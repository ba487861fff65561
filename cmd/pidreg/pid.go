package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/table"
	"github.com/pidreg/pidreg/pid"
)

const pidSynopsis = `Usage:
	pidreg pid -cov FILE -dm DM -dx DX -dy DY [-n N] [-debias] [-method M] [-json]
	pidreg pid -data FILE -target COLS -x COLS -y COLS [-debias] [-method M]
	           [-bootstrap B] [-permutations P] [-seed S] [-json]

Decompose the information that two sources X and Y carry about a target M into
unique, redundant and synergistic parts (bits), assuming (M, X, Y) jointly
Gaussian.

With -cov, FILE is a CSV without header holding the full (DM+DX+DY)² covariance
of the variables in the order M, X, Y.

With -data, FILE is a CSV with a header row; COLS is a comma-separated list of
header names, 0-based column indices and inclusive ranges a-b whose ends are
indices or names, such as 3-5 or x1-x3 (a header name that matches exactly
wins, so a column named "2-3" is selected by that name).
Constant columns carry no information and are dropped.

Methods: closed (the exact PID of a scalar target, Barrett 2015), tilde (the
~G-PID for vector targets), mmi (minimum mutual information; meant for scalar
targets) and dep (I_dep of Kay & Ince 2018, any dimensions, non-singular
covariances only); auto is closed for a scalar target and tilde otherwise.

With -data, -bootstrap B adds 95% confidence intervals from B resamples of the
rows, and -permutations P adds p-values against "the target carries no
information" from P shuffles of the target rows; -seed S fixes both (the
numbers do not depend on the number of cores).

Files may be gzip-compressed; FILE "-" reads standard input. -json prints one object with the keys mi_x, mi_y,
mi_xy, unique_x, unique_y, redundancy, synergy (bits) and method; with
-bootstrap it adds "ci95" ({"mi_x": [lo, hi], ...}, the same seven keys), with
-permutations "p_value" ({"mi_x": p, ...}).
`

// symTol is the relative tolerance of the symmetry check of a covariance:
// |C_ij − C_ji| ≤ symTol·√(C_ii·C_jj).
const symTol = 1e-8

// pidReport is what the pid command prints.
type pidReport struct {
	res      pid.Result
	source   string
	blocks   [3]string // descriptions of the target, X and Y blocks
	rows     int       // 0 when unknown
	debiased bool
	fromData bool     // samples rather than a covariance
	dropped  []string // constant columns left out (samples only)

	ci    *pid.Intervals // with -bootstrap
	pvals *pid.PValues   // with -permutations
	seed  uint64         // of the resampling
}

// pidJSON fixes the keys of the -json output.
type pidJSON struct {
	MIX        float64 `json:"mi_x"`
	MIY        float64 `json:"mi_y"`
	MIXY       float64 `json:"mi_xy"`
	UniqueX    float64 `json:"unique_x"`
	UniqueY    float64 `json:"unique_y"`
	Redundancy float64 `json:"redundancy"`
	Synergy    float64 `json:"synergy"`
	Method     string  `json:"method"`

	CI95   *quantities[[2]float64] `json:"ci95,omitempty"`
	PValue *quantities[float64]    `json:"p_value,omitempty"`
}

// quantities holds one value per quantity of a decomposition, with the
// keys of pidJSON.
type quantities[T any] struct {
	MIX        T `json:"mi_x"`
	MIY        T `json:"mi_y"`
	MIXY       T `json:"mi_xy"`
	UniqueX    T `json:"unique_x"`
	UniqueY    T `json:"unique_y"`
	Redundancy T `json:"redundancy"`
	Synergy    T `json:"synergy"`
}

// jsonOf returns the -json object of a report.
func (r pidReport) jsonOf() pidJSON {
	res := r.res
	out := pidJSON{MIX: res.MIX, MIY: res.MIY, MIXY: res.MIXY, UniqueX: res.UniqueX, UniqueY: res.UniqueY,
		Redundancy: res.Redundancy, Synergy: res.Synergy, Method: res.Method}
	if c := r.ci; c != nil {
		iv := func(i pid.Interval) [2]float64 { return [2]float64{i.Lo, i.Hi} }
		out.CI95 = &quantities[[2]float64]{iv(c.MIX), iv(c.MIY), iv(c.MIXY), iv(c.UniqueX), iv(c.UniqueY), iv(c.Redundancy), iv(c.Synergy)}
	}
	if p := r.pvals; p != nil {
		out.PValue = &quantities[float64]{p.MIX, p.MIY, p.MIXY, p.UniqueX, p.UniqueY, p.Redundancy, p.Synergy}
	}
	return out
}

// resampling holds the -bootstrap, -permutations and -seed flags.
type resampling struct {
	b, p    int
	seed    uint64
	hasSeed bool
}

func runPID(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("pid")
	var (
		covPath  = fs.String("cov", "", "CSV `file` (no header) with the covariance of M, X, Y")
		dataPath = fs.String("data", "", "CSV `file` with a header row and one sample per row")
		dm       = fs.Int("dm", 0, "with -cov: number of target variables (first rows)")
		dx       = fs.Int("dx", 0, "with -cov: number of X variables (next rows)")
		dy       = fs.Int("dy", 0, "with -cov: number of Y variables (last rows)")
		n        = fs.Int("n", 0, "with -cov: number of samples the covariance was estimated from (needed by -debias)")
		target   = fs.String("target", "", "with -data: target `columns`")
		xCols    = fs.String("x", "", "with -data: `columns` of source X")
		yCols    = fs.String("y", "", "with -data: `columns` of source Y")
		debias   = fs.Bool("debias", false, "subtract the analytic small-sample bias of the mutual informations")
		method   = fs.String("method", "auto", "`method`: auto, closed (scalar target), tilde (~G-PID), mmi or dep (I_dep)")
		boot     = fs.Int("bootstrap", 0, "with -data: 95% confidence intervals from `B` bootstrap resamples of the rows")
		perms    = fs.Int("permutations", 0, "with -data: p-values from `P` permutations of the target rows")
		seed     = fs.Uint64("seed", 0, "`seed` of -bootstrap and -permutations")
		asJSON   = fs.Bool("json", false, "print one JSON object instead of a table")
	)
	if err := parseFlags(fs, args, pidSynopsis, stdout); err != nil {
		return err
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	switch *method {
	case "", pid.MethodAuto, pid.MethodClosed, pid.MethodTilde, pid.MethodMMI, pid.MethodDep:
	default:
		return fmt.Errorf("pid: -method %q: want auto, closed, tilde, mmi or dep", *method)
	}
	opt := pid.Options{Method: *method, Debias: *debias}
	rs := resampling{b: *boot, p: *perms, seed: *seed, hasSeed: set["seed"]}
	if set["bootstrap"] && rs.b < 1 {
		return fmt.Errorf("pid: -bootstrap %d: need at least 1 resample", rs.b)
	}
	if set["permutations"] && rs.p < 1 {
		return fmt.Errorf("pid: -permutations %d: need at least 1 permutation", rs.p)
	}
	if rs.hasSeed && !set["bootstrap"] && !set["permutations"] {
		return errors.New("pid: -seed goes with -bootstrap or -permutations")
	}

	var (
		rep pidReport
		err error
	)
	switch {
	case *covPath != "" && *dataPath != "":
		return errors.New("pid: give either -cov or -data, not both")
	case *covPath != "":
		if bad := anySet(set, "target", "x", "y"); bad != "" {
			return fmt.Errorf("pid: -%s goes with -data, not -cov", bad)
		}
		if bad := anySet(set, "bootstrap", "permutations"); bad != "" {
			return fmt.Errorf("pid: -%s resamples rows, so it needs -data, not -cov", bad)
		}
		if set["n"] {
			opt.N = *n
		}
		rep, err = pidFromCov(stdin, *covPath, *dm, *dx, *dy, set["n"], opt)
	case *dataPath != "":
		if bad := anySet(set, "dm", "dx", "dy", "n"); bad != "" {
			return fmt.Errorf("pid: -%s goes with -cov; with -data the sizes come from -target, -x, -y and the rows of the file", bad)
		}
		rep, err = pidFromData(stdin, *dataPath, *target, *xCols, *yCols, opt, rs)
	default:
		return errors.New("pid: need -cov FILE or -data FILE; run 'pidreg pid -h' for help")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep.jsonOf())
	}
	return rep.write(stdout)
}

// readTable reads the CSV file at path, or standard input when path is "-".
func readTable(stdin io.Reader, path string, opt table.Options) (*table.Table, error) {
	if path == "-" {
		t, err := table.Read(stdin, opt)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return t, nil
	}
	return table.ReadFile(path, opt)
}

// anySet returns the first of names that was set on the command line.
func anySet(set map[string]bool, names ...string) string {
	for _, s := range names {
		if set[s] {
			return s
		}
	}
	return ""
}

// pidFromCov reads and checks a covariance file and decomposes it.
func pidFromCov(stdin io.Reader, path string, dm, dx, dy int, haveN bool, opt pid.Options) (pidReport, error) {
	for _, b := range []struct {
		name string
		v    int
	}{{"dm", dm}, {"dx", dx}, {"dy", dy}} {
		if b.v < 1 {
			return pidReport{}, fmt.Errorf("pid: -cov needs -%s ≥ 1 (got %d)", b.name, b.v)
		}
	}
	if opt.Debias && !haveN {
		return pidReport{}, errors.New("pid: -debias needs -n, the number of samples the covariance was estimated from")
	}
	if haveN && opt.N < 2 {
		return pidReport{}, fmt.Errorf("pid: -n %d: need at least 2 samples", opt.N)
	}
	tab, err := readTable(stdin, path, table.Options{})
	if err != nil {
		return pidReport{}, fmt.Errorf("pid: %w", err)
	}
	c, err := checkCovariance(path, tab.Data, dm, dx, dy)
	if err != nil {
		return pidReport{}, err
	}
	res, err := pid.Decompose(c, dm, dx, dy, opt)
	if err != nil {
		return pidReport{}, fmt.Errorf("pid: %s: %w", path, err)
	}
	return pidReport{
		res:    res,
		source: "covariance " + path,
		blocks: [3]string{
			varRange(0, dm),
			varRange(dm, dm+dx),
			varRange(dm+dx, dm+dx+dy),
		},
		rows:     opt.N,
		debiased: opt.Debias,
	}, nil
}

// checkCovariance checks that a is a square, symmetric (to symTol),
// (dm+dx+dy)-dimensional matrix with positive variances and returns it as a
// SymDense (the mean of a and aᵀ).
func checkCovariance(path string, a *mat.Dense, dm, dx, dy int) (*mat.SymDense, error) {
	r, c := a.Dims()
	if r != c {
		return nil, fmt.Errorf("pid: covariance in %s is %d×%d, not square", path, r, c)
	}
	if d := dm + dx + dy; d != r {
		return nil, fmt.Errorf("pid: -dm + -dx + -dy = %d + %d + %d = %d, but the covariance in %s is %d×%d", dm, dx, dy, d, path, r, r)
	}
	for i := range r {
		if v := a.At(i, i); !(v > 0) {
			return nil, fmt.Errorf("pid: covariance in %s: variance of variable %d is %v, must be > 0", path, i, v)
		}
	}
	s := mat.NewSymDense(r, nil)
	for i := range r {
		for j := i; j < r; j++ {
			u, l := a.At(i, j), a.At(j, i)
			if math.Abs(u-l) > symTol*math.Sqrt(a.At(i, i)*a.At(j, j)) {
				return nil, fmt.Errorf("pid: covariance in %s is not symmetric: entry (%d,%d) = %v but (%d,%d) = %v", path, i, j, u, j, i, l)
			}
			s.SetSym(i, j, (u+l)/2)
		}
	}
	return s, nil
}

// varRange describes variables lo..hi-1 of a covariance.
func varRange(lo, hi int) string {
	if hi-lo == 1 {
		return fmt.Sprintf("variable %d", lo)
	}
	return fmt.Sprintf("variables %d-%d (%d)", lo, hi-1, hi-lo)
}

// pidFromData reads a CSV with a header, selects the three column blocks and
// decomposes their sample covariance.
func pidFromData(stdin io.Reader, path, target, xSpec, ySpec string, opt pid.Options, rs resampling) (pidReport, error) {
	specs := []struct{ flag, spec string }{{"target", target}, {"x", xSpec}, {"y", ySpec}}
	for _, s := range specs {
		if strings.TrimSpace(s.spec) == "" {
			return pidReport{}, fmt.Errorf("pid: -data needs -%s COLS", s.flag)
		}
	}
	tab, err := readSamples(stdin, path, target, xSpec, ySpec)
	if err != nil {
		return pidReport{}, fmt.Errorf("pid: %w", err)
	}
	rows, ncols := tab.Data.Dims()
	var cols [3][]int
	owner := make(map[int]string)
	for k, s := range specs {
		cols[k], err = table.ParseColumns(s.spec, tab.Header, ncols)
		if err != nil {
			return pidReport{}, fmt.Errorf("pid: -%s: %w", s.flag, err)
		}
		for _, j := range cols[k] {
			if prev, ok := owner[j]; ok {
				return pidReport{}, fmt.Errorf("pid: column %q is in both -%s and -%s", tab.Header[j], prev, s.flag)
			}
			owner[j] = s.flag
		}
	}
	d := len(cols[0]) + len(cols[1]) + len(cols[2])
	if rows < d+2 {
		return pidReport{}, fmt.Errorf("pid: %s has %d data rows for %d columns (target %d + x %d + y %d); need at least %d",
			path, rows, d, len(cols[0]), len(cols[1]), len(cols[2]), d+2)
	}
	var (
		blocks  [3]*mat.Dense
		dropped []string
		desc    [3]string
	)
	for k := range cols {
		blocks[k] = tab.Select(cols[k])
		names := tab.Names(cols[k])
		for _, j := range pid.ConstantColumns(blocks[k]) {
			dropped = append(dropped, names[j])
		}
		desc[k] = describeColumns(names)
	}
	res, err := pid.FromSamples(blocks[0], blocks[1], blocks[2], opt)
	if err != nil {
		return pidReport{}, fmt.Errorf("pid: %s: %w", path, err)
	}
	rep := pidReport{
		res:      res,
		source:   path,
		blocks:   desc,
		rows:     rows,
		debiased: opt.Debias,
		fromData: true,
		dropped:  dropped,
		seed:     rs.seed,
	}
	if rs.b > 0 {
		ci, err := pid.Bootstrap(blocks[0], blocks[1], blocks[2], opt, pid.BootstrapOptions{B: rs.b, Seed: rs.seed})
		if err != nil {
			return pidReport{}, fmt.Errorf("pid: %s: %w", path, err)
		}
		rep.ci = &ci
	}
	if rs.p > 0 {
		pv, err := pid.PermutationTest(blocks[0], blocks[1], blocks[2], opt, pid.PermutationOptions{P: rs.p, Seed: rs.seed})
		if err != nil {
			return pidReport{}, fmt.Errorf("pid: %s: %w", path, err)
		}
		rep.pvals = &pv
	}
	return rep, nil
}

// describeColumns lists column names, abbreviated when there are many.
func describeColumns(names []string) string {
	const show = 6
	list := names
	if len(names) > show {
		list = append(append([]string(nil), names[:show-1]...), "…", names[len(names)-1])
	}
	s := strings.Join(list, ", ")
	if len(names) > 1 {
		s += fmt.Sprintf(" (%d columns)", len(names))
	}
	return s
}

// write prints the report as an aligned table.
func (r pidReport) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := "not given"
	if r.rows > 0 {
		rows = fmt.Sprint(r.rows)
	}
	dropped := "none"
	if len(r.dropped) > 0 {
		dropped = strings.Join(r.dropped, ", ")
	}
	debiased := "no"
	if r.debiased {
		debiased = "yes"
	}
	fmt.Fprintf(tw, "source\t%s\n", r.source)
	fmt.Fprintf(tw, "target M\t%s\n", r.blocks[0])
	fmt.Fprintf(tw, "source X\t%s\n", r.blocks[1])
	fmt.Fprintf(tw, "source Y\t%s\n", r.blocks[2])
	fmt.Fprintf(tw, "rows\t%s\n", rows)
	if r.fromData {
		fmt.Fprintf(tw, "constant columns dropped\t%s\n", dropped)
	}
	fmt.Fprintf(tw, "method\t%s\n", r.res.Method)
	fmt.Fprintf(tw, "bias corrected\t%s\n", debiased)
	if r.ci != nil {
		fmt.Fprintf(tw, "bootstrap\t%d resamples, seed %d, %s intervals\n", r.ci.B, r.seed, r.ci.Kind)
	}
	if r.pvals != nil {
		fmt.Fprintf(tw, "permutations\t%d, seed %d\n", r.pvals.P, r.seed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	head := fmt.Sprintf("\n%-12s %8s", "quantity", "bits")
	if r.ci != nil {
		head += fmt.Sprintf("  %-18s", "95% interval")
	}
	if r.pvals != nil {
		head += fmt.Sprintf("  %7s", "p")
	}
	fmt.Fprintln(w, strings.TrimRight(head, " "))
	res := r.res
	var ci [7]pid.Interval
	var pv [7]float64
	if c := r.ci; c != nil {
		ci = [7]pid.Interval{c.MIX, c.MIY, c.MIXY, c.UniqueX, c.UniqueY, c.Redundancy, c.Synergy}
	}
	if p := r.pvals; p != nil {
		pv = [7]float64{p.MIX, p.MIY, p.MIXY, p.UniqueX, p.UniqueY, p.Redundancy, p.Synergy}
	}
	for i, q := range []struct {
		name string
		v    float64
	}{
		{"I(M;X)", res.MIX}, {"I(M;Y)", res.MIY}, {"I(M;X,Y)", res.MIXY},
		{"unique X", res.UniqueX}, {"unique Y", res.UniqueY},
		{"redundancy", res.Redundancy}, {"synergy", res.Synergy},
	} {
		line := fmt.Sprintf("%-12s %8.4f", q.name, q.v)
		if r.ci != nil {
			line += fmt.Sprintf("  [%7.4f, %7.4f]", ci[i].Lo, ci[i].Hi)
		}
		if r.pvals != nil {
			line += fmt.Sprintf("  %7.4f", pv[i])
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
