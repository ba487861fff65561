package gemm

import (
	"runtime"
	"sync"
)

// triangle restricts a product to part of C: all of it (Gemm) or one
// triangle (Syrk). In row-major C, upper holds the entries with j ≥ i.
type triangle uint8

const (
	full triangle = iota
	upper
	lower
)

// tileClass says how a tile of C relates to the triangle.
type tileClass uint8

const (
	inside tileClass = iota
	outside
	straddles
)

// classify places the tile of rows [i0, i0+rows) and columns [j0, j0+cols).
func (t triangle) classify(i0, rows, j0, cols int) tileClass {
	switch t {
	case upper:
		if j0+cols-1 < i0 {
			return outside
		}
		if j0 < i0+rows-1 {
			return straddles
		}
	case lower:
		if j0 > i0+rows-1 {
			return outside
		}
		if j0+cols-1 > i0 {
			return straddles
		}
	}
	return inside
}

func (t triangle) contains(i, j int) bool {
	switch t {
	case upper:
		return j >= i
	case lower:
		return j <= i
	}
	return true
}

// product is C = alpha·op(A)·op(B) + beta·C over the entries of tri, where
// op(A) is m×k and op(B) is k×n. A operand stored transposed has op(A)[i,p]
// at a[p·lda+i], otherwise at a[i·lda+p]; likewise for B. The arguments are
// checked by the caller: alpha ≠ 0, m, n, k > 0 and the slices long enough.
type product[T float32 | float64] struct {
	kern           *kernel[T]
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a              []T
	lda            int
	b              []T
	ldb            int
	c              []T
	ldc            int
	tri            triangle
}

// workspace holds one goroutine's packed blocks and an edge tile.
type workspace[T float32 | float64] struct {
	a, b, tile []T
}

// Workspaces and jobs are reused through pools, one per precision, so
// that repeated products allocate nothing.
var workspacesD, workspacesS, jobsD, jobsS sync.Pool

// pool returns d for float64 and s for float32.
func pool[T float32 | float64](d, s *sync.Pool) *sync.Pool {
	var z T
	if _, ok := any(z).(float64); ok {
		return d
	}
	return s
}

func workspaces[T float32 | float64]() *sync.Pool { return pool[T](&workspacesD, &workspacesS) }
func jobs[T float32 | float64]() *sync.Pool       { return pool[T](&jobsD, &jobsS) }

// fromPool takes an X from p or makes a new one.
func fromPool[X any](p *sync.Pool) *X {
	if x, ok := p.Get().(*X); ok {
		return x
	}
	return new(X)
}

func grow[T float32 | float64](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// kBlock returns the depth of the packed blocks: k is cut into the fewest
// blocks of at most kern.kc, of equal depth but for the last. It depends on
// k alone, so every entry of C sums its products in the same order
// whatever the partition of C between goroutines.
func (p *product[T]) kBlock() int {
	nb := (p.k + p.kern.kc - 1) / p.kern.kc
	return (p.k + nb - 1) / nb
}

// region computes the rows [m0, m1) and columns [n0, n1) of C with the
// BLIS loop order: column panels of B (nc), depth blocks (kc) packing B,
// row blocks of A (mc) packing A, then the register tiles.
func (p *product[T]) region(ws *workspace[T], m0, m1, n0, n1 int) {
	kn := p.kern
	kc := p.kBlock()
	ws.tile = grow(ws.tile, kn.mr*kn.nr)
	for jc := n0; jc < n1; jc += kn.nc {
		nc := min(kn.nc, n1-jc)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			ws.b = grow(ws.b, roundUp(nc, kn.nr)*kb)
			pack(ws.b, p.b, p.ldb, !p.transB, jc, nc, pc, kb, kn.nr)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			for ic := m0; ic < m1; ic += kn.mc {
				mc := min(kn.mc, m1-ic)
				if p.tri.classify(ic, mc, jc, nc) == outside {
					continue
				}
				ws.a = grow(ws.a, roundUp(mc, kn.mr)*kb)
				pack(ws.a, p.a, p.lda, p.transA, ic, mc, pc, kb, kn.mr)
				p.block(ws, ic, mc, jc, nc, kb, beta)
			}
		}
	}
}

// block runs the micro-kernel over the tiles of one packed mc×kb block of
// A and one kb×nc panel of B.
func (p *product[T]) block(ws *workspace[T], ic, mc, jc, nc, kb int, beta T) {
	kn := p.kern
	mr, nr, ldc := kn.mr, kn.nr, p.ldc
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		bp := ws.b[jr*kb : (jr+nr)*kb]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			ap := ws.a[ir*kb : (ir+mr)*kb]
			i0, j0 := ic+ir, jc+jr
			class := p.tri.classify(i0, rows, j0, cols)
			switch {
			case class == outside:
			case class == inside && rows == mr && cols == nr:
				off := i0*ldc + j0
				kn.fn(kb, ap, bp, p.c[off:off+(mr-1)*ldc+nr], ldc, p.alpha, beta)
			default:
				p.edge(ws.tile, ap, bp, kb, i0, rows, j0, cols, beta)
			}
		}
	}
}

// edge computes a tile that is cut by the border of C or by the triangle
// through a full-size copy, with the same kernel, so that its entries get
// the same operations as those of whole tiles.
func (p *product[T]) edge(t, ap, bp []T, kb, i0, rows, j0, cols int, beta T) {
	nr := p.kern.nr
	if beta != 0 {
		for r := 0; r < rows; r++ {
			copy(t[r*nr:r*nr+cols], p.c[(i0+r)*p.ldc+j0:])
		}
	}
	p.kern.fn(kb, ap, bp, t, nr, p.alpha, beta)
	for r := 0; r < rows; r++ {
		c := p.c[(i0+r)*p.ldc+j0 : (i0+r)*p.ldc+j0+cols]
		if p.tri == full {
			copy(c, t[r*nr:])
			continue
		}
		for j := range c {
			if p.tri.contains(i0+r, j0+j) {
				c[j] = t[r*nr+j]
			}
		}
	}
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// pack copies the block of an operand with indices [i0, i0+cnt) along its
// wide dimension (rows of op(A), columns of op(B)) and [p0, p0+kb) along
// the depth into dst as panels of width w: entry (i0+q+r, p0+p) goes to
// dst[q·kb + p·w + r] for q a multiple of w, and the last panel is padded
// with zeros. kMajor says the source holds entry (i, p) at src[p·ld+i]
// (A transposed, B not), otherwise at src[i·ld+p].
func pack[T float32 | float64](dst, src []T, ld int, kMajor bool, i0, cnt, p0, kb, w int) {
	for q := 0; q < cnt; q += w {
		width := min(w, cnt-q)
		d := dst[q*kb : q*kb+w*kb]
		if kMajor {
			packRuns(d, src[(p0*ld)+i0+q:], ld, width, kb, w)
		} else {
			packRows(d, src[(i0+q)*ld+p0:], ld, width, kb, w)
		}
	}
}

// packRuns packs one panel from kb runs of width entries, run p starting
// at src[p·ld].
func packRuns[T float32 | float64](d, src []T, ld, width, kb, w int) {
	switch {
	case width == 4 && w == 4:
		for p := 0; p < kb; p++ {
			*(*[4]T)(d[p*4:]) = [4]T(src[p*ld:])
		}
	case width == 6 && w == 6:
		for p := 0; p < kb; p++ {
			*(*[6]T)(d[p*6:]) = [6]T(src[p*ld:])
		}
	case width == 8 && w == 8:
		for p := 0; p < kb; p++ {
			*(*[8]T)(d[p*8:]) = [8]T(src[p*ld:])
		}
	case width == 16 && w == 16:
		for p := 0; p < kb; p++ {
			*(*[16]T)(d[p*16:]) = [16]T(src[p*ld:])
		}
	default:
		for p := 0; p < kb; p++ {
			dp := d[p*w : p*w+w]
			copy(dp[:width], src[p*ld:p*ld+width])
			clear(dp[width:])
		}
	}
}

// packRows packs one panel from width rows of kb entries, row r starting
// at src[r·ld], interleaving them.
func packRows[T float32 | float64](d, src []T, ld, width, kb, w int) {
	d = d[:w*kb]
	switch {
	case width == 4 && w == 4:
		r0, r1, r2, r3 := src[:kb], src[ld:ld+kb], src[2*ld:2*ld+kb], src[3*ld:3*ld+kb]
		for p := range r0 {
			dp := d[p*4 : p*4+4 : p*4+4]
			dp[0], dp[1], dp[2], dp[3] = r0[p], r1[p], r2[p], r3[p]
		}
	case width == 6 && w == 6:
		r0, r1, r2 := src[:kb], src[ld:ld+kb], src[2*ld:2*ld+kb]
		r3, r4, r5 := src[3*ld:3*ld+kb], src[4*ld:4*ld+kb], src[5*ld:5*ld+kb]
		for p := range r0 {
			dp := d[p*6 : p*6+6 : p*6+6]
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
		}
	case width == 8 && w == 8:
		r0, r1, r2, r3 := src[:kb], src[ld:ld+kb], src[2*ld:2*ld+kb], src[3*ld:3*ld+kb]
		r4, r5, r6, r7 := src[4*ld:4*ld+kb], src[5*ld:5*ld+kb], src[6*ld:6*ld+kb], src[7*ld:7*ld+kb]
		for p := range r0 {
			dp := d[p*8 : p*8+8 : p*8+8]
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5], dp[6], dp[7] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p], r6[p], r7[p]
		}
	default:
		for r := 0; r < width; r++ {
			for p, v := range src[r*ld : r*ld+kb] {
				d[p*w+r] = v
			}
		}
		if width < w {
			for p := 0; p < kb; p++ {
				clear(d[p*w+width : p*w+w])
			}
		}
	}
}

// maxThreads bounds the goroutines of one product.
const maxThreads = 16

// minWork is the number of multiply-adds below which a product is not
// worth sharing with another goroutine (measured: see doc.go).
const minWork = 1 << 20

// threads returns how many goroutines to run the product on.
func (p *product[T]) threads() int {
	t := min(runtime.GOMAXPROCS(0), maxThreads)
	work := p.m * p.n * p.k
	if p.tri != full {
		work /= 2
	}
	return max(1, min(t, work/minWork))
}

// run computes the product on up to threads goroutines. C is cut into
// bands of whole register tiles, one per goroutine, along its rows (or its
// columns when it is wider than tall and not triangular). Each goroutine
// packs what its band needs; no entry of C is touched by two goroutines,
// and each is computed by the same operations whatever the cut.
func run[T float32 | float64](p *product[T], threads int) {
	byRows := p.m >= p.n || p.tri != full
	unit, extent := p.kern.mr, p.m
	if !byRows {
		unit, extent = p.kern.nr, p.n
	}
	threads = min(threads, (extent+unit-1)/unit, maxThreads)
	if threads <= 1 {
		ws := fromPool[workspace[T]](workspaces[T]())
		p.region(ws, 0, p.m, 0, p.n)
		workspaces[T]().Put(ws)
		return
	}
	j := fromPool[job[T]](jobs[T]())
	j.p, j.byRows, j.parts = *p, byRows, threads
	j.cut(unit, extent)
	// Every part runs on a new goroutine, the caller's included: the last
	// goroutine started waits in its P's runnext slot, which idle Ps are
	// slow to steal from, so only the caller's P would run it. The others
	// are queued where idle Ps take them at once.
	j.wg.Add(threads)
	for t := 0; t < threads; t++ {
		tasks <- task{j, t}
		go worker()
	}
	j.wg.Wait()
	j.p = product[T]{}
	jobs[T]().Put(j)
}

// job is one product shared between goroutines.
type job[T float32 | float64] struct {
	p      product[T]
	byRows bool
	parts  int
	bounds [maxThreads + 1]int // part t covers [bounds[t], bounds[t+1])
	wg     sync.WaitGroup
}

// cut sets the part bounds on multiples of unit, giving each part about
// the same number of multiply-adds (for a triangle, rows near its apex are
// shorter).
func (j *job[T]) cut(unit, extent int) {
	units := (extent + unit - 1) / unit
	// area(u) is the work of the first u units, up to a constant factor.
	area := func(u int) float64 {
		i := float64(min(u*unit, extent))
		n := float64(j.p.n)
		switch j.p.tri {
		case upper:
			return i*n - i*(i-1)/2
		case lower:
			return i * (i + 1) / 2
		}
		return i
	}
	total := area(units)
	u := 0
	j.bounds[0] = 0
	for t := 1; t < j.parts; t++ {
		target := total * float64(t) / float64(j.parts)
		for u < units && area(u+1) <= target {
			u++
		}
		// Leave at least one unit for each remaining part.
		u = max(u, t)
		u = min(u, units-(j.parts-t))
		j.bounds[t] = u * unit
	}
	j.bounds[j.parts] = extent
}

func (j *job[T]) runPart(t int) {
	ws := fromPool[workspace[T]](workspaces[T]())
	lo, hi := j.bounds[t], j.bounds[t+1]
	if j.byRows {
		j.p.region(ws, lo, hi, 0, j.p.n)
	} else {
		j.p.region(ws, 0, j.p.m, lo, hi)
	}
	workspaces[T]().Put(ws)
}

func (j *job[T]) done(t int) {
	j.runPart(t)
	j.wg.Done()
}

// task hands part t of a job to a fresh goroutine. Passing it through a
// channel rather than as an argument of the go statement spares the
// closure the compiler would allocate for the argument.
type task struct {
	j interface{ done(int) }
	t int
}

var tasks = make(chan task, maxThreads)

// worker runs one task. Every go worker() is preceded by one send on
// tasks, so each worker finds a task, though maybe another caller's.
func worker() {
	tk := <-tasks
	tk.j.done(tk.t)
}
