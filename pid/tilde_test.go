package pid

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// fullChannels whitens a covariance ordered M, X, Y the way the ~G-PID (package doc)
// and the reference do, without any dimension reduction:
// M ← Σ_M^{-1/2} M, H_X = Σ_{XM}Σ_M^{-1/2}, H_X ← Σ_{X|M}^{-1/2} H_X (same for Y).
func fullChannels(t *testing.T, c *mat.SymDense, dm, dx, dy int) (hx, hy *mat.Dense) {
	t.Helper()
	sub := func(r0, r1, c0, c1 int) *mat.Dense {
		out := mat.NewDense(r1-r0, c1-c0, nil)
		for i := r0; i < r1; i++ {
			for j := c0; j < c1; j++ {
				out.Set(i-r0, j-c0, c.At(i, j))
			}
		}
		return out
	}
	mis, err := gaussian.InvSqrt(subSym(c, 0, dm))
	if err != nil {
		t.Fatal(err)
	}
	chan1 := func(lo, hi int) *mat.Dense {
		var h mat.Dense
		h.Mul(sub(lo, hi, 0, dm), mis)
		noise := subSym(c, lo, hi)
		var hh mat.Dense
		hh.Mul(&h, h.T())
		for i := 0; i < hi-lo; i++ {
			for j := i; j < hi-lo; j++ {
				noise.SetSym(i, j, noise.At(i, j)-0.5*(hh.At(i, j)+hh.At(j, i)))
			}
		}
		nis, err := gaussian.InvSqrt(noise)
		if err != nil {
			t.Fatal(err)
		}
		var out mat.Dense
		out.Mul(nis, &h)
		return &out
	}
	return chan1(dm, dm+dx), chan1(dm+dx, dm+dx+dy)
}

func subSym(c *mat.SymDense, lo, hi int) *mat.SymDense {
	out := mat.NewSymDense(hi-lo, nil)
	for i := lo; i < hi; i++ {
		for j := i; j < hi; j++ {
			out.SetSym(i-lo, j-lo, c.At(i, j))
		}
	}
	return out
}

// referenceSignStep is a faithful Go port of the reference optimiser's
// update rule: per-entry step sizes η (initially 1e-3) multiplied by β = 0.9
// when the gradient sign flips and divided by β when it does not, a global
// decay 0.999^i, a step −0.999^i·η⊙sign(∇f), projection after each step
// (here the exact spectral-ball projection), stop when the last 20
// objectives are within 1e-6 of the current one or after 10 000 iterations,
// and return the best objective seen, in bits.
func referenceSignStep(p *tildeProblem, x0 *mat.Dense) float64 {
	const (
		beta, decay = 0.9, 0.999
		patience    = 20
		stop        = 1e-6
		maxIter     = 10000
	)
	x := mat.NewDense(p.rx, p.ry, nil)
	p.project(x, x0)
	eta := mat.NewDense(p.rx, p.ry, nil)
	eta.Apply(func(_, _ int, _ float64) float64 { return 1e-3 }, eta)
	g := mat.NewDense(p.rx, p.ry, nil)
	prevSign := mat.NewDense(p.rx, p.ry, nil)
	var running []float64
	best := math.Inf(1)
	step := mat.NewDense(p.rx, p.ry, nil)
	for i := 1; ; i++ {
		f := p.eval(x, g)
		if f < best {
			best = f
		}
		if len(running) >= patience {
			done := true
			for _, v := range running[len(running)-patience:] {
				if math.Abs(v-f) >= stop*math.Ln2 {
					done = false
					break
				}
			}
			if done || i >= maxIter {
				break
			}
		}
		running = append(running, f)
		scale := math.Pow(decay, float64(i+1))
		for r := 0; r < p.rx; r++ {
			for c := 0; c < p.ry; c++ {
				s := sign(g.At(r, c))
				step.Set(r, c, x.At(r, c)-scale*eta.At(r, c)*s)
				if i > 1 {
					eta.Set(r, c, eta.At(r, c)*math.Pow(beta, -s*prevSign.At(r, c)))
				}
				prevSign.Set(r, c, s)
			}
		}
		p.project(x, step)
	}
	return best / math.Ln2
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func TestTildeBeatsReferenceSignStep(t *testing.T) {
	rng := newRand(9)
	cases := []struct{ dm, dx, dy int }{{2, 3, 3}, {2, 4, 2}, {3, 4, 4}, {2, 1, 1}, {3, 2, 5}}
	for trial, tc := range cases {
		for rep := 0; rep < 2; rep++ {
			c := randCov(rng, tc.dm+tc.dx+tc.dy)
			// Reference: full-dimensional channels, reference start H_X H_Y⁺.
			hx, hy := fullChannels(t, c, tc.dm, tc.dx, tc.dy)
			pf := newTildeProblem(hx, hy)
			var pinv mat.Dense
			var svd mat.SVD
			svd.Factorize(hy, mat.SVDThin)
			svd.SolveTo(&pinv, eye(tc.dy), svd.Rank(1e-12)) // H_Y⁺ = solution of H_Y Z = I
			var s0 mat.Dense
			s0.Mul(hx, &pinv)
			ref := referenceSignStep(pf, &s0)

			mo, err := moments(swapToXYM(c, tc.dm, tc.dx, tc.dy), tc.dm, tc.dx, tc.dy, wantGains)
			if err != nil {
				t.Fatal(err)
			}
			ours := tildeUnion(mo.gx, mo.gy, TildeMaxIter, TildeTol)
			name := fmt.Sprintf("case %d rep %d %+v", trial, rep, tc)
			if ours > ref+1e-6 {
				t.Errorf("%s: ours %.9f bits > reference %.9f", name, ours, ref)
			}
			// Our optimiser on the full-dimensional problem reaches the same
			// value as on the reduced one (checks the reduction).
			full := math.Inf(1)
			for _, x0 := range []*mat.Dense{&s0, mat.NewDense(tc.dx, tc.dy, nil)} {
				f, _ := pf.minimize(x0, 5000, TildeTol)
				full = math.Min(full, f/math.Ln2)
			}
			if !near(full, ours, 1e-6) {
				t.Errorf("%s: full-dimensional optimum %.9f, reduced %.9f", name, full, ours)
			}
			t.Logf("%s: ours %.9f, full %.9f, reference %.9f", name, ours, full, ref)
		}
	}
}

func TestTildeBruteForce(t *testing.T) {
	// dm = 2, dx = dy = 1: Σ is a scalar in [−1, 1]; a fine grid plus golden
	// section refinement is a brute-force oracle.
	rng := newRand(10)
	for trial := 0; trial < 10; trial++ {
		c := randCov(rng, 4)
		hx, hy := fullChannels(t, c, 2, 1, 1)
		p := newTildeProblem(hx, hy)
		f := func(s float64) float64 { return p.eval(mat.NewDense(1, 1, []float64{s}), nil) }
		bestS, bestF := 0.0, math.Inf(1)
		const n = 4000
		for i := 0; i <= n; i++ {
			s := -1 + 2*float64(i)/n
			if v := f(s); v < bestF {
				bestS, bestF = s, v
			}
		}
		lo, hi := math.Max(bestS-2.0/n, -1), math.Min(bestS+2.0/n, 1)
		for k := 0; k < 100; k++ {
			a, b := hi-0.618*(hi-lo), lo+0.618*(hi-lo)
			if f(a) < f(b) {
				hi = b
			} else {
				lo = a
			}
		}
		brute := math.Min(bestF, f(0.5*(lo+hi))) / math.Ln2
		mo, err := moments(swapToXYM(c, 2, 1, 1), 2, 1, 1, wantGains)
		if err != nil {
			t.Fatal(err)
		}
		ours := tildeUnion(mo.gx, mo.gy, TildeMaxIter, TildeTol)
		if ours > brute+1e-6 || ours < brute-1e-6 {
			t.Errorf("trial %d: ours %.9f, brute force %.9f", trial, ours, brute)
		}
	}
}

func TestTildeObjectiveIsMutualInformation(t *testing.T) {
	// f(Σ) must equal I(M; X', Y') for the joint Gaussian with Cov(M) = I,
	// X' = G_X M + N_X, Y' = G_Y M + N_Y, Cov(N_X, N_Y) = Σ.
	rng := newRand(11)
	for trial := 0; trial < 20; trial++ {
		dm, rx, ry := 1+rng.IntN(3), 1+rng.IntN(3), 1+rng.IntN(3)
		gx, gy := randNormal(rng, rx, dm), randNormal(rng, ry, dm)
		p := newTildeProblem(gx, gy)
		sig := randNormal(rng, rx, ry)
		p.project(sig, sig)
		sig.Scale(0.9, sig)
		d := dm + rx + ry
		c := mat.NewSymDense(d, nil)
		for i := 0; i < dm; i++ {
			c.SetSym(i, i, 1)
		}
		g := mat.NewDense(rx+ry, dm, nil)
		g.Slice(0, rx, 0, dm).(*mat.Dense).Copy(gx)
		g.Slice(rx, rx+ry, 0, dm).(*mat.Dense).Copy(gy)
		var ggt mat.Dense
		ggt.Mul(g, g.T())
		for i := 0; i < rx+ry; i++ {
			for j := 0; j < dm; j++ {
				c.SetSym(j, dm+i, g.At(i, j))
			}
			for j := i; j < rx+ry; j++ {
				v := ggt.At(i, j)
				switch {
				case i == j:
					v++
				case i < rx && j >= rx:
					v += sig.At(i, j-rx)
				}
				c.SetSym(dm+i, dm+j, v)
			}
		}
		want, err := gaussian.MutualInfo(c, seq(0, dm), seq(dm, d))
		if err != nil {
			t.Fatal(err)
		}
		got := p.eval(sig, nil) / math.Ln2
		if !near(got, want, 1e-8) { // ε = 1e-10 in S shifts f slightly
			t.Errorf("trial %d: f = %.9f bits, I(M;X',Y') = %.9f", trial, got, want)
		}
	}
}

func TestTildeGradientFiniteDifference(t *testing.T) {
	rng := newRand(12)
	for trial := 0; trial < 20; trial++ {
		dm, rx, ry := 1+rng.IntN(3), 1+rng.IntN(3), 1+rng.IntN(3)
		p := newTildeProblem(randNormal(rng, rx, dm), randNormal(rng, ry, dm))
		sig := randNormal(rng, rx, ry)
		p.project(sig, sig)
		sig.Scale(0.7, sig)
		g := mat.NewDense(rx, ry, nil)
		p.eval(sig, g)
		const h = 1e-6
		for i := 0; i < rx; i++ {
			for j := 0; j < ry; j++ {
				sp, sm := mat.DenseCopyOf(sig), mat.DenseCopyOf(sig)
				sp.Set(i, j, sig.At(i, j)+h)
				sm.Set(i, j, sig.At(i, j)-h)
				fd := (p.eval(sp, nil) - p.eval(sm, nil)) / (2 * h)
				if !near(fd, g.At(i, j), 1e-6*(1+math.Abs(fd))) {
					t.Errorf("trial %d (%d,%d): gradient %.9g, finite difference %.9g", trial, i, j, g.At(i, j), fd)
				}
			}
		}
	}
}

func TestProjection(t *testing.T) {
	rng := newRand(13)
	for trial := 0; trial < 30; trial++ {
		rx, ry := 1+rng.IntN(4), 1+rng.IntN(4)
		p := &tildeProblem{rx: rx, ry: ry}
		a := randNormal(rng, rx, ry)
		a.Scale(3*rng.Float64(), a)
		var pa, ppa mat.Dense
		p.project(&pa, a)
		if n := spectralNorm(&pa); n > 1+1e-12 {
			t.Fatalf("projected norm %v > 1", n)
		}
		p.project(&ppa, &pa)
		if !mat.EqualApprox(&pa, &ppa, 1e-12) {
			t.Fatalf("projection not idempotent")
		}
		if spectralNorm(a) <= 1 && !mat.EqualApprox(&pa, a, 0) {
			t.Fatalf("projection moved an interior point")
		}
		// Optimality: ⟨a − P(a), z − P(a)⟩ ≤ 0 for z in the ball.
		z := randNormal(rng, rx, ry)
		p.project(z, z)
		var u, v mat.Dense
		u.Sub(a, &pa)
		v.Sub(z, &pa)
		if ip := inner(&u, &v); ip > 1e-10 {
			t.Fatalf("projection not the nearest point: ⟨a−P(a), z−P(a)⟩ = %v", ip)
		}
	}
}

func spectralNorm(a mat.Matrix) float64 {
	var svd mat.SVD
	svd.Factorize(a, mat.SVDNone)
	return svd.Values(nil)[0]
}
