package gemm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGenerated runs the generator (asmgen, its own module, built from the
// module cache or the proxy) into a temporary directory and fails if the
// committed kernel_amd64.s or kernel_amd64.go differ from its output: run
// go generate ./internal/gemm/ after changing asmgen.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds avo: not in -short mode")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "-C", "asmgen", "run", ".", "-dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go -C asmgen run . -dir %s: %v\n%s", dir, err, out)
	}
	for _, name := range []string{"kernel_amd64.s", "kernel_amd64.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go generate ./internal/gemm/", name)
		}
	}
}
