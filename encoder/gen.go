package encoder

// The AVX2 BatchNorm row kernels are written by a generator built on avo,
// in its own module so that avo is no dependency of this one.
//go:generate go -C ../internal/asmgen run . -for encoder -dir ../../encoder
