package pid

import (
	"fmt"
	"testing"
)

func TestResultHelpers(t *testing.T) {
	rng := newRand(70)
	for trial := 0; trial < 40; trial++ {
		dm := 1 + trial%3
		dx, dy := 1+rng.IntN(4), 1+rng.IntN(4)
		c := randCov(rng, dm+dx+dy)
		for _, method := range []string{"auto", "tilde", "mmi", "dep"} {
			r, err := Decompose(c, dm, dx, dy, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("trial %d %s", trial, method)
			if ci := r.CoInformation(); !near(ci, r.MIX+r.MIY-r.MIXY, 1e-12) {
				t.Errorf("%s: co-information %v, I_X + I_Y − I_XY = %v", name, ci, r.MIX+r.MIY-r.MIXY)
			}
			sx, sy := r.Shares()
			cx, cy := r.RemovalCosts()
			// Removing X leaves I(M;Y): cost_X = 1 − share_Y.
			if !near(cx, 1-sy, 1e-12) || !near(cy, 1-sx, 1e-12) {
				t.Errorf("%s: costs (%v, %v), shares (%v, %v)", name, cx, cy, sx, sy)
			}
			if sx < 0 || sx > 1+1e-12 || cx < 0 || cx > 1+1e-12 {
				t.Errorf("%s: share %v or cost %v outside [0, 1]", name, sx, cx)
			}
		}
	}
	var zero Result
	if sx, sy := zero.Shares(); sx != 0 || sy != 0 {
		t.Errorf("shares of nothing: %v %v", sx, sy)
	}
	if cx, cy := zero.RemovalCosts(); cx != 0 || cy != 0 {
		t.Errorf("costs of nothing: %v %v", cx, cy)
	}
	// Pure synergy: each source alone is worthless and removing either loses all.
	syn := Result{MIXY: 1, Synergy: 1}
	if ci := syn.CoInformation(); ci != -1 {
		t.Errorf("pure synergy co-information %v", ci)
	}
	if cx, cy := syn.RemovalCosts(); cx != 1 || cy != 1 {
		t.Errorf("pure synergy costs %v %v", cx, cy)
	}
}
