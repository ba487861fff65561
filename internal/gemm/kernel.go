package gemm

// kernel describes a micro-kernel and the blocking that feeds it.
type kernel[T float32 | float64] struct {
	name string
	// mr×nr is the register tile.
	mr, nr int
	// kc, mc and nc bound the packed blocks: a kc×nc panel of B, an mc×kc
	// block of A. mc is a multiple of mr and nc one of nr.
	kc, mc, nc int
	// fn sets the mr×nr tile c = alpha·a·b + beta·c from a packed mr×k panel
	// of A and a packed k×nr panel of B, reading c only if beta ≠ 0. Row i
	// of the tile starts at c[i·ldc].
	fn func(k int, a, b, c []T, ldc int, alpha, beta T)
	// dealA and dealB, if not nil, copy n runs of mr (nr) entries, s[i·w:]
	// to d[i·stride:]: the packing of an operand stored along its panels.
	dealA, dealB func(n int, d, s []T, stride int)
}

// Go kernels: the portable path, used off amd64 (and by the tests
// everywhere).
var (
	goKernelD = kernel[float64]{name: "go4x4", mr: 4, nr: 4, kc: 256, mc: 64, nc: 4096, fn: kernelGo[float64]}
	goKernelS = kernel[float32]{name: "go4x4", mr: 4, nr: 4, kc: 256, mc: 64, nc: 4096, fn: kernelGo[float32]}
)

// kernelGo is the portable 4×4 micro-kernel. Its sixteen scalar
// accumulators fit the 32 floating-point registers of arm64; on amd64,
// with 16, about half of them spill, which is one reason gonum's SSE2
// path is kept there.
func kernelGo[T float32 | float64](k int, a, b, c []T, ldc int, alpha, beta T) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	a, b = a[:4*k], b[:4*k]
	for p := 0; p < 4*k; p += 4 {
		ap, bp := a[p:p+4:p+4], b[p:p+4:p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store4(c[:4], c00, c01, c02, c03, alpha, beta)
	store4(c[ldc:ldc+4], c10, c11, c12, c13, alpha, beta)
	store4(c[2*ldc:2*ldc+4], c20, c21, c22, c23, alpha, beta)
	store4(c[3*ldc:3*ldc+4], c30, c31, c32, c33, alpha, beta)
}

func store4[T float32 | float64](c []T, s0, s1, s2, s3, alpha, beta T) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
}
