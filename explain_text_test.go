package pidreg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pidreg/pidreg/gaussian"
)

// TestNormalityTextShort: the text lists the whole-sample reasons and those
// of the first shownColumns failing columns, then counts the others.
func TestNormalityTextShort(t *testing.T) {
	reasons := []string{"Mardia's skewness per dimension is 9: above the Gaussian upper limit 0.08 by more than the tolerance 0.25"}
	for c := range 10 {
		reasons = append(reasons, fmt.Sprintf("column %d: skewness is 2: above", 3*c))
		if c%2 == 0 {
			reasons = append(reasons, fmt.Sprintf("column %d: excess kurtosis is 9: above", 3*c))
		}
	}
	n := Normality{NormalityCheck: gaussian.NormalityCheck{N: 500, D: 129, Reasons: reasons}, Checked: true}
	got := n.text()
	for _, want := range []string{"Mardia's skewness per dimension is 9", "column 0: skewness", "column 0: excess kurtosis",
		"column 9: skewness", "and 6 more columns"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "column 12:") || strings.Count(got, "\n") != 1+1+4+2+1 {
		t.Errorf("text lists too much:\n%s", got)
	}
	few := Normality{NormalityCheck: gaussian.NormalityCheck{N: 500, D: 3, Reasons: reasons[:3]}, Checked: true}
	if got := few.text(); strings.Contains(got, "more columns") || strings.Count(got, "\n") != 4 {
		t.Errorf("few reasons:\n%s", got)
	}
}
