package encoder

import "golang.org/x/sys/cpu"

// bnAVX2 reports whether the BatchNorm row kernels use their assembly.
var bnAVX2 = cpu.X86.HasAVX2
