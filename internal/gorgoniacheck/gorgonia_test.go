package gorgoniacheck

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGraphRuns builds y = sum(x*x) and checks the value and the gradient 2x.
// Reaching this test at all proves the package initialisers did not panic.
func TestGraphRuns(t *testing.T) {
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithBacking([]float64{1, 2, 3}))))
	y := G.Must(G.Sum(G.Must(G.Square(x))))
	if _, err := G.Grad(y, x); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if got := y.Value().Data().(float64); got != 14 {
		t.Fatalf("sum of squares = %v, want 14", got)
	}
	gv, err := x.Grad()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2, 4, 6}
	for i, v := range gv.Data().([]float64) {
		if v != want[i] {
			t.Fatalf("grad[%d] = %v, want %v", i, v, want[i])
		}
	}
}
