package outfile_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/pidreg/pidreg/internal/outfile"
)

func Example() {
	dir, err := os.MkdirTemp("", "outfile")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(data, []byte("x,y\n1,2\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")

	// Before the long computation: is every output writable?
	fmt.Println(outfile.Check(report, data) == nil)
	fmt.Println(outfile.Check(data, data) != nil) // the input itself
	fmt.Println(outfile.Check(dir) != nil)        // a directory

	// After it: write atomically.
	err = outfile.Write(report, func(w io.Writer) error {
		return json.NewEncoder(w).Encode(map[string]float64{"rmse": 0.5})
	})
	b, _ := os.ReadFile(report)
	fmt.Print(string(b), err)
	// Output:
	// true
	// true
	// true
	// {"rmse":0.5}
	// <nil>
}
