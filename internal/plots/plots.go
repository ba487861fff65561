package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/pidreg/pidreg/internal/outfile"
)

// Every figure is a Width×Height PNG rendered at DPI dots per inch.
const (
	Width  = 960 // pixels
	Height = 600 // pixels
	DPI    = 96
)

// Sentinel errors; every input error wraps one of them.
var (
	// ErrEmpty reports input with nothing to draw: no series, an empty
	// series, or only NaN and ±Inf values.
	ErrEmpty = errors.New("nothing to plot")
	// ErrLength reports slices that must have the same length but do not.
	ErrLength = errors.New("lengths differ")
	// ErrRange reports finite values whose span max − min overflows float64
	// (e.g. −1e308 and 1e308), for which no axis can be laid out.
	ErrRange = errors.New("values span more than float64 can hold")
)

// Series is one curve of a per-epoch figure: Y[i] is drawn at x = i+1.
// Non-finite values (NaN, ±Inf) are skipped and leave a gap in the curve.
type Series struct {
	Name string
	Y    []float64
}

// Lines draws each series against the epoch x = 1…len(Y), with a legend,
// and writes the figure as a PNG to path. markX > 0 adds a dashed vertical
// line at x = markX (for instance the epoch at which the fusion weights
// froze); markX ≤ 0 adds none. Series may differ in length. Every series
// must be non-empty (ErrEmpty), at least one value must be finite
// (ErrEmpty), and the finite values must span less than the float64 range
// (ErrRange).
func Lines(path, title, xlabel, ylabel string, series []Series, markX int) error {
	mark := ""
	if markX > 0 {
		mark = fmt.Sprintf("%s = %d", orDefault(xlabel, "x"), markX)
	}
	return lines(path, title, xlabel, ylabel, series, markX, mark)
}

// Atoms draws the four PID atoms of every epoch, in bits: the unique
// information of each modality, the redundancy and the synergy, with a
// marker at the epoch frozenAt when the fusion weights froze (≤ 0: none).
// names are the two modalities' names ("" gives "modality 1" and
// "modality 2"). The four slices must have the same, non-zero length.
func Atoms(path string, uniqueX, uniqueY, red, syn []float64, names [2]string, frozenAt int) error {
	n := len(uniqueX)
	if len(uniqueY) != n || len(red) != n || len(syn) != n {
		return fmt.Errorf("plots: atoms: %d, %d, %d and %d epochs (unique ×2, redundancy, synergy): %w",
			len(uniqueX), len(uniqueY), len(red), len(syn), ErrLength)
	}
	names = modalityNames(names)
	return lines(path, "PID atoms per epoch", "epoch", "information (bits)", []Series{
		{"unique " + names[0], uniqueX},
		{"unique " + names[1], uniqueY},
		{"redundancy", red},
		{"synergy", syn},
	}, frozenAt, frozenLabel(frozenAt))
}

// Losses draws the training loss per epoch and, when val is not empty, the
// validation loss of the same epochs (so len(val) must equal len(train)).
func Losses(path string, train, val []float64) error {
	series := []Series{{"training", train}}
	if len(val) > 0 {
		if len(val) != len(train) {
			return fmt.Errorf("plots: losses: %d training and %d validation epochs: %w", len(train), len(val), ErrLength)
		}
		series = append(series, Series{"validation", val})
	}
	return lines(path, "Loss per epoch", "epoch", "loss", series, 0, "")
}

// Weights draws the fusion weights (w1, w2, w3) of every epoch: w1 scales
// the first modality's latent, w2 the second's, w3 their element-wise
// product, as in z = w1·Z1 + w2·Z2 + w3·(Z1⊙Z2). frozenAt > 0 marks the
// epoch the weights froze.
func Weights(path string, w [][3]float64, names [2]string, frozenAt int) error {
	names = modalityNames(names)
	ys := [3][]float64{}
	for k := range ys {
		ys[k] = make([]float64, len(w))
		for i := range w {
			ys[k][i] = w[i][k]
		}
	}
	return lines(path, "Fusion weights per epoch", "epoch", "weight", []Series{
		{"w1 (" + names[0] + ")", ys[0]},
		{"w2 (" + names[1] + ")", ys[1]},
		{"w3 (interaction)", ys[2]},
	}, frozenAt, frozenLabel(frozenAt))
}

// Scatter draws predicted against true values, one point per pair, with
// the line y = x on which perfect predictions lie. The legend gives the
// number of points and their root mean squared error
// √(Σ(pred−truth)²/n). Pairs with a non-finite member are skipped.
func Scatter(path, title string, truth, pred []float64) error {
	if len(truth) != len(pred) {
		return fmt.Errorf("plots: scatter: %d true and %d predicted values: %w", len(truth), len(pred), ErrLength)
	}
	pts := make(plotter.XYs, 0, len(truth))
	lo, hi := math.Inf(1), math.Inf(-1)
	var sse float64
	for i := range truth {
		t, p := truth[i], pred[i]
		if !finite(t) || !finite(p) {
			continue
		}
		pts = append(pts, plotter.XY{X: t, Y: p})
		lo, hi = min(lo, t, p), max(hi, t, p)
		sse += (p - t) * (p - t)
	}
	if len(pts) == 0 {
		return fmt.Errorf("plots: scatter: no pair of finite values among %d: %w", len(truth), ErrEmpty)
	}
	if !finite(hi - lo) {
		return fmt.Errorf("plots: scatter: values from %g to %g: %w", lo, hi, ErrRange)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	p := newPlot(title, "true", "predicted")
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return fmt.Errorf("plots: scatter: %w", err)
	}
	diag.Color = color.Gray{Y: 96}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("plots: scatter: %w", err)
	}
	s.GlyphStyle = draw.GlyphStyle{
		Color:  color.NRGBA{R: 31, G: 119, B: 180, A: 140},
		Radius: vg.Points(1.5),
		Shape:  draw.CircleGlyph{},
	}
	p.Add(s, diag)
	p.Legend.Add(fmt.Sprintf("predictions (n = %d, RMSE %.4g)", len(pts), math.Sqrt(sse/float64(len(pts)))), s)
	p.Legend.Add("y = x", diag)
	p.Legend.Top, p.Legend.Left = true, true
	return save(p, path)
}

// lines draws per-epoch series with gaps at non-finite values and an
// optional vertical marker, and saves the figure.
func lines(path, title, xlabel, ylabel string, series []Series, markX int, markLabel string) error {
	if len(series) == 0 {
		return fmt.Errorf("plots: %q: no series: %w", title, ErrEmpty)
	}
	p := newPlot(title, xlabel, ylabel)
	lo, hi := math.Inf(1), math.Inf(-1)
	entries := 0 // legend lines
	for k, s := range series {
		name := orDefault(s.Name, fmt.Sprintf("series %d", k+1))
		if len(s.Y) == 0 {
			return fmt.Errorf("plots: %q: series %q is empty: %w", title, name, ErrEmpty)
		}
		col := plotutil.Color(k)
		style := draw.LineStyle{Color: col, Width: vg.Points(1.75), Dashes: plotutil.Dashes(k)}
		var legend plot.Thumbnailer
		// Draw each run of consecutive finite values as one line; an isolated
		// finite value, which has no neighbour to connect to, as a dot.
		for start := 0; start < len(s.Y); {
			if !finite(s.Y[start]) {
				start++
				continue
			}
			end := start
			for end < len(s.Y) && finite(s.Y[end]) {
				lo, hi = min(lo, s.Y[end]), max(hi, s.Y[end])
				end++
			}
			pts := make(plotter.XYs, end-start)
			for i := range pts {
				pts[i] = plotter.XY{X: float64(start + i + 1), Y: s.Y[start+i]}
			}
			if len(pts) == 1 {
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return fmt.Errorf("plots: %q: series %q: %w", title, name, err)
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
				p.Add(sc)
				if legend == nil {
					legend = sc
				}
			} else {
				l, err := plotter.NewLine(pts)
				if err != nil {
					return fmt.Errorf("plots: %q: series %q: %w", title, name, err)
				}
				l.LineStyle = style
				p.Add(l)
				if _, isLine := legend.(*plotter.Line); !isLine {
					legend = l
				}
			}
			start = end
		}
		if legend != nil {
			p.Legend.Add(name, legend)
			entries++
		}
	}
	if math.IsInf(lo, 1) {
		return fmt.Errorf("plots: %q: no finite value in any series: %w", title, ErrEmpty)
	}
	if !finite(hi - lo) {
		// gonum/plot's tick labelling never ends on an infinite span.
		return fmt.Errorf("plots: %q: values from %g to %g: %w", title, lo, hi, ErrRange)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	if markX > 0 {
		entries++
	}
	// Headroom above the data for the legend, which sits in the top right
	// corner: about one line per entry.
	p.Y.Min, p.Y.Max = lo, hi
	if r := hi - lo; finite(hi+r) && finite(lo-r) {
		p.Y.Min = lo - 0.03*r
		p.Y.Max = hi + (0.05+0.055*float64(entries))*r
	}
	if markX > 0 {
		m, err := plotter.NewLine(plotter.XYs{{X: float64(markX), Y: p.Y.Min}, {X: float64(markX), Y: p.Y.Max}})
		if err != nil {
			return fmt.Errorf("plots: %q: marker: %w", title, err)
		}
		m.Color = color.Gray{Y: 64}
		m.Width = vg.Points(1)
		m.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(m)
		p.Legend.Add(markLabel, m)
	}
	return save(p, path)
}

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(6)
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(6)
	p.Add(plotter.NewGrid())
	return p
}

// save renders p and writes it to path as a PNG atomically (internal/outfile:
// a temporary file in the same directory renamed over path once complete,
// with the permissions os.Create would give), so that path never holds a
// partial image.
func save(p *plot.Plot, path string) error {
	c := vgimg.NewWith(
		vgimg.UseWH(vg.Length(Width)/DPI*vg.Inch, vg.Length(Height)/DPI*vg.Inch),
		vgimg.UseDPI(DPI))
	if err := render(p, c); err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	err := outfile.Write(path, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	return nil
}

// render draws p on c. gonum/plot reports some impossible layouts (a canvas
// too small for its labels, say) by panicking; they become errors here.
func render(p *plot.Plot, c *vgimg.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering failed: %v", r)
		}
	}()
	// A margin of 10 points keeps the title and tick labels off the edges.
	m := vg.Points(10)
	p.Draw(draw.Crop(draw.New(c), m, -m, m, -m))
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func modalityNames(names [2]string) [2]string {
	return [2]string{orDefault(names[0], "modality 1"), orDefault(names[1], "modality 2")}
}

func frozenLabel(epoch int) string {
	if epoch <= 0 {
		return ""
	}
	return fmt.Sprintf("weights frozen (epoch %d)", epoch)
}
