package regularizer

// The AVX2 exponential is written by a generator built on avo, in its own
// module so that avo is no dependency of this one.
//go:generate go -C ../internal/asmgen run . -for regularizer -dir ../../regularizer
