package regularizer

import "golang.org/x/sys/cpu"

// expAVX2 reports whether expAffine uses expAffineAVX2.
var expAVX2 = cpu.X86.HasAVX2
