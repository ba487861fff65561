package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedFilesAreCurrent regenerates every file into a temporary
// directory and compares it byte for byte with the committed copy, so a
// change to the generator cannot silently diverge from testdata/.
func TestCommittedFilesAreCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Errorf("generated %d files, want 5", len(entries))
	}
	for _, e := range entries {
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		want, err := os.ReadFile(filepath.Join("../../../testdata", e.Name()))
		if err != nil {
			t.Errorf("%v (run go generate ./internal/gen/testdatagen)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s is stale: run go generate ./internal/gen/testdatagen", e.Name())
		}
	}
}
