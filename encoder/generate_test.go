package encoder

import (
	"testing"

	"github.com/pidreg/pidreg/internal/asmcheck"
)

// TestGenerated fails if the committed bn_amd64.s or bn_amd64.go differ
// from the generator's output: run go generate ./encoder/ after changing
// internal/asmgen.
func TestGenerated(t *testing.T) {
	asmcheck.Check(t, "../internal/asmgen", "encoder", "bn_amd64.s", "bn_amd64.go")
}
