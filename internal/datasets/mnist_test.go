package datasets

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// idx builds an IDX byte stream with the given magic, dimensions and payload.
func idx(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(payload)
	return b.Bytes()
}

func TestReadIDXImages(t *testing.T) {
	// Three 2×3 images; pixel j of image i is 10·i + j, plus the extremes.
	payload := make([]byte, 18)
	for i := range payload {
		payload[i] = byte(10*(i/6) + i%6)
	}
	payload[0], payload[17] = 0, 255
	raw := idx(idxMagicImages, []uint32{3, 2, 3}, payload)
	for _, tc := range []struct {
		name string
		data []byte
	}{{"plain", raw}, {"gzip", gz(t, raw)}} {
		t.Run(tc.name, func(t *testing.T) {
			x, r, c, err := ReadIDXImages(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if n, d := x.Dims(); n != 3 || d != 6 || r != 2 || c != 3 {
				t.Fatalf("got %d×%d matrix of %d×%d images, want 3×6 of 2×3", n, d, r, c)
			}
			for i := range 3 {
				for j := range 6 {
					if got, want := x.At(i, j), float64(payload[6*i+j])/255; got != want {
						t.Errorf("pixel (%d,%d) = %v, want %v", i, j, got, want)
					}
				}
			}
			if x.At(0, 0) != 0 || x.At(2, 5) != 1 {
				t.Errorf("extremes map to %v and %v, want 0 and 1", x.At(0, 0), x.At(2, 5))
			}
		})
	}
}

func TestReadIDXLabels(t *testing.T) {
	raw := idx(idxMagicLabels, []uint32{4}, []byte{7, 2, 1, 0})
	for _, data := range [][]byte{raw, gz(t, raw)} {
		y, err := ReadIDXLabels(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(y, []byte{7, 2, 1, 0}) {
			t.Errorf("labels %v, want [7 2 1 0]", y)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idx(idxMagicImages, []uint32{2, 2, 2}, make([]byte, 8))
	truncGzip := gz(t, good)
	truncGzip = truncGzip[:len(truncGzip)-10]
	cases := []struct {
		name, want string
		data       []byte
		labels     bool
	}{
		{"empty", "magic", nil, false},
		{"labels magic for images", "magic number 0x00000801, want 0x00000803", idx(idxMagicLabels, []uint32{8}, make([]byte, 8)), false},
		{"images magic for labels", "want 0x00000801", good, true},
		{"short header", "dimensions", good[:9], false},
		{"zero dimension", "dimension 1 is zero", idx(idxMagicImages, []uint32{2, 0, 2}, nil), false},
		{"truncated payload", "truncated: 7 of 8", good[:len(good)-1], false},
		{"trailing bytes", "longer than", append(bytes.Clone(good), 0), false},
		{"huge header", "announce more than", idx(idxMagicImages, []uint32{1 << 20, 1 << 10, 1 << 10}, nil), false},
		{"truncated gzip", "payload", truncGzip, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.labels {
				_, err = ReadIDXLabels(bytes.NewReader(tc.data))
			} else {
				_, _, _, err = ReadIDXImages(bytes.NewReader(tc.data))
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v, want ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestLoadMNISTPartChecks(t *testing.T) {
	dir := t.TempDir()
	img := func(n, side uint32) []byte {
		return idx(idxMagicImages, []uint32{n, side, side}, make([]byte, int(n*side*side)))
	}
	lbl := func(v ...byte) []byte { return idx(idxMagicLabels, []uint32{uint32(len(v))}, v) }

	writeFile(t, dir, "a-images.gz", gz(t, img(3, 28)))
	writeFile(t, dir, "a-labels", lbl(1, 2, 3)) // plain, no .gz
	x, y, err := loadMNISTPart(dir, "a-images", "a-labels", 3)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := x.Dims(); n != 3 || len(y) != 3 {
		t.Fatalf("got %d images and %d labels", n, len(y))
	}

	writeFile(t, dir, "b-images", img(3, 28))
	writeFile(t, dir, "b-labels", lbl(1, 2))
	if _, _, err := loadMNISTPart(dir, "b-images", "b-labels", 3); !errors.Is(err, ErrMismatch) ||
		!strings.Contains(err.Error(), "2 labels") || !strings.Contains(err.Error(), "b-images") {
		t.Errorf("label/image count mismatch: got %v", err)
	}
	if _, _, err := loadMNISTPart(dir, "b-images", "b-labels", 4); !errors.Is(err, ErrFormat) ||
		!strings.Contains(err.Error(), "3 images, want 4") {
		t.Errorf("non-canonical count: got %v", err)
	}
	writeFile(t, dir, "c-images", img(2, 27))
	writeFile(t, dir, "c-labels", lbl(1, 2))
	if _, _, err := loadMNISTPart(dir, "c-images", "c-labels", 2); !errors.Is(err, ErrFormat) ||
		!strings.Contains(err.Error(), "27×27") {
		t.Errorf("non-canonical side: got %v", err)
	}
	writeFile(t, dir, "d-labels", lbl(1, 10, 3))
	if _, _, err := loadMNISTPart(dir, "a-images", "d-labels", 3); !errors.Is(err, ErrFormat) ||
		!strings.Contains(err.Error(), "label 10 of item 1") {
		t.Errorf("label 10: got %v", err)
	}
	if _, _, err := loadMNISTPart(dir, "missing-images", "a-labels", 3); err == nil ||
		!strings.Contains(err.Error(), "missing-images") {
		t.Errorf("missing file: got %v", err)
	}
	writeFile(t, dir, "e-images", lbl(1, 2, 3)) // a label file where images belong
	if _, _, err := loadMNISTPart(dir, "e-images", "a-labels", 3); !errors.Is(err, ErrFormat) ||
		!strings.Contains(err.Error(), "e-images") {
		t.Errorf("wrong magic: error %v should be ErrFormat naming the file", err)
	}
}

// TestLoadMNIST reads the real files through the module system and checks
// them against published facts about MNIST: the per-digit counts, the first
// labels, and the mean pixel value 0.1307 used by every normalisation.
func TestLoadMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 55 MB of MNIST; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := LocateMNIST(ctx)
	if err != nil {
		t.Skipf("MNIST module unavailable: %v", err)
	}
	m, err := LoadMNIST(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	counts := func(y []uint8) (c [10]int) {
		for _, l := range y {
			c[l]++
		}
		return c
	}
	wantTrain := [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	wantTest := [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	if got := counts(m.TrainLabels); got != wantTrain {
		t.Errorf("training digit counts %v, want %v", got, wantTrain)
	}
	if got := counts(m.TestLabels); got != wantTest {
		t.Errorf("test digit counts %v, want %v", got, wantTest)
	}
	if m.TrainLabels[0] != 5 || m.TestLabels[0] != 7 {
		t.Errorf("first labels %d, %d; want 5, 7", m.TrainLabels[0], m.TestLabels[0])
	}
	if r, c := m.TrainImages.Dims(); r != MNISTTrainSize || c != MNISTPixels {
		t.Errorf("training images %d×%d", r, c)
	}
	if r, c := m.TestImages.Dims(); r != MNISTTestSize || c != MNISTPixels {
		t.Errorf("test images %d×%d", r, c)
	}
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range m.TrainImages.Pix {
		v := float64(b) / 255
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	mean := sum / float64(MNISTTrainSize*MNISTPixels)
	if math.Abs(mean-0.1307) > 5e-5 || lo != 0 || hi != 1 {
		t.Errorf("training pixels: mean %.5f (want 0.1307), range [%v, %v] (want [0, 1])", mean, lo, hi)
	}
}

func TestLoadMNISTEmptyDirAndCancel(t *testing.T) {
	if _, err := LoadMNIST(context.Background(), t.TempDir()); err == nil ||
		!strings.Contains(err.Error(), "train-images-idx3-ubyte") {
		t.Errorf("empty directory: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LocateMNIST(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
}

// pairImages returns m one-pixel "images" whose pixel is the image index,
// with labels i mod 10, so a pair can be traced back to its sources.
func pairImages(m int) (*mat.Dense, []uint8) {
	x := mat.NewDense(m, 2, nil)
	y := make([]uint8, m)
	for i := range m {
		x.Set(i, 0, float64(i))
		x.Set(i, 1, -float64(i))
		y[i] = uint8((i * 7) % 10)
	}
	return x, y
}

func TestMNISTPairs(t *testing.T) {
	const m, n = 100, 20000
	x, lab := pairImages(m)
	tens, units, y, err := MNISTPairs(x, lab, n, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var decade, unit [10]int
	var sa, sb, sab float64
	for i := range n {
		a, b := int(tens.At(i, 0)), int(units.At(i, 0))
		if tens.At(i, 1) != -float64(a) || units.At(i, 1) != -float64(b) {
			t.Fatalf("pair %d: rows not copied whole", i)
		}
		if want := float64(10*int(lab[a]) + int(lab[b])); y[i] != want {
			t.Fatalf("pair %d: y = %v, want 10·%d + %d", i, y[i], lab[a], lab[b])
		}
		decade[lab[a]]++
		unit[lab[b]]++
		fa, fb := float64(a)-49.5, float64(b)-49.5
		sa, sb, sab = sa+fa*fa, sb+fb*fb, sab+fa*fb
	}
	// Each digit has probability 1/10: counts 2000 ± 5σ, σ = √(n·0.1·0.9) ≈ 42.
	for d := range 10 {
		if math.Abs(float64(decade[d])-2000) > 212 || math.Abs(float64(unit[d])-2000) > 212 {
			t.Errorf("digit %d: %d tens, %d units; want ≈ 2000 each", d, decade[d], unit[d])
		}
	}
	// Independent draws: the correlation of the two indices is O(1/√n).
	if r := sab / math.Sqrt(sa*sb); math.Abs(r) > 5/math.Sqrt(n) {
		t.Errorf("correlation of the two draws %v, want ≈ 0", r)
	}

	// Same seed, same pairs; another seed, other pairs.
	_, _, y2, _ := MNISTPairs(x, lab, n, rand.New(rand.NewPCG(1, 2)))
	_, _, y3, _ := MNISTPairs(x, lab, n, rand.New(rand.NewPCG(3, 4)))
	same, diff := true, false
	for i := range y {
		same = same && y[i] == y2[i]
		diff = diff || y[i] != y3[i]
	}
	if !same || !diff {
		t.Errorf("reproducible under a seed: %v; differs across seeds: %v", same, diff)
	}
}

func TestMNISTPairsErrors(t *testing.T) {
	x, lab := pairImages(10)
	rng := rand.New(rand.NewPCG(1, 1))
	bad := append([]uint8(nil), lab...)
	bad[3] = 12
	for _, tc := range []struct {
		name string
		err  error
		call func() error
	}{
		{"nil images", ErrArgument, func() error { _, _, _, err := MNISTPairs(nil, lab, 5, rng); return err }},
		{"nil rng", ErrArgument, func() error { _, _, _, err := MNISTPairs(x, lab, 5, nil); return err }},
		{"zero pairs", ErrArgument, func() error { _, _, _, err := MNISTPairs(x, lab, 0, rng); return err }},
		{"label count", ErrMismatch, func() error { _, _, _, err := MNISTPairs(x, lab[:9], 5, rng); return err }},
		{"label not a digit", ErrArgument, func() error { _, _, _, err := MNISTPairs(x, bad, 5, rng); return err }},
	} {
		if err := tc.call(); !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.err)
		}
	}
}

func BenchmarkLoadMNIST(b *testing.B) {
	dir, err := LocateMNIST(context.Background())
	if err != nil {
		b.Skipf("MNIST module unavailable: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadMNIST(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}

func TestImagesMatrix(t *testing.T) {
	im := &Images{N: 2, Pixels: 3, Pix: []uint8{0, 51, 255, 102, 1, 2}}
	if r, c := im.Dims(); r != 2 || c != 3 {
		t.Fatalf("dims %d×%d", r, c)
	}
	if im.At(0, 1) != 0.2 || im.At(0, 2) != 1 || im.At(1, 0) != 0.4 || im.T().At(2, 1) != 2.0/255 {
		t.Errorf("pixels %v", mat.Formatted(im))
	}
	for _, ij := range [][2]int{{2, 0}, {0, 3}, {-1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("At(%d, %d) did not panic", ij[0], ij[1])
				}
			}()
			im.At(ij[0], ij[1])
		}()
	}
}
