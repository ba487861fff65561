package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Spin is how long a helper waits, busy, for the next loop before it
// sleeps: long enough to span the gaps between the loops of a training
// step, short enough that an idle program soon stops using the CPU. A
// frozen step of the default model runs 53 loops; with 200 µs its helper
// slept (and had to be woken) before 10.8 of them, with 1 ms before 0.9,
// and the step's median fell from 21.4 to 20.3 ms (eight alternating runs
// of BenchmarkTrainStepFrozen).
const Spin = time.Millisecond

// maxHelpers bounds the team: GOMAXPROCS − 1 helpers, at most this many.
const maxHelpers = 15

// Parts is a loop cut into parts; Part(i) runs part i.
type Parts interface{ Part(i int) }

// Func is a function as Parts.
type Func func(i int)

// Part calls f(i).
func (f Func) Part(i int) { f(i) }

// team is the helpers and the current loop. The loop is published by
// storing its generation in gen; next packs the generation (high 32 bits)
// and the next part to take (low 32), so that a helper still looking at
// an earlier loop takes nothing from a later one. w is written by the
// caller before it publishes and read by a goroutine only after it took a
// part, which the caller waits for before it writes w again.
type team struct {
	mu      sync.Mutex // held by the caller of the running loop
	gen     atomic.Uint64
	next    atomic.Uint64
	parts   atomic.Uint64
	done    atomic.Uint64 // parts finished
	w       Parts
	helpers []*helper // grown by the caller holding mu only
}

type helper struct {
	sleeping atomic.Bool
	wake     chan struct{}
}

var theTeam team

// Run calls f(0), …, f(parts−1) as RunParts does. The closure f usually
// escapes to the heap; RunParts with a pointer type allocates nothing.
func Run(parts int, f func(i int)) { RunParts(parts, Func(f)) }

// RunParts calls w.Part(0), …, w.Part(parts−1) on up to min(parts,
// GOMAXPROCS) goroutines, the caller's included, and returns when all
// have returned. With one part, one P or while another loop is running it
// calls them in order on the caller's goroutine.
func RunParts(parts int, w Parts) {
	procs := min(runtime.GOMAXPROCS(0), maxHelpers+1)
	t := &theTeam
	if parts <= 1 || parts >= 1<<32 || procs < 2 || !t.mu.TryLock() {
		for p := range parts {
			w.Part(p)
		}
		return
	}
	defer t.mu.Unlock()
	t.ensure(min(parts, procs) - 1)
	// Retag next first, so that a helper still in the previous loop takes
	// nothing more, then the part count, then the generation that starts
	// the helpers on this loop.
	g := (t.gen.Load() + 1) & (1<<32 - 1)
	t.w = w
	t.done.Store(0)
	t.next.Store(g << 32)
	t.parts.Store(uint64(parts))
	t.gen.Store(g)
	for _, h := range t.helpers {
		if h.sleeping.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
	t.work(g)
	for t.done.Load() < uint64(parts) {
		runtime.Gosched()
	}
	t.w = nil
}

// work takes parts of loop g until none is left or another loop began.
func (t *team) work(g uint64) {
	for {
		cur := t.next.Load()
		if cur>>32 != g || cur&(1<<32-1) >= t.parts.Load() {
			return
		}
		if t.next.CompareAndSwap(cur, cur+1) {
			t.w.Part(int(cur & (1<<32 - 1)))
			t.done.Add(1)
		}
	}
}

// ensure starts helpers until there are at least n; the caller holds mu.
func (t *team) ensure(n int) {
	for len(t.helpers) < n {
		h := &helper{wake: make(chan struct{}, 1)}
		t.helpers = append(t.helpers, h)
		go h.loop(t, t.gen.Load())
	}
}

// loop runs the parts of each new loop, spinning for Spin between loops
// and then sleeping until a Run wakes it.
func (h *helper) loop(t *team, seen uint64) {
	for {
		idle := time.Now()
		for spins := 0; ; spins++ {
			if g := t.gen.Load(); g != seen {
				seen = g
				t.work(g)
				idle, spins = time.Now(), 0
				continue
			}
			if spins%64 == 63 && time.Since(idle) > Spin {
				break
			}
			runtime.Gosched()
		}
		// Sleep: announce it, then look once more, so that a Run that
		// published before the announcement is seen here and one that
		// published after it sees the announcement and wakes us.
		h.sleeping.Store(true)
		if t.gen.Load() == seen {
			<-h.wake
		}
		h.sleeping.Store(false)
	}
}
