//go:build unix

package regularizer

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of this process. Benchmarks
// report it per op ("cpu-ns/op") next to wall time, because wall time on a
// shared machine depends on the load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
