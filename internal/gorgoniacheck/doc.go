// Package gorgoniacheck holds no code of its own: its test imports gorgonia
// and tensor and runs a tiny graph, so that a dependency upgrade that brings
// back the go4.org/unsafe/assume-no-moving-gc start-up panic (gorgonia#523,
// tensor#128) fails CI instead of every user's binary.
package gorgoniacheck
