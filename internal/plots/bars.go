package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Bar is one bar of a bar chart: a value with an optional interval [Lo, Hi]
// drawn as an error bar (NaN for none).
type Bar struct {
	Name   string
	Value  float64
	Lo, Hi float64
}

// NewBar returns a bar without an interval.
func NewBar(name string, v float64) Bar {
	return Bar{Name: name, Value: v, Lo: math.NaN(), Hi: math.NaN()}
}

// Bars draws one bar per entry, labelled by its name on the x axis, with the
// intervals as error bars (the title should say what they are), and writes the figure as a PNG to path. Every
// value must be finite (ErrEmpty names the first that is not); an interval
// must hold its value, or be NaN at both ends.
func Bars(path, title, ylabel string, bars []Bar) error {
	if len(bars) == 0 {
		return fmt.Errorf("plots: %q: no bars: %w", title, ErrEmpty)
	}
	vals := make(plotter.Values, len(bars))
	var errs plotter.XYs
	var lows plotter.YErrors
	names := make([]string, len(bars))
	lo, hi := 0.0, 0.0
	for i, b := range bars {
		if !finite(b.Value) {
			return fmt.Errorf("plots: %q: bar %q is %v: %w", title, b.Name, b.Value, ErrEmpty)
		}
		vals[i], names[i] = b.Value, b.Name
		lo, hi = math.Min(lo, b.Value), math.Max(hi, b.Value)
		switch {
		case math.IsNaN(b.Lo) && math.IsNaN(b.Hi):
		case finite(b.Lo) && finite(b.Hi) && b.Lo <= b.Value && b.Value <= b.Hi:
			errs = append(errs, plotter.XY{X: float64(i), Y: b.Value})
			lows = append(lows, struct{ Low, High float64 }{b.Value - b.Lo, b.Hi - b.Value})
			lo, hi = math.Min(lo, b.Lo), math.Max(hi, b.Hi)
		default:
			return fmt.Errorf("plots: %q: bar %q: interval [%v, %v] does not hold its value %v: %w", title, b.Name, b.Lo, b.Hi, b.Value, ErrRange)
		}
	}
	if !finite(hi - lo) {
		return fmt.Errorf("plots: %q: values from %g to %g: %w", title, lo, hi, ErrRange)
	}
	p := newPlot(title, "", ylabel)
	bc, err := plotter.NewBarChart(vals, vg.Points(float64(Width)*0.45/float64(len(bars))))
	if err != nil {
		return fmt.Errorf("plots: %q: %w", title, err)
	}
	bc.Color = plotutil.Color(0)
	bc.LineStyle.Width = 0
	p.Add(bc)
	if len(errs) > 0 {
		eb := &plotter.YErrorBars{XYs: errs, YErrors: lows, LineStyle: bc.LineStyle, CapWidth: vg.Points(6)}
		eb.LineStyle.Width = vg.Points(1.25)
		p.Add(eb)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.7, float64(len(bars))-0.3
	if len(bars) > 6 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -1, -0.5
	}
	if r := hi - lo; r > 0 {
		p.Y.Min, p.Y.Max = lo-0.03*r, hi+0.12*r
	} else {
		p.Y.Min, p.Y.Max = lo-0.5, hi+0.5
	}
	return save(p, path)
}
