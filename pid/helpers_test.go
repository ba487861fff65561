package pid

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// randCov returns a random well-conditioned d×d covariance.
func randCov(rng *rand.Rand, d int) *mat.SymDense {
	k := d + 2
	a := mat.NewDense(d, k, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < k; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	c := mat.NewSymDense(d, nil)
	c.SymOuterK(1/float64(k), a)
	for i := 0; i < d; i++ {
		c.SetSym(i, i, c.At(i, i)+0.05)
	}
	return c
}

// randInvertible returns a random d×d matrix with condition number of order 10.
func randInvertible(rng *rand.Rand, d int) *mat.Dense {
	a := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			a.Set(i, j, rng.NormFloat64()/math.Sqrt(float64(d)))
		}
		a.Set(i, i, a.At(i, i)+2*float64(1-2*rng.IntN(2)))
	}
	return a
}

// blockDiag returns the block-diagonal matrix of the given square blocks.
func blockDiag(bs ...*mat.Dense) *mat.Dense {
	n := 0
	for _, b := range bs {
		r, _ := b.Dims()
		n += r
	}
	out := mat.NewDense(n, n, nil)
	o := 0
	for _, b := range bs {
		r, _ := b.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < r; j++ {
				out.Set(o+i, o+j, b.At(i, j))
			}
		}
		o += r
	}
	return out
}

// congruence returns B C Bᵀ.
func congruence(b *mat.Dense, c *mat.SymDense) *mat.SymDense {
	var t, u mat.Dense
	t.Mul(b, c)
	u.Mul(&t, b.T())
	n, _ := u.Dims()
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, 0.5*(u.At(i, j)+u.At(j, i)))
		}
	}
	return out
}

// permuteBlocks reorders a covariance in order M, X, Y into M, Y, X.
func swapSources(c *mat.SymDense, dm, dx, dy int) *mat.SymDense {
	d := dm + dx + dy
	perm := make([]int, 0, d)
	for i := 0; i < dm; i++ {
		perm = append(perm, i)
	}
	for i := 0; i < dy; i++ {
		perm = append(perm, dm+dx+i)
	}
	for i := 0; i < dx; i++ {
		perm = append(perm, dm+i)
	}
	out := mat.NewSymDense(d, nil)
	for i := range perm {
		for j := i; j < d; j++ {
			out.SetSym(i, j, c.At(perm[i], perm[j]))
		}
	}
	return out
}

func randNormal(rng *rand.Rand, r, c int) *mat.Dense {
	a := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	return a
}

func checkAtoms(t *testing.T, name string, r Result) {
	t.Helper()
	for _, v := range []float64{r.MIX, r.MIY, r.MIXY, r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy} {
		if !(v >= 0) || math.IsInf(v, 0) {
			t.Fatalf("%s: negative or non-finite value in %+v", name, r)
		}
	}
	tol := 1e-12 * (1 + r.MIXY)
	if s := r.UniqueX + r.UniqueY + r.Redundancy + r.Synergy; math.Abs(s-r.MIXY) > tol {
		t.Fatalf("%s: atoms sum to %v, MIXY = %v", name, s, r.MIXY)
	}
	if math.Abs(r.UniqueX+r.Redundancy-r.MIX) > tol || math.Abs(r.UniqueY+r.Redundancy-r.MIY) > tol {
		t.Fatalf("%s: marginal identities fail: %+v", name, r)
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func checkNear(t *testing.T, name string, got, want Result, tol float64) {
	t.Helper()
	g := []float64{got.MIX, got.MIY, got.MIXY, got.UniqueX, got.UniqueY, got.Redundancy, got.Synergy}
	w := []float64{want.MIX, want.MIY, want.MIXY, want.UniqueX, want.UniqueY, want.Redundancy, want.Synergy}
	names := []string{"MIX", "MIY", "MIXY", "UniqueX", "UniqueY", "Redundancy", "Synergy"}
	for i := range g {
		if !near(g[i], w[i], tol) {
			t.Errorf("%s: %s = %.10g, want %.10g (tol %g)", name, names[i], g[i], w[i], tol)
		}
	}
}
