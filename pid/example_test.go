package pid_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/pid"
)

// Two noisy views of one target: X = M + N₁ and Y = M + N₂ share most of
// their information about M (redundancy), and together they average the
// noise (synergy). The population values are I(M;X) = ½log₂2 = 0.5,
// I(M;Y) = ½log₂1.25 ≈ 0.161 and I(M;X,Y) = ½log₂2.25 ≈ 0.585 bit.
func ExampleFromSamples() {
	m, x, y := noisyViews(rand.New(rand.NewPCG(1, 2)), 5000)
	r, err := pid.FromSamples(m, x, y, pid.Options{Debias: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("method %s: I(M;X)=%.2f I(M;Y)=%.2f I(M;X,Y)=%.2f\n", r.Method, r.MIX, r.MIY, r.MIXY)
	fmt.Printf("unique X %.2f, unique Y %.2f, redundancy %.2f, synergy %.2f\n",
		r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy)
	// Output:
	// method closed: I(M;X)=0.49 I(M;Y)=0.16 I(M;X,Y)=0.58
	// unique X 0.32, unique Y 0.00, redundancy 0.16, synergy 0.09
}

// The population covariance of M ~ N(0, 1), X = M + N, Y = N + E with
// Var N = 1, Var E = 0.25: Y alone says nothing about M, but it cancels
// the noise in X, so most of I(M;X,Y) = ½log₂(1 + 1.25/0.25) = ½log₂6 is
// synergy.
func ExampleDecompose() {
	// Variables ordered M, X, Y.
	cov := mat.NewSymDense(3, []float64{
		1, 1, 0,
		1, 2, 1,
		0, 1, 1.25,
	})
	r, err := pid.Decompose(cov, 1, 1, 1, pid.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("I(M;X)=%.4f I(M;Y)=%.4f I(M;X,Y)=%.4f\n", r.MIX, r.MIY, r.MIXY)
	fmt.Printf("UX=%.4f UY=%.4f Red=%.4f Syn=%.4f (%s)\n", r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy, r.Method)

	// The same system with a two-dimensional target (M₂ independent of
	// everything) uses the ~G-PID and gives the same atoms.
	cov2 := mat.NewSymDense(4, []float64{
		1, 0, 1, 0,
		0, 1, 0, 0,
		1, 0, 2, 1,
		0, 0, 1, 1.25,
	})
	r2, err := pid.Decompose(cov2, 2, 1, 1, pid.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("UX=%.4f UY=%.4f Red=%.4f Syn=%.4f (%s)\n", r2.UniqueX, r2.UniqueY, r2.Redundancy, r2.Synergy, r2.Method)
	// Output:
	// I(M;X)=0.5000 I(M;Y)=0.0000 I(M;X,Y)=1.2925
	// UX=0.5000 UY=0.0000 Red=0.0000 Syn=0.7925 (closed)
	// UX=0.5000 UY=0.0000 Red=0.0000 Syn=0.7925 (tilde)
}

// I_dep on a scalar system with unit variances, corr(X,M) = corr(Y,M) = 0.5
// and uncorrelated sources (the first check value of Kay & Ince's closed
// form): both sources keep unique information, where the closed form (MMI)
// gives all of the smaller source's information to redundancy.
func ExampleDecompose_dep() {
	cov := mat.NewSymDense(3, []float64{
		1, 0.5, 0.5,
		0.5, 1, 0,
		0.5, 0, 1,
	})
	for _, method := range []string{pid.MethodDep, pid.MethodClosed} {
		r, err := pid.Decompose(cov, 1, 1, 1, pid.Options{Method: method})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-6s UX=%.6f UY=%.6f Red=%.6f Syn=%.6f\n", r.Method, r.UniqueX, r.UniqueY, r.Redundancy, r.Synergy)
	}
	// Output:
	// dep    UX=0.160964 UY=0.160964 Red=0.046555 Syn=0.131517
	// closed UX=0.000000 UY=0.000000 Red=0.207519 Syn=0.292481
}

// Confidence intervals and p-values for the decomposition of 1000 noisy
// observations: X = M + N₁ and Y = M + 2N₂ as in ExampleFromSamples, with
// the population values I(M;X) = 0.5, I(M;Y) ≈ 0.161 and
// I(M;X,Y) ≈ 0.585 bit (so redundancy ≈ 0.161, synergy ≈ 0.085): the
// intervals cover them. The numbers are the same for every GOMAXPROCS.
func ExampleBootstrap() {
	m, x, y := noisyViews(rand.New(rand.NewPCG(3, 4)), 1000)
	opt := pid.Options{Debias: true}
	ci, err := pid.Bootstrap(m, x, y, opt, pid.BootstrapOptions{B: 500, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	pv, err := pid.PermutationTest(m, x, y, opt, pid.PermutationOptions{P: 199, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s intervals, %.0f%%, B = %d\n", ci.Kind, 100*ci.Level, ci.B)
	for _, q := range []struct {
		name string
		est  float64
		iv   pid.Interval
		p    float64
	}{
		{"I(M;X)", ci.Estimate.MIX, ci.MIX, pv.MIX},
		{"I(M;X,Y)", ci.Estimate.MIXY, ci.MIXY, pv.MIXY},
		{"redundancy", ci.Estimate.Redundancy, ci.Redundancy, pv.Redundancy},
		{"synergy", ci.Estimate.Synergy, ci.Synergy, pv.Synergy},
	} {
		fmt.Printf("%-10s %.3f [%.3f, %.3f] p = %.3f\n", q.name, q.est, q.iv.Lo, q.iv.Hi, q.p)
	}
	// Any quantity derived from a decomposition gets its interval from the
	// same replicates.
	co := ci.Of(pid.Result.CoInformation)
	fmt.Printf("co-information %.3f [%.3f, %.3f]\n", ci.Estimate.CoInformation(), co.Lo, co.Hi)
	// Output:
	// bc intervals, 95%, B = 500
	// I(M;X)     0.518 [0.450, 0.578] p = 0.005
	// I(M;X,Y)   0.606 [0.548, 0.676] p = 0.005
	// redundancy 0.155 [0.120, 0.195] p = 0.005
	// synergy    0.089 [0.060, 0.121] p = 0.005
	// co-information 0.066 [0.036, 0.096]
}

// noisyViews draws n rows of M ~ N(0, 1), X = M + N₁, Y = M + 2N₂.
func noisyViews(rng *rand.Rand, n int) (m, x, y *mat.Dense) {
	m, x, y = mat.NewDense(n, 1, nil), mat.NewDense(n, 1, nil), mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		v := rng.NormFloat64()
		m.Set(i, 0, v)
		x.Set(i, 0, v+rng.NormFloat64())
		y.Set(i, 0, v+2*rng.NormFloat64())
	}
	return m, x, y
}
