package pidreg_test

import (
	"fmt"
	"log"

	"github.com/pidreg/pidreg"
)

// ExampleReadFile reads a semicolon-separated file with an identifier and
// a text column, missing cells and rows without a target, and splits it.
func ExampleReadFile() {
	d, rep, err := pidreg.ReadFile("testdata/gauss_missing.csv", pidreg.Columns{
		Modalities: []pidreg.ModalityColumns{{Name: "x", Columns: "x1-x3"}, {Name: "y", Columns: "y1,y2,y3"}},
		Target:     "target",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Names(), d.Dims(), "rows:", d.Rows())
	fmt.Println("read", rep.Rows, "rows, dropped", rep.Dropped, "without a target")
	fmt.Println("missing cells:", rep.Missing)
	fmt.Println("columns:", rep.Columns, rep.TargetColumns)

	train, val, test, err := pidreg.SplitRows(d.Rows(), [3]float64{0.7, 0.1, 0.2}, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("split:", len(train), len(val), len(test))
	tr, err := d.Subset(train)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("training rows:", tr.Rows())
	// Output:
	// [x y] [3 3] rows: 58
	// read 60 rows, dropped 2 without a target
	// missing cells: map[target:2 x2:2 y1:1]
	// columns: [[x1 x2 x3] [y1 y2 y3]] [target]
	// split: 40 6 12
	// training rows: 40
}

// ExampleSplitGroups keeps the rows of a patient together.
func ExampleSplitGroups() {
	patients := []int{7, 7, 7, 3, 3, 9, 9, 9, 9, 4, 4, 5}
	train, val, test, err := pidreg.SplitGroups(patients, [3]float64{0.6, 0.2, 0.2}, 1)
	if err != nil {
		log.Fatal(err)
	}
	for _, part := range [][]int{train, val, test} {
		var ids []int
		for _, i := range part {
			ids = append(ids, patients[i])
		}
		fmt.Println(part, ids)
	}
	// Output:
	// [3 4 5 6 7 8] [3 3 9 9 9 9]
	// [9 10 11] [4 4 5]
	// [0 1 2] [7 7 7]
}
