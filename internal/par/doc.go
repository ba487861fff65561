// Package par runs the parts of a loop on a team of goroutines that stay
// awake between loops.
//
// A training step is a few hundred loops of 10 to 500 µs each (matrix
// products, BatchNorm passes, kernel matrices, the Adam update). Starting a
// goroutine for the second half of each costs little, but the goroutine
// often runs late: the runtime wakes an idle thread through the operating
// system (tens of microseconds), and a goroutine started last waits in its
// P's runnext slot, which idle Ps are slow to steal from. Measured on the
// project's 2-core machine, the step was then as fast with GOMAXPROCS=1 as
// with 2: the second core bought nothing.
//
// Run hands the parts to helpers that, after finishing a loop, spin for
// Spin waiting for the next one before they sleep (as OpenMP runtimes do),
// so consecutive loops start on both cores at once. The caller takes parts
// too, and waits only for parts already begun. One loop runs at a time:
// a Run called while another is running (from a part, or from another
// goroutine) runs its parts itself, in order.
//
// Which goroutine runs a part never changes what the part computes, so
// callers that cut their work into parts by index alone get the same bits
// whatever the scheduling.
package par
