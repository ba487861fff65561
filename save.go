package pidreg

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/pidreg/pidreg/encoder"
)

// The model file format, version 1:
//
//	magic   8 bytes  "PIDREG\x00\x01"
//	version uint32   big-endian, 1
//	length  uint64   big-endian, bytes of payload
//	payload          encoding/gob of modelFile
//	sum     32 bytes SHA-256 of magic, version, length and payload
//
// A truncated file, a flipped bit anywhere, or an unknown version is
// refused with an error wrapping ErrFormat, never loaded as a wrong model.
const (
	fileMagic   = "PIDREG\x00\x01"
	fileVersion = 1
	maxPayload  = 1 << 31
)

type modelFile struct {
	Config  Config
	Names   []string
	Dims    []int
	DM      int
	XS      []scaler
	YS      scaler
	Enc     []*encoder.Weights
	Head    *encoder.Weights
	Weights [3]float64
	Lambdas []float64
	Explain Explanation
	Columns [][]string
	Targets []string
}

// Save writes the trained model to w.
func (m *Model) Save(w io.Writer) error {
	if !m.trained {
		return ErrNotTrained
	}
	var payload bytes.Buffer
	f := modelFile{Config: m.cfg, Names: m.names, Dims: m.dims, DM: m.dm, XS: m.xs, YS: m.ys,
		Enc: m.enc, Head: m.head, Weights: m.weights, Lambdas: m.lambdas, Explain: m.exp,
		Columns: m.columns, Targets: m.targets}
	if err := gob.NewEncoder(&payload).Encode(&f); err != nil {
		return fmt.Errorf("pidreg: encoding the model: %w", err)
	}
	var head [8 + 4 + 8]byte
	copy(head[:8], fileMagic)
	binary.BigEndian.PutUint32(head[8:12], fileVersion)
	binary.BigEndian.PutUint64(head[12:20], uint64(payload.Len()))
	h := sha256.New()
	h.Write(head[:])
	h.Write(payload.Bytes())
	for _, b := range [][]byte{head[:], payload.Bytes(), h.Sum(nil)} {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("pidreg: writing the model: %w", err)
		}
	}
	return nil
}

// SaveFile writes the model to path atomically: to a temporary file in the
// same directory, synced, then renamed over path. On any error nothing is
// left at path that was not there before.
func (m *Model) SaveFile(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("pidreg: saving %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = m.Save(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("pidreg: saving %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("pidreg: saving %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("pidreg: saving %s: %w", path, err)
	}
	return nil
}

// Load reads a model written by Save.
func Load(r io.Reader) (*Model, error) {
	var head [8 + 4 + 8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if string(head[:8]) != fileMagic {
		return nil, fmt.Errorf("%w: not a pidreg model (bad magic)", ErrFormat)
	}
	if v := binary.BigEndian.Uint32(head[8:12]); v != fileVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads version %d", ErrFormat, v, fileVersion)
	}
	size := binary.BigEndian.Uint64(head[12:20])
	if size > maxPayload {
		return nil, fmt.Errorf("%w: payload of %d bytes is implausible", ErrFormat, size)
	}
	// Read through a LimitReader so a corrupt length cannot make us
	// allocate more than the file holds.
	var payload bytes.Buffer
	if n, err := io.Copy(&payload, io.LimitReader(r, int64(size))); err != nil || uint64(n) != size {
		return nil, fmt.Errorf("%w: truncated payload (%d of %d bytes)", ErrFormat, n, size)
	}
	var sum [sha256.Size]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return nil, fmt.Errorf("%w: truncated checksum", ErrFormat)
	}
	h := sha256.New()
	h.Write(head[:])
	h.Write(payload.Bytes())
	if !bytes.Equal(h.Sum(nil), sum[:]) {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is altered or damaged)", ErrFormat)
	}
	var f modelFile
	if err := gob.NewDecoder(&payload).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: decoding: %v", ErrFormat, err)
	}
	m := &Model{cfg: f.Config, names: f.Names, dims: f.Dims, dm: f.DM, xs: f.XS, ys: f.YS,
		enc: f.Enc, head: f.Head, weights: f.Weights, lambdas: f.Lambdas, exp: f.Explain, trained: true,
		columns: f.Columns, targets: f.Targets}
	if err := m.consistent(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return m, nil
}

// LoadFile reads a model file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pidreg: %w", err)
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// consistent checks that a decoded model's pieces fit together.
func (m *Model) consistent() error {
	if len(m.dims) < 1 || len(m.dims) > 2 || len(m.enc) != len(m.dims) || len(m.xs) != len(m.dims) || len(m.names) != len(m.dims) {
		return fmt.Errorf("inconsistent modality count")
	}
	if m.head == nil || m.dm < 1 || m.head.Out() != m.dm || len(m.ys.Mean) != m.dm || len(m.ys.Scale) != m.dm {
		return fmt.Errorf("inconsistent target size")
	}
	if m.columns != nil {
		if len(m.columns) != len(m.dims) {
			return fmt.Errorf("inconsistent column names")
		}
		for i, c := range m.columns {
			if len(c) != m.dims[i] {
				return fmt.Errorf("inconsistent column names of modality %d", i+1)
			}
		}
	}
	if len(m.targets) != 0 && len(m.targets) != m.dm {
		return fmt.Errorf("inconsistent target names")
	}
	for i, d := range m.dims {
		if m.enc[i] == nil || m.enc[i].In() != d || len(m.xs[i].Mean) != d || len(m.xs[i].Scale) != d {
			return fmt.Errorf("inconsistent encoder %d", i+1)
		}
		if q := m.xs[i].Q; q != nil {
			if err := q.Validate(); err != nil || len(q.Knots) != d {
				return fmt.Errorf("inconsistent quantile map of modality %d", i+1)
			}
		}
		if b := m.xs[i]; len(b.Lo) != 0 || len(b.Hi) != 0 {
			if len(b.Lo) != d || len(b.Hi) != d {
				return fmt.Errorf("inconsistent input bounds of modality %d", i+1)
			}
			for j := range d {
				if !(b.Lo[j] <= b.Hi[j]) || math.IsInf(b.Lo[j], 0) || math.IsInf(b.Hi[j], 0) {
					return fmt.Errorf("input bounds [%g, %g] of modality %d column %d are not a finite range", b.Lo[j], b.Hi[j], i+1, j+1)
				}
			}
		}
		if m.enc[i].Out() != m.head.In() {
			return fmt.Errorf("encoder %d output %d does not feed a head of %d", i+1, m.enc[i].Out(), m.head.In())
		}
	}
	return nil
}
