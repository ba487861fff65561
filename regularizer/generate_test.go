package regularizer

import (
	"testing"

	"github.com/pidreg/pidreg/internal/asmcheck"
)

// TestGenerated fails if the committed exp_amd64.s or exp_amd64.go differ
// from the generator's output: run go generate ./regularizer/ after
// changing internal/asmgen.
func TestGenerated(t *testing.T) {
	asmcheck.Check(t, "../internal/asmgen", "regularizer", "exp_amd64.s", "exp_amd64.go")
}
