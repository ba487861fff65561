package datasets

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomImages returns n images of d random bytes.
func randomImages(n, d int, rng *rand.Rand) *Images {
	im := &Images{N: n, Pixels: d, Pix: make([]uint8, n*d)}
	for i := range im.Pix {
		im.Pix[i] = uint8(rng.UintN(256))
	}
	return im
}

func TestImageRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := randomImages(7, 6, rng), randomImages(3, 6, rng)
	// Rows: the first and last image of each set, repeats, in any order.
	index := []int32{0, 6, 7, 9, 3, 3, 8, 0}
	pixels := []int{5, 0, 2}
	r, err := NewImageRows([]*Images{a, b}, index, pixels)
	if err != nil {
		t.Fatal(err)
	}
	if n, c := r.Dims(); n != len(index) || c != len(pixels) {
		t.Fatalf("dims %d×%d, want %d×%d", n, c, len(index), len(pixels))
	}
	for i, k := range index {
		im, row := a, int(k)
		if row >= a.N {
			im, row = b, row-a.N
		}
		if r.Image(i) != int(k) {
			t.Fatalf("row %d: image %d, want %d", i, r.Image(i), k)
		}
		for j, p := range pixels {
			want := im.At(row, p)
			if got := r.At(i, j); got != want {
				t.Fatalf("(%d, %d) = %v, want pixel %d of image %d = %v", i, j, got, p, k, want)
			}
			if got := r.T().At(j, i); got != want {
				t.Fatalf("transpose (%d, %d) = %v, want %v", j, i, got, want)
			}
		}
	}

	// ReadRow gives At's values for every run of columns.
	for i := range index {
		for j := range pixels {
			for w := 0; j+w <= len(pixels); w++ {
				got := make([]float64, w)
				r.ReadRow(got, i, j)
				for c, v := range got {
					if v != r.At(i, j+c) {
						t.Fatalf("ReadRow(%d, %d) of %d: element %d is %v, At gives %v", i, j, w, c, v, r.At(i, j+c))
					}
				}
			}
		}
	}
	for _, c := range [][3]int{{-1, 0, 1}, {len(index), 0, 1}, {0, -1, 1}, {0, 1, len(pixels)}} {
		func() {
			defer func() {
				if e := recover(); e != mat.ErrIndexOutOfRange {
					t.Errorf("ReadRow of %d at (%d, %d): panic %v, want mat.ErrIndexOutOfRange", c[2], c[0], c[1], e)
				}
			}()
			r.ReadRow(make([]float64, c[2]), c[0], c[1])
		}()
	}

	// nil pixels keeps them all, in order: the rows are the images.
	all, err := NewImageRows([]*Images{a}, []int32{4, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(2, 6, nil)
	mat.Row(want.RawRowView(0), 4, a)
	mat.Row(want.RawRowView(1), 1, a)
	if !mat.Equal(all, want) {
		t.Fatalf("all pixels:\n%v\nwant\n%v", mat.Formatted(all), mat.Formatted(want))
	}

	for _, c := range [][2]int{{-1, 0}, {len(index), 0}, {0, -1}, {0, len(pixels)}} {
		func() {
			defer func() {
				if e := recover(); e != mat.ErrIndexOutOfRange {
					t.Errorf("At(%d, %d): panic %v, want mat.ErrIndexOutOfRange", c[0], c[1], e)
				}
			}()
			r.At(c[0], c[1])
		}()
	}
}

func TestImageRowsErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, wide := randomImages(4, 3, rng), randomImages(2, 4, rng)
	for _, c := range []struct {
		name   string
		sets   []*Images
		index  []int32
		pixels []int
		want   error
	}{
		{"no sets", nil, []int32{0}, nil, ErrArgument},
		{"nil set", []*Images{a, nil}, []int32{0}, nil, ErrArgument},
		{"short bytes", []*Images{{N: 2, Pixels: 3, Pix: make([]uint8, 5)}}, []int32{0}, nil, ErrArgument},
		{"widths differ", []*Images{a, wide}, []int32{0}, nil, ErrMismatch},
		{"no rows", []*Images{a}, nil, nil, ErrArgument},
		{"index past the sets", []*Images{a, a}, []int32{8}, nil, ErrArgument},
		{"negative index", []*Images{a}, []int32{-1}, nil, ErrArgument},
		{"no pixels", []*Images{a}, []int32{0}, []int{}, ErrArgument},
		{"pixel out of range", []*Images{a}, []int32{0}, []int{3}, ErrArgument},
	} {
		if _, err := NewImageRows(c.sets, c.index, c.pixels); !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

// BenchmarkImageRowsColumns reads 54 000 rows of 493 of 784 pixels column
// by column (how pidreg's input pipelines fit), from ImageRows and, for
// comparison, from the float64 copy it replaces.
func BenchmarkImageRowsColumns(b *testing.B) {
	const n, d, keep = 54000, MNISTPixels, 493
	rng := rand.New(rand.NewPCG(1, 2))
	im := randomImages(MNISTTrainSize, d, rng)
	index := make([]int32, n)
	for i := range index {
		index[i] = int32(rng.IntN(im.N))
	}
	pixels := rng.Perm(d)[:keep]
	slices.Sort(pixels) // ascending, as the example keeps them
	r, err := NewImageRows([]*Images{im}, index, pixels)
	if err != nil {
		b.Fatal(err)
	}
	dense := mat.DenseCopyOf(r)
	col := make([]float64, n)
	for _, c := range []struct {
		name string
		x    mat.Matrix
	}{{"ImageRows", r}, {"Dense", dense}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				for j := range keep {
					mat.Col(col, j, c.x)
				}
			}
		})
	}
}
