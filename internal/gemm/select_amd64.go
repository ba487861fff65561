package gemm

import "golang.org/x/sys/cpu"

// AVX2+FMA kernels, written by asmgen.
var (
	avx2KernelD = kernel[float64]{name: "avx2-6x8", mr: 6, nr: 8, kc: 256, mc: 72, nc: 4080, fn: kernelD, dealA: dealRunD6, dealB: dealRunD8}
	avx2KernelS = kernel[float32]{name: "avx2-6x16", mr: 6, nr: 16, kc: 256, mc: 72, nc: 4080, fn: kernelS, dealA: dealRunS6, dealB: dealRunS16}
)

// hasAVX2FMA reports whether the CPU (and the OS, which must save the YMM
// registers) supports the assembly kernels.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Without AVX2 and FMA, products are left to gonum, whose SSE2 kernels
// were measured as fast as the Go kernel or faster (see doc.go).

func defaultKernelD() *kernel[float64] {
	if hasAVX2FMA {
		return &avx2KernelD
	}
	return nil
}

func defaultKernelS() *kernel[float32] {
	if hasAVX2FMA {
		return &avx2KernelS
	}
	return nil
}
