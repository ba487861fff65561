package runner

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pidreg/pidreg"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// simulate runs epochs × steps steps through a bar, the clock advancing by
// stepTime(epoch, step) before each step (plus gap before the first step of
// every epoch but the first), and returns, for every step, the bar's time
// left and the true time left until the last step.
func simulate(b *Bar, c *fakeClock, epochs, steps int, gap time.Duration, stepTime func(e, s int) time.Duration) (est, truth []time.Duration, ok []bool) {
	var at []time.Time
	for e := 1; e <= epochs; e++ {
		for s := 1; s <= steps; s++ {
			if s == 1 && e > 1 {
				c.advance(gap)
			}
			c.advance(stepTime(e, s))
			st := pidreg.Step{Epoch: e, Epochs: epochs, Step: s, Steps: steps}
			b.Step(st)
			left, good := b.Left(st)
			est, ok, at = append(est, left), append(ok, good), append(at, c.now())
		}
	}
	for _, t := range at {
		truth = append(truth, at[len(at)-1].Sub(t))
	}
	return est, truth, ok
}

// TestBarExactForSteadySteps: with every step 10 ms and 50 ms more between
// epochs, the time left is exact once one gap between epochs is seen, and
// the rate is 100 steps/s.
func TestBarExactForSteadySteps(t *testing.T) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	b := NewBar(&strings.Builder{}, 0, c.now)
	const epochs, steps = 6, 5
	est, truth, ok := simulate(b, c, epochs, steps, 50*time.Millisecond, func(int, int) time.Duration { return 10 * time.Millisecond })
	if ok[0] {
		t.Error("an estimate after the first step, before any step time")
	}
	if !ok[1] {
		t.Error("no estimate after two steps")
	}
	for k := steps; k < len(est); k++ { // from epoch 2, step 1
		if d := est[k] - truth[k]; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("step %d: %v left, truly %v", k+1, est[k], truth[k])
		}
	}
	// In epoch 1 no gap is known yet: the estimate leaves the gaps out.
	if want := truth[1] - (epochs-1)*50*time.Millisecond; math.Abs(float64(est[1]-want)) > float64(time.Microsecond) {
		t.Errorf("epoch 1, step 2: %v left, want %v (the steps alone)", est[1], want)
	}
	if r, ok := b.Rate(); !ok || math.Abs(r-100) > 1e-9 {
		t.Errorf("rate %v %v, want 100 steps/s", r, ok)
	}
}

// TestBarStable: with step times drawn uniformly from 5–15 ms, the time
// left moves by a few per cent of itself at most from one step to the next
// beyond the step's own passing, and is off the truth by 5 % on average;
// the last step's time alone as the estimate (the naive reading) jumps by
// tens of per cent, which is what the average prevents.
func TestBarStable(t *testing.T) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	b := NewBar(&strings.Builder{}, 0, c.now)
	rng := rand.New(rand.NewPCG(1, 2))
	const epochs, steps = 20, 40
	var dts []time.Duration
	est, truth, ok := simulate(b, c, epochs, steps, 20*time.Millisecond, func(int, int) time.Duration {
		dt := time.Duration(5e6 + rng.Float64()*10e6)
		dts = append(dts, dt)
		return dt
	})
	var worst, worstNaive, meanErr float64
	n := 0
	for k := 2*steps + 1; k < len(est)-steps; k++ {
		if !ok[k] || !ok[k-1] {
			t.Fatalf("step %d: no estimate", k+1)
		}
		jump := math.Abs(float64(est[k]-est[k-1]+dts[k])) / float64(est[k-1])
		worst = math.Max(worst, jump)
		left := float64(len(est) - 1 - k)
		naive, naivePrev := left*float64(dts[k]), (left+1)*float64(dts[k-1])
		worstNaive = math.Max(worstNaive, math.Abs(naive-naivePrev+float64(dts[k]))/naivePrev)
		meanErr += math.Abs(float64(est[k]-truth[k])) / float64(truth[k])
		n++
	}
	meanErr /= float64(n)
	t.Logf("largest step-to-step change %.2f %% (naive %.0f %%), mean error %.2f %%", 100*worst, 100*worstNaive, 100*meanErr)
	if worst > 0.03 {
		t.Errorf("the time left jumps by up to %.1f %% from one step to the next", 100*worst)
	}
	if worstNaive < 0.3 {
		t.Errorf("the naive estimate jumps by only %.1f %%: the test does not tell a steady estimate", 100*worstNaive)
	}
	if meanErr > 0.05 {
		t.Errorf("the time left is %.1f %% off the truth on average", 100*meanErr)
	}
}

// TestBarFollowsChange: when steps become twice as fast (the weights
// freeze), the rate follows within 100 steps.
func TestBarFollowsChange(t *testing.T) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	b := NewBar(&strings.Builder{}, 0, c.now)
	simulate(b, c, 4, 50, 0, func(e, s int) time.Duration {
		if (e-1)*50+s > 100 {
			return 10 * time.Millisecond
		}
		return 20 * time.Millisecond
	})
	if r, ok := b.Rate(); !ok || math.Abs(r-100)/100 > 0.05 {
		t.Errorf("100 steps after the change the rate is %.1f steps/s, want 100 within 5 %%", r)
	}
}

// TestBarNewRun: a step that comes before the previous one (the next
// model of a benchmark) resets the averages; with one step per epoch the
// epoch time is the estimate.
func TestBarNewRun(t *testing.T) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	b := NewBar(&strings.Builder{}, 0, c.now)
	simulate(b, c, 2, 10, 0, func(int, int) time.Duration { return time.Second })
	c.advance(time.Hour) // scoring the model: not a step
	first := pidreg.Step{Epoch: 1, Epochs: 5, Step: 1, Steps: 1}
	b.Step(first)
	if _, ok := b.Rate(); ok {
		t.Error("a rate carried over from the previous run")
	}
	if _, ok := b.Left(first); ok {
		t.Error("a time left carried over from the previous run")
	}
	c.advance(3 * time.Second)
	second := pidreg.Step{Epoch: 2, Epochs: 5, Step: 1, Steps: 1}
	b.Step(second)
	if left, ok := b.Left(second); !ok || left != 9*time.Second {
		t.Errorf("one step per epoch of 3 s, epoch 2 of 5: %v left (%v), want 9s", left, ok)
	}
}

// TestBarDrawing checks the line, the redrawing interval, and that a line
// written through the bar first blanks it.
func TestBarDrawing(t *testing.T) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	var out strings.Builder
	b := NewBar(&out, 0, c.now)
	b.Step(pidreg.Step{Epoch: 1, Epochs: 3, Step: 1, Steps: 4})
	first := "epoch   1/3 [=====>              ] 1/4"
	if out.String() != "\r"+first {
		t.Errorf("first draw %q, want %q", out.String(), "\r"+first)
	}
	c.advance(time.Second)
	b.Step(pidreg.Step{Epoch: 1, Epochs: 3, Step: 2, Steps: 4})
	c.advance(time.Second)
	s := pidreg.Step{Epoch: 1, Epochs: 3, Step: 3, Steps: 4}
	b.Step(s) // 1 s per step: 1 more step in this epoch, 2 epochs of 4
	line := "epoch   1/3 [===============>    ] 3/4    1.0 steps/s  ≤ 9s left"
	if got := b.Line(s); got != line {
		t.Errorf("line %q, want %q", got, line)
	}
	if !strings.HasSuffix(out.String(), "\r"+line) {
		t.Errorf("drawn %q, want it to end with %q", out.String(), "\r"+line)
	}
	b.What = "for this model"
	if got := b.Line(s); got != line+" for this model" {
		t.Errorf("line %q", got)
	}
	b.What = ""

	// Steps closer than a tenth of a second are not drawn.
	out.Reset()
	c.advance(50 * time.Millisecond)
	b.Step(pidreg.Step{Epoch: 1, Epochs: 3, Step: 4, Steps: 4})
	if out.Len() != 0 {
		t.Errorf("redrawn within a tenth of a second: %q", out.String())
	}

	if _, err := b.Write([]byte("epoch line\n")); err != nil {
		t.Fatal(err)
	}
	if want := "\r" + strings.Repeat(" ", len([]rune(line))) + "\repoch line\n"; out.String() != want {
		t.Errorf("line through the bar: %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := b.Clear(); err != nil || out.Len() != 0 {
		t.Errorf("clearing a bar not drawn wrote %q (%v)", out.String(), err)
	}

	// A shorter bar after a longer one blanks the rest of the line.
	b.Step(pidreg.Step{Epoch: 1, Epochs: 3, Step: 1, Steps: 4}) // a new run: no estimate
	b.draw(line)
	b.draw(first)
	if _, last := screen(out.String()); strings.TrimRight(last, " ") != first {
		t.Errorf("the screen shows %q, want %q", last, first)
	}

	slow := NewBar(&out, 0, c.now)
	slow.step.add(2.5)
	if l := slow.Line(s); !strings.HasSuffix(l, "3/4    2.5 s/step  ≤ 23s left") {
		t.Errorf("at 2.5 s per step the bar reads %q", l)
	}

	for width, want := range map[int]int{60: 59, 30: 29} {
		got := NewBar(&out, width, c.now)
		got.step.add(1)
		if l := got.Line(s); len([]rune(l)) != want || !strings.HasPrefix(l, "epoch   1/3 [") {
			t.Errorf("a %d-column bar is %q (%d columns), want %d", width, l, len([]rune(l)), want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 44500 * time.Millisecond: "45s", 724 * time.Second: "12m04s",
		3*time.Hour + 7*time.Minute + 59*time.Second: "3h07m",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// screen replays what a terminal shows for out: "\r" returns to the start
// of the line, "\n" ends it. It returns the finished lines, trailing
// blanks removed, and what is left on the last line.
func screen(out string) (lines []string, last string) {
	var line []rune
	col := 0
	for _, r := range out {
		switch r {
		case '\r':
			col = 0
		case '\n':
			lines = append(lines, strings.TrimRight(string(line), " "))
			line, col = line[:0], 0
		default:
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
		}
	}
	return lines, string(line)
}

// TestRunProgress: on a writer that is not a terminal, Bar changes
// nothing: the output is exactly one EpochLine per epoch.
func TestRunProgress(t *testing.T) {
	d := tiny(400)
	cfg := pidreg.Config{Latent: 4, Hidden: []int{16, 8}, HeadHidden: []int{16, 8}, Batch: 64, Epochs: 3, Seed: 1, Bootstrap: -1}
	var progress strings.Builder
	_, rep, err := Run(context.Background(), d, Split{span(0, 280), span(280, 320), span(320, 400)}, cfg,
		Options{Progress: &progress, Bar: true})
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, h := range rep.History {
		want.WriteString(EpochLine(h, 3, d.Names()) + "\n")
	}
	if progress.String() != want.String() {
		t.Errorf("progress %q, want the epoch lines %q", progress.String(), want.String())
	}
}

// TestRunBarInterrupted draws the bar while training and cancels the run
// in the middle of epoch 2: Run returns the cancellation and writes
// nothing, every line on the screen is an epoch line, and the bar is gone.
func TestRunBarInterrupted(t *testing.T) {
	dir := t.TempDir()
	d := tiny(400)
	cfg := pidreg.Config{Latent: 4, Hidden: []int{16, 8}, HeadHidden: []int{16, 8}, Batch: 32, Epochs: 50, Seed: 1}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &fakeClock{t: time.Unix(1e9, 0)}
	calls := 0
	var out strings.Builder
	bar := NewBar(&out, 100, func() time.Time {
		calls++
		if calls == 8+4 { // 280/32 = 8 steps per epoch: epoch 2, step 4
			cancel()
		}
		c.advance(30 * time.Millisecond)
		return c.now()
	})
	o := Options{Out: filepath.Join(dir, "m.pidreg"), Report: filepath.Join(dir, "r.json"), Progress: &out}
	_, _, err := run(ctx, d, Split{span(0, 280), span(280, 320), span(320, 400)}, cfg, o, bar)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("an interrupted run wrote %v", ents)
	}
	if !strings.Contains(out.String(), "epoch   2/50 [") || !strings.Contains(out.String(), "≤ ") {
		t.Errorf("no bar drawn in epoch 2: %q", out.String())
	}
	lines, last := screen(out.String())
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "epoch   1/50  loss ") {
		t.Errorf("the screen shows the lines %q, want the line of epoch 1", lines)
	}
	if strings.TrimSpace(last) != "" {
		t.Errorf("the bar is left on the screen: %q", last)
	}
}

// BenchmarkBarStep is the cost the bar adds to a training step: the clock
// advances 1 ms per step, so the bar is drawn every hundredth step.
func BenchmarkBarStep(b *testing.B) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	bar := NewBar(io.Discard, 100, func() time.Time { c.advance(time.Millisecond); return c.t })
	const steps = 400
	b.ReportAllocs()
	for i := range b.N {
		bar.Step(pidreg.Step{Epoch: 1 + i/steps%1000, Epochs: 1000, Step: 1 + i%steps, Steps: steps})
	}
}
