package table_test

import (
	"fmt"
	"log"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/table"
)

func ExampleRead() {
	const csv = "temp,x-1,x-2\n" +
		"1.5,10,20\n" +
		"2.5,11,21\n"
	tab, err := table.Read(strings.NewReader(csv), table.Options{Header: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tab.Header)
	fmt.Println(mat.Formatted(tab.Data))

	_, err = table.Read(strings.NewReader("a,b\n1,2\n3,oops\n"), table.Options{Header: true})
	fmt.Println(err)
	// Output:
	// [temp x-1 x-2]
	// ⎡1.5   10   20⎤
	// ⎣2.5   11   21⎦
	// table: line 3, column 1 ("b"): "oops": not a number
}

// A semicolon file with an identifier, a text column, missing cells and a
// row whose target is unknown: only the selected columns are parsed.
func ExampleFile_ReadBlocks() {
	const csv = "id;site;x1;x2;y1;target;\n" +
		"a;north;1.0;2.0;5;10;\n" +
		"b;south;NA;3.0;6;11;\n" +
		"c;north;2.0;4.0;;;\n" +
		"d;east;3.0;5.0;7;13;\n"
	f, err := table.Open(table.Options{Header: true, Stdin: strings.NewReader(csv)}, "-")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	b, err := f.ReadBlocks(table.Request{
		Inputs: []table.Block{{Name: "modality X", Spec: "x1-x2"}, {Name: "modality Y", Spec: "y1"}},
		Target: table.Block{Name: "-target", Spec: "target"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.InputNames, b.TargetNames)
	fmt.Println(mat.Formatted(b.Inputs[0]))
	r := b.Report
	fmt.Printf("%d rows, %d kept, %d dropped (first at %s), missing %v\n", r.Rows, r.Kept, r.Dropped, r.FirstDropped, r.Missing)
	// Output:
	// [[x1 x2] [y1]] [target]
	// ⎡  1    2⎤
	// ⎢NaN    3⎥
	// ⎣  3    5⎦
	// 4 rows, 3 kept, 1 dropped (first at line 4), missing [{x1 1} {target 1}]
}

func ExampleParseColumns() {
	header := []string{"critical_temp", "f0", "f1", "f2", "x-1"}
	for _, spec := range []string{"1-3", "critical_temp,0", "x-1", "f9"} {
		cols, err := table.ParseColumns(spec, header, len(header))
		fmt.Println(cols, err)
	}
	// Output:
	// [1 2 3] <nil>
	// [] table: column list "critical_temp,0": column 0 given twice ("critical_temp" and "0"): bad column list
	// [4] <nil>
	// [] table: column list "f9": no column is named "f9", and it is not an index or a range a-b of indices or names: bad column list
}
