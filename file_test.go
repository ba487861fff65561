package pidreg

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of the current model format")

// goldenModel trains the small, seeded model whose file is the golden file
// of the current format: two modalities, quantile inputs on one side of
// the comparison, column names, a validation split.
func goldenModel(t *testing.T) (*Model, Dataset) {
	t.Helper()
	d := synthetic(300, 11)
	m, err := New(Config{Seed: 7, Epochs: 3, Latent: 4, Hidden: []int{8, 8}, HeadHidden: []int{8, 8}, Batch: 64, Inputs: Quantile}, d.Dims()...)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][]string
	for i, dim := range d.Dims() {
		var c []string
		for j := range dim {
			c = append(c, fmt.Sprintf("m%d_%d", i, j))
		}
		cols = append(cols, c)
	}
	if err := m.SetColumns(cols, []string{"y"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), part(d, 0, 200), part(d, 200, 300)); err != nil {
		t.Fatal(err)
	}
	return m, part(d, 250, 300)
}

func goldenPath(name string) string { return filepath.Join("testdata", "golden", name) }

// TestModelFileGolden reads the golden file of the current format: it must
// load, predict what it predicted when it was written (to rounding: the
// matrix kernels may sum in another order), and save back to the very same
// bytes, so any change of layout is caught and needs a new format version.
func TestModelFileGolden(t *testing.T) {
	file := goldenPath(fmt.Sprintf("model_v%d.pidreg", fileVersion))
	preds := goldenPath(fmt.Sprintf("model_v%d_predictions.txt", fileVersion))
	m, test := goldenModel(t)
	if *update {
		if err := m.SaveFile(file); err != nil {
			t.Fatal(err)
		}
		p, err := m.Predict(test)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := range p.RawMatrix().Rows {
			fmt.Fprintf(&b, "%s\n", strconv.FormatFloat(p.At(i, 0), 'g', -1, 64))
		}
		if err := os.WriteFile(preds, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Load(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := g.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		t.Errorf("the golden file of version %d does not save back to its own bytes: the layout changed (bump fileVersion and add a golden file)", fileVersion)
	}
	p, err := g.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(preds)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		want, err := strconv.ParseFloat(sc.Text(), 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.At(i, 0); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("golden prediction %d = %v, want %v", i, got, want)
		}
	}
	if c := g.Columns(); len(c) != 2 || c[1][4] != "m1_4" || g.TargetColumns()[0] != "y" || g.Config().Inputs != Quantile {
		t.Errorf("golden model: columns %v, target %v, inputs %v", c, g.TargetColumns(), g.Config().Inputs)
	}
}

// TestModelFileOldVersions checks that files of earlier formats are refused
// with a message naming their version, and so is a newer one.
func TestModelFileOldVersions(t *testing.T) {
	_, err := LoadFile(goldenPath("model_v1.pidreg"))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "version 1") || !strings.Contains(err.Error(), "older") {
		t.Errorf("version 1 file: err = %v, want ErrFormat naming version 1", err)
	}
	raw, err := os.ReadFile(goldenPath(fmt.Sprintf("model_v%d.pidreg", fileVersion)))
	if err != nil {
		t.Fatal(err)
	}
	newer := append([]byte(nil), raw...)
	binary.BigEndian.PutUint32(newer[8:12], fileVersion+1)
	sum := sha256.Sum256(newer[:len(newer)-sha256.Size])
	copy(newer[len(newer)-sha256.Size:], sum[:])
	if _, err := Load(bytes.NewReader(newer)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", fileVersion+1)) || !strings.Contains(err.Error(), "newer") {
		t.Errorf("version %d file: err = %v, want ErrFormat naming it as newer", fileVersion+1, err)
	}
}

// TestModelFileDeterministic trains the golden model twice: the same seed
// and data must write the same bytes (no clock in the file).
func TestModelFileDeterministic(t *testing.T) {
	var files [2][]byte
	for i := range files {
		m, _ := goldenModel(t)
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two trainings with one seed wrote different model files")
	}
}

// TestModelFileTampered re-signs altered payloads: a file whose checksum is
// right but whose content does not describe a valid model is refused.
func TestModelFileTampered(t *testing.T) {
	m, _ := goldenModel(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	hlen := int(binary.BigEndian.Uint32(raw[20:24]))
	header := string(raw[24 : 24+hlen])
	resign := func(header string, tensors []byte) []byte {
		var p bytes.Buffer
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(len(header)))
		p.Write(b[:])
		p.WriteString(header)
		p.Write(tensors)
		out := append([]byte(nil), raw[:20]...)
		binary.BigEndian.PutUint64(out[12:20], uint64(p.Len()))
		out = append(out, p.Bytes()...)
		s := sha256.Sum256(out)
		return append(out, s[:]...)
	}
	tensors := raw[24+hlen : len(raw)-sha256.Size]
	if _, err := Load(bytes.NewReader(resign(header, tensors))); err != nil {
		t.Fatalf("re-signing the unchanged payload broke it: %v", err)
	}
	for _, c := range []struct{ name, from, to string }{
		{"unknown field", `"config":{`, `"config":{"surprise":1,`},
		{"renamed tensor", `"input1.mean"`, `"input1.avg"`},
		{"wrong width", `"columns":6`, `"columns":5`},
		{"bad policy", `"policy":"split"`, `"policy":"coin"`},
		{"bad latent", `"latent":4`, `"latent":-4`},
	} {
		h := strings.Replace(header, c.from, c.to, 1)
		if h == header {
			t.Fatalf("%s: %q not in the header", c.name, c.from)
		}
		if _, err := Load(bytes.NewReader(resign(h, tensors))); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", c.name, err)
		}
	}
	if _, err := Load(bytes.NewReader(resign(header, tensors[:len(tensors)-8]))); !errors.Is(err, ErrFormat) {
		t.Errorf("a tensor short by one value: err = %v, want ErrFormat", err)
	}
	nan := append([]byte(nil), tensors...)
	binary.LittleEndian.PutUint64(nan[8:], math.Float64bits(math.NaN()))
	if _, err := Load(bytes.NewReader(resign(header, nan))); !errors.Is(err, ErrFormat) {
		t.Errorf("a NaN statistic: err = %v, want ErrFormat", err)
	}
}
