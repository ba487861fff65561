package plots

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotutil"
)

// decode opens a PNG and checks its size.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Fatalf("%s: %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), Width, Height)
	}
	return img
}

// countColor counts the pixels of exactly the colour c (the core of a
// stroke; anti-aliased edges blend with the background).
func countColor(img image.Image, c color.Color) int {
	r0, g0, b0, _ := c.RGBA()
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r == r0 && g == g0 && bb == b0 {
				n++
			}
		}
	}
	return n
}

// noTemp fails if a temporary file was left in dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func ramp(n int, f func(i int) float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = f(i)
	}
	return y
}

func TestFiguresDecode(t *testing.T) {
	dir := t.TempDir()
	n := 60
	u1 := ramp(n, func(i int) float64 { return 0.5 + 0.3*math.Tanh(float64(i)/10) })
	u2 := ramp(n, func(i int) float64 { return 0.2 })
	red := ramp(n, func(i int) float64 { return 0.1 + 0.001*float64(i) })
	syn := ramp(n, func(i int) float64 { return 0.05 * math.Exp(-float64(i)/20) })
	w := make([][3]float64, n)
	for i := range w {
		w[i] = [3]float64{0.5 + u1[i]/4, 0.3, 0.2 - u1[i]/4}
	}
	truth := ramp(500, func(i int) float64 { return float64(i) / 5 })
	pred := ramp(500, func(i int) float64 { return float64(i)/5 + 3*math.Sin(float64(i)) })
	cases := []struct {
		name string
		draw func(path string) error
		// colours that must appear: the first series' and the second's
		want []color.Color
	}{
		{"lines", func(p string) error {
			return Lines(p, "MAE", "epoch", "MAE", []Series{{"train", u1}, {"val", syn}}, 20)
		}, []color.Color{plotutil.Color(0), plotutil.Color(1)}},
		{"atoms", func(p string) error {
			return Atoms(p, u1, u2, red, syn, [2]string{"tens", "units"}, 25)
		}, []color.Color{plotutil.Color(0), plotutil.Color(3)}},
		{"losses", func(p string) error { return Losses(p, u1, red) }, []color.Color{plotutil.Color(0), plotutil.Color(1)}},
		{"losses without validation", func(p string) error { return Losses(p, u1, nil) }, []color.Color{plotutil.Color(0)}},
		{"weights", func(p string) error { return Weights(p, w, [2]string{}, 0) }, []color.Color{plotutil.Color(0), plotutil.Color(2)}},
		{"scatter", func(p string) error { return Scatter(p, "Tc", truth, pred) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".png")
			if err := tc.draw(path); err != nil {
				t.Fatal(err)
			}
			img := decode(t, path)
			for _, c := range tc.want {
				if k := countColor(img, c); k < 50 {
					t.Errorf("only %d pixels of series colour %v", k, c)
				}
			}
		})
	}
	noTemp(t, dir)
}

// TestLinesNaN draws a series with NaN and ±Inf holes, including an
// isolated finite value: the figure must still be written, and a series
// that is all NaN must not be drawn at all.
func TestLinesNaN(t *testing.T) {
	dir := t.TempDir()
	nan, inf := math.NaN(), math.Inf(1)
	path := filepath.Join(dir, "nan.png")
	y := []float64{nan, 1, 2, nan, 3, inf, 4, 5, -inf, 6, 7}
	allNaN := []float64{nan, nan, nan}
	if err := Lines(path, "holes", "epoch", "value", []Series{{"holes", y}, {"", allNaN}}, 3); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	if countColor(img, plotutil.Color(0)) < 50 {
		t.Error("the finite runs were not drawn")
	}
	if k := countColor(img, plotutil.Color(1)); k != 0 {
		t.Errorf("an all-NaN series left %d pixels", k)
	}
	if err := Scatter(filepath.Join(dir, "s.png"), "s", []float64{1, nan, 3, 4}, []float64{1, 2, inf, 4.5}); err != nil {
		t.Fatal(err)
	}
	decode(t, filepath.Join(dir, "s.png"))
	// A constant series has a zero-height range; it must still draw.
	if err := Atoms(filepath.Join(dir, "c.png"), []float64{1}, []float64{1}, []float64{1}, []float64{1}, [2]string{"a", "b"}, 1); err != nil {
		t.Fatal(err)
	}
	decode(t, filepath.Join(dir, "c.png"))
	// Huge values whose span still fits in float64 are drawn (without the
	// legend headroom, which would overflow).
	if err := Lines(filepath.Join(dir, "big.png"), "big", "epoch", "v",
		[]Series{{"big", []float64{-8e307, 8e307, 0}}}, 2); err != nil {
		t.Fatal(err)
	}
	decode(t, filepath.Join(dir, "big.png"))
	noTemp(t, dir)
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.png")
	if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	one := []float64{1}
	cases := []struct {
		name string
		want error
		call func() error
	}{
		{"no series", ErrEmpty, func() error { return Lines(path, "t", "x", "y", nil, 0) }},
		{"empty series", ErrEmpty, func() error { return Lines(path, "t", "x", "y", []Series{{"a", one}, {"b", nil}}, 0) }},
		{"only NaN", ErrEmpty, func() error { return Lines(path, "t", "x", "y", []Series{{"a", []float64{nan, nan}}}, 5) }},
		{"atoms lengths", ErrLength, func() error { return Atoms(path, one, one, []float64{1, 2}, one, [2]string{}, 0) }},
		{"atoms empty", ErrEmpty, func() error { return Atoms(path, nil, nil, nil, nil, [2]string{}, 0) }},
		{"losses lengths", ErrLength, func() error { return Losses(path, []float64{1, 2}, one) }},
		{"losses empty", ErrEmpty, func() error { return Losses(path, nil, nil) }},
		{"weights empty", ErrEmpty, func() error { return Weights(path, nil, [2]string{}, 0) }},
		{"scatter lengths", ErrLength, func() error { return Scatter(path, "s", one, []float64{1, 2}) }},
		{"scatter empty", ErrEmpty, func() error { return Scatter(path, "s", nil, nil) }},
		{"span overflows", ErrRange, func() error { return Lines(path, "t", "x", "y", []Series{{"a", []float64{-1e308, 1e308}}}, 0) }},
		{"scatter span overflows", ErrRange, func() error { return Scatter(path, "s", []float64{-1e308, 1}, []float64{1, 1e308}) }},
		{"scatter no finite pair", ErrEmpty, func() error { return Scatter(path, "s", []float64{nan, 1}, []float64{1, nan}) }},
	}
	for _, tc := range cases {
		if err := tc.call(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// A failed call leaves an existing file alone.
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Errorf("failed calls changed %s", path)
	}
	// A directory that does not exist is an error, not a panic.
	if err := Losses(filepath.Join(dir, "absent", "l.png"), one, nil); err == nil {
		t.Error("missing directory: no error")
	}
	noTemp(t, dir)
}

func BenchmarkAtoms(b *testing.B) {
	dir := b.TempDir()
	n := 200
	u := ramp(n, func(i int) float64 { return math.Sin(float64(i) / 10) })
	b.ReportAllocs()
	for b.Loop() {
		if err := Atoms(filepath.Join(dir, "a.png"), u, u, u, u, [2]string{"a", "b"}, 50); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScatter(b *testing.B) {
	dir := b.TempDir()
	truth := ramp(10000, func(i int) float64 { return float64(i % 100) })
	pred := ramp(10000, func(i int) float64 { return float64(i%100) + math.Sin(float64(i)) })
	b.ReportAllocs()
	for b.Loop() {
		if err := Scatter(filepath.Join(dir, "s.png"), "pairs", truth, pred); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBars(t *testing.T) {
	dir := t.TempDir()
	bars := []Bar{{Name: "{a}", Value: 0.8, Lo: 0.7, Hi: 0.95}, NewBar("{b}", 0), {Name: "{a}{b}", Value: 0.1, Lo: 0.02, Hi: 0.2}}
	path := filepath.Join(dir, "bars.png")
	if err := Bars(path, "atoms", "bits", bars); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 1000 {
		t.Fatalf("bars.png: %v, %v", fi, err)
	}
	for name, bad := range map[string][]Bar{
		"none":            nil,
		"NaN value":       {NewBar("x", math.NaN())},
		"interval beside": {{Name: "x", Value: 1, Lo: 2, Hi: 3}},
		"half interval":   {{Name: "x", Value: 1, Lo: 0, Hi: math.NaN()}},
	} {
		if err := Bars(filepath.Join(dir, "bad.png"), "bad", "bits", bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
