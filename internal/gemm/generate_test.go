package gemm

import (
	"testing"

	"github.com/pidreg/pidreg/internal/asmcheck"
)

// TestGenerated fails if the committed kernel_amd64.s or kernel_amd64.go
// differ from the generator's output: run go generate ./internal/gemm/
// after changing internal/asmgen.
func TestGenerated(t *testing.T) {
	asmcheck.Check(t, "../asmgen", "gemm", "kernel_amd64.s", "kernel_amd64.go")
}
