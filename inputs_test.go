package pidreg

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestInputClampPredict checks that a held-out row far outside the training
// range predicts as if it sat at the range's end, that a saved model keeps
// the bounds, and that InputClip < 0 turns the clamp off.
func TestInputClampPredict(t *testing.T) {
	far := func(test Dataset, v float64) Dataset {
		x := mat.DenseCopyOf(test.Modalities[1].X)
		x.Set(0, 2, v)
		return Dataset{Modalities: []Modality{test.Modalities[0], {test.Modalities[1].Name, x}}}
	}
	for _, clip := range []float64{0, -1} {
		cfg := small(4, 3)
		cfg.InputClip = clip
		m, test := fitSynthetic(t, cfg)
		p1, err := m.Predict(far(test, 1e3))
		if err != nil {
			t.Fatal(err)
		}
		p2, err := m.Predict(far(test, 1e6))
		if err != nil {
			t.Fatal(err)
		}
		same := p1.At(0, 0) == p2.At(0, 0)
		// Training rows are never clamped; the far row is, unless
		// clamping is off.
		train := part(synthetic(1600, 3), 0, 1100)
		if n, err := m.OutOfRange(train); err != nil || n != 0 {
			t.Errorf("clip %g: %d training rows out of range (err %v), want 0", clip, n, err)
		}
		want := 1
		if clip < 0 {
			want = 0
		}
		if n, err := m.OutOfRange(part(far(test, 1e6), 0, 1)); err != nil || n != want {
			t.Errorf("clip %g: OutOfRange(far row) = %d (err %v), want %d", clip, n, err, want)
		}
		if clip == 0 && !same {
			t.Errorf("clamped model: input 1e3 predicts %g, 1e6 predicts %g; want equal", p1.At(0, 0), p2.At(0, 0))
		}
		if clip < 0 && same {
			t.Errorf("InputClip -1: inputs 1e3 and 1e6 give the same prediction %g", p1.At(0, 0))
		}
		if clip == 0 {
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			m2, err := Load(&buf)
			if err != nil {
				t.Fatal(err)
			}
			p3, err := m2.Predict(far(test, 1e6))
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(p2, p3) {
				t.Error("predictions of a far row differ after Save/Load")
			}
		}
	}
}

// roundedSynthetic is synthetic with every input rounded to 0.02, so each
// column has fewer distinct training values than the quantile map keeps
// knots and its scores on the training rows are exact ranks.
func roundedSynthetic() Dataset {
	d := synthetic(1600, 3)
	for _, m := range d.Modalities {
		r, c := m.X.Dims()
		for i := range r {
			for j := range c {
				m.X.(*mat.Dense).Set(i, j, math.Round(m.X.At(i, j)*50)/50)
			}
		}
	}
	return d
}

// TestQuantileInputs trains with Config.Inputs = Quantile: the model must
// not change when an input column goes through an increasing map (the map
// sees only ranks), it must survive Save/Load, and a NaN is refused.
func TestQuantileInputs(t *testing.T) {
	fit := func(d Dataset) (*Model, Dataset) {
		t.Helper()
		cfg := small(6, 3)
		cfg.Inputs = Quantile
		train, val := part(d, 0, 1100), part(d, 1100, 1300)
		m, err := New(cfg, d.Dims()...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(context.Background(), train, val); err != nil {
			t.Fatal(err)
		}
		return m, train
	}
	d := roundedSynthetic()
	m1, train1 := fit(d)
	warped := roundedSynthetic()
	x := warped.Modalities[0].X.(*mat.Dense)
	r, _ := x.Dims()
	for i := range r {
		x.Set(i, 0, math.Exp(3*x.At(i, 0))-10)
	}
	m2, train2 := fit(warped)
	p1, err := m1.Predict(train1)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.Predict(train2)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(p1, p2) {
		t.Error("an increasing map of an input column changed the quantile-input model")
	}
	var buf bytes.Buffer
	if err := m1.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m3, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if p3, err := m3.Predict(train1); err != nil || !mat.Equal(p1, p3) {
		t.Errorf("quantile-input model differs after Save/Load (err %v)", err)
	}
	if n, err := m3.OutOfRange(train1); err != nil || n != 0 {
		t.Errorf("quantile model: %d training rows out of range (err %v)", n, err)
	}
	far := Dataset{Modalities: []Modality{{"signal", mat.DenseCopyOf(train1.Modalities[0].X)}, train1.Modalities[1]}}
	far.Modalities[0].X.(*mat.Dense).Set(5, 4, 1e9)
	far.Modalities[0].X.(*mat.Dense).Set(9, 0, -1e9)
	if n, err := m3.OutOfRange(far); err != nil || n != 2 {
		t.Errorf("quantile model: OutOfRange = %d (err %v), want the 2 rows beyond the training values", n, err)
	}
	bad := Dataset{Modalities: []Modality{{"signal", mat.DenseCopyOf(train1.Modalities[0].X)}, train1.Modalities[1]}}
	bad.Modalities[0].X.(*mat.Dense).Set(3, 1, math.Inf(-1))
	if _, err := m3.Predict(bad); !errors.Is(err, ErrInput) {
		t.Errorf("Predict with −Inf: err = %v, want ErrInput", err)
	}
	if _, err := m3.OutOfRange(bad); !errors.Is(err, ErrInput) {
		t.Errorf("OutOfRange with −Inf: err = %v, want ErrInput", err)
	}
	short := Dataset{Modalities: []Modality{{"signal", mat.NewDense(4, 2, nil)}, train1.Modalities[1]}}
	if _, err := m3.OutOfRange(short); !errors.Is(err, ErrDimension) {
		t.Errorf("OutOfRange with 2 columns for 6: err = %v, want ErrDimension", err)
	}
	if _, err := new(Model).OutOfRange(train1); !errors.Is(err, ErrNotTrained) {
		t.Errorf("OutOfRange of an untrained model: err = %v", err)
	}
	if _, err := ParseInputMap("rank"); !errors.Is(err, ErrInput) {
		t.Errorf("ParseInputMap(rank): err = %v", err)
	}
	if v, err := ParseInputMap(" Quantile"); err != nil || v != Quantile || v.String() != "quantile" {
		t.Errorf("ParseInputMap(Quantile) = %v, %v", v, err)
	}
}
