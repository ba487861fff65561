package pidreg

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/pidreg/pidreg/fusion"
)

func TestDefaultConfig(t *testing.T) {
	d := DefaultConfig()
	m, err := New(Config{}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	z := m.Config()
	z.literal = true
	if !reflect.DeepEqual(d, z) {
		t.Errorf("DefaultConfig()\n%+v\nthe zero Config resolves to\n%+v", d, z)
	}
	if d.Latent != 64 || d.CS != 0.1 || d.ThetaInit != 4 || !reflect.DeepEqual(d.Dropout, []float64{0.3, 0.2}) {
		t.Errorf("DefaultConfig: %+v", d)
	}
	// A Config from DefaultConfig is literal: zeros stay zeros.
	c := DefaultConfig()
	c.CS, c.ThetaInit, c.Patience = 0, 0, 0
	m, err = New(c, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Config(); got.CS != 0 || got.ThetaInit != 0 || got.Patience != 0 {
		t.Errorf("literal zeros became %v, %v, %v", got.CS, got.ThetaInit, got.Patience)
	}
	if _, ok := m.spec(1, 256).Weights["cs"]; !ok || on(m.spec(1, 256).Weights["cs"]) {
		t.Errorf("a zero CS weight is on: %v", m.spec(1, 256).Weights)
	}
	// ... while the zero Config means the defaults.
	if m, _ := New(Config{Seed: 2}, 3, 4); m.Config().CS != 0.1 || m.Config().ThetaInit != 4 {
		t.Errorf("zero fields did not take their defaults: %+v", m.Config())
	}
}

// TestDropoutFollowsDepth checks that the dropout defaults follow the
// number of hidden layers of each stack.
func TestDropoutFollowsDepth(t *testing.T) {
	m, err := New(Config{Hidden: []int{32, 16, 8}, HeadHidden: []int{16}}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	if !reflect.DeepEqual(c.Dropout, []float64{0.3, 0.2, 0.2}) || !reflect.DeepEqual(c.HeadDropout, []float64{0.3}) {
		t.Errorf("dropout %v, head dropout %v", c.Dropout, c.HeadDropout)
	}
	// One Dropout for encoders and head of the same depth is shared.
	m, err = New(Config{Dropout: []float64{0.1, 0}}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config(); !reflect.DeepEqual(c.HeadDropout, []float64{0.1, 0}) {
		t.Errorf("head dropout %v, want the shared {0.1, 0}", c.HeadDropout)
	}
	m, err = New(Config{Dropout: []float64{0.1}, Hidden: []int{32}}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config(); !reflect.DeepEqual(c.HeadDropout, []float64{0.3, 0.2}) {
		t.Errorf("head dropout %v, want the method's {0.3, 0.2} for a two-layer head", c.HeadDropout)
	}
}

// TestConfigValidated checks that New refuses every out-of-range field with
// an error naming it.
func TestConfigValidated(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for field, c := range map[string]Config{
		"Latent":          {Latent: -1},
		"Epochs":          {Epochs: -5},
		"Batch":           {Batch: 2},
		"LearnRate":       {LearnRate: nan},
		"LearnRate ":      {LearnRate: 1e9},
		"LearnRate  ":     {LearnRate: -1e-3},
		"LambdaLearnRate": {LambdaLearnRate: -0.1},
		"ThetaInit":       {ThetaInit: inf},
		"ClipNorm":        {ClipNorm: nan},
		"PlateauPatience": {PlateauPatience: -2},
		"PlateauFactor":   {PlateauFactor: 1.5},
		"MinLearnRate":    {MinLearnRate: 0.5},
		"CS":              {CS: nan},
		"CMI":             {CMI: inf},
		"Gauss":           {Gauss: nan},
		"Bandwidth":       {Bandwidth: -1},
		"DropBelow":       {DropBelow: 1},
		"InputClip":       {InputClip: nan},
		"Inputs":          {Inputs: 9},
		"Missing":         {Missing: 9},
		"Policy":          {Policy: 9},
		"Schedule.Window": {Schedule: fusion.Schedule{Window: -1}},
		"Schedule.Delta":  {Schedule: fusion.Schedule{Delta: nan}},
		"Hidden":          {Hidden: []int{8, 0}},
		"Dropout":         {Dropout: []float64{0.5}},
		"HeadDropout":     {HeadDropout: []float64{0.1, 1}},
	} {
		field = strings.TrimSpace(field)
		_, err := New(c, 3, 4)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "Config."+field) {
			t.Errorf("%s: err = %v, want ErrInput naming Config.%s", field, err, field)
		}
	}
	lit := DefaultConfig()
	lit.ClipNorm = 0
	if _, err := New(lit, 3, 4); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "negative for no clipping") {
		t.Errorf("literal ClipNorm 0: err = %v", err)
	}
	// Negative means off where off makes sense.
	if _, err := New(Config{CS: -1, CMI: -1, Gauss: -1, ClipNorm: -1, Patience: -1, InputClip: -1}, 3, 4); err != nil {
		t.Errorf("negative switches refused: %v", err)
	}
}

// TestBatchFits checks the rule batch ≥ M·latent + targets + 2 and that its
// error gives the advice that can work: a larger -batch when the batch is
// the configured one, a smaller -latent (with the largest that fits) when
// the training rows limit it, more rows when no latent fits.
func TestBatchFits(t *testing.T) {
	for _, c := range []struct {
		sources, k, dm, batch int
		limited, pidOn        bool
		want                  string // "" for no error
	}{
		{2, 64, 1, 256, false, true, ""},
		{3, 84, 1, 256, false, true, ""}, // 3·84 + 3 = 255
		{3, 85, 1, 256, false, true, "raise Config.Batch (-batch)"},
		{2, 64, 1, 70, true, true, "lower Config.Latent (-latent) to 33 or less"},
		{4, 1, 1, 5, true, true, "too few for any latent size"},
		{2, 64, 1, 70, true, false, ""}, // no PID, no rule
	} {
		err := batchFits(c.sources, c.k, c.dm, c.batch, c.limited, c.pidOn)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInput)):
			t.Errorf("%+v: error %v, want one containing %q", c, err, c.want)
		}
	}
}
