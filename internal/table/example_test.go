package table_test

import (
	"fmt"
	"log"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/table"
)

func ExampleRead() {
	const csv = "id,temp,x-1,x-2\n" +
		"a,1.5,10,20\n" +
		"b,2.5,11,21\n"
	tab, err := table.Read(strings.NewReader(csv), table.Options{Header: true, Skip: []string{"id"}})
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
