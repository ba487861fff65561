//go:build !amd64

package gemm

// hasAVX2FMA is false off amd64: the assembly kernels exist only there.
const hasAVX2FMA = false

// The Go kernels; gonum has no assembly off amd64.

func defaultKernelD() *kernel[float64] { return &goKernelD }
func defaultKernelS() *kernel[float32] { return &goKernelS }
