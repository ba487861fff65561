package regularizer

import (
	"math/rand/v2"
	"testing"
)

// descend runs plain gradient descent on x for steps steps with a step
// normalised to lr·‖x‖_max/‖g‖_max, and returns the loss before and after.
func descend(t *testing.T, gl *graphLoss, steps int, lr float64) (before, after float64) {
	t.Helper()
	before = gl.run(t)
	for s := 0; s < steps; s++ {
		_, g := gl.grad(t)
		gmax, xmax := 0.0, 0.0
		for i, v := range g {
			gmax = max(gmax, abs(v))
			xmax = max(xmax, abs(gl.xv[i]))
		}
		if gmax == 0 {
			break
		}
		for i, v := range g {
			gl.xv[i] -= lr * xmax / gmax * v
		}
	}
	return before, gl.run(t)
}

func abs(v float64) float64 { return max(v, -v) }

// The losses move under training: gradient descent on the input lowers each
// of them substantially. For CMI this is the check the method needs (the
// reference's bandwidth gives a term that never moves).
func TestLossesDecreaseUnderDescent(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	r := normal(rng, 128, 8)
	for i := 0; i < 128; i++ {
		r.Set(i, 0, 2*r.At(i, 0)+1.5)
	}
	xc, xo, z := cmiData(rng, 128, 8, 8, 8, true)
	m, k := grams(t, xc, xo)
	f := correlated(rng, 128, 5, rng.ExpFloat64)
	for _, tc := range []struct {
		name  string
		gl    func() *graphLoss
		steps int
		lr    float64
		ratio float64 // after/before must be below this
	}{
		{"CS", func() *graphLoss { return buildLoss(t, r, csGraph(normal(rng, 128, 8))) }, 30, 0.02, 0.2},
		{"CMI", func() *graphLoss { return buildLoss(t, z, cmiGraph(m, k, 1)) }, 30, 0.01, 0.5},
		{"Gaussianity", func() *graphLoss { return buildLoss(t, f, gaussGraph(1)) }, 30, 0.01, 0.2},
	} {
		before, after := descend(t, tc.gl(), tc.steps, tc.lr)
		t.Logf("%s: %.4g → %.4g after %d steps", tc.name, before, after, tc.steps)
		if !(after < tc.ratio*before) {
			t.Errorf("%s: %v → %v, want below %v × the start", tc.name, before, after, tc.ratio)
		}
	}
}
