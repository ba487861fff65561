//go:build race

package table

// raceEnabled reports whether the race detector is on; timing tests skip then.
const raceEnabled = true
