package datasets

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkPartition checks that the parts are sorted and together hold each of
// the rows 0…n−1 exactly once.
func checkPartition(t *testing.T, n int, parts ...[]int) {
	t.Helper()
	seen := make([]int, n)
	for k, p := range parts {
		if !slices.IsSorted(p) {
			t.Errorf("part %d not sorted", k)
		}
		for _, i := range p {
			if i < 0 || i >= n {
				t.Fatalf("part %d holds row %d outside [0, %d)", k, i, n)
			}
			seen[i]++
		}
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("row %d appears %d times", i, c)
		}
	}
}

func TestSplitRowsSizes(t *testing.T) {
	for _, tc := range []struct {
		n    int
		frac [3]float64
		want [3]int
	}{
		{10, [3]float64{0.7, 0.1, 0.2}, [3]int{7, 1, 2}},
		{1000, [3]float64{0.7, 0.1, 0.2}, [3]int{700, 100, 200}},
		{1000, [3]float64{70, 10, 20}, [3]int{700, 100, 200}}, // normalised
		{11, [3]float64{1, 1, 1}, [3]int{4, 4, 3}},            // 3.67 each: remainders tie, earlier parts first
		{7, [3]float64{0.5, 0, 0.5}, [3]int{4, 0, 3}},         // zero fraction: empty part
		{21263, [3]float64{0.7, 0.1, 0.2}, [3]int{14884, 2126, 4253}},
	} {
		tr, va, te, err := SplitRows(tc.n, tc.frac, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("n=%d frac=%v: %v", tc.n, tc.frac, err)
		}
		if got := [3]int{len(tr), len(va), len(te)}; got != tc.want {
			t.Errorf("n=%d frac=%v: sizes %v, want %v", tc.n, tc.frac, got, tc.want)
		}
		checkPartition(t, tc.n, tr, va, te)
	}
}

// TestSplitRowsUniform checks that each row lands in each part with the
// probability of its fraction: over 4000 seeds row 0 is in the test part
// ≈ 800 times (σ = √(4000·0.2·0.8) ≈ 25).
func TestSplitRowsUniform(t *testing.T) {
	var inTest, inVal int
	for s := range uint64(4000) {
		_, va, te, err := SplitRows(10, [3]float64{0.7, 0.1, 0.2}, rand.New(rand.NewPCG(s, 99)))
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(te, 0) {
			inTest++
		}
		if slices.Contains(va, 9) {
			inVal++
		}
	}
	if math.Abs(float64(inTest)-800) > 5*25.3 || math.Abs(float64(inVal)-400) > 5*19 {
		t.Errorf("row 0 in test %d times (want ≈ 800), row 9 in validation %d times (want ≈ 400)", inTest, inVal)
	}
}

func TestSplitRowsDeterministic(t *testing.T) {
	f := [3]float64{0.6, 0.2, 0.2}
	a1, b1, c1, _ := SplitRows(500, f, rand.New(rand.NewPCG(7, 7)))
	a2, b2, c2, _ := SplitRows(500, f, rand.New(rand.NewPCG(7, 7)))
	a3, _, _, _ := SplitRows(500, f, rand.New(rand.NewPCG(8, 7)))
	if !slices.Equal(a1, a2) || !slices.Equal(b1, b2) || !slices.Equal(c1, c2) {
		t.Error("same seed, different split")
	}
	if slices.Equal(a1, a3) {
		t.Error("different seeds, same split")
	}
}

// randomGroups returns a random layout: g groups with arbitrary ids and
// sizes 1…maxSize, rows of different groups interleaved.
func randomGroups(rng *rand.Rand, g, maxSize int) (groups []int, largest int) {
	ids := rng.Perm(10 * g)[:g]
	for _, id := range ids {
		s := 1 + rng.IntN(maxSize)
		largest = max(largest, s)
		for range s {
			groups = append(groups, id-3*g) // negative ids too
		}
	}
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	return groups, largest
}

// TestSplitByGroupProperties is a property test over random group layouts:
// every row is used once, no group is in two parts, every part with a
// positive fraction is non-empty, each part's size is within twice the
// largest group of its target, and the split is a function of the seed.
func TestSplitByGroupProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	fracs := [][3]float64{{0.7, 0.1, 0.2}, {0.8, 0, 0.2}, {1, 1, 1}, {0.05, 0.05, 0.9}, {0, 0, 1}}
	for trial := range 300 {
		g := 3 + rng.IntN(60)
		groups, largest := randomGroups(rng, g, 1+rng.IntN(40))
		frac := fracs[trial%len(fracs)]
		seed := rng.Uint64()
		tr, va, te, err := SplitByGroup(groups, frac, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		n := len(groups)
		checkPartition(t, n, tr, va, te)
		owner := map[int]int{}
		sum := frac[0] + frac[1] + frac[2]
		for k, part := range [][]int{tr, va, te} {
			for _, i := range part {
				if o, ok := owner[groups[i]]; ok && o != k {
					t.Fatalf("trial %d: group %d in parts %d and %d", trial, groups[i], o, k)
				}
				owner[groups[i]] = k
			}
			target := frac[k] / sum * float64(n)
			if d := math.Abs(float64(len(part)) - target); d > 2*float64(largest) {
				t.Errorf("trial %d: part %d has %d rows, target %.1f, largest group %d", trial, k, len(part), target, largest)
			}
			if (frac[k] > 0) != (len(part) > 0) {
				t.Errorf("trial %d: part %d has %d rows for fraction %v", trial, k, len(part), frac[k])
			}
		}
		tr2, va2, te2, _ := SplitByGroup(groups, frac, rand.New(rand.NewPCG(seed, 1)))
		if !slices.Equal(tr, tr2) || !slices.Equal(va, va2) || !slices.Equal(te, te2) {
			t.Fatalf("trial %d: same seed, different split", trial)
		}
	}
}

// TestSplitByGroupFractions checks the fractions on a realistic layout
// (100 patients of 300–700 slices, as in the CT data): within 3 points.
func TestSplitByGroupFractions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var groups []int
	for p := range 100 {
		for range 300 + rng.IntN(400) {
			groups = append(groups, p)
		}
	}
	tr, va, te, err := SplitByGroup(groups, [3]float64{0.7, 0.1, 0.2}, rng)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(len(groups))
	for k, c := range []struct {
		got  int
		want float64
	}{{len(tr), 0.7}, {len(va), 0.1}, {len(te), 0.2}} {
		if math.Abs(float64(c.got)/n-c.want) > 0.03 {
			t.Errorf("part %d: fraction %.3f, want %.2f", k, float64(c.got)/n, c.want)
		}
	}
	// Another seed moves patients between parts.
	tr2, _, _, _ := SplitByGroup(groups, [3]float64{0.7, 0.1, 0.2}, rand.New(rand.NewPCG(4, 4)))
	if slices.Equal(tr, tr2) {
		t.Error("different seeds, same split")
	}
}

func TestSplitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	good := [3]float64{0.7, 0.1, 0.2}
	for _, tc := range []struct {
		name string
		want error
		err  func() error
	}{
		{"rows nil rng", ErrArgument, func() error { _, _, _, e := SplitRows(10, good, nil); return e }},
		{"rows negative n", ErrArgument, func() error { _, _, _, e := SplitRows(-1, good, rng); return e }},
		{"rows NaN fraction", ErrArgument, func() error { _, _, _, e := SplitRows(10, [3]float64{math.NaN(), 1, 1}, rng); return e }},
		{"rows negative fraction", ErrArgument, func() error { _, _, _, e := SplitRows(10, [3]float64{1, -0.1, 1}, rng); return e }},
		{"rows zero fractions", ErrArgument, func() error { _, _, _, e := SplitRows(10, [3]float64{}, rng); return e }},
		{"rows Inf fraction", ErrArgument, func() error { _, _, _, e := SplitRows(10, [3]float64{math.Inf(1), 0, 0}, rng); return e }},
		{"rows too few", ErrTooFew, func() error { _, _, _, e := SplitRows(2, good, rng); return e }},
		{"rows empty", ErrTooFew, func() error { _, _, _, e := SplitRows(0, good, rng); return e }},
		{"groups nil rng", ErrArgument, func() error { _, _, _, e := SplitByGroup([]int{1, 2, 3}, good, nil); return e }},
		{"groups bad fraction", ErrArgument, func() error { _, _, _, e := SplitByGroup([]int{1, 2, 3}, [3]float64{-1, 1, 1}, rng); return e }},
		{"groups too few", ErrTooFew, func() error { _, _, _, e := SplitByGroup([]int{0, 0, 1, 1}, good, rng); return e }},
		{"groups empty", ErrTooFew, func() error { _, _, _, e := SplitByGroup(nil, good, rng); return e }},
	} {
		if err := tc.err(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// Two groups suffice for two positive fractions.
	if _, _, _, err := SplitByGroup([]int{0, 0, 1, 1}, [3]float64{0.5, 0, 0.5}, rng); err != nil {
		t.Errorf("two groups, two parts: %v", err)
	}
}
