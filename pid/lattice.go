package pid

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Limits on the number of sources of Lattice and LatticeFromSamples.
const (
	// MaxExactSources is the largest number of sources for which the whole
	// redundancy lattice is computed (166 atoms for 4 sources; 5 would
	// have 7579).
	MaxExactSources = 4
	// MaxSources is the largest number of sources accepted; above
	// MaxExactSources the result is the one-vs-rest reduction.
	MaxSources = 64
)

// ErrSources: no sources, or more than MaxSources.
var ErrSources = errors.New("pid: unsupported number of sources")

// LatticeResult is the partial information decomposition of the information
// that M sources Z₀ … Z_{M−1} carry about a target ỹ on the redundancy
// lattice of Williams & Beer (2010), with the minimum-mutual-information
// redundancy; see the package documentation. Every quantity is in bits.
//
// For M ≤ MaxExactSources, Atoms holds one atom per antichain of the
// lattice in the canonical order (Antichain, Name and Antichains give the
// antichain of each); the atoms are ≥ 0 and sum to MI. For M >
// MaxExactSources (Reduced), Atoms holds M two-source decompositions, Z_i
// against the rest Z₋ᵢ: atoms 4i … 4i+3 are the antichains {i}, {−i},
// {i}{−i} and {0,…,M−1}, that is UniqueX, UniqueY, Redundancy and Synergy of
// the pair (X, Y) = (Z_i, Z₋ᵢ), and each group of four sums to MI.
type LatticeResult struct {
	// Sources is the number M of sources.
	Sources int
	// Reduced reports that M > MaxExactSources and Atoms holds the
	// one-vs-rest reduction instead of the lattice.
	Reduced bool
	// Atoms are the atoms in canonical order, each ≥ 0.
	Atoms []float64
	// MI is I(ỹ; Z₀ … Z_{M−1}).
	MI float64
	// MIEach[i] is I(ỹ; Z_i).
	MIEach []float64
	// MIRest[i] is I(ỹ; Z₋ᵢ), the information of every source but i (0
	// when M = 1).
	MIRest []float64
	// SubsetMI[s−1] is I(ỹ; Z_A) for the set A with Set value s (bit i for
	// source i), for every non-empty subset: 2^M − 1 entries, the last one
	// being MI. It is nil when Reduced.
	SubsetMI []float64
	// Method is "mmi".
	Method string
}

// Validate reports whether the slices of r have the lengths that Sources
// and Reduced imply; the error wraps ErrDimension or ErrSources. Results
// from Lattice and LatticeFromSamples are always valid.
func (r LatticeResult) Validate() error {
	m := r.Sources
	if m < 1 || m > MaxSources {
		return fmt.Errorf("pid: result with %d sources, want 1 to %d: %w", m, MaxSources, ErrSources)
	}
	if r.Reduced != (m > MaxExactSources) {
		return fmt.Errorf("pid: result with %d sources has Reduced = %v: %w", m, r.Reduced, ErrDimension)
	}
	if len(r.Atoms) != NumAtoms(m) || len(r.MIEach) != m || len(r.MIRest) != m {
		return fmt.Errorf("pid: result with %d sources has %d atoms, %d MIEach, %d MIRest, want %d, %d, %d: %w",
			m, len(r.Atoms), len(r.MIEach), len(r.MIRest), NumAtoms(m), m, m, ErrDimension)
	}
	if !r.Reduced && len(r.SubsetMI) != 1<<uint(m)-1 {
		return fmt.Errorf("pid: result with %d sources has %d subset informations, want %d: %w",
			m, len(r.SubsetMI), 1<<uint(m)-1, ErrDimension)
	}
	return nil
}

// Sets returns the antichain of atom k as a fresh slice of sets in the
// canonical order (by size, then lexicographically). It panics if k is out
// of range.
func (r LatticeResult) Sets(k int) []Set {
	if k < 0 || k >= len(r.Atoms) {
		panic(fmt.Sprintf("pid: atom index %d out of range [0,%d)", k, len(r.Atoms)))
	}
	a := atomSets(r.Sources, r.Reduced, k)
	return append(make([]Set, 0, len(a)), a...)
}

// Antichain returns the antichain of atom k as lists of 0-based source
// indices, the sets in canonical order (by size, then lexicographically)
// and the sources of each set increasing: {0}{1,2} is [[0] [1 2]]. It
// panics if k is out of range.
func (r LatticeResult) Antichain(k int) [][]int { return setsToInts(r.Sets(k)) }

// Name returns the name of atom k built from the source names by
// AntichainName, for instance "{a}{b,c}". It panics if k is out of range.
func (r LatticeResult) Name(k int, names []string) string {
	return AntichainName(r.Antichain(k), names)
}

// Index returns the index in Atoms of the atom whose antichain is a (sets
// and sources in any order), or −1 if there is none. In a reduced result
// the synergy antichain {0,…,M−1} appears once per view; Index returns the
// first.
func (r LatticeResult) Index(a [][]int) int {
	want := make([]Set, 0, len(a))
	for _, s := range a {
		if len(s) == 0 {
			return -1
		}
		for _, i := range s {
			if i < 0 || i >= r.Sources {
				return -1
			}
		}
		want = append(want, SetOf(s...))
	}
	for k := range r.Atoms {
		got := atomSets(r.Sources, r.Reduced, k)
		if len(got) != len(want) {
			continue
		}
		match := true
		for _, s := range want {
			found := false
			for _, g := range got {
				if g == s {
					found = true
					break
				}
			}
			if !found {
				match = false
				break
			}
		}
		if match {
			return k
		}
	}
	return -1
}

// MIOf returns I(ỹ; Z_A) for the set s if the result holds it: every
// non-empty subset for the lattice; single sources, all-but-one and all
// sources for the reduction.
func (r LatticeResult) MIOf(s Set) (float64, bool) {
	m := r.Sources
	if m < 1 || m > MaxSources {
		return 0, false
	}
	full := Set(1)<<uint(m) - 1
	if s == 0 || s&^full != 0 {
		return 0, false
	}
	if !r.Reduced && len(r.SubsetMI) == int(full) {
		return r.SubsetMI[s-1], true
	}
	switch {
	case s == full:
		return r.MI, true
	case s.Len() == 1 && len(r.MIEach) == m:
		return r.MIEach[s.Sources()[0]], true
	case s.Len() == m-1 && len(r.MIRest) == m:
		return r.MIRest[(full &^ s).Sources()[0]], true
	}
	return 0, false
}

// Unique returns the unique information of source i, the atom {i}. In a
// reduced result it is the unique atom of Z_i against the rest, which is
// the same number: with the MMI redundancy the atom {i} of the full lattice
// is I(ỹ;Z_i) − min(I(ỹ;Z_i), I(ỹ;Z₋ᵢ)). It panics if i is out of range.
func (r LatticeResult) Unique(i int) float64 {
	if i < 0 || i >= r.Sources {
		panic(fmt.Sprintf("pid: source %d out of range [0,%d)", i, r.Sources))
	}
	if r.Reduced {
		return r.Atoms[4*i]
	}
	return r.Atoms[i] // the singletons come first in the canonical order
}

// Redundancy returns the information every source carries, the atom
// {0}{1}…{M−1} = min_i I(ỹ; Z_i). A reduced result does not list this atom
// of the full lattice; Redundancy computes it from MIEach. It is NaN for a
// result that fails Validate.
func (r LatticeResult) Redundancy() float64 {
	if r.Validate() != nil {
		return math.NaN()
	}
	if r.Reduced {
		red := math.Inf(1)
		for _, v := range r.MIEach {
			red = math.Min(red, v)
		}
		return red
	}
	return r.Atoms[table(r.Sources).bottom]
}

// Synergy returns the information only all sources together carry, the
// atom {0,1,…,M−1} = I(ỹ; Z) − max_i I(ỹ; Z₋ᵢ). A reduced result does not
// list this atom of the full lattice; Synergy computes it from MI and
// MIRest. It is NaN for a result that fails Validate.
func (r LatticeResult) Synergy() float64 {
	if r.Validate() != nil {
		return math.NaN()
	}
	if r.Reduced {
		best := 0.0
		for _, v := range r.MIRest {
			best = math.Max(best, v)
		}
		return r.MI - best
	}
	return r.Atoms[table(r.Sources).top]
}

// Lattice computes the decomposition of the information that M source
// blocks carry about a target from their joint covariance cov, whose
// variables are ordered: the target (dm), then the sources in order
// (dims[0], …, dims[M−1]). M = len(dims) must be in [1, MaxSources]; up to
// MaxExactSources the whole lattice is computed, beyond it the one-vs-rest
// reduction (see LatticeResult). The redundancy is always the minimum
// mutual information: opt.Method must be "", "auto" or "mmi". With
// opt.Debias every I(ỹ; Z_A) is corrected by MIBias(opt.N, dm, d_A) and
// floored at 0 before the atoms are formed, and opt.N must exceed dm plus
// the sum of dims. The result is invariant under invertible affine maps of
// each block and, up to rounding, equivariant under permutations of the
// sources. cov must be positive definite up to the jitter rule of
// gaussian.Factorize, applied once to the whole matrix.
//
// Errors wrap ErrSources, ErrDimension, ErrNotFinite, ErrTooFewRows,
// ErrMethod or gaussian.ErrNotPositiveDefinite.
func Lattice(cov *mat.SymDense, dm int, dims []int, opt Options) (LatticeResult, error) {
	m := len(dims)
	if m < 1 || m > MaxSources {
		return LatticeResult{}, fmt.Errorf("pid: %d sources, want 1 to %d: %w", m, MaxSources, ErrSources)
	}
	if cov == nil || cov.IsEmpty() {
		return LatticeResult{}, fmt.Errorf("pid: covariance is empty: %w", ErrDimension)
	}
	d := cov.SymmetricDim()
	total := dm
	for i, di := range dims {
		if di < 1 {
			return LatticeResult{}, fmt.Errorf("pid: source %d has %d columns, want ≥ 1: %w", i, di, ErrDimension)
		}
		total += di
	}
	if dm < 1 || total != d {
		return LatticeResult{}, fmt.Errorf("pid: target of %d and sources of %v columns do not fill the %d×%d covariance: %w",
			dm, dims, d, d, ErrDimension)
	}
	if err := latticeMethod(opt.Method); err != nil {
		return LatticeResult{}, err
	}
	if opt.Debias && opt.N <= total {
		return LatticeResult{}, fmt.Errorf("pid: bias correction needs N > %d rows, have N=%d: %w", total, opt.N, ErrTooFewRows)
	}
	// Reorder target, Z₀, …, Z_{M−1} → Z₀, …, Z_{M−1}, target.
	c := mat.NewSymDense(d, nil)
	src := func(i int) int { return (i + dm) % d }
	raw := c.RawSymmetric()
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := cov.At(src(i), src(j))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return LatticeResult{}, fmt.Errorf("pid: covariance entry (%d,%d) is %v: %w", src(i), src(j), v, ErrNotFinite)
			}
			raw.Data[i*raw.Stride+j] = v
		}
	}
	return latticeOf(c, dm, dims, opt)
}

// latticeMethod accepts the methods that mean MMI for the lattice.
func latticeMethod(method string) error {
	switch method {
	case "", MethodAuto, MethodMMI:
		return nil
	}
	return fmt.Errorf("pid: the lattice uses the minimum mutual information, method %q is not available (want %q): %w",
		method, MethodMMI, ErrMethod)
}

// latticeOf decomposes the covariance c ordered Z₀ … Z_{M−1}, target; c is
// overwritten. Blocks of dims may be empty (sources without a usable
// column); dm ≥ 1.
func latticeOf(c *mat.SymDense, dm int, dims []int, opt Options) (LatticeResult, error) {
	m := len(dims)
	reduced := m > MaxExactSources
	var sets []Set
	if reduced {
		sets = reductionSets(m)
	}
	info, err := subsetInfo(c, dm, dims, sets)
	if err != nil {
		return LatticeResult{}, err
	}
	full := Set(1)<<uint(m) - 1
	if opt.Debias {
		for k, v := range info.mi {
			info.mi[k] = math.Max(v-MIBias(opt.N, dm, blockDims(dims, info.set(k))), 0)
		}
	}
	info.monotone()
	r := LatticeResult{
		Sources: m, Reduced: reduced, Method: MethodMMI,
		MIEach: make([]float64, m), MIRest: make([]float64, m),
	}
	r.MI = info.of(full)
	for i := 0; i < m; i++ {
		r.MIEach[i] = info.of(1 << uint(i))
		if rest := full &^ (1 << uint(i)); rest != 0 {
			r.MIRest[i] = info.of(rest)
		}
	}
	if reduced {
		r.Atoms = make([]float64, 4*m)
		for i := 0; i < m; i++ {
			a, b := r.MIEach[i], r.MIRest[i]
			lo, hi := math.Min(a, b), math.Max(a, b)
			r.Atoms[4*i] = a - lo
			r.Atoms[4*i+1] = b - lo
			r.Atoms[4*i+2] = lo
			r.Atoms[4*i+3] = r.MI - hi
		}
		return r, nil
	}
	r.SubsetMI = info.mi
	r.Atoms = mmiAtoms(table(m), info.mi)
	return r, nil
}

// mmiAtoms returns the atoms of the lattice t for the MMI redundancy
// I∩(α) = min_{A∈α} g(A), with g[s−1] = I(ỹ; Z_s) monotone. Because I∩ is a
// meet-homomorphism of the lattice into (ℝ, min), the Möbius inversion
// π(α) = I∩(α) − Σ_{β<α} π(β) collapses to
//
//	π(α) = I∩(α) − max_{γ ⋖ α} I∩(γ)
//
// over the lower covers γ of α (inclusion–exclusion over the down-sets of
// the covers, whose meets have I∩ = min, and the max–min identity). With g
// exactly monotone the subtraction is of two numbers a ≥ b, so every atom
// is ≥ 0 in floating point too.
func mmiAtoms(t *latticeTable, g []float64) []float64 {
	red := make([]float64, len(t.atoms))
	for k, a := range t.atoms {
		v := math.Inf(1)
		for _, s := range a {
			v = math.Min(v, g[s-1])
		}
		red[k] = v
	}
	atoms := make([]float64, len(t.atoms))
	for k := range t.atoms {
		var below float64
		for _, j := range t.covers[k] {
			below = math.Max(below, red[j])
		}
		atoms[k] = red[k] - below
	}
	return atoms
}

// reductionSets lists the sets whose information the one-vs-rest reduction
// needs: every single source, every all-but-one and all sources.
func reductionSets(m int) []Set {
	full := Set(1)<<uint(m) - 1
	sets := make([]Set, 0, 2*m+1)
	for i := 0; i < m; i++ {
		sets = append(sets, 1<<uint(i))
	}
	for i := 0; i < m; i++ {
		sets = append(sets, full&^(1<<uint(i)))
	}
	return append(sets, full)
}

// blockDims returns the number of columns of the sources in s.
func blockDims(dims []int, s Set) int {
	var d int
	for _, i := range s.Sources() {
		d += dims[i]
	}
	return d
}

// LatticeFromSamples computes the decomposition of the information that the
// sources xs[0], …, xs[M−1] carry about the target m from samples (rows
// are samples; every matrix has the same number n ≥ 2 of rows), as Lattice
// does on their sample covariance; opt.N is set to n. Like FromSamples it
// centres the data, drops constant columns (a source left without columns
// carries no information, a constant target gives the zero decomposition)
// and forms the covariance with one symmetric rank-k update. The bias
// correction, if asked for, uses the numbers of columns that remain and
// needs n greater than their total.
//
// Errors wrap ErrSources, ErrDimension, ErrTooFewRows, ErrNotFinite,
// ErrMethod or gaussian.ErrNotPositiveDefinite.
func LatticeFromSamples(m mat.Matrix, xs []mat.Matrix, opt Options) (LatticeResult, error) {
	ms := len(xs)
	if ms < 1 || ms > MaxSources {
		return LatticeResult{}, fmt.Errorf("pid: %d sources, want 1 to %d: %w", ms, MaxSources, ErrSources)
	}
	if m == nil {
		return LatticeResult{}, fmt.Errorf("pid: nil target matrix: %w", ErrDimension)
	}
	n, dm := m.Dims()
	blocks := make([]mat.Matrix, 0, ms+1)
	for i, x := range xs {
		if x == nil {
			return LatticeResult{}, fmt.Errorf("pid: source %d is nil: %w", i, ErrDimension)
		}
		r, c := x.Dims()
		if r != n || c == 0 {
			return LatticeResult{}, fmt.Errorf("pid: source %d is %d×%d, want %d rows and ≥ 1 column: %w", i, r, c, n, ErrDimension)
		}
		blocks = append(blocks, x)
	}
	if dm == 0 {
		return LatticeResult{}, fmt.Errorf("pid: target has no columns: %w", ErrDimension)
	}
	if n < 2 {
		return LatticeResult{}, fmt.Errorf("pid: need at least 2 rows, have %d: %w", n, ErrTooFewRows)
	}
	if err := latticeMethod(opt.Method); err != nil {
		return LatticeResult{}, err
	}
	blocks = append(blocks, m)
	zt, kept, err := centredColumns(blocks, n)
	if err != nil {
		return LatticeResult{}, err
	}
	opt.N = n
	dims, km := kept[:ms], kept[ms]
	if km == 0 {
		return zeroLattice(ms), nil
	}
	d := len(zt) / n
	if opt.Debias && n <= d {
		return LatticeResult{}, fmt.Errorf("pid: bias correction needs more rows than the %d non-constant columns, have %d: %w", d, n, ErrTooFewRows)
	}
	c := mat.NewSymDense(d, nil)
	blas64.Syrk(blas.NoTrans, 1/float64(n-1), blas64.General{Rows: d, Cols: n, Stride: n, Data: zt}, 0, c.RawSymmetric())
	return latticeOf(c, km, dims, opt)
}

// centredColumns returns the non-constant columns of the blocks, centred,
// as the rows of a variable-major matrix (n values each) in block order,
// and the number of columns kept from each block.
func centredColumns(blocks []mat.Matrix, n int) ([]float64, []int, error) {
	total := 0
	for _, b := range blocks {
		_, c := b.Dims()
		total += c
	}
	zt := make([]float64, 0, total*n)
	kept := make([]int, len(blocks))
	for bi, b := range blocks {
		_, c := b.Dims()
		for j := 0; j < c; j++ {
			v := zt[len(zt) : len(zt)+n]
			mat.Col(v, j, b)
			var mean float64
			constant := true
			for i, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return nil, nil, fmt.Errorf("pid: block %d entry (%d,%d) is %v: %w", bi, i, j, x, ErrNotFinite)
				}
				constant = constant && x == v[0]
				mean += x
			}
			if constant {
				continue
			}
			mean /= float64(n)
			for i := range v {
				v[i] -= mean
			}
			zt = zt[:len(zt)+n]
			kept[bi]++
		}
	}
	return zt, kept, nil
}

// zeroLattice is the decomposition of a constant target: every atom and
// information 0.
func zeroLattice(m int) LatticeResult {
	r := LatticeResult{
		Sources: m, Reduced: m > MaxExactSources, Method: MethodMMI,
		Atoms: make([]float64, NumAtoms(m)), MIEach: make([]float64, m), MIRest: make([]float64, m),
	}
	if !r.Reduced {
		r.SubsetMI = make([]float64, 1<<uint(m)-1)
	}
	return r
}

// LatticeOf returns the two-source decomposition r as the equivalent
// LatticeResult of two sources: atoms UniqueX, UniqueY, Redundancy,
// Synergy (the canonical order of the lattice of two sources), MIEach
// (MIX, MIY), MIRest (MIY, MIX), SubsetMI (MIX, MIY, MIXY), MI = MIXY.
func LatticeOf(r Result) LatticeResult {
	return LatticeResult{
		Sources:  2,
		Atoms:    []float64{r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy},
		MI:       r.MIXY,
		MIEach:   []float64{r.MIX, r.MIY},
		MIRest:   []float64{r.MIY, r.MIX},
		SubsetMI: []float64{r.MIX, r.MIY, r.MIXY},
		Method:   r.Method,
	}
}

// Pair returns a valid result of two sources as a Result (the inverse of
// LatticeOf); ok is false, and the Result zero, for any other result.
func (r LatticeResult) Pair() (res Result, ok bool) {
	if r.Sources != 2 || r.Validate() != nil {
		return Result{}, false
	}
	return Result{
		MIX: r.MIEach[0], MIY: r.MIEach[1], MIXY: r.MI,
		UniqueX: r.Atoms[0], UniqueY: r.Atoms[1], Redundancy: r.Atoms[2], Synergy: r.Atoms[3],
		Method: r.Method,
	}, true
}
