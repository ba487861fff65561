package runner

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/pidreg/pidreg"
)

// Bar is a progress bar for training runs on a terminal: one line, redrawn
// in place after the training steps, that shows the epoch, the steps done
// within it, their rate and the time left for the run should it last every
// epoch ("≤": early stopping may end it sooner). Lines written through the
// Bar (its Write method: pass it where the epoch lines go) first erase the
// bar, so they are never mixed with it; the bar is drawn again at the next
// step.
//
// The time left is
//
//	(Steps − Step)·s + (Epochs − Epoch)·(Steps·s + g)
//
// where s is a moving average of the time between two steps of one epoch
// and g one of the extra time between the last step of an epoch and the
// first of the next (validation, the epoch's PID, its line). Both are
// exponentially weighted means corrected for their start (each sample
// weighs α, the ones before it (1 − α) times less; divided by the total
// weight, so the first samples are a plain mean), with α = 1/20 for steps
// and 1/5 for epochs: a slow or fast step moves the estimate by a
// twentieth of its difference, and the estimate follows a lasting change of
// speed, such as steps getting cheaper when the fusion weights freeze,
// within some tens of steps.
//
// A step with an earlier position than the one before (epoch 1, step 1 of
// the next model, say) starts a new run: the averages are reset. A Bar is
// not safe for concurrent use; Fit calls back from one goroutine.
type Bar struct {
	// What says what the time left is for, after "left": "" for the run,
	// or "for this model" when a bar serves several runs.
	What string

	w     io.Writer
	width int // columns of the terminal, 0 when unknown
	now   func() time.Time

	started   bool
	prev      pidreg.Step
	last      time.Time // time of the previous step
	step, gap average
	drawn     int       // columns of the bar on the line, 0 when none
	shown     time.Time // when the bar was last drawn
}

// Smoothing of the averages and the redrawing interval.
const (
	stepAlpha = 1.0 / 32
	gapAlpha  = 1.0 / 5
	redraw    = 100 * time.Millisecond
)

// NewBar returns a bar that draws on w, a terminal of width columns (0 when
// unknown), reading the time from now (time.Now; a fake clock in tests).
func NewBar(w io.Writer, width int, now func() time.Time) *Bar {
	return &Bar{w: w, width: width, now: now, step: average{alpha: stepAlpha}, gap: average{alpha: gapAlpha}}
}

// TerminalBar returns a bar drawing on w when w is a terminal (a file whose
// descriptor golang.org/x/term calls one), with its width and the wall
// clock; otherwise nil.
func TerminalBar(w io.Writer) *Bar {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return NewBar(w, width, time.Now)
}

// FitOption returns the option that makes Fit report its steps to b.
func (b *Bar) FitOption() pidreg.FitOption { return pidreg.WithSteps(b.Step) }

// Step records that the training step s is done and redraws the bar, at
// most every tenth of a second.
func (b *Bar) Step(s pidreg.Step) {
	t := b.now()
	if !b.started || s.Epochs != b.prev.Epochs || s.Steps != b.prev.Steps ||
		s.Epoch < b.prev.Epoch || s.Epoch == b.prev.Epoch && s.Step <= b.prev.Step {
		b.started = true
		b.step.reset()
		b.gap.reset()
	} else {
		dt := t.Sub(b.last).Seconds()
		if s.Epoch == b.prev.Epoch {
			b.step.add(dt)
		} else {
			st, _ := b.step.value()
			b.gap.add(max(dt-st, 0))
		}
	}
	b.prev, b.last = s, t
	if b.drawn > 0 && t.Sub(b.shown) < redraw {
		return
	}
	b.shown = t
	b.draw(b.Line(s))
}

// Left estimates the time left for the run at s if it lasts every epoch;
// false until there is a step time (or, with one step per epoch, an epoch
// time) to estimate from.
func (b *Bar) Left(s pidreg.Step) (time.Duration, bool) {
	st, okStep := b.step.value()
	g, okGap := b.gap.value()
	if !okStep && (s.Steps > 1 || !okGap) {
		return 0, false
	}
	secs := float64(s.Steps-s.Step)*st + float64(s.Epochs-s.Epoch)*(float64(s.Steps)*st+g)
	return time.Duration(secs * float64(time.Second)), true
}

// Rate returns the training steps per second (the moving average); false
// before two steps of one epoch.
func (b *Bar) Rate() (float64, bool) {
	st, ok := b.step.value()
	if !ok || st <= 0 {
		return 0, false
	}
	return 1 / st, true
}

// Line is the bar's text at step s:
//
//	epoch   3/200 [=======>            ]  45/120   38.2 steps/s  ≤ 12m04s left
//
// (the rate and the time left once they can be estimated). The bar takes
// 20 cells, or what a terminal of known width leaves (5 to 40); a line
// wider than the terminal is cut so that it never wraps.
func (b *Bar) Line(s pidreg.Step) string {
	var tail strings.Builder
	fmt.Fprintf(&tail, " %*d/%d", len(strconv.Itoa(s.Steps)), s.Step, s.Steps)
	if r, ok := b.Rate(); ok {
		if r >= 1 {
			fmt.Fprintf(&tail, "  %5.1f steps/s", r)
		} else {
			fmt.Fprintf(&tail, "  %5.1f s/step", 1/r)
		}
	}
	if left, ok := b.Left(s); ok {
		fmt.Fprintf(&tail, "  ≤ %s left", Duration(left))
		if b.What != "" {
			tail.WriteString(" " + b.What)
		}
	}
	head := fmt.Sprintf("epoch %3d/%d ", s.Epoch, s.Epochs)
	cells := 20
	if b.width > 0 {
		cells = min(max(b.width-1-utf8.RuneCountInString(head)-2-utf8.RuneCountInString(tail.String()), 5), 40)
	}
	done := 0
	if s.Steps > 0 {
		done = cells * s.Step / s.Steps
	}
	bar := strings.Repeat("=", done)
	if done < cells {
		bar += ">" + strings.Repeat(" ", cells-done-1)
	}
	line := head + "[" + bar + "]" + tail.String()
	if b.width > 0 && utf8.RuneCountInString(line) > b.width-1 {
		line = string([]rune(line)[:b.width-1])
	}
	return line
}

// Duration formats a time left for people: "45s", "12m04s", "3h07m".
func Duration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
}

// Write erases the bar, if it is drawn, and writes p: the epoch lines and
// other progress lines go through here.
func (b *Bar) Write(p []byte) (int, error) {
	if err := b.Clear(); err != nil {
		return 0, err
	}
	return b.w.Write(p)
}

// Clear erases the bar from its line (spaces over it, the cursor back at
// the start; no terminal escape codes) and leaves the line empty. Call it
// when training ends or stops before anything else is printed.
func (b *Bar) Clear() error {
	if b.drawn == 0 {
		return nil
	}
	_, err := io.WriteString(b.w, "\r"+strings.Repeat(" ", b.drawn)+"\r")
	b.drawn = 0
	return err
}

// draw puts line in place of the bar.
func (b *Bar) draw(line string) {
	n := utf8.RuneCountInString(line)
	pad := ""
	if b.drawn > n {
		pad = strings.Repeat(" ", b.drawn-n) + "\r" + line
	}
	if _, err := io.WriteString(b.w, "\r"+line+pad); err == nil {
		b.drawn = n
	}
}

// average is an exponentially weighted mean corrected for its start.
type average struct {
	alpha, sum, weight float64
}

func (a *average) add(x float64) {
	a.sum = (1-a.alpha)*a.sum + a.alpha*x
	a.weight = (1-a.alpha)*a.weight + a.alpha
}

func (a *average) reset() { a.sum, a.weight = 0, 0 }

func (a average) value() (float64, bool) {
	if a.weight == 0 {
		return 0, false
	}
	return a.sum / a.weight, true
}
