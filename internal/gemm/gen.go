package gemm

// The AVX2+FMA micro-kernels are written by a generator built on avo, in
// its own module so that avo is no dependency of this one.
//go:generate go -C ../asmgen run . -for gemm -dir ../gemm
