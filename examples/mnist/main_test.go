package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/internal/bench"
	"github.com/pidreg/pidreg/internal/datasets"
	"github.com/pidreg/pidreg/internal/runner"
)

// taggedMNIST returns an MNIST-like set whose images identify themselves
// (d ≥ 3 pixels): pixels 0 and 1 of image i are i mod 256 and i / 256,
// pixel 2 is 1 in the test set and 0 in the training set, pixel j ≥ 3 is
// (i + j) mod 256; label(i) = 7i mod 10.
func taggedMNIST(nTrain, nTest, d int) *datasets.MNIST {
	make1 := func(n int, test uint8) (*datasets.Images, []uint8) {
		x := &datasets.Images{N: n, Pixels: d, Pix: make([]uint8, n*d)}
		lab := make([]uint8, n)
		for i := range n {
			im := x.Image(i)
			im[0], im[1], im[2] = uint8(i%256), uint8(i/256), test
			for j := 3; j < d; j++ {
				im[j] = uint8((i + j) % 256)
			}
			lab[i] = uint8(7 * i % 10)
		}
		return x, lab
	}
	trX, trY := make1(nTrain, 0)
	teX, teY := make1(nTest, 1)
	return &datasets.MNIST{TrainImages: trX, TrainLabels: trY, TestImages: teX, TestLabels: teY}
}

// source decodes the tag of a pair image: the image index and whether it
// came from the test set.
func source(t *testing.T, row []float64) (idx int, test bool) {
	t.Helper()
	b := make([]int, len(row))
	for j, v := range row {
		b[j] = int(math.Round(v * 255))
	}
	idx = b[0] + 256*b[1]
	for j := 3; j < len(b); j++ {
		if b[j] != (idx+j)%256 {
			t.Fatalf("row %v is not one whole image", row)
		}
	}
	return idx, b[2] == 1
}

func TestBuildDatasetPairs(t *testing.T) {
	const nTrainImg, nTestImg, d, nTrain, nTest = 300, 120, 5, 3000, 1000
	mn := taggedMNIST(nTrainImg, nTestImg, d)
	ds, err := buildDataset(mn, 2, nTrain, nTest, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Names(); !slices.Equal(got, []string{"tens", "units"}) {
		t.Fatalf("modalities %v", got)
	}
	if r, c := ds.Y.Dims(); r != nTrain+nTest || c != 1 {
		t.Fatalf("target is %d×%d", r, c)
	}
	var tensDigit, unitsDigit [10]int
	seenTrain := map[int]bool{}
	for i := range nTrain + nTest {
		a, aTest := source(t, mat.Row(nil, i, ds.Modalities[0].X))
		b, bTest := source(t, mat.Row(nil, i, ds.Modalities[1].X))
		wantTest := i >= nTrain
		if aTest != wantTest || bTest != wantTest {
			t.Fatalf("row %d (test part: %v) pairs images from the test set: %v, %v", i, wantTest, aTest, bTest)
		}
		labels := mn.TrainLabels
		if wantTest {
			labels = mn.TestLabels
		} else {
			seenTrain[a], seenTrain[b] = true, true
		}
		if y, want := ds.Y.At(i, 0), float64(10*int(labels[a])+int(labels[b])); y != want {
			t.Fatalf("row %d: y = %v, want 10·%d + %d", i, y, labels[a], labels[b])
		}
		tensDigit[labels[a]]++
		unitsDigit[labels[b]]++
	}
	// Uniform draws: each digit is a tenth of the 4000 pairs in each
	// position (binomial sd ≈ 19; allow 6 sd), and 6000 draws from 300
	// training images miss none of them (P ≈ 300·e⁻²⁰).
	for dgt := range 10 {
		for _, c := range []int{tensDigit[dgt], unitsDigit[dgt]} {
			if math.Abs(float64(c)-400) > 6*19 {
				t.Fatalf("digit %d: counts %d (tens), %d (units), want ≈ 400", dgt, tensDigit[dgt], unitsDigit[dgt])
			}
		}
	}
	if len(seenTrain) != nTrainImg {
		t.Fatalf("%d of %d training images used", len(seenTrain), nTrainImg)
	}

	again, err := buildDataset(mn, 2, nTrain, nTest, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := buildDataset(mn, 2, nTrain, nTest, 43, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(ds.Modalities[0].X, again.Modalities[0].X) || !mat.Equal(ds.Y, again.Y) {
		t.Fatal("the same seed gave different pairs")
	}
	if mat.Equal(ds.Y, other.Y) {
		t.Fatal("seeds 42 and 43 gave the same targets")
	}
}

func TestInkedPixels(t *testing.T) {
	// 10 images of 4 pixels: pixel 0 inked in all, 1 in 3, 2 in 1, 3 never.
	x := &datasets.Images{N: 10, Pixels: 4, Pix: make([]uint8, 40)}
	for i := range 10 {
		x.Image(i)[0] = 128
		if i < 3 {
			x.Image(i)[1] = 255
		}
	}
	x.Image(9)[2] = 3
	for _, c := range []struct {
		frac float64
		want []int
	}{
		{0, []int{0, 1, 2, 3}},
		{0.1, []int{0, 1, 2}}, // one image in ten is enough at 10 %
		{0.11, []int{0, 1}},
		{0.3, []int{0, 1}},
		{0.31, []int{0}},
		{0.99, []int{0}},
	} {
		if got := inkedPixels(x, c.frac); !slices.Equal(got, c.want) {
			t.Errorf("min ink %v: pixels %v, want %v", c.frac, got, c.want)
		}
	}
}

func TestBuildDatasetPixelSubset(t *testing.T) {
	mn := taggedMNIST(30, 10, 6)
	pixels := []int{1, 4, 5}
	ds, err := buildDataset(mn, 2, 50, 20, 9, pixels)
	if err != nil {
		t.Fatal(err)
	}
	all, err := buildDataset(mn, 2, 50, 20, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	for m := range 2 {
		if _, c := ds.Modalities[m].X.Dims(); c != len(pixels) {
			t.Fatalf("modality %d has %d columns, want %d", m, c, len(pixels))
		}
		for i := range 70 {
			for k, j := range pixels {
				if got, want := ds.Modalities[m].X.At(i, k), all.Modalities[m].X.At(i, j); got != want {
					t.Fatalf("modality %d row %d column %d = %v, want pixel %d = %v", m, i, k, got, j, want)
				}
			}
		}
	}
	if !mat.Equal(ds.Y, all.Y) {
		t.Fatal("selecting pixels changed the pairs")
	}
	for _, bad := range [][]int{{}, {6}, {-1}} {
		if _, err := buildDataset(mn, 2, 5, 5, 1, bad); err == nil {
			t.Errorf("pixels %v accepted", bad)
		}
	}
}

func TestBuildDatasetErrors(t *testing.T) {
	good := taggedMNIST(20, 10, 3)
	if _, err := buildDataset(nil, 2, 5, 5, 1, nil); err == nil {
		t.Error("nil MNIST accepted")
	}
	if _, err := buildDataset(good, 2, 0, 5, 1, nil); err == nil {
		t.Error("zero training pairs accepted")
	}
	bad := taggedMNIST(20, 10, 3)
	bad.TrainLabels[3] = 10
	if _, err := buildDataset(bad, 2, 5, 5, 1, nil); err == nil || !strings.Contains(err.Error(), "not a digit") {
		t.Errorf("label 10: %v", err)
	}
	bad = taggedMNIST(20, 10, 3)
	bad.TestLabels = bad.TestLabels[:9]
	if _, err := buildDataset(bad, 2, 5, 5, 1, nil); err == nil || !strings.Contains(err.Error(), "9 labels for 10 images") {
		t.Errorf("short labels: %v", err)
	}
	bad = taggedMNIST(20, 10, 3)
	bad.TestImages = &datasets.Images{N: 10, Pixels: 4, Pix: make([]uint8, 40)}
	if _, err := buildDataset(bad, 2, 5, 5, 1, nil); err == nil {
		t.Error("test images of another width accepted")
	}
}

func TestSplit(t *testing.T) {
	const nTrain, nTest = 1000, 300
	s, err := split(nTrain, nTest, 0.1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Train) != 900 || len(s.Val) != 100 || len(s.Test) != nTest {
		t.Fatalf("parts %d/%d/%d, want 900/100/300", len(s.Train), len(s.Val), len(s.Test))
	}
	seen := make([]bool, nTrain)
	for _, r := range slices.Concat(s.Train, s.Val) {
		if r < 0 || r >= nTrain || seen[r] {
			t.Fatalf("row %d repeated or outside the training pairs", r)
		}
		seen[r] = true
	}
	for i, r := range s.Test {
		if r != nTrain+i {
			t.Fatalf("test row %d is %d, want %d: the test part must be exactly the test pairs", i, r, nTrain+i)
		}
	}
	s2, _ := split(nTrain, nTest, 0.1, 7)
	s3, _ := split(nTrain, nTest, 0.1, 8)
	if !slices.Equal(s.Val, s2.Val) || slices.Equal(s.Val, s3.Val) {
		t.Fatal("the validation rows do not follow the seed")
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.train != defaultTrain || o.epochs != defaultEpochs || o.digits != 2 || o.base.Latent != 64 || o.test != 10000 || o.val != 0.1 || o.seeds != 1 || o.minInk != defaultMinInk ||
		o.base.LearnRate != defaultLearnRate || !slices.Equal(o.base.Dropout, []float64{defaultDropout, defaultDropout}) {
		t.Fatalf("defaults %+v", o)
	}
	for _, args := range [][]string{
		{"-epochs", "0"}, {"-train", "1"}, {"-test", "0"}, {"-val", "1"}, {"-val", "0"}, {"-val", "NaN"},
		{"-seeds", "0"}, {"-lr", "0"}, {"-dropout", "1"}, {"-min-ink", "-0.1"}, {"-min-ink", "1"}, {"more"}, {"-nosuchflag"},
		{"-digits", "1"}, {"-digits", "5"}, {"-latent", "-1"}, {"-digits", "4", "-latent", "64"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	// A -mnist directory without the files fails before any training and
	// names what is missing.
	err = run(context.Background(), []string{"-mnist", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte") {
		t.Fatalf("empty -mnist directory: %v", err)
	}
}

// digitMNIST is a learnable stand-in for MNIST: 64-pixel images whose
// pixels j ≡ label (mod 10) are lit, plus uniform noise.
func digitMNIST(nTrain, nTest int, seed uint64) *datasets.MNIST {
	rng := rand.New(rand.NewPCG(seed, 1))
	const d = 64
	make1 := func(n int) (*datasets.Images, []uint8) {
		x := &datasets.Images{N: n, Pixels: d, Pix: make([]uint8, n*d)}
		lab := make([]uint8, n)
		for i := range n {
			l := rng.IntN(10)
			lab[i] = uint8(l)
			for j := range d {
				v := 0.3 * rng.Float64()
				if j%10 == l {
					v += 0.7
				}
				x.Image(i)[j] = uint8(math.Round(255 * v))
			}
		}
		return x, lab
	}
	trX, trY := make1(nTrain)
	teX, teY := make1(nTest)
	return &datasets.MNIST{TrainImages: trX, TrainLabels: trY, TestImages: teX, TestLabels: teY}
}

// trainReport runs the example's training path quietly on mn with the
// flags args (and batch, when positive, instead of the method's 256) and
// returns the JSON report it wrote and its output.
func trainReport(t *testing.T, mn *datasets.MNIST, batch int, args ...string) (runner.Report, string) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "mnist.json")
	o, err := parseFlags(append(args, "-q", "-report", report), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if batch > 0 {
		o.base.Batch = batch
	}
	var out bytes.Buffer
	if err := train(context.Background(), mn, nil, o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r runner.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r, out.String()
}

// TestTrainSynthetic runs the example's training path end to end on a small
// learnable stand-in: report rows, schema, and the qualitative PID result
// the example exists to show (tens carries more unique information).
func TestTrainSynthetic(t *testing.T) {
	r, out := trainReport(t, digitMNIST(400, 200, 1), 0, "-epochs", "4", "-train", "1200", "-test", "300", "-seed", "3")
	if r.TrainRows != 1080 || r.ValRows != 120 || r.TestRows != 300 || !slices.Equal(r.Modalities, []string{"tens", "units"}) {
		t.Fatalf("rows %d/%d/%d, modalities %v", r.TrainRows, r.ValRows, r.TestRows, r.Modalities)
	}
	if len(r.PID.Unique) != 2 {
		t.Fatalf("PID %+v: want two unique atoms", r.PID)
	}
	t.Logf("%d epochs: MAE %.3g, R² %.3f; unique tens %.3f, units %.3f bit", r.EpochsRun, r.Metrics.MAE, r.Metrics.R2, r.PID.Unique[0], r.PID.Unique[1])
	if !(r.Metrics.R2 > 0.5) {
		t.Errorf("R² %v after %d epochs on an easy task", r.Metrics.R2, r.EpochsRun)
	}
	if !(r.PID.Unique[0] > r.PID.Unique[1]+0.1) {
		t.Errorf("PID %+v: the tens image should carry clearly more unique information", r.PID)
	}
	for _, want := range []string{"1200 training pairs (1080 for training, 120 for validation), 300 test pairs", "==> test MAE", "(published bimodal-MNIST MAE: 5.9)",
		"unique information: tens", "==> largest atoms of 4 (bits): {tens} ", "==> dropping an image loses: tens "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRealMNISTPairs loads the real MNIST through the module system and
// checks the assembled data set (no training).
func TestRealMNISTPairs(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the real MNIST (12 MB of gzipped IDX files, 70 000 images)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mn, err := datasets.LoadMNIST(ctx, "")
	if err != nil {
		t.Skipf("MNIST not reachable: %v", err)
	}
	// The documented effect of the default -min-ink: 493 of 784 pixels
	// are inked in at least 1 % of the training images.
	if n := len(inkedPixels(mn.TrainImages, defaultMinInk)); n != 493 {
		t.Errorf("%d pixels inked in ≥ 1%% of the training images, the package comment says 493", n)
	}
	ds, err := buildDataset(mn, 2, 2000, 1000, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var digits [10]int
	for i := range 3000 {
		y := ds.Y.At(i, 0)
		if y != math.Trunc(y) || y < 0 || y > 99 {
			t.Fatalf("row %d: y = %v", i, y)
		}
		digits[int(y)/10]++
	}
	for dgt, c := range digits {
		if c < 200 { // ≈ 300 expected
			t.Fatalf("tens digit %d occurs %d times in 3000 pairs", dgt, c)
		}
	}
	// The mean MNIST pixel is 0.1307 (training set) and 0.1325 (test set).
	for k, x := range []mat.Matrix{ds.Modalities[0].X, ds.Modalities[1].X} {
		m := mat.Sum(x) / float64(3000*784)
		if math.Abs(m-0.131) > 0.005 {
			t.Fatalf("modality %d: mean pixel %v, want ≈ 0.131", k, m)
		}
	}
}

func TestTrainBench(t *testing.T) {
	models, err := bench.Flag("pidreg, unimodal:units", modalityNames(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bench.Flag("pidreg,unimodal:hundreds", modalityNames(2)); err == nil {
		t.Fatal("an unknown modality was accepted in -models")
	}
	if m, err := bench.Flag("", modalityNames(2)); err != nil || m != nil {
		t.Fatalf("empty -models: %v, %v (want no benchmark)", m, err)
	}
	report := filepath.Join(t.TempDir(), "bench.json")
	o, err := parseFlags([]string{"-epochs", "1", "-train", "700", "-test", "150", "-seed", "2", "-seeds", "2", "-q", "-report", report}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := train(context.Background(), digitMNIST(300, 100, 2), models, o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"| pidreg |", "| unimodal:units |", "Seeds 2–3", "train/val/test rows 630/70/150"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var tab struct {
		Rows []struct {
			Model string `json:"model"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b, &tab); err != nil || len(tab.Rows) != 2 || tab.Rows[1].Model != "unimodal:units" {
		t.Fatalf("bench report %s: %v", b, err)
	}
}

// denseReference is buildDataset as it was before the modalities read
// through to the images: two float64 matrices filled pair by pair. The
// read-through matrices must give exactly its inputs and targets.
func denseReference(mn *datasets.MNIST, nTrain, nTest int, seed uint64, pixels []int) (tens, units, y *mat.Dense) {
	n := nTrain + nTest
	tens, units, y = mat.NewDense(n, len(pixels), nil), mat.NewDense(n, len(pixels), nil), mat.NewDense(n, 1, nil)
	rng := rand.New(rand.NewPCG(seed, 0x6d6e697374))
	draw := func(from, count int, images *datasets.Images, labels []uint8) {
		m, _ := images.Dims()
		for i := from; i < from+count; i++ {
			a, b := rng.IntN(m), rng.IntN(m)
			ta, ub := tens.RawRowView(i), units.RawRowView(i)
			for k, j := range pixels {
				ta[k], ub[k] = images.At(a, j), images.At(b, j)
			}
			y.Set(i, 0, float64(10*int(labels[a])+int(labels[b])))
		}
	}
	draw(0, nTrain, mn.TrainImages, mn.TrainLabels)
	draw(nTrain, nTest, mn.TestImages, mn.TestLabels)
	return tens, units, y
}

// TestBuildDatasetMatchesDense checks that two digit images give the pairs
// and values of the float64 matrices the example used to build, bit for
// bit, with all pixels and with the inked ones.
func TestBuildDatasetMatchesDense(t *testing.T) {
	mn := digitMNIST(500, 200, 4)
	all := make([]int, 64)
	for j := range all {
		all[j] = j
	}
	for _, pixels := range [][]int{all, {0, 3, 7, 8, 9, 40, 63}} {
		ds, err := buildDataset(mn, 2, 900, 300, 11, pixels)
		if err != nil {
			t.Fatal(err)
		}
		tens, units, y := denseReference(mn, 900, 300, 11, pixels)
		for k, want := range []*mat.Dense{tens, units} {
			if !mat.Equal(ds.Modalities[k].X, want) {
				t.Fatalf("%d pixels: modality %s differs from the dense matrix", len(pixels), ds.Modalities[k].Name)
			}
		}
		if !mat.Equal(ds.Y, y) {
			t.Fatalf("%d pixels: targets differ from the dense build", len(pixels))
		}
	}
}

// TestBuildDatasetDigits checks the samples of three and four images on
// tagged images: each modality is one whole image of the right set, and
// y is the number the labels write, most significant image first.
func TestBuildDatasetDigits(t *testing.T) {
	mn := taggedMNIST(300, 120, 5)
	for _, digits := range []int{3, 4} {
		const nTrain, nTest = 800, 200
		ds, err := buildDataset(mn, digits, nTrain, nTest, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ds.Names(), placeNames[4-digits:]; !slices.Equal(got, want) {
			t.Fatalf("%d digits: modalities %v, want %v", digits, got, want)
		}
		var first [10]int
		for i := range nTrain + nTest {
			labels := mn.TrainLabels
			if i >= nTrain {
				labels = mn.TestLabels
			}
			want := 0
			for k, m := range ds.Modalities {
				idx, test := source(t, mat.Row(nil, i, m.X))
				if test != (i >= nTrain) {
					t.Fatalf("%d digits, row %d: image %d of modality %s from the wrong set", digits, i, idx, m.Name)
				}
				want = 10*want + int(labels[idx])
				if k == 0 {
					first[labels[idx]]++
				}
			}
			if got := ds.Y.At(i, 0); got != float64(want) {
				t.Fatalf("%d digits, row %d: y = %v, want %d", digits, i, got, want)
			}
		}
		for dgt, c := range first { // ≈ 100 each; binomial sd ≈ 9.5
			if c < 50 || c > 150 {
				t.Fatalf("%d digits: leading digit %d in %d of 1000 samples", digits, dgt, c)
			}
		}
	}
	if _, err := buildDataset(mn, 5, 50, 10, 5, nil); err == nil {
		t.Fatal("five images accepted")
	}
}

func TestLatentSize(t *testing.T) {
	for _, c := range []struct{ digits, flag, want int }{
		{2, 0, 64}, {3, 0, 64}, {4, 0, 63}, {4, 63, 63}, {2, 10, 10}, {3, 84, 84},
	} {
		if got, err := latentSize(c.digits, c.flag); err != nil || got != c.want {
			t.Errorf("-digits %d -latent %d: %d, %v; want %d", c.digits, c.flag, got, err, c.want)
		}
	}
	_, err := latentSize(4, 64)
	if err == nil || !strings.Contains(err.Error(), "at least 259 rows") || !strings.Contains(err.Error(), "-latent 63 or less") {
		t.Fatalf("-digits 4 -latent 64: %v", err)
	}
	if _, err := latentSize(3, 85); err == nil {
		t.Fatal("-digits 3 -latent 85 accepted (3·85 + 3 = 258 > 256)")
	}
	o, err := parseFlags([]string{"-digits", "4"}, &bytes.Buffer{})
	if err != nil || o.digits != 4 || o.base.Latent != 63 {
		t.Fatalf("-digits 4: %+v, %v", o, err)
	}
}

// TestTrainDigits3 trains three digit images on a reduced budget (the
// learnable stand-in, 1000 samples, 3 epochs, latent 16 in batches of 64)
// and checks the report: three modalities, the 18 atoms of the lattice
// summing to the information they decompose, the headline, and the same
// numbers from a second run with the same seed.
func TestTrainDigits3(t *testing.T) {
	runOnce := func() (runner.Report, string) {
		return trainReport(t, digitMNIST(400, 200, 3), 64, "-digits", "3", "-latent", "16", "-epochs", "3", "-train", "1000", "-test", "300", "-seed", "4")
	}
	r, out := runOnce()
	if !slices.Equal(r.Modalities, []string{"hundreds", "tens", "units"}) || r.TrainRows != 900 || r.ValRows != 100 || r.TestRows != 300 {
		t.Fatalf("modalities %v, rows %d/%d/%d", r.Modalities, r.TrainRows, r.ValRows, r.TestRows)
	}
	if len(r.PID.Atoms) != 18 || len(r.PID.Unique) != 3 || len(r.Cost) != 3 {
		t.Fatalf("PID of %d atoms, %d unique, %d costs: want the 18 atoms of three modalities", len(r.PID.Atoms), len(r.PID.Unique), len(r.Cost))
	}
	var sum float64
	for _, v := range r.PID.Atoms {
		sum += v
	}
	if !(r.PID.MI > 0) || math.Abs(sum-r.PID.MI) > 1e-9*math.Max(1, r.PID.MI) {
		t.Fatalf("the atoms sum to %v, I(ỹ; all) = %v", sum, r.PID.MI)
	}
	t.Logf("%d epochs: MAE %.3g, R² %.3f; unique %v; costs %v", r.EpochsRun, r.Metrics.MAE, r.Metrics.R2, r.PID.Unique, r.Cost)
	for _, want := range []string{
		"MNIST with 3 digit images: 1000 training samples (900 for training, 100 for validation), 300 test samples; y = 100·label(hundreds) + 10·label(tens) + label(units)",
		"==> test MAE", "(y from 0 to 999)", "==> unique information: hundreds", "==> largest atoms of 18 (bits): {", "==> dropping an image loses: hundreds",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !(r.Metrics.R2 > 0.5) {
		t.Errorf("R² %v after %d epochs: the hundreds image alone explains 99 %% of the variance", r.Metrics.R2, r.EpochsRun)
	}
	again, _ := runOnce()
	if *again.Metrics != *r.Metrics || !maps.Equal(again.PID.Atoms, r.PID.Atoms) || !slices.Equal(again.Cost, r.Cost) {
		t.Fatalf("the same seed gave other numbers: %+v / %+v, atoms %v / %v", again.Metrics, r.Metrics, again.PID.Atoms, r.PID.Atoms)
	}
}
