package pid

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// The helpers of this file are prefixed lat so that they stay independent
// of the other test files of the package.

func latRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d)) }

// latCov returns a random covariance of order d: the Gram matrix of d
// random vectors of length d+3 plus a ridge, so well conditioned.
func latCov(rng *rand.Rand, d int) *mat.SymDense {
	f := mat.NewDense(d+3, d, nil)
	for i := 0; i < d+3; i++ {
		for j := 0; j < d; j++ {
			f.Set(i, j, rng.NormFloat64())
		}
	}
	c := mat.NewSymDense(d, nil)
	c.SymOuterK(1/float64(d+3), f.T())
	for i := 0; i < d; i++ {
		c.SetSym(i, i, c.At(i, i)+0.1)
	}
	return c
}

// latPick returns the principal block of c indexed by idx.
func latPick(c mat.Symmetric, idx []int) *mat.SymDense {
	out := mat.NewSymDense(len(idx), nil)
	for i, p := range idx {
		for j := i; j < len(idx); j++ {
			out.SetSym(i, j, c.At(p, idx[j]))
		}
	}
	return out
}

// latRange returns lo, lo+1, …, hi−1.
func latRange(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// latBlocks returns the covariance indices of each source of a covariance
// ordered target (dm), sources (dims).
func latBlocks(dm int, dims []int) [][]int {
	out := make([][]int, len(dims))
	o := dm
	for i, d := range dims {
		out[i] = latRange(o, o+d)
		o += d
	}
	return out
}

// latCheck verifies the guaranteed properties of a result: every atom ≥ 0
// (exactly), the atoms sum to MI, each source's down-set of {i} sums to
// I(ỹ;Z_i), and the information of the subsets is monotone.
func latCheck(t *testing.T, name string, r LatticeResult) {
	t.Helper()
	if err := r.Validate(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tol := 1e-12 * (1 + r.MI)
	for k, a := range r.Atoms {
		if !(a >= 0) || math.IsInf(a, 0) {
			t.Fatalf("%s: atom %d %s = %v", name, k, r.Name(k, nil), a)
		}
	}
	if r.Reduced {
		for i := 0; i < r.Sources; i++ {
			s := r.Atoms[4*i] + r.Atoms[4*i+1] + r.Atoms[4*i+2] + r.Atoms[4*i+3]
			if math.Abs(s-r.MI) > tol {
				t.Fatalf("%s: view %d sums to %v, MI = %v", name, i, s, r.MI)
			}
		}
		return
	}
	var sum float64
	for _, a := range r.Atoms {
		sum += a
	}
	if math.Abs(sum-r.MI) > tol {
		t.Fatalf("%s: atoms sum to %v, MI = %v", name, sum, r.MI)
	}
	lt := table(r.Sources)
	for k, a := range lt.atoms {
		// Σ_{β ≤ α} π(β) = I∩(α) = min over the sets of α.
		want := math.Inf(1)
		for _, s := range a {
			want = math.Min(want, r.SubsetMI[s-1])
		}
		var got float64
		for j, b := range lt.atoms {
			if below(b, a) {
				got += r.Atoms[j]
			}
		}
		if math.Abs(got-want) > tol {
			t.Fatalf("%s: down-set of %s sums to %v, redundancy %v", name, r.Name(k, nil), got, want)
		}
	}
	for s := 1; s < len(r.SubsetMI); s++ {
		for u := s + 1; u <= len(r.SubsetMI); u++ {
			if Set(s).subset(Set(u)) && r.SubsetMI[s-1] > r.SubsetMI[u-1] {
				t.Fatalf("%s: I(%v) = %v > I(%v) = %v", name, Set(s).Sources(), r.SubsetMI[s-1], Set(u).Sources(), r.SubsetMI[u-1])
			}
		}
	}
}

// latCase draws block sizes in [1, maxDim] for m sources, a random
// covariance ordered target (dm), sources, and its checked decomposition.
func latCase(t *testing.T, rng *rand.Rand, m, dm, maxDim int) (*mat.SymDense, []int, LatticeResult) {
	t.Helper()
	dims := make([]int, m)
	total := dm
	for i := range dims {
		dims[i] = 1 + rng.IntN(maxDim)
		total += dims[i]
	}
	cov := latCov(rng, total)
	r, err := Lattice(cov, dm, dims, Options{})
	if err != nil {
		t.Fatal(err)
	}
	latCheck(t, "random case", r)
	return cov, dims, r
}

// TestAtomCounts: the lattice of M sources has Dedekind(M) − 2 atoms, and
// an independent brute force over all families of subsets finds the same
// antichains.
func TestAtomCounts(t *testing.T) {
	for m, want := range []int{0, 1, 4, 18, 166} {
		if m == 0 {
			continue
		}
		if got := NumAtoms(m); got != want {
			t.Errorf("NumAtoms(%d) = %d, want %d", m, got, want)
		}
		// brute force: every family of non-empty subsets that is an antichain
		nsets := 1<<uint(m) - 1
		var brute [][]int
		for fam := 1; fam < 1<<uint(nsets); fam++ {
			var sets []int
			for b := 0; b < nsets; b++ {
				if fam&(1<<uint(b)) != 0 {
					sets = append(sets, b+1)
				}
			}
			ok := true
			for i := range sets {
				for j := range sets {
					if i != j && sets[i]&sets[j] == sets[i] {
						ok = false
					}
				}
			}
			if ok {
				brute = append(brute, sets)
			}
		}
		if len(brute) != want {
			t.Errorf("M=%d: brute force finds %d antichains, want %d", m, len(brute), want)
		}
		got, err := Antichains(m)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for k, a := range got {
			name := AntichainName(a, nil)
			if seen[name] {
				t.Errorf("M=%d: %s listed twice", m, name)
			}
			seen[name] = true
			if k > 0 {
				prev := table(m).atoms[k-1]
				if !antichainLess(prev, table(m).atoms[k]) {
					t.Errorf("M=%d: atoms %d and %d out of canonical order", m, k-1, k)
				}
			}
		}
		for _, sets := range brute {
			var a [][]int
			for _, s := range sets {
				a = append(a, Set(s).Sources())
			}
			if !seen[AntichainName(a, nil)] {
				t.Errorf("M=%d: antichain %s missing", m, AntichainName(a, nil))
			}
		}
	}
	if NumAtoms(5) != 20 || NumAtoms(0) != 0 || NumAtoms(MaxSources+1) != 0 {
		t.Error("NumAtoms outside the exact range")
	}
	if _, err := Antichains(0); !errors.Is(err, ErrSources) {
		t.Errorf("Antichains(0): %v", err)
	}
}

// TestCoversAndOrder checks the lower covers against the definition by a
// triple loop, and the places of the singletons, the bottom and the top.
func TestCoversAndOrder(t *testing.T) {
	for m := 1; m <= MaxExactSources; m++ {
		lt := table(m)
		n := len(lt.atoms)
		less := func(i, j int) bool { return i != j && below(lt.atoms[i], lt.atoms[j]) }
		for i := 0; i < n; i++ {
			var want []int
			for j := 0; j < n; j++ {
				if !less(j, i) {
					continue
				}
				cover := true
				for k := 0; k < n; k++ {
					if less(j, k) && less(k, i) {
						cover = false
						break
					}
				}
				if cover {
					want = append(want, j)
				}
			}
			if !slices.Equal(lt.covers[i], want) {
				t.Errorf("M=%d: covers of %d = %v, want %v", m, i, lt.covers[i], want)
			}
			// antisymmetry: distinct antichains are never mutually below
			for j := 0; j < n; j++ {
				if less(i, j) && less(j, i) {
					t.Fatalf("M=%d: %d and %d below each other", m, i, j)
				}
			}
		}
		for i := 0; i < m; i++ {
			if a := lt.atoms[i]; len(a) != 1 || a[0] != SetOf(i) {
				t.Errorf("M=%d: atom %d is %v, want {%d}", m, i, a, i)
			}
		}
		if len(lt.covers[lt.bottom]) != 0 || len(lt.atoms[lt.bottom]) != m || lt.top != n-1 {
			t.Errorf("M=%d: bottom %d (%v), top %d", m, lt.bottom, lt.atoms[lt.bottom], lt.top)
		}
		for i := 0; i < n; i++ {
			if i != lt.bottom && !less(lt.bottom, i) || i != lt.top && !less(i, lt.top) {
				t.Errorf("M=%d: atom %d is not between bottom and top", m, i)
			}
		}
	}
}

// mobius is the textbook Möbius inversion π(α) = I∩(α) − Σ_{β<α} π(β) for
// any redundancy function red on the lattice, visiting the atoms in an
// order where every β < α comes first.
func mobius(lt *latticeTable, red []float64) []float64 {
	n := len(lt.atoms)
	done := make([]bool, n)
	pi := make([]float64, n)
	for left := n; left > 0; {
		for i := 0; i < n; i++ {
			if done[i] {
				continue
			}
			ready := true
			var s float64
			for j := 0; j < n; j++ {
				if j != i && below(lt.atoms[j], lt.atoms[i]) {
					if !done[j] {
						ready = false
						break
					}
					s += pi[j]
				}
			}
			if ready {
				pi[i] = red[i] - s
				done[i] = true
				left--
			}
		}
	}
	return pi
}

// TestMMIAtomsAreMobius: the cover formula of mmiAtoms equals the general
// Möbius inversion for random monotone set functions, including ties.
func TestMMIAtomsAreMobius(t *testing.T) {
	rng := latRand(1)
	for m := 1; m <= MaxExactSources; m++ {
		lt := table(m)
		for rep := 0; rep < 50; rep++ {
			g := make([]float64, 1<<uint(m)-1)
			for k := range g {
				g[k] = rng.ExpFloat64()
				if rep%3 == 0 {
					g[k] = float64(rng.IntN(3)) // many ties
				}
			}
			sm := subsetMI{mi: g}
			sm.monotone()
			red := make([]float64, len(lt.atoms))
			for k, a := range lt.atoms {
				red[k] = math.Inf(1)
				for _, s := range a {
					red[k] = math.Min(red[k], g[s-1])
				}
			}
			want := mobius(lt, red)
			got := mmiAtoms(lt, g)
			for k := range got {
				if math.Abs(got[k]-want[k]) > 1e-12*(1+g[len(g)-1]) || got[k] < 0 {
					t.Fatalf("M=%d: atom %d cover formula %v, Möbius %v", m, k, got[k], want[k])
				}
			}
		}
	}
}

// TestLatticeSubsetMI: every subset information equals gaussian.MutualInfo
// of the target and the union of the blocks, for scalar and vector targets.
func TestLatticeSubsetMI(t *testing.T) {
	rng := latRand(2)
	for _, c := range []struct {
		dm   int
		dims []int
	}{{1, []int{3}}, {1, []int{2, 3}}, {2, []int{1, 4, 2}}, {1, []int{3, 1, 2, 2}}, {3, []int{2, 2, 2, 2}}} {
		total := c.dm
		for _, d := range c.dims {
			total += d
		}
		cov := latCov(rng, total)
		r, err := Lattice(cov, c.dm, c.dims, Options{})
		if err != nil {
			t.Fatal(err)
		}
		latCheck(t, "subset MI", r)
		blocks := latBlocks(c.dm, c.dims)
		for s := 1; s < 1<<uint(len(c.dims)); s++ {
			var idx []int
			for _, i := range Set(s).Sources() {
				idx = append(idx, blocks[i]...)
			}
			want, err := gaussian.MutualInfo(cov, latRange(0, c.dm), idx)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.SubsetMI[s-1]; math.Abs(got-want) > 1e-10 {
				t.Errorf("dm=%d dims=%v set %v: %v, MutualInfo %v", c.dm, c.dims, Set(s).Sources(), got, want)
			}
			if got, ok := r.MIOf(Set(s)); !ok || got != r.SubsetMI[s-1] {
				t.Errorf("MIOf(%v) = %v, %v", Set(s).Sources(), got, ok)
			}
		}
		m := len(c.dims)
		for i := 0; i < m; i++ {
			rest := Set(1)<<uint(m) - 1 - SetOf(i)
			if r.MIEach[i] != r.SubsetMI[SetOf(i)-1] || (rest != 0 && r.MIRest[i] != r.SubsetMI[rest-1]) {
				t.Errorf("MIEach/MIRest of %d inconsistent", i)
			}
		}
	}
}

// TestTreeMatchesSeparateFactors: the elimination tree gives the same
// informations as one Cholesky factor per subset (the path used by the
// reduction), also through the jitter of a singular covariance.
func TestTreeMatchesSeparateFactors(t *testing.T) {
	rng := latRand(3)
	for _, singular := range []bool{false, true} {
		dims := []int{3, 2, 4, 1}
		cov := latCov(rng, 11)
		if singular { // source 3 duplicates the first column of source 0
			for j := 0; j < 11; j++ {
				cov.SetSym(10, j, cov.At(1, j))
			}
			cov.SetSym(10, 10, cov.At(1, 1))
		}
		perm := append(latRange(1, 11), 0)
		run := func(sets []Set) subsetMI {
			c := latPick(cov, perm)
			g, err := subsetInfo(c, 1, dims, sets)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		tree := run(nil)
		var all []Set
		for s := Set(1); s < 16; s++ {
			all = append(all, s)
		}
		each := run(all)
		for k := range tree.mi {
			if math.Abs(tree.mi[k]-each.mi[k]) > 1e-11 {
				t.Errorf("singular=%v set %v: tree %v, separate %v", singular, Set(k+1).Sources(), tree.mi[k], each.mi[k])
			}
		}
	}
}

// TestLatticeTwoSources: for M = 2 the lattice is the two-source MMI
// decomposition of Decompose, with and without the bias correction, from a
// covariance and from samples.
func TestLatticeTwoSources(t *testing.T) {
	rng := latRand(4)
	for rep := 0; rep < 100; rep++ {
		dm, dx, dy := 1+rng.IntN(2), 1+rng.IntN(4), 1+rng.IntN(4)
		cov := latCov(rng, dm+dx+dy)
		for _, debias := range []bool{false, true} {
			opt := Options{Method: MethodMMI, Debias: debias, N: dm + dx + dy + 5 + rng.IntN(40)}
			want, err := Decompose(cov, dm, dx, dy, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Lattice(cov, dm, []int{dx, dy}, opt)
			if err != nil {
				t.Fatal(err)
			}
			latCheck(t, "M=2", got)
			pairs := [][2]float64{
				{got.Unique(0), want.UniqueX}, {got.Unique(1), want.UniqueY},
				{got.Redundancy(), want.Redundancy}, {got.Synergy(), want.Synergy},
				{got.MIEach[0], want.MIX}, {got.MIEach[1], want.MIY}, {got.MI, want.MIXY},
				{got.Atoms[0], want.UniqueX}, {got.Atoms[1], want.UniqueY}, {got.Atoms[2], want.Redundancy}, {got.Atoms[3], want.Synergy},
			}
			for k, p := range pairs {
				if math.Abs(p[0]-p[1]) > 1e-12 {
					t.Fatalf("rep %d debias=%v quantity %d: lattice %v, Decompose %v", rep, debias, k, p[0], p[1])
				}
			}
		}
	}
	// from samples, with constant columns
	m, x, y := latNormal(rng, 50, 1), latNormal(rng, 50, 3), latNormal(rng, 50, 2)
	for i := 0; i < 50; i++ {
		x.Set(i, 1, 7)
	}
	want, err := FromSamples(m, x, y, Options{Method: MethodMMI, Debias: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := LatticeFromSamples(m, []mat.Matrix{x, y}, Options{Debias: true})
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range [][2]float64{{got.Unique(0), want.UniqueX}, {got.Unique(1), want.UniqueY}, {got.Redundancy(), want.Redundancy}, {got.Synergy(), want.Synergy}} {
		if math.Abs(p[0]-p[1]) > 1e-12 {
			t.Errorf("samples quantity %d: lattice %v, FromSamples %v", k, p[0], p[1])
		}
	}
}

func latNormal(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return mat.NewDense(r, c, d)
}

// latCopyOf returns the covariance c extended by copies of its variables
// cols.
func latCopyOf(c *mat.SymDense, cols []int) *mat.SymDense {
	d := c.SymmetricDim()
	idx := append(latRange(0, d), cols...)
	return latPick(c, idx)
}

// TestCopiedSource: with Z_M a copy of Z₀ the M+1-source atoms are those of
// the M sources, each moved to its image under "every set holding 0 is also
// available with 0 replaced by the copy", and every other atom is 0; in
// particular Unique(0) = Unique(M) = 0 and the former unique information of
// Z₀ is the redundancy {0}{M} of the copies. Exact on the set function; the
// singular covariance gets the jitter τ = 10⁻⁶·mean diagonal, which acts as
// independent noise on the copy and moves atoms by up to about 10⁻⁵ bit.
func TestCopiedSource(t *testing.T) {
	rng := latRand(5)
	for m := 1; m < MaxExactSources; m++ {
		cov, dims, base := latCase(t, rng, m, 1, 3)
		ext := latCopyOf(cov, latBlocks(1, dims)[0])
		got, err := Lattice(ext, 1, append(slices.Clone(dims), dims[0]), Options{})
		if err != nil {
			t.Fatal(err)
		}
		latCheck(t, "copy", got)
		// the same on the exact set function g'(A) = g(A with the copy read as 0)
		g := make([]float64, 1<<uint(m+1)-1)
		for s := Set(1); s < 1<<uint(m+1); s++ {
			u := s &^ SetOf(m)
			if s.Contains(m) {
				u |= SetOf(0)
			}
			g[s-1] = base.SubsetMI[u-1]
		}
		exact := mmiAtoms(table(m+1), g)
		want := make([]float64, len(exact))
		for k := range base.Atoms {
			var img []Set
			for _, s := range table(m).atoms[k] {
				img = append(img, s)
				if s.Contains(0) {
					img = append(img, s&^SetOf(0)|SetOf(m))
				}
			}
			idx := got.Index(setsToInts(minimalSets(img)))
			if idx < 0 {
				t.Fatalf("image of %s not found", base.Name(k, nil))
			}
			want[idx] = base.Atoms[k]
		}
		for k := range want {
			if math.Abs(exact[k]-want[k]) > 1e-12 {
				t.Errorf("M=%d+copy exact atom %s = %v, want %v", m, got.Name(k, nil), exact[k], want[k])
			}
			if math.Abs(got.Atoms[k]-want[k]) > 3e-5 {
				t.Errorf("M=%d+copy atom %s = %v, want %v", m, got.Name(k, nil), got.Atoms[k], want[k])
			}
		}
		if got.Unique(0) > 3e-5 || got.Unique(m) > 3e-5 {
			t.Errorf("M=%d+copy: unique atoms of the copies %v, %v", m, got.Unique(0), got.Unique(m))
		}
	}
}

// minimalSets keeps the sets of a that contain no other set of a, sorted
// canonically.
func minimalSets(a []Set) []Set {
	var out []Set
	for i, s := range a {
		minimal := true
		for j, u := range a {
			if i != j && u.subset(s) && (u != s || j < i) {
				minimal = false
				break
			}
		}
		if minimal {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, cmpFromLess(setLess))
	return out
}

// TestIndependentSource: a source independent of the target and of the
// other sources changes nothing: every atom whose antichain mentions it is
// 0 and the atoms on the other antichains are those of the lattice without
// it.
func TestIndependentSource(t *testing.T) {
	rng := latRand(6)
	for m := 1; m < MaxExactSources; m++ {
		cov, dims, base := latCase(t, rng, m, 1, 3)
		total, dn := cov.SymmetricDim(), 2
		ext := mat.NewSymDense(total+dn, nil)
		ext.SliceSym(0, total).(*mat.SymDense).CopySym(cov)
		ext.SliceSym(total, total+dn).(*mat.SymDense).CopySym(latCov(rng, dn))
		got, err := Lattice(ext, 1, append(slices.Clone(dims), dn), Options{})
		if err != nil {
			t.Fatal(err)
		}
		latCheck(t, "noise", got)
		for k := range got.Atoms {
			mentions := false
			for _, s := range got.Sets(k) {
				mentions = mentions || s.Contains(m)
			}
			want := 0.0
			if !mentions {
				want = base.Atoms[base.Index(got.Antichain(k))]
			}
			if math.Abs(got.Atoms[k]-want) > 1e-12 {
				t.Errorf("M=%d+noise atom %s = %v, want %v", m, got.Name(k, nil), got.Atoms[k], want)
			}
		}
	}
}

// TestLatticePermutation: permuting the sources permutes the atoms.
func TestLatticePermutation(t *testing.T) {
	rng := latRand(7)
	for m := 2; m <= 6; m++ {
		cov, dims, r := latCase(t, rng, m, 2, 3)
		p := rng.Perm(m) // new source i is old source p[i]
		blocks := latBlocks(2, dims)
		idx := latRange(0, 2)
		pdims := make([]int, m)
		for i, o := range p {
			idx = append(idx, blocks[o]...)
			pdims[i] = dims[o]
		}
		q, err := Lattice(latPick(cov, idx), 2, pdims, Options{})
		if err != nil {
			t.Fatal(err)
		}
		inv := make([]int, m)
		for i, o := range p {
			inv[o] = i
		}
		for k := range r.Atoms {
			a := r.Antichain(k)
			for _, s := range a {
				for j := range s {
					s[j] = inv[s[j]]
				}
			}
			var j int
			if r.Reduced { // views are permuted as wholes
				j = 4*inv[k/4] + k%4
			} else {
				j = q.Index(a)
			}
			if math.Abs(q.Atoms[j]-r.Atoms[k]) > 1e-12 {
				t.Errorf("M=%d perm %v: atom %s = %v, permuted %s = %v", m, p, r.Name(k, nil), r.Atoms[k], q.Name(j, nil), q.Atoms[j])
			}
		}
		if math.Abs(q.Redundancy()-r.Redundancy()) > 1e-12 || math.Abs(q.Synergy()-r.Synergy()) > 1e-12 {
			t.Errorf("M=%d: redundancy or synergy not invariant", m)
		}
	}
}

// TestLatticeAffineInvariance: invertible affine maps of each block (and of
// the target) leave every atom unchanged; from samples the shifts are
// removed by the centring.
func TestLatticeAffineInvariance(t *testing.T) {
	rng := latRand(8)
	dims := []int{2, 3, 1, 2}
	dm := 2
	n := 200
	ys, xs := latNormal(rng, n, dm), make([]mat.Matrix, len(dims))
	mix := latNormal(rng, 8, 8)
	var all mat.Dense
	all.Mul(latNormal(rng, n, 8), mix)
	o := 0
	for i, d := range dims {
		x := mat.DenseCopyOf(all.Slice(0, n, o, o+d))
		// the target depends on every source
		for r := 0; r < n; r++ {
			ys.Set(r, i%dm, ys.At(r, i%dm)+0.5*x.At(r, 0))
		}
		xs[i] = x
		o += d
	}
	r, err := LatticeFromSamples(ys, xs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	latCheck(t, "affine", r)
	maps := func(a mat.Matrix) *mat.Dense {
		rr, c := a.Dims()
		b := mat.NewDense(c, c, nil)
		for i := 0; i < c; i++ {
			for j := 0; j < c; j++ {
				b.Set(i, j, rng.NormFloat64()/float64(c))
			}
			b.Set(i, i, b.At(i, i)+1.5)
		}
		var out mat.Dense
		out.Mul(a, b)
		for i := 0; i < rr; i++ {
			for j := 0; j < c; j++ {
				out.Set(i, j, out.At(i, j)+float64(j+3))
			}
		}
		return &out
	}
	ts := make([]mat.Matrix, len(xs))
	for i, x := range xs {
		ts[i] = maps(x)
	}
	q, err := LatticeFromSamples(maps(ys), ts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range r.Atoms {
		if math.Abs(q.Atoms[k]-r.Atoms[k]) > 1e-9 {
			t.Errorf("atom %s: %v after the maps, %v before", r.Name(k, nil), q.Atoms[k], r.Atoms[k])
		}
	}
}

// TestLatticeFromSamples: LatticeFromSamples is Lattice on the sample
// covariance of gaussian.Covariance, and with many rows from a known
// covariance it approaches the population atoms.
func TestLatticeFromSamples(t *testing.T) {
	rng := latRand(9)
	dims := []int{2, 1, 2}
	total := 1 + 5
	pop := latCov(rng, total)
	var chol mat.Cholesky
	if !chol.Factorize(pop) {
		t.Fatal("population covariance not PD")
	}
	var l mat.TriDense
	chol.LTo(&l)
	want, err := Lattice(pop, 1, dims, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{40, 200000} {
		var data mat.Dense
		data.Mul(latNormal(rng, n, total), l.T())
		y := data.Slice(0, n, 0, 1)
		var xs []mat.Matrix
		for _, b := range latBlocks(1, dims) {
			xs = append(xs, data.Slice(0, n, b[0], b[len(b)-1]+1))
		}
		got, err := LatticeFromSamples(y, xs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		latCheck(t, "samples", got)
		same, err := Lattice(gaussian.Covariance(&data), 1, dims, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for k := range got.Atoms {
			if math.Abs(got.Atoms[k]-same.Atoms[k]) > 1e-10 {
				t.Errorf("n=%d atom %s: samples %v, their covariance %v", n, got.Name(k, nil), got.Atoms[k], same.Atoms[k])
			}
			if n > 1000 && math.Abs(got.Atoms[k]-want.Atoms[k]) > 0.01 {
				t.Errorf("n=%d atom %s: %v, population %v", n, got.Name(k, nil), got.Atoms[k], want.Atoms[k])
			}
		}
	}
}

// TestLatticeDebias: on independent data the correction removes most of the
// spurious information, keeps the subset informations monotone and every
// atom ≥ 0, and the corrected values are the plug-in ones minus MIBias
// before the clip.
func TestLatticeDebias(t *testing.T) {
	rng := latRand(10)
	n := 256
	dims := []int{16, 16, 16}
	y := latNormal(rng, n, 1)
	xs := []mat.Matrix{latNormal(rng, n, 16), latNormal(rng, n, 16), latNormal(rng, n, 16)}
	raw, err := LatticeFromSamples(y, xs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cor, err := LatticeFromSamples(y, xs, Options{Debias: true})
	if err != nil {
		t.Fatal(err)
	}
	latCheck(t, "raw", raw)
	latCheck(t, "debiased", cor)
	if raw.MI < 0.1 || cor.MI > raw.MI/3 {
		t.Errorf("null data: plug-in MI %v, corrected %v", raw.MI, cor.MI)
	}
	for s := 1; s <= 7; s++ {
		deb := math.Max(raw.SubsetMI[s-1]-MIBias(n, 1, blockDims(dims, Set(s))), 0)
		if cor.SubsetMI[s-1] < deb {
			t.Errorf("set %v: corrected %v below plug-in − bias %v", Set(s).Sources(), cor.SubsetMI[s-1], deb)
		}
	}
	// a set whose plug-in minus bias is already monotone is left alone
	for i := 0; i < 3; i++ {
		deb := math.Max(raw.MIEach[i]-MIBias(n, 1, 16), 0)
		if cor.MIEach[i] != deb {
			t.Errorf("source %d: corrected %v, want %v", i, cor.MIEach[i], deb)
		}
	}
	if _, err := Lattice(gaussian.Covariance(latNormal(rng, 10, 4)), 1, []int{1, 2}, Options{Debias: true, N: 4}); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("Debias with N=4: %v", err)
	}
}

// TestLatticeReduced: beyond MaxExactSources each view is the two-source
// MMI decomposition of Z_i against the rest (checked against Decompose),
// and the accessors give the full lattice's unique, redundancy and synergy
// atoms, whose closed forms the exact lattices confirm for M ≤ 4.
func TestLatticeReduced(t *testing.T) {
	rng := latRand(11)
	for m := 2; m <= 6; m++ {
		cov, dims, r := latCase(t, rng, m, 1, 2)
		if r.Reduced != (m > MaxExactSources) {
			t.Fatalf("M=%d: Reduced = %v", m, r.Reduced)
		}
		blocks := latBlocks(1, dims)
		red, syn := math.Inf(1), r.MI
		for i := 0; i < m; i++ {
			idx := append([]int{0}, blocks[i]...)
			for j := 0; j < m; j++ {
				if j != i {
					idx = append(idx, blocks[j]...)
				}
			}
			two, err := Decompose(latPick(cov, idx), 1, dims[i], cov.SymmetricDim()-1-dims[i], Options{Method: MethodMMI})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(r.Unique(i)-two.UniqueX) > 1e-12 {
				t.Errorf("M=%d: Unique(%d) = %v, Z_i vs rest %v", m, i, r.Unique(i), two.UniqueX)
			}
			if r.Reduced {
				for k, want := range []float64{two.UniqueX, two.UniqueY, two.Redundancy, two.Synergy} {
					if math.Abs(r.Atoms[4*i+k]-want) > 1e-12 {
						t.Errorf("M=%d view %d atom %d (%s) = %v, Decompose %v", m, i, k, r.Name(4*i+k, nil), r.Atoms[4*i+k], want)
					}
				}
			}
			red = math.Min(red, two.MIX)
			syn = math.Min(syn, r.MI-two.MIY)
		}
		if math.Abs(r.Redundancy()-red) > 1e-12 || math.Abs(r.Synergy()-syn) > 1e-12 {
			t.Errorf("M=%d: redundancy %v synergy %v, closed forms %v %v", m, r.Redundancy(), r.Synergy(), red, syn)
		}
	}
	r, err := Lattice(latCov(rng, 7), 1, []int{1, 1, 1, 1, 1, 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Name(6, []string{"a", "b", "c", "d", "e", "f"}); got != "{b}{a,c,d,e,f}" {
		t.Errorf("reduced atom 6 is %s", got)
	}
	if _, ok := r.MIOf(SetOf(0, 1)); ok {
		t.Error("reduced result reports a pair information")
	}
	if v, ok := r.MIOf(SetOf(0, 1, 2, 3, 4)); !ok || v != r.MIRest[5] {
		t.Errorf("MIOf(all but 5) = %v, %v", v, ok)
	}
}

// TestLatticeNames checks the naming rule and that Index inverts Antichain.
func TestLatticeNames(t *testing.T) {
	names := []string{"a", "b", "c"}
	for _, c := range []struct {
		a    [][]int
		want string
	}{
		{[][]int{{0}}, "{a}"}, {[][]int{{2}, {1}}, "{b}{c}"}, {[][]int{{2, 1}, {0}}, "{a}{b,c}"},
		{[][]int{{1, 0, 2}}, "{a,b,c}"}, {[][]int{{3}, {0, 1}}, "{4}{a,b}"}, {[][]int{{-1}}, "{?}"},
	} {
		if got := AntichainName(c.a, names); got != c.want {
			t.Errorf("AntichainName(%v) = %q, want %q", c.a, got, c.want)
		}
	}
	r, err := Lattice(latCov(latRand(12), 4), 1, []int{1, 1, 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range r.Atoms {
		if r.Index(r.Antichain(k)) != k {
			t.Errorf("Index(Antichain(%d)) = %d", k, r.Index(r.Antichain(k)))
		}
	}
	if r.Name(0, names) != "{a}" || r.Name(len(r.Atoms)-1, names) != "{a,b,c}" || r.Name(r.Index([][]int{{0}, {1}, {2}}), names) != "{a}{b}{c}" {
		t.Error("names of unique, synergy or redundancy")
	}
	if r.Index([][]int{{0}, {0, 1}}) != -1 || r.Index([][]int{{3}}) != -1 || r.Index([][]int{{}}) != -1 {
		t.Error("Index accepted a non-antichain")
	}
	if r.Redundancy() != r.Atoms[r.Index([][]int{{0}, {1}, {2}})] || r.Synergy() != r.Atoms[17] || r.Unique(2) != r.Atoms[2] {
		t.Error("accessors")
	}
}

// TestLatticeDegenerate: constant columns, a source with none left, a
// constant target, and an exactly singular covariance.
func TestLatticeDegenerate(t *testing.T) {
	rng := latRand(13)
	n := 60
	y := latNormal(rng, n, 1)
	a, b := latNormal(rng, n, 2), mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		b.Set(i, 0, 3)
		b.Set(i, 1, -1)
		y.Set(i, 0, y.At(i, 0)+a.At(i, 0))
	}
	r, err := LatticeFromSamples(y, []mat.Matrix{a, b, mat.Transpose{Matrix: a.T()}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	latCheck(t, "constant source", r)
	if r.MIEach[1] != 0 || r.Atoms[1] != 0 || math.Abs(r.MIEach[0]-r.MIEach[2]) > 1e-6 {
		t.Errorf("constant source: %+v", r)
	}
	zero, err := LatticeFromSamples(mat.NewDense(n, 1, nil), []mat.Matrix{a, b}, Options{Debias: true})
	if err != nil || zero.MI != 0 || len(zero.Atoms) != 4 || zero.Validate() != nil {
		t.Errorf("constant target: %+v %v", zero, err)
	}
}

func TestLatticeErrors(t *testing.T) {
	cov := latCov(latRand(14), 4)
	m := latNormal(latRand(15), 10, 1)
	x := latNormal(latRand(16), 10, 2)
	nan := mat.NewSymDense(4, nil)
	nan.CopySym(cov)
	nan.SetSym(1, 2, math.NaN())
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"no sources", second(Lattice(cov, 1, nil, Options{})), ErrSources},
		{"too many", second(Lattice(cov, 1, make([]int, MaxSources+1), Options{})), ErrSources},
		{"nil cov", second(Lattice(nil, 1, []int{3}, Options{})), ErrDimension},
		{"sizes", second(Lattice(cov, 1, []int{1, 1}, Options{})), ErrDimension},
		{"empty block", second(Lattice(cov, 1, []int{3, 0}, Options{})), ErrDimension},
		{"no target", second(Lattice(cov, 0, []int{2, 2}, Options{})), ErrDimension},
		{"NaN", second(Lattice(nan, 1, []int{1, 2}, Options{})), ErrNotFinite},
		{"method", second(Lattice(cov, 1, []int{1, 2}, Options{Method: MethodTilde})), ErrMethod},
		{"debias", second(Lattice(cov, 1, []int{1, 2}, Options{Debias: true, N: 4})), ErrTooFewRows},
		{"indefinite", second(Lattice(mat.NewSymDense(3, []float64{1, 2, 0, 2, 1, 0, 0, 0, -1}), 1, []int{1, 1}, Options{})), gaussian.ErrNotPositiveDefinite},
		{"samples none", second(LatticeFromSamples(m, nil, Options{})), ErrSources},
		{"samples rows", second(LatticeFromSamples(m, []mat.Matrix{latNormal(latRand(1), 9, 2)}, Options{})), ErrDimension},
		{"samples nil", second(LatticeFromSamples(m, []mat.Matrix{x, nil}, Options{})), ErrDimension},
		{"samples nil target", second(LatticeFromSamples(nil, []mat.Matrix{x}, Options{})), ErrDimension},
		{"samples one row", second(LatticeFromSamples(m.Slice(0, 1, 0, 1), []mat.Matrix{x.Slice(0, 1, 0, 2)}, Options{})), ErrTooFewRows},
		{"samples debias", second(LatticeFromSamples(m, []mat.Matrix{x, x, x, x, x}, Options{Debias: true})), ErrTooFewRows},
		{"samples NaN", second(LatticeFromSamples(m, []mat.Matrix{mat.NewDense(10, 1, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, math.Inf(1)})}, Options{})), ErrNotFinite},
		{"samples method", second(LatticeFromSamples(m, []mat.Matrix{x}, Options{Method: MethodClosed})), ErrMethod},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, c.err, c.want)
		}
	}
	if !math.IsNaN((LatticeResult{}).Redundancy()) || !math.IsNaN((LatticeResult{Sources: 2}).Synergy()) {
		t.Error("accessors of a malformed result")
	}
	if (LatticeResult{}).Validate() == nil || (LatticeResult{Sources: 2, Atoms: make([]float64, 3)}).Validate() == nil {
		t.Error("Validate accepted a malformed result")
	}
}

func second[T any](_ T, err error) error { return err }
