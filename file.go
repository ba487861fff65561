package pidreg

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/pidreg/pidreg/encoder"
	"github.com/pidreg/pidreg/fusion"
	"github.com/pidreg/pidreg/internal/outfile"
	"github.com/pidreg/pidreg/transform"
)

// The model file format, version 2 (the version is bumped on every change of
// layout; testdata/golden holds a file of every version, which the tests
// read forever):
//
//	magic    8 bytes  "PIDREG\x00\x01"
//	version  uint32   big-endian, 2
//	length   uint64   big-endian, bytes of payload
//	payload:
//	  hlen   uint32   big-endian, bytes of header
//	  header          JSON object (fileHeader): the configuration, the
//	                  modalities with their column names and layer
//	                  shapes, the fusion weights, λ, the explanation, and
//	                  the directory of tensors: name and shape, in order
//	  tensors         the tensors in directory order, each its values as
//	                  float64 little-endian, row-major
//	sum      32 bytes SHA-256 of magic, version, length and payload
//
// Tensors are named "input1.mean", "encoder2.layer0.W", "head.layer1.var",
// "target.scale", …; a quantile map's knots and scores are stored flattened
// column after column ("input1.quantile.knots"), with the knot count of each
// column ("input1.quantile.counts"). The file holds no wall-clock time (the
// epoch history is stored without its seconds), so the same seed and data
// write the same bytes. A truncated file, a flipped bit anywhere, an unknown
// field, a missing or misshapen tensor and an unknown version are refused
// with an error wrapping ErrFormat, never loaded as a wrong model.
const (
	fileMagic   = "PIDREG\x00\x01"
	fileVersion = 2
	maxPayload  = 1 << 34
)

// fileHeader is the JSON header of a model file. Its fields are the file's
// layout: changing them changes the format version.
type fileHeader struct {
	Config      fileConfig     `json:"config"`
	Modalities  []fileModality `json:"modalities"`
	Target      fileBlock      `json:"target"`
	Head        []fileLayer    `json:"head"`
	Fusion      []float64      `json:"fusion"`
	Lambdas     []float64      `json:"lambdas"`
	Explanation Explanation    `json:"explanation"`
	Tensors     []fileTensor   `json:"tensors"`
}

// fileConfig is Config as stored.
type fileConfig struct {
	Latent          int       `json:"latent"`
	Hidden          []int     `json:"hidden"`
	HeadHidden      []int     `json:"head_hidden"`
	Dropout         []float64 `json:"dropout"`
	HeadDropout     []float64 `json:"head_dropout"`
	Float32         bool      `json:"float32,omitempty"`
	Inputs          string    `json:"inputs"`
	InputClip       float64   `json:"input_clip"`
	Missing         string    `json:"missing"`
	Epochs          int       `json:"epochs"`
	Batch           int       `json:"batch"`
	LearnRate       float64   `json:"learn_rate"`
	LambdaLearnRate float64   `json:"lambda_learn_rate"`
	ThetaInit       float64   `json:"theta_init"`
	ClipNorm        float64   `json:"clip_norm"`
	Patience        int       `json:"patience"`
	PlateauPatience int       `json:"plateau_patience"`
	PlateauFactor   float64   `json:"plateau_factor"`
	MinLearnRate    float64   `json:"min_learn_rate"`
	CS              float64   `json:"cs"`
	CMI             float64   `json:"cmi"`
	Gauss           float64   `json:"gauss"`
	Bandwidth       float64   `json:"bandwidth"`
	Policy          string    `json:"policy"`
	Window          int       `json:"window"`
	Delta           float64   `json:"delta"`
	FreezePatience  int       `json:"freeze_patience"`
	EqualWeights    bool      `json:"equal_weights"`
	ModalityDropout float64   `json:"modality_dropout"`
	Debias          bool      `json:"debias"`
	Measure         string    `json:"measure"`
	Bootstrap       int       `json:"bootstrap"`
	DropBelow       float64   `json:"drop_below"`
	Seed            uint64    `json:"seed"`
}

// fileBlock is a block of columns (a modality's inputs or the target) and
// how its pipeline maps them; the statistics are tensors.
type fileBlock struct {
	Columns  int      `json:"columns"`
	Names    []string `json:"names,omitempty"`
	Quantile bool     `json:"quantile"`
	Clamp    bool     `json:"clamp"`
	Fill     bool     `json:"fill"`
	Constant []int    `json:"constant"`
	// QuantileConstant lists the quantile map's single-knot columns.
	QuantileConstant []int `json:"quantile_constant,omitempty"`
}

type fileModality struct {
	Name    string      `json:"name"`
	Input   fileBlock   `json:"input"`
	Encoder []fileLayer `json:"encoder"`
}

type fileLayer struct {
	In   int     `json:"in"`
	Out  int     `json:"out"`
	BN   bool    `json:"batch_norm"`
	Eps  float64 `json:"eps,omitempty"`
	ReLU bool    `json:"relu"`
}

type fileTensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// tensorWriter collects named tensors in order.
type tensorWriter struct {
	dir  []fileTensor
	data [][]float64
}

func (w *tensorWriter) add(name string, v []float64, shape ...int) {
	if len(shape) == 0 {
		shape = []int{len(v)}
	}
	w.dir = append(w.dir, fileTensor{Name: name, Shape: shape})
	w.data = append(w.data, v)
}

// block stores a pipeline under the tensor prefix pre, with the column
// names (nil when the model does not know them).
func (w *tensorWriter) block(pre string, p *transform.Pipeline, names []string) fileBlock {
	b := fileBlock{Columns: p.Columns(), Names: names, Quantile: p.Quantile != nil, Clamp: len(p.Lo) != 0,
		Fill: len(p.Fill) != 0, Constant: p.Constant()}
	if b.Constant == nil {
		b.Constant = []int{}
	}
	w.add(pre+".mean", p.Scaler.Mean)
	w.add(pre+".scale", p.Scaler.Scale)
	if b.Clamp {
		w.add(pre+".lo", p.Lo)
		w.add(pre+".hi", p.Hi)
	}
	if b.Fill {
		w.add(pre+".fill", p.Fill)
	}
	if q := p.Quantile; q != nil {
		var knots, scores, counts []float64
		for j := range q.Knots {
			knots = append(knots, q.Knots[j]...)
			scores = append(scores, q.Scores[j]...)
			counts = append(counts, float64(len(q.Knots[j])))
		}
		w.add(pre+".quantile.counts", counts)
		w.add(pre+".quantile.knots", knots)
		w.add(pre+".quantile.scores", scores)
		b.QuantileConstant = append([]int{}, q.Constant...)
	}
	return b
}

func (w *tensorWriter) layers(pre string, wt *encoder.Weights) []fileLayer {
	out := make([]fileLayer, len(wt.Layers))
	for i, l := range wt.Layers {
		out[i] = fileLayer{In: l.In, Out: l.Out, BN: l.BN, ReLU: l.ReLU}
		p := fmt.Sprintf("%s.layer%d.", pre, i)
		w.add(p+"W", l.W, l.In, l.Out)
		w.add(p+"b", l.B)
		if l.BN {
			out[i].Eps = l.Eps
			w.add(p+"gamma", l.Gamma)
			w.add(p+"beta", l.Beta)
			w.add(p+"mean", l.Mean)
			w.add(p+"var", l.Var)
		}
	}
	return out
}

func (c Config) file() fileConfig {
	return fileConfig{Latent: c.Latent, Hidden: c.Hidden, HeadHidden: c.HeadHidden, Dropout: c.Dropout, HeadDropout: c.HeadDropout, Float32: c.Float32,
		Inputs: c.Inputs.String(), InputClip: c.InputClip, Missing: c.Missing.String(), Epochs: c.Epochs, Batch: c.Batch,
		LearnRate: c.LearnRate, LambdaLearnRate: c.LambdaLearnRate, ThetaInit: c.ThetaInit, ClipNorm: c.ClipNorm,
		Patience: c.Patience, PlateauPatience: c.PlateauPatience, PlateauFactor: c.PlateauFactor, MinLearnRate: c.MinLearnRate,
		CS: c.CS, CMI: c.CMI, Gauss: c.Gauss, Bandwidth: c.Bandwidth, Policy: c.Policy.String(),
		Window: c.Schedule.Window, Delta: c.Schedule.Delta, FreezePatience: c.Schedule.Patience,
		EqualWeights: c.EqualWeights, ModalityDropout: c.ModalityDropout, Debias: c.Debias, Measure: c.Measure, Bootstrap: c.Bootstrap, DropBelow: c.DropBelow, Seed: c.Seed}
}

func (f fileConfig) config() (Config, error) {
	c := Config{Latent: f.Latent, Hidden: f.Hidden, HeadHidden: f.HeadHidden, Dropout: f.Dropout, HeadDropout: f.HeadDropout, Float32: f.Float32,
		InputClip: f.InputClip, Epochs: f.Epochs, Batch: f.Batch, LearnRate: f.LearnRate, LambdaLearnRate: f.LambdaLearnRate,
		ThetaInit: f.ThetaInit, ClipNorm: f.ClipNorm, Patience: f.Patience, PlateauPatience: f.PlateauPatience,
		PlateauFactor: f.PlateauFactor, MinLearnRate: f.MinLearnRate, CS: f.CS, CMI: f.CMI, Gauss: f.Gauss,
		Bandwidth: f.Bandwidth, Schedule: fusion.Schedule{Window: f.Window, Delta: f.Delta, Patience: f.FreezePatience},
		EqualWeights: f.EqualWeights, ModalityDropout: f.ModalityDropout, Debias: f.Debias, Measure: f.Measure, Bootstrap: f.Bootstrap, DropBelow: f.DropBelow, Seed: f.Seed, literal: true}
	var err error
	if c.Inputs, err = ParseInputMap(f.Inputs); err != nil {
		return c, err
	}
	if c.Missing, err = transform.ParseMissing(f.Missing); err != nil {
		return c, err
	}
	if c.Policy, err = fusion.ParsePolicy(f.Policy); err != nil {
		return c, err
	}
	return c, c.check()
}

// Save writes the trained model to w in the format described above.
func (m *Model) Save(w io.Writer) error {
	if !m.trained {
		return ErrNotTrained
	}
	var tw tensorWriter
	h := fileHeader{Config: m.cfg.file(), Fusion: m.net.Fusion, Lambdas: m.lambdas, Explanation: m.exp}
	if h.Fusion == nil {
		h.Fusion = []float64{}
	}
	h.Explanation.History = make([]Epoch, len(m.exp.History))
	for i, e := range m.exp.History {
		e.Seconds = 0 // no wall-clock time in the file
		h.Explanation.History[i] = e
	}
	for i, name := range m.names {
		pre := fmt.Sprintf("input%d", i+1)
		fm := fileModality{Name: name, Input: tw.block(pre, m.inputs[i], m.columnNames(i))}
		fm.Encoder = tw.layers(fmt.Sprintf("encoder%d", i+1), m.net.Encoders[i])
		h.Modalities = append(h.Modalities, fm)
	}
	var targets []string
	if len(m.targets) != 0 {
		targets = m.targets
	}
	h.Target = tw.block("target", m.target, targets)
	h.Head = tw.layers("head", m.net.Head)
	h.Tensors = tw.dir

	head, err := json.Marshal(&h)
	if err != nil {
		return fmt.Errorf("pidreg: encoding the model: %w", err)
	}
	var payload bytes.Buffer
	var hl [4]byte
	binary.BigEndian.PutUint32(hl[:], uint32(len(head)))
	payload.Write(hl[:])
	payload.Write(head)
	var b [8]byte
	for _, t := range tw.data {
		for _, v := range t {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			payload.Write(b[:])
		}
	}
	var pre [8 + 4 + 8]byte
	copy(pre[:8], fileMagic)
	binary.BigEndian.PutUint32(pre[8:12], fileVersion)
	binary.BigEndian.PutUint64(pre[12:20], uint64(payload.Len()))
	sum := sha256.New()
	sum.Write(pre[:])
	sum.Write(payload.Bytes())
	for _, part := range [][]byte{pre[:], payload.Bytes(), sum.Sum(nil)} {
		if _, err := w.Write(part); err != nil {
			return fmt.Errorf("pidreg: writing the model: %w", err)
		}
	}
	return nil
}

// SaveFile writes the model to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, with the permissions a
// new file gets (0666 less the umask). On any error nothing is left at path
// that was not there before.
func (m *Model) SaveFile(path string) error {
	if !m.trained {
		return ErrNotTrained
	}
	if err := outfile.Write(path, m.Save); err != nil {
		return fmt.Errorf("pidreg: saving %s: %w", path, err)
	}
	return nil
}

// Load reads a model written by Save.
func Load(r io.Reader) (*Model, error) {
	var pre [8 + 4 + 8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if string(pre[:8]) != fileMagic {
		return nil, fmt.Errorf("%w: not a pidreg model (bad magic)", ErrFormat)
	}
	switch v := binary.BigEndian.Uint32(pre[8:12]); {
	case v < fileVersion:
		return nil, fmt.Errorf("%w: the file is in model format version %d, written by an older pidreg; this build reads version %d: train the model again", ErrFormat, v, fileVersion)
	case v > fileVersion:
		return nil, fmt.Errorf("%w: the file is in model format version %d, written by a newer pidreg; this build reads version %d: upgrade pidreg", ErrFormat, v, fileVersion)
	}
	size := binary.BigEndian.Uint64(pre[12:20])
	if size > maxPayload || size < 4 {
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
	h.Write(pre[:])
	h.Write(payload.Bytes())
	if !bytes.Equal(h.Sum(nil), sum[:]) {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is altered or damaged)", ErrFormat)
	}
	m, err := decode(payload.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return m, nil
}

// decode builds a model from a payload whose checksum was verified.
func decode(p []byte) (*Model, error) {
	hlen := uint64(binary.BigEndian.Uint32(p[:4]))
	if hlen > uint64(len(p)-4) {
		return nil, fmt.Errorf("header of %d bytes in a payload of %d", hlen, len(p))
	}
	dec := json.NewDecoder(bytes.NewReader(p[4 : 4+hlen]))
	dec.DisallowUnknownFields()
	var h fileHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	tensors, err := readTensors(h.Tensors, p[4+hlen:])
	if err != nil {
		return nil, err
	}
	cfg, err := h.Config.config()
	if err != nil {
		return nil, fmt.Errorf("configuration: %v", err)
	}
	m := &Model{cfg: cfg, lambdas: h.Lambdas, exp: h.Explanation, trained: true, net: &encoder.Network{Fusion: h.Fusion}}
	if len(m.net.Fusion) == 0 {
		m.net.Fusion = nil
	}
	for i, fm := range h.Modalities {
		pre := fmt.Sprintf("input%d", i+1)
		p, err := tensors.block(pre, fm.Input)
		if err != nil {
			return nil, err
		}
		enc, err := tensors.layers(fmt.Sprintf("encoder%d", i+1), fm.Encoder)
		if err != nil {
			return nil, err
		}
		m.names = append(m.names, fm.Name)
		m.dims = append(m.dims, fm.Input.Columns)
		m.inputs = append(m.inputs, p)
		m.net.Encoders = append(m.net.Encoders, enc)
		if fm.Input.Names != nil {
			m.columns = append(m.columns, fm.Input.Names)
		}
	}
	if len(m.columns) != 0 && len(m.columns) != len(m.names) {
		return nil, fmt.Errorf("column names for %d of %d modalities", len(m.columns), len(m.names))
	}
	if m.target, err = tensors.block("target", h.Target); err != nil {
		return nil, err
	}
	m.dm, m.targets = h.Target.Columns, h.Target.Names
	if m.net.Head, err = tensors.layers("head", h.Head); err != nil {
		return nil, err
	}
	if len(tensors) != 0 {
		for name := range tensors {
			return nil, fmt.Errorf("tensor %q is not used by the model", name)
		}
	}
	if err := m.consistent(); err != nil {
		return nil, err
	}
	return m, nil
}

// tensorSet holds a file's tensors by name; each is taken out once.
type tensorSet map[string][]float64

func readTensors(dir []fileTensor, data []byte) (tensorSet, error) {
	set := make(tensorSet, len(dir))
	off := 0
	for _, t := range dir {
		n := 1
		for _, d := range t.Shape {
			if d < 0 || d > 1<<31 || (d > 0 && n > (1<<40)/d) {
				return nil, fmt.Errorf("tensor %q has shape %v", t.Name, t.Shape)
			}
			n *= d
		}
		if _, dup := set[t.Name]; dup {
			return nil, fmt.Errorf("tensor %q stored twice", t.Name)
		}
		if len(data)-off < 8*n {
			return nil, fmt.Errorf("tensor %q: %d values, %d bytes left", t.Name, n, len(data)-off)
		}
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[off:]))
			off += 8
		}
		set[t.Name] = v
	}
	if off != len(data) {
		return nil, fmt.Errorf("%d bytes after the last tensor", len(data)-off)
	}
	return set, nil
}

// take removes and returns tensor name, which must have n values.
func (s tensorSet) take(name string, n int) ([]float64, error) {
	v, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("tensor %q is missing", name)
	}
	if len(v) != n {
		return nil, fmt.Errorf("tensor %q has %d values, want %d", name, len(v), n)
	}
	delete(s, name)
	return v, nil
}

func (s tensorSet) block(pre string, b fileBlock) (*transform.Pipeline, error) {
	c := b.Columns
	if c < 1 {
		return nil, fmt.Errorf("%s: %d columns", pre, c)
	}
	p := &transform.Pipeline{Scaler: &transform.Scaler{Constant: b.Constant, Names: b.Names}, Names: b.Names}
	var err error
	if p.Scaler.Mean, err = s.take(pre+".mean", c); err != nil {
		return nil, err
	}
	if p.Scaler.Scale, err = s.take(pre+".scale", c); err != nil {
		return nil, err
	}
	if len(p.Scaler.Constant) == 0 {
		p.Scaler.Constant = nil
	}
	if b.Clamp {
		if p.Lo, err = s.take(pre+".lo", c); err != nil {
			return nil, err
		}
		if p.Hi, err = s.take(pre+".hi", c); err != nil {
			return nil, err
		}
	}
	if b.Fill {
		if p.Fill, err = s.take(pre+".fill", c); err != nil {
			return nil, err
		}
	}
	if b.Quantile {
		counts, err := s.take(pre+".quantile.counts", c)
		if err != nil {
			return nil, err
		}
		total := 0
		for _, k := range counts {
			if k < 1 || k > 1<<31 || k != math.Trunc(k) {
				return nil, fmt.Errorf("%s: quantile knot count %v", pre, k)
			}
			total += int(k)
		}
		knots, err := s.take(pre+".quantile.knots", total)
		if err != nil {
			return nil, err
		}
		scores, err := s.take(pre+".quantile.scores", total)
		if err != nil {
			return nil, err
		}
		q := &transform.Quantile{Knots: make([][]float64, c), Scores: make([][]float64, c), Constant: b.QuantileConstant, Names: b.Names}
		off := 0
		for j, k := range counts {
			q.Knots[j], q.Scores[j] = knots[off:off+int(k):off+int(k)], scores[off:off+int(k):off+int(k)]
			off += int(k)
		}
		if len(q.Constant) == 0 {
			q.Constant = nil
		}
		p.Quantile = q
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", pre, err)
	}
	return p, nil
}

func (s tensorSet) layers(pre string, ls []fileLayer) (*encoder.Weights, error) {
	w := &encoder.Weights{Layers: make([]encoder.Layer, len(ls))}
	for i, l := range ls {
		if l.In < 1 || l.Out < 1 || l.In > 1<<20 || l.Out > 1<<20 {
			return nil, fmt.Errorf("%s layer %d is %d→%d", pre, i, l.In, l.Out)
		}
		L := encoder.Layer{In: l.In, Out: l.Out, BN: l.BN, Eps: l.Eps, ReLU: l.ReLU}
		p := fmt.Sprintf("%s.layer%d.", pre, i)
		var err error
		if L.W, err = s.take(p+"W", l.In*l.Out); err != nil {
			return nil, err
		}
		if L.B, err = s.take(p+"b", l.Out); err != nil {
			return nil, err
		}
		if l.BN {
			for _, f := range []struct {
				name string
				dst  *[]float64
			}{{"gamma", &L.Gamma}, {"beta", &L.Beta}, {"mean", &L.Mean}, {"var", &L.Var}} {
				if *f.dst, err = s.take(p+f.name, l.Out); err != nil {
					return nil, err
				}
			}
		}
		w.Layers[i] = L
	}
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", pre, err)
	}
	return w, nil
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
	if len(m.dims) < 1 || len(m.names) != len(m.dims) || len(m.inputs) != len(m.dims) {
		return fmt.Errorf("inconsistent modality count")
	}
	if err := m.net.Validate(); err != nil {
		return err
	}
	if m.dm < 1 || m.net.Head.Out() != m.dm || m.target.Columns() != m.dm {
		return fmt.Errorf("inconsistent target size")
	}
	if len(m.targets) != 0 && len(m.targets) != m.dm {
		return fmt.Errorf("inconsistent target names")
	}
	for i, d := range m.dims {
		if m.net.Encoders[i].In() != d || m.inputs[i].Columns() != d {
			return fmt.Errorf("inconsistent encoder %d", i+1)
		}
		if i < len(m.columns) && len(m.columns[i]) != d {
			return fmt.Errorf("inconsistent column names of modality %d", i+1)
		}
	}
	if len(m.lambdas) != len(m.dims) {
		return fmt.Errorf("%d bottleneck λ for %d modalities", len(m.lambdas), len(m.dims))
	}
	return nil
}
