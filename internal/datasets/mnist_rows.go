package datasets

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ImageRows is a mat.Matrix of images chosen from one or more image sets,
// read through to their bytes. Built by NewImageRows(sets, index, pixels),
// its row i is image index[i] of the sets taken one after the other (an
// index below sets[0].N is an image of sets[0], the next sets[1].N indices
// are the images of sets[1], and so on), and its column j is pixel
// pixels[j] of that image. Entry (i, j) is the pixel's p/255, exactly what
// Images.At returns for it.
//
// It stands for the matrix a data set of drawn images would otherwise copy
// out: n rows of d pixels cost 4n + 8d bytes beyond the images, where a
// float64 copy costs 8nd (70 000 rows of 493 pixels: 0.3 MB instead of
// 276 MB). Reading is slower than from a *mat.Dense (an index and a table
// look-up per entry, and rows that are far apart in memory), which suits
// a consumer that reads each entry a few times, as pidreg's input
// pipelines do.
//
// NewImageRows checks the indices once; At panics with
// mat.ErrIndexOutOfRange outside the matrix, as gonum's matrices do.
type ImageRows struct {
	sets   []*Images
	index  []int32
	pixels []int
}

// NewImageRows returns the matrix whose row i is image index[i] of sets
// (numbered through the sets in order) restricted to the columns pixels, in
// that order; nil pixels keeps every pixel. The sets must have the same
// number of pixels per image. It keeps the slices it is given (the images
// are read, never written).
func NewImageRows(sets []*Images, index []int32, pixels []int) (*ImageRows, error) {
	if len(sets) == 0 {
		return nil, fmt.Errorf("datasets: image rows: no image set: %w", ErrArgument)
	}
	total, d := 0, -1
	for k, im := range sets {
		if im == nil {
			return nil, fmt.Errorf("datasets: image rows: image set %d is nil: %w", k, ErrArgument)
		}
		if im.N < 0 || im.Pixels < 1 || len(im.Pix) != im.N*im.Pixels {
			return nil, fmt.Errorf("datasets: image rows: image set %d holds %d bytes for %d images of %d pixels: %w", k, len(im.Pix), im.N, im.Pixels, ErrArgument)
		}
		if d >= 0 && im.Pixels != d {
			return nil, fmt.Errorf("datasets: image rows: image set %d has %d pixels per image, set 0 has %d: %w", k, im.Pixels, d, ErrMismatch)
		}
		d = im.Pixels
		total += im.N
	}
	if total > math.MaxInt32 {
		return nil, fmt.Errorf("datasets: image rows: %d images: more than an int32 index reaches: %w", total, ErrArgument)
	}
	if len(index) == 0 {
		return nil, fmt.Errorf("datasets: image rows: no rows: %w", ErrArgument)
	}
	for i, k := range index {
		if k < 0 || int(k) >= total {
			return nil, fmt.Errorf("datasets: image rows: row %d is image %d of %d: %w", i, k, total, ErrArgument)
		}
	}
	if pixels == nil {
		pixels = make([]int, d)
		for j := range pixels {
			pixels[j] = j
		}
	}
	if len(pixels) == 0 {
		return nil, fmt.Errorf("datasets: image rows: no pixel selected: %w", ErrArgument)
	}
	for _, j := range pixels {
		if j < 0 || j >= d {
			return nil, fmt.Errorf("datasets: image rows: pixel %d of images with %d pixels: %w", j, d, ErrArgument)
		}
	}
	return &ImageRows{sets: sets, index: index, pixels: pixels}, nil
}

// Dims returns the number of rows and of selected pixels.
func (r *ImageRows) Dims() (rows, cols int) { return len(r.index), len(r.pixels) }

// At returns the selected pixel j of the image of row i, p/255.
func (r *ImageRows) At(i, j int) float64 {
	if uint(i) >= uint(len(r.index)) || uint(j) >= uint(len(r.pixels)) {
		panic(mat.ErrIndexOutOfRange)
	}
	k := int(r.index[i])
	for _, im := range r.sets {
		if k < im.N {
			return unitByte[im.Pix[k*im.Pixels+r.pixels[j]]]
		}
		k -= im.N
	}
	panic(mat.ErrIndexOutOfRange) // NewImageRows checked every index
}

// ReadRow copies the selected pixels j, …, j+len(dst)−1 of the image of
// row i into dst, as At would one at a time (transform.RowReader).
func (r *ImageRows) ReadRow(dst []float64, i, j int) {
	if uint(i) >= uint(len(r.index)) || j < 0 || j+len(dst) > len(r.pixels) {
		panic(mat.ErrIndexOutOfRange)
	}
	k := int(r.index[i])
	for _, im := range r.sets {
		if k < im.N {
			img := im.Pix[k*im.Pixels : (k+1)*im.Pixels]
			for c, p := range r.pixels[j : j+len(dst)] {
				dst[c] = unitByte[img[p]]
			}
			return
		}
		k -= im.N
	}
	panic(mat.ErrIndexOutOfRange) // NewImageRows checked every index
}

// T returns the transpose (a view).
func (r *ImageRows) T() mat.Matrix { return mat.Transpose{Matrix: r} }

// Image returns the image index of row i (numbered through the sets).
func (r *ImageRows) Image(i int) int { return int(r.index[i]) }
