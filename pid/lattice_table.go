package pid

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// A Set is a set of sources, 0-based: source i is in the set when bit i is
// set. The lattice functions use it for the sets of an antichain.
type Set uint64

// SetOf returns the set of the given sources. It panics if a source is
// outside [0, MaxSources), like an out-of-range index.
func SetOf(sources ...int) Set {
	var s Set
	for _, i := range sources {
		if i < 0 || i >= MaxSources {
			panic(fmt.Sprintf("pid: source %d out of range [0,%d)", i, MaxSources))
		}
		s |= 1 << uint(i)
	}
	return s
}

// Contains reports whether source i is in s.
func (s Set) Contains(i int) bool { return i >= 0 && i < MaxSources && s&(1<<uint(i)) != 0 }

// Len returns the number of sources in s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// Sources returns the sources in s in increasing order.
func (s Set) Sources() []int {
	out := make([]int, 0, s.Len())
	for v := uint64(s); v != 0; v &= v - 1 {
		out = append(out, bits.TrailingZeros64(v))
	}
	return out
}

// subset reports whether a ⊆ b.
func (a Set) subset(b Set) bool { return a&^b == 0 }

// setLess is the canonical order of the sets of an antichain: by size, then
// lexicographically on the increasing lists of sources. For two sets of
// equal size the first position where the lists differ holds the smallest
// source of the symmetric difference, so the set holding it comes first.
func setLess(a, b Set) bool {
	if la, lb := a.Len(), b.Len(); la != lb {
		return la < lb
	}
	d := a ^ b
	return d != 0 && a&(d&-d) != 0
}

// antichainLess is the canonical order of the atoms (each antichain with its
// sets in canonical order): by the size of the smallest set, then by the
// number of sets, then by the sequence of set sizes, then set by set.
func antichainLess(a, b []Set) bool {
	if la, lb := a[0].Len(), b[0].Len(); la != lb {
		return la < lb
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	for i := range a {
		if la, lb := a[i].Len(), b[i].Len(); la != lb {
			return la < lb
		}
	}
	for i := range a {
		if a[i] != b[i] {
			return setLess(a[i], b[i])
		}
	}
	return false
}

// below reports whether α ≤ β in the order of Williams & Beer (2010): every
// set of β contains some set of α.
func below(alpha, beta []Set) bool {
	for _, b := range beta {
		ok := false
		for _, a := range alpha {
			if a.subset(b) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// latticeTable is the redundancy lattice of m sources: its antichains in
// canonical order and, for each, the indices of the antichains it covers
// (its lower covers). It is immutable once built.
type latticeTable struct {
	m      int
	atoms  [][]Set
	covers [][]int
	bottom int // {0}{1}…{m−1}
	top    int // {0,1,…,m−1}
}

// tables holds the lattices for 1 … MaxExactSources sources, each built on
// first use; they are constants of the package, not state.
var tables = func() (t [MaxExactSources + 1]func() *latticeTable) {
	for m := 1; m <= MaxExactSources; m++ {
		t[m] = sync.OnceValue(func() *latticeTable { return buildLattice(m) })
	}
	return t
}()

// table returns the lattice of m ∈ [1, MaxExactSources] sources.
func table(m int) *latticeTable { return tables[m]() }

// buildLattice enumerates the antichains of non-empty subsets of m sources,
// sorts them canonically and finds the lower covers of each.
func buildLattice(m int) *latticeTable {
	full := Set(1)<<uint(m) - 1
	var atoms [][]Set
	var cur []Set
	var rec func(s Set)
	rec = func(s Set) {
		if s > full {
			if len(cur) > 0 {
				a := slices.Clone(cur)
				slices.SortFunc(a, cmpFromLess(setLess))
				atoms = append(atoms, a)
			}
			return
		}
		rec(s + 1)
		for _, c := range cur {
			if c.subset(s) || s.subset(c) {
				return
			}
		}
		cur = append(cur, s)
		rec(s + 1)
		cur = cur[:len(cur)-1]
	}
	rec(1)
	slices.SortFunc(atoms, cmpFromLess(antichainLess))

	n := len(atoms)
	words := (n + 63) / 64
	// down[i] is the strict down-set of atom i as a bit set; up[j] the strict up-set.
	down := make([]uint64, n*words)
	up := make([]uint64, n*words)
	for i := range atoms {
		for j := range atoms {
			if i != j && below(atoms[j], atoms[i]) {
				down[i*words+j/64] |= 1 << uint(j%64)
				up[j*words+i/64] |= 1 << uint(i%64)
			}
		}
	}
	t := &latticeTable{m: m, atoms: atoms, covers: make([][]int, n)}
	for i := range atoms {
		// j covers-below i when j < i and nothing in the down-set of i lies above j.
		for j := 0; j < n; j++ {
			if down[i*words+j/64]&(1<<uint(j%64)) == 0 {
				continue
			}
			between := false
			for w := 0; w < words; w++ {
				if down[i*words+w]&up[j*words+w] != 0 {
					between = true
					break
				}
			}
			if !between {
				t.covers[i] = append(t.covers[i], j)
			}
		}
		switch {
		case len(atoms[i]) == m && atoms[i][m-1].Len() == 1:
			t.bottom = i
		case len(atoms[i]) == 1 && atoms[i][0] == full:
			t.top = i
		}
	}
	return t
}

func cmpFromLess[T any](less func(a, b T) bool) func(a, b T) int {
	return func(a, b T) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	}
}

// reducedSets returns the antichain of atom k of the one-vs-rest reduction
// of m sources: view i = k/4 holds {i}, {rest}, {i}{rest}, {all}, where
// rest is every source but i.
func reducedSets(m, k int) []Set {
	i := k / 4
	full := Set(1)<<uint(m) - 1
	one := Set(1) << uint(i)
	rest := full &^ one
	switch k % 4 {
	case 0:
		return []Set{one}
	case 1:
		return []Set{rest}
	case 2:
		return []Set{one, rest}
	}
	return []Set{full}
}

// NumAtoms returns the number of atoms Lattice reports for m sources: the
// Dedekind number of m minus 2 for m ≤ MaxExactSources (1, 4, 18, 166),
// 4m for the one-vs-rest reduction up to MaxSources, and 0 otherwise.
func NumAtoms(m int) int {
	switch {
	case m >= 1 && m <= MaxExactSources:
		return len(table(m).atoms)
	case m > MaxExactSources && m <= MaxSources:
		return 4 * m
	}
	return 0
}

// Antichains returns the antichain of every atom of the decomposition of m
// sources, in the canonical order of LatticeResult.Atoms, each as a list of
// sets of 0-based source indices (see LatticeResult.Antichain). For m >
// MaxExactSources it lists the atoms of the one-vs-rest reduction. The
// error wraps ErrSources when m is outside [1, MaxSources].
func Antichains(m int) ([][][]int, error) {
	if m < 1 || m > MaxSources {
		return nil, fmt.Errorf("pid: %d sources, want 1 to %d: %w", m, MaxSources, ErrSources)
	}
	n := NumAtoms(m)
	out := make([][][]int, n)
	for k := range out {
		out[k] = setsToInts(atomSets(m, m > MaxExactSources, k))
	}
	return out, nil
}

// atomSets returns the (shared, read-only) sets of atom k.
func atomSets(m int, reduced bool, k int) []Set {
	if reduced {
		return reducedSets(m, k)
	}
	return table(m).atoms[k]
}

func setsToInts(a []Set) [][]int {
	out := make([][]int, len(a))
	for i, s := range a {
		out[i] = s.Sources()
	}
	return out
}

// AntichainName names an antichain by the names of its sources: each set in
// braces with its names separated by commas, the sets one after another, as
// in "{a}", "{b}{c}", "{a}{b,c}", "{a,b,c}". Sources are 0-based indices
// into names; a source without a name (index ≥ len(names)) is called by its
// 1-based number. The sets are written in the canonical order (by size,
// then lexicographically on their sources) and the names within a set in
// increasing source order, whatever the order of a; repeated sources are
// written once. Indices outside [0, MaxSources) are written as "?".
func AntichainName(a [][]int, names []string) string {
	var b strings.Builder
	sets := make([][]int, 0, len(a))
	for _, s := range a {
		c := slices.Clone(s)
		slices.Sort(c)
		sets = append(sets, slices.Compact(c))
	}
	slices.SortFunc(sets, func(x, y []int) int {
		if len(x) != len(y) {
			return len(x) - len(y)
		}
		return slices.Compare(x, y)
	})
	for _, s := range sets {
		b.WriteByte('{')
		for j, i := range s {
			if j > 0 {
				b.WriteByte(',')
			}
			switch {
			case i < 0 || i >= MaxSources:
				b.WriteByte('?')
			case i < len(names):
				b.WriteString(names[i])
			default:
				b.WriteString(strconv.Itoa(i + 1))
			}
		}
		b.WriteByte('}')
	}
	return b.String()
}
