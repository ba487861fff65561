//go:build !(openblas && cgo)

package pidreg

// Without the openblas build tag, gonum's pure-Go BLAS is used: nothing to
// install, any machine with Go builds pidreg.
const blasName = "gonum"
