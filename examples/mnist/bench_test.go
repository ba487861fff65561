package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg"
	"github.com/pidreg/pidreg/internal/datasets"
)

// fullSizeMNIST is random MNIST of the real sizes: 60 000 and 10 000
// images of 784 bytes, random digit labels.
func fullSizeMNIST(seed uint64) *datasets.MNIST {
	rng := rand.New(rand.NewPCG(seed, 3))
	make1 := func(n int) (*datasets.Images, []uint8) {
		x := &datasets.Images{N: n, Pixels: datasets.MNISTPixels, Pix: make([]uint8, n*datasets.MNISTPixels)}
		for i := range x.Pix {
			x.Pix[i] = uint8(rng.UintN(256))
		}
		lab := make([]uint8, n)
		for i := range lab {
			lab[i] = uint8(rng.IntN(10))
		}
		return x, lab
	}
	trX, trY := make1(datasets.MNISTTrainSize)
	teX, teY := make1(datasets.MNISTTestSize)
	return &datasets.MNIST{TrainImages: trX, TrainLabels: trY, TestImages: teX, TestLabels: teY}
}

// BenchmarkFitPrepare times what Fit does before its first training step
// on the default run's data (60 000 training samples of two images, 493
// pixels each; a 54 000/6 000 split): checking the inputs, fitting and
// applying the input pipelines, storing the training rows in float32 and
// scaling the validation rows. It stops Fit at its first step. The inputs
// are the example's read-through matrices (ImageRows) or their float64
// copies (Dense, what the example held before).
func BenchmarkFitPrepare(b *testing.B) {
	mn := fullSizeMNIST(1)
	pixels := make([]int, 493)
	for j := range pixels {
		pixels[j] = 100 + j
	}
	d, err := buildDataset(mn, 2, defaultTrain, defaultTest, 1, pixels)
	if err != nil {
		b.Fatal(err)
	}
	s, err := split(defaultTrain, defaultTest, defaultVal, 1)
	if err != nil {
		b.Fatal(err)
	}
	dense := pidreg.Dataset{Y: d.Y}
	for _, m := range d.Modalities {
		dense.Modalities = append(dense.Modalities, pidreg.Modality{Name: m.Name, X: mat.DenseCopyOf(m.X)})
	}
	for _, c := range []struct {
		name string
		d    pidreg.Dataset
	}{{"ImageRows", d}, {"Dense", dense}} {
		b.Run(c.name, func(b *testing.B) {
			train, err := c.d.Subset(s.Train)
			if err != nil {
				b.Fatal(err)
			}
			val, err := c.d.Subset(s.Val)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				m, err := pidreg.New(pidreg.Config{Seed: 1, Epochs: 1}, c.d.Dims()...)
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				_, err = m.Fit(ctx, train, val, pidreg.WithSteps(func(pidreg.Step) { cancel() }))
				cancel()
				if !errors.Is(err, context.Canceled) {
					b.Fatalf("Fit: %v, want it stopped after its first step", err)
				}
			}
		})
	}
}
