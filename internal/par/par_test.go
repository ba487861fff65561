package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun: every part runs exactly once, for any number of parts, from
// several goroutines at once and from inside a part.
func TestRun(t *testing.T) {
	for _, parts := range []int{0, 1, 2, 3, 7, 64} {
		counts := make([]atomic.Int32, parts)
		Run(parts, func(p int) { counts[p].Add(1) })
		for p := range counts {
			if c := counts[p].Load(); c != 1 {
				t.Fatalf("%d parts: part %d ran %d times", parts, p, c)
			}
		}
	}
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				Run(1+(g+i)%5, func(p int) {
					total.Add(1)
					if p == 0 && i%7 == 0 {
						Run(3, func(int) { total.Add(100) }) // nested: runs in order
					}
				})
			}
		}()
	}
	wg.Wait()
	var want int64
	for g := range 8 {
		for i := range 200 {
			want += int64(1 + (g+i)%5)
			if i%7 == 0 {
				want += 300
			}
		}
	}
	if got := total.Load(); got != want {
		t.Fatalf("concurrent and nested runs: %d part calls, want %d", got, want)
	}
}

// TestRunUsesHelpers: with two Ps, parts run on more than one goroutine,
// and the helpers sleep once the team has been idle for longer than Spin.
func TestRunUsesHelpers(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one P")
	}
	var shared atomic.Int32
	for range 1000 {
		var started atomic.Int32
		Run(2, func(int) {
			// Both parts wait for each other: only two goroutines
			// at once can finish.
			started.Add(1)
			deadline := time.Now().Add(50 * time.Millisecond)
			for started.Load() < 2 && time.Now().Before(deadline) {
				runtime.Gosched()
			}
		})
		if started.Load() == 2 {
			shared.Add(1)
		}
	}
	if shared.Load() == 0 {
		t.Error("no Run of two parts ran them at the same time")
	}
	time.Sleep(10 * Spin)
	for i, h := range theTeam.helpers {
		if !h.sleeping.Load() {
			t.Errorf("helper %d still awake after %v idle", i, 10*Spin)
		}
	}
}

// BenchmarkRun times a loop of two parts of about 10 µs each against
// starting a goroutine for the second part.
func BenchmarkRun(b *testing.B) {
	work := func() {
		x := 1.0
		for range 10000 {
			x = x*1.0000001 + 1e-9
		}
		sink.Store(uint64(x))
	}
	b.Run("par.Run", func(b *testing.B) {
		for b.Loop() {
			Run(2, func(int) { work() })
		}
	})
	b.Run("go func", func(b *testing.B) {
		for b.Loop() {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); work() }()
			work()
			wg.Wait()
		}
	})
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			work()
			work()
		}
	})
}

var sink atomic.Uint64
