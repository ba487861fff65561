// Package asmcheck checks that committed assembly matches its generator.
//
// The assembly kernels of pidreg (internal/gemm, regularizer, encoder) are
// written by internal/asmgen, a program on avo in its own module. Each
// package's test calls Check, which runs the generator into a temporary
// directory and fails when a committed file differs from its output.
package asmcheck
