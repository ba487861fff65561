package asmcheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Check runs `go -C gen run . -for pkg -dir TMP` and compares each of files
// (names in the current directory, the package's) with the generated one.
// It skips in -short mode (it builds avo) and without a go command.
func Check(t *testing.T, gen, pkg string, files ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds avo: not in -short mode")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "-C", gen, "run", ".", "-for", pkg, "-dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go -C %s run . -for %s -dir %s: %v\n%s", gen, pkg, dir, err, out)
	}
	for _, name := range files {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go generate for package %s", name, pkg)
		}
	}
}
