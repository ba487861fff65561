package outfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask runs fn under the given umask and restores the old one. The
// umask is process-wide, so tests that use it do not run in parallel.
func withUmask(t *testing.T, mask int, fn func()) {
	t.Helper()
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

func TestWriteModeFollowsUmask(t *testing.T) {
	for _, tc := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o027, 0o640}, {0o077, 0o600}, {0o002, 0o664}} {
		dir := t.TempDir()
		p := filepath.Join(dir, "m.bin")
		withUmask(t, tc.umask, func() {
			if err := WriteFile(p, []byte("abc")); err != nil {
				t.Fatal(err)
			}
			// os.Create under the same umask, for comparison.
			f, err := os.Create(filepath.Join(dir, "ref"))
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		})
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := os.Stat(filepath.Join(dir, "ref"))
		if st.Mode().Perm() != tc.want || st.Mode().Perm() != ref.Mode().Perm() {
			t.Errorf("umask %03o: mode %v, os.Create gives %v, want %v", tc.umask, st.Mode().Perm(), ref.Mode().Perm(), tc.want)
		}
		onlyNames(t, dir, "m.bin", "ref")
	}
}

func TestWriteKeepsExistingMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "keep")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	withUmask(t, 0o022, func() {
		if err := WriteFile(p, []byte("new")); err != nil {
			t.Fatal(err)
		}
	})
	st, _ := os.Stat(p)
	b, _ := os.ReadFile(p)
	if st.Mode().Perm() != 0o640 || string(b) != "new" {
		t.Errorf("mode %v, content %q", st.Mode().Perm(), b)
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	if err := os.WriteFile(p, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, func(w io.Writer) error {
		w.Write([]byte(strings.Repeat("x", 1<<17))) // past the buffer: reaches the file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "previous" {
		t.Errorf("destination changed to %d bytes", len(b))
	}
	onlyNames(t, dir, "out.json")
	if err := WriteFile(filepath.Join(dir, "nodir", "x"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(data, []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.csv")
	if err := os.Link(data, hard); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		inputs []string
		is     error
		msg    string
	}{
		{"", nil, ErrNotWritable, "empty output path"},
		{sub, nil, ErrNotWritable, "is a directory"},
		{filepath.Join(dir, "nodir", "m"), nil, fs.ErrNotExist, "no such file"},
		{filepath.Join(data, "m"), nil, ErrNotWritable, "not a directory"},
		{data, []string{data}, ErrIsInput, "is an input file"},
		{filepath.Join(dir, ".", "data.csv"), []string{data}, ErrIsInput, "is an input file"},
		{link, []string{data}, ErrIsInput, "is the input file"},
		{data, []string{"-", "", filepath.Join(dir, "gone"), hard}, ErrIsInput, "is the input file"},
		{"/dev/null", nil, ErrNotWritable, "not a regular file"},
	} {
		err := Check(tc.path, tc.inputs...)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Check(%q, %q) = %v, want %v containing %q", tc.path, tc.inputs, err, tc.is, tc.msg)
		}
	}
	for _, ok := range []string{filepath.Join(dir, "new.pidreg"), filepath.Join(sub, "x"), data} {
		if err := Check(ok, filepath.Join(dir, "other.csv")); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	onlyNames(t, dir, "data.csv", "link.csv", "hard.csv", "sub")
}

func TestCheckReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root writes into a 0555 directory; a read-only file system is
		// the case that fails for root too.
		if _, err := os.Stat("/proc/self"); err != nil {
			t.Skip("running as root without /proc")
		}
		err := Check("/proc/self/pidreg-model")
		if !errors.Is(err, ErrNotWritable) {
			t.Errorf("/proc/self: %v", err)
		}
		return
	}
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	if err := Check(filepath.Join(ro, "m")); !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("read-only directory: %v", err)
	}
	if err := CheckDir(filepath.Join(ro, "plots")); !errors.Is(err, ErrNotWritable) {
		t.Errorf("plots under a read-only directory: %v", err)
	}
}

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{dir, filepath.Join(dir, "new"), filepath.Join(dir, "a", "b", "c")} {
		if err := CheckDir(ok); err != nil {
			t.Errorf("CheckDir(%q) = %v", ok, err)
		}
	}
	if err := CheckDir(file); !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("a file: %v", err)
	}
	if err := CheckDir(filepath.Join(file, "sub")); !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), file+" is not a directory") {
		t.Errorf("under a file: %v", err)
	}
	if err := CheckDir(""); !errors.Is(err, ErrNotWritable) {
		t.Errorf("empty: %v", err)
	}
	onlyNames(t, dir, "f")
}

// onlyNames fails unless dir holds exactly the named entries.
func onlyNames(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range ents {
		got[e.Name()] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("%s lacks %s", dir, w)
		}
		delete(got, w)
	}
	for name := range got {
		t.Errorf("%s holds an unexpected %s", dir, name)
	}
}

func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("x"), 0o644)
	for b.Loop() {
		if err := Check(filepath.Join(dir, "out.pidreg"), in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckAll(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("x"), 0o644)
	ok := []Output{{"-out", filepath.Join(dir, "m"), false}, {"-report", "", false}, {"-out", "-", false}, {"-plots", filepath.Join(dir, "p"), true}}
	if err := CheckAll([]string{in}, ok...); err != nil {
		t.Errorf("CheckAll = %v", err)
	}
	for _, tc := range []struct {
		outs []Output
		msg  string
	}{
		{[]Output{{"-out", in, false}}, "-out: " + in + " is an input file"},
		{[]Output{{"-out", filepath.Join(dir, "m"), false}, {"-report", filepath.Join(dir, ".", "m"), false}}, "-out and -report are the same path"},
		{[]Output{{"-plots", in, true}}, "-plots: " + in + " is not a directory"},
	} {
		if err := CheckAll([]string{in}, tc.outs...); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CheckAll(%v) = %v, want %q", tc.outs, err, tc.msg)
		}
	}
}
