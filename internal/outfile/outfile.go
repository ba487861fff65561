package outfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Sentinel errors wrapped by Check and CheckDir, for errors.Is.
var (
	// ErrIsInput reports an output path that is one of the input files.
	ErrIsInput = errors.New("is an input file")
	// ErrNotWritable reports an output that cannot be created or replaced.
	ErrNotWritable = errors.New("cannot be written")
)

// Check reports whether a file can be written at path by Write: its
// directory exists and accepts new files, path is not a directory or a
// special file, and it is not the same file as any of inputs (inputs that
// do not exist, "" and "-" are skipped). It creates and removes a probe
// file in the directory and changes nothing else.
func Check(path string, inputs ...string) error {
	if path == "" {
		return fmt.Errorf("empty output path: %w", ErrNotWritable)
	}
	st, err := os.Stat(path)
	switch {
	case err == nil:
		if st.IsDir() {
			return fmt.Errorf("%s is a directory: %w", path, ErrNotWritable)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file (%v): %w", path, st.Mode().Type(), ErrNotWritable)
		}
		if err := notInput(path, st, inputs); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("%s: %w", path, notWritable(err))
	}
	return probe(filepath.Dir(path))
}

// CheckDir reports whether files can be written into the directory dir:
// either it exists, is a directory and accepts new files, or it does not
// exist and its nearest existing ancestor is a directory that accepts new
// ones (MkdirAll will create the rest). It creates and removes a probe file
// and changes nothing else.
func CheckDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("empty directory path: %w", ErrNotWritable)
	}
	d := filepath.Clean(dir)
	for {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				if d == filepath.Clean(dir) {
					return fmt.Errorf("%s is not a directory: %w", dir, ErrNotWritable)
				}
				return fmt.Errorf("%s: %s is not a directory: %w", dir, d, ErrNotWritable)
			}
			return probe(d)
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("%s: %w", dir, notWritable(err))
		}
		up := filepath.Dir(d)
		if up == d {
			return fmt.Errorf("%s: no existing ancestor: %w", dir, ErrNotWritable)
		}
		d = up
	}
}

// Output is one output of a program, for CheckAll.
type Output struct {
	// Name labels the output in messages ("-out", "report").
	Name string
	// Path is the file (or, with Dir, the directory) to write; "" and "-"
	// (standard output) are skipped.
	Path string
	Dir  bool
}

// CheckAll checks every output before a computation: each file with Check
// against inputs, each directory with CheckDir, and no two outputs at the
// same path. Errors start with the output's name.
func CheckAll(inputs []string, outs ...Output) error {
	seen := make(map[string]string)
	for _, o := range outs {
		if o.Path == "" || o.Path == "-" {
			continue
		}
		abs, err := filepath.Abs(o.Path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", o.Name, o.Path, err)
		}
		if prev, dup := seen[abs]; dup {
			return fmt.Errorf("%s and %s are the same path %s: %w", prev, o.Name, o.Path, ErrNotWritable)
		}
		seen[abs] = o.Name
		if o.Dir {
			err = CheckDir(o.Path)
		} else {
			err = Check(o.Path, inputs...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", o.Name, err)
		}
	}
	return nil
}

// notInput fails if the existing file path (with FileInfo st) is one of
// inputs.
func notInput(path string, st fs.FileInfo, inputs []string) error {
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		ist, err := os.Stat(in)
		if err != nil {
			continue // a missing input is reported by whoever reads it
		}
		if os.SameFile(st, ist) {
			if filepath.Clean(in) == filepath.Clean(path) {
				return fmt.Errorf("%s %w: writing it would destroy the data", path, ErrIsInput)
			}
			return fmt.Errorf("%s is the input file %s: writing it would destroy the data: %w", path, in, ErrIsInput)
		}
	}
	return nil
}

// probe creates and removes a file in dir to learn whether Write could
// create its temporary file there.
func probe(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, notWritable(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory: %w", dir, ErrNotWritable)
	}
	f, name, err := createTemp(dir, "probe")
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, notWritable(err))
	}
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("directory %s: removing the probe file: %w", dir, err)
	}
	return nil
}

// notWritable wraps a system error so that it also matches ErrNotWritable,
// keeping the system's wording ("permission denied", "read-only file
// system").
func notWritable(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in the message
	}
	return fmt.Errorf("%w: %w", err, ErrNotWritable)
}

// Write writes the file path atomically: fn writes the content into a
// buffered writer over a temporary file in path's directory, which is then
// flushed, synced and renamed over path. If fn or any step fails, the
// temporary file is removed, path is left as it was, and the error is
// returned. The new file has the permissions os.Create would give it (mode
// 0666 less the umask, or the permission bits of the file it replaces).
func Write(path string, fn func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		if err := f.Chmod(st.Mode().Perm()); err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// WriteFile writes data to path atomically; see Write.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// createTemp creates a new file ".base.tmpNNNN" in dir with mode 0666, so
// that the umask applies as for os.Create. The random suffix only has to
// avoid collisions, so it comes from the runtime-seeded generator.
func createTemp(dir, base string) (*os.File, string, error) {
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp"+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return f, name, nil
	}
	return nil, "", fmt.Errorf("%s: cannot find a free temporary name: %w", dir, fs.ErrExist)
}

// syncDir makes a rename in dir durable where the system supports it; a
// failure changes nothing the caller can act on, so it is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
