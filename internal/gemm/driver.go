package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pidreg/pidreg/internal/par"
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

// serial computes the whole product on the calling goroutine with the
// BLIS loop order: column panels of B (nc), depth blocks (kc) packing B,
// row blocks of A (mc) packing A, then the register tiles.
func (p *product[T]) serial(ws *workspace[T]) {
	kn := p.kern
	kc := p.kBlock()
	for jc := 0; jc < p.n; jc += kn.nc {
		nc := min(kn.nc, p.n-jc)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			ws.b = grow(ws.b, roundUp(nc, kn.nr)*kb)
			pack(ws.b, p.b, p.ldb, !p.transB, jc, nc, pc, kb, kn.nr, kn.dealB)
			for ic := 0; ic < p.m; ic += kn.mc {
				mc := min(kn.mc, p.m-ic)
				if p.tri.classify(ic, mc, jc, nc) == outside {
					continue
				}
				p.packA(ws, ic, mc, pc, kb)
				p.block(ws, ws.b, ic, mc, jc, nc, pc, kb)
			}
		}
	}
}

// packA packs the rows [ic, ic+mc) of op(A) at depths [pc, pc+kb).
func (p *product[T]) packA(ws *workspace[T], ic, mc, pc, kb int) {
	ws.a = grow(ws.a, roundUp(mc, p.kern.mr)*kb)
	pack(ws.a, p.a, p.lda, p.transA, ic, mc, pc, kb, p.kern.mr, p.kern.dealA)
}

// block runs the micro-kernel over the tiles of C in rows [ic, ic+mc) and
// columns [jc, jc+nc) from the packed block ws.a of A and the packed panel
// b of B (starting at column jc), both of depth kb starting at pc. The
// first depth block scales C by β; the others add to it.
func (p *product[T]) block(ws *workspace[T], b []T, ic, mc, jc, nc, pc, kb int) {
	kn := p.kern
	mr, nr, ldc := kn.mr, kn.nr, p.ldc
	beta := p.beta
	if pc > 0 {
		beta = 1
	}
	ws.tile = grow(ws.tile, mr*nr)
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		bp := b[jr*kb : (jr+nr)*kb]
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
// (A transposed, B not), otherwise at src[i·ld+p]; then deal, if not nil,
// copies the whole runs of w entries.
func pack[T float32 | float64](dst, src []T, ld int, kMajor bool, i0, cnt, p0, kb, w int, deal func(n int, d, s []T, stride int)) {
	if kMajor {
		// Run by run of the source, each read once in order and dealt out
		// to the panels: a panel at a time would stride through the block
		// once per panel.
		for p := 0; p < kb; p++ {
			off := (p0+p)*ld + i0
			packRun(dst[p*w:], src[off:off+cnt], w*kb, w, deal)
		}
		return
	}
	for q := 0; q < cnt; q += w {
		width := min(w, cnt-q)
		packRows(dst[q*kb:q*kb+w*kb], src[(i0+q)*ld+p0:], ld, width, kb, w)
	}
}

// packRun deals the run s out to panels of width w: s[q·w+r] goes to
// d[q·stride+r], the last panel padded with zeros.
func packRun[T float32 | float64](d, s []T, stride, w int, deal func(n int, d, s []T, stride int)) {
	q := 0 // s[q:] is left to deal; its panel starts at d[q/w·stride]
	if n := len(s) / w; deal != nil && n > 0 {
		_, _ = d[(n-1)*stride+w-1], s[n*w-1] // the assembly does not check
		deal(n, d, s, stride)
		q = n * w
	}
	// Element by element: in generic code an array copy ([8]T(s)) is a
	// call to memmove, which took a third of a 129×1000 Syrk.
	switch w {
	case 4:
		for o := 0; q+4 <= len(s); q, o = q+4, o+stride {
			r, dp := s[q:q+4:q+4], d[o:o+4:o+4]
			dp[0], dp[1], dp[2], dp[3] = r[0], r[1], r[2], r[3]
		}
	case 6:
		for o := 0; q+6 <= len(s); q, o = q+6, o+stride {
			r, dp := s[q:q+6:q+6], d[o:o+6:o+6]
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r[0], r[1], r[2], r[3], r[4], r[5]
		}
	case 8:
		for o := 0; q+8 <= len(s); q, o = q+8, o+stride {
			r, dp := s[q:q+8:q+8], d[o:o+8:o+8]
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5], dp[6], dp[7] = r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
		}
	case 16:
		for o := 0; q+16 <= len(s); q, o = q+16, o+stride {
			r, dp := s[q:q+16:q+16], d[o:o+16:o+16]
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5], dp[6], dp[7] = r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
			dp[8], dp[9], dp[10], dp[11], dp[12], dp[13], dp[14], dp[15] = r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]
		}
	}
	if q < len(s) {
		dp := d[q/w*stride : q/w*stride+w]
		for r := range dp {
			if q+r < len(s) {
				dp[r] = s[q+r]
			} else {
				dp[r] = 0
			}
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
const minWork = 3 << 19

// threads returns how many goroutines to run the product on: at most
// limit (GOMAXPROCS if limit ≤ 0), and one for each minWork multiply-adds.
func (p *product[T]) threads(limit int) int {
	t := min(runtime.GOMAXPROCS(0), maxThreads)
	if limit > 0 {
		t = min(t, limit)
	}
	work := p.m * p.n * p.k
	if p.tri != full {
		work /= 2
	}
	return max(1, min(t, work/minWork))
}

// targetBlocks is how many blocks of C a shared product aims for, so that
// a goroutine that starts late, or shares its core, leaves its blocks to
// the others.
const targetBlocks = 8

// sharedPanel bounds, in entries, the packed panel of B a shared product
// keeps for all its depth blocks at once (4 MiB of float64).
const sharedPanel = 1 << 19

// run computes the product on up to threads goroutines.
//
// Shared, the columns of C are cut into panels narrow enough that the
// packed panel of B for every depth block fits in sharedPanel entries, and
// for each panel the goroutines take blocks of C from a fixed grid (set by
// the shape alone) in turn. For its block a goroutine runs the depth
// blocks in order, packing the rows of A the block needs and sharing the
// packing of B in chunks of 4·nr columns: it packs the chunks its block
// needs that no goroutine has begun, then waits for those others are
// packing. Whichever goroutine computes a block, each entry of C gets the
// same operations in the same order, so the result depends neither on
// threads nor on scheduling.
func run[T float32 | float64](p *product[T], threads int) {
	if threads <= 1 {
		ws := fromPool[workspace[T]](workspaces[T]())
		p.serial(ws)
		workspaces[T]().Put(ws)
		return
	}
	kn := p.kern
	j := fromPool[job[T]](jobs[T]())
	j.p = *p
	j.kc = p.kBlock()
	j.depths = (p.k + j.kc - 1) / j.kc
	width := min(kn.nc, max(4*kn.nr, sharedPanel/(j.depths*j.kc)/kn.nr*kn.nr))
	for jc := 0; jc < p.n; jc += width {
		j.jc, j.nc = jc, min(width, p.n-jc)
		j.grid()
		j.b = grow(j.b, j.depths*j.panel)
		for i := range j.bState {
			j.bState[i].Store(unpacked)
		}
		j.next.Store(0)
		par.RunParts(threads, j)
	}
	j.p = product[T]{}
	jobs[T]().Put(j)
}

// States of a chunk of the packed panel of B.
const (
	unpacked int32 = iota
	packing
	packed
)

// job is one product shared between goroutines.
type job[T float32 | float64] struct {
	p product[T]
	// kc is the depth of a block, depths their number.
	kc, depths int
	// The current panel: columns [jc, jc+nc). Depth block q of its packed
	// B is b[q·panel:].
	jc, nc, panel int
	b             []T
	// The grid of blocks: rowBlocks×colBlocks blocks of rowStep×colStep.
	rowStep, colStep, rowBlocks, colBlocks int
	// bState[q·chunks+i] says whether columns [i·chunk, (i+1)·chunk) of
	// depth block q are packed.
	bState        []atomic.Int32
	chunk, chunks int
	next          atomic.Int64 // next block to take
}

// grid cuts the current panel of C into about targetBlocks blocks: rows
// in steps of mc, or of fewer rows (at least 2·mr) when that gives too few
// blocks, and then, if there are still too few, columns in steps of at
// least 4·nr. Cutting rows first keeps each row of A packed by one
// goroutine only.
func (j *job[T]) grid() {
	kn := j.p.kern
	m := j.p.m
	j.rowStep = kn.mc
	if (m+kn.mc-1)/kn.mc < targetBlocks {
		j.rowStep = max(2*kn.mr, roundUp((m+targetBlocks-1)/targetBlocks, kn.mr))
	}
	j.rowBlocks = (m + j.rowStep - 1) / j.rowStep
	cols := max(1, min((targetBlocks+j.rowBlocks-1)/j.rowBlocks, j.nc/(4*kn.nr)))
	j.colStep = roundUp((j.nc+cols-1)/cols, kn.nr)
	j.colBlocks = (j.nc + j.colStep - 1) / j.colStep
	j.panel = roundUp(j.nc, kn.nr) * j.kc
	j.chunk = 4 * kn.nr
	j.chunks = (j.nc + j.chunk - 1) / j.chunk
	if n := j.depths * j.chunks; cap(j.bState) >= n {
		j.bState = j.bState[:n]
	} else {
		j.bState = make([]atomic.Int32, n)
	}
}

// Part is one goroutine's share of the current panel (par.Parts): work.
func (j *job[T]) Part(int) { j.work() }

// work takes blocks of the current panel until none is left.
func (j *job[T]) work() {
	p := &j.p
	ws := fromPool[workspace[T]](workspaces[T]())
	defer workspaces[T]().Put(ws)
	for {
		u := int(j.next.Add(1) - 1)
		if u >= j.rowBlocks*j.colBlocks {
			return
		}
		rb, cb := u/j.colBlocks, u%j.colBlocks
		ic, jc := rb*j.rowStep, cb*j.colStep
		mc, nc := min(j.rowStep, p.m-ic), min(j.colStep, j.nc-jc)
		if p.tri.classify(ic, mc, j.jc+jc, nc) == outside {
			continue
		}
		for q := range j.depths {
			pc := q * j.kc
			kb := min(j.kc, p.k-pc)
			j.packB(q, pc, kb, jc, nc)
			p.packA(ws, ic, mc, pc, kb)
			p.block(ws, j.b[q*j.panel+jc*kb:], ic, mc, j.jc+jc, nc, pc, kb)
		}
	}
}

// packB makes sure columns [jc, jc+nc) of depth block q (depths [pc,
// pc+kb)) are packed: it packs the chunks among them that no goroutine has
// begun, then waits for those that others are packing.
func (j *job[T]) packB(q, pc, kb, jc, nc int) {
	p := &j.p
	first, last := q*j.chunks+jc/j.chunk, q*j.chunks+(jc+nc-1)/j.chunk
	for i := first; i <= last; i++ {
		if st := &j.bState[i]; st.Load() == unpacked && st.CompareAndSwap(unpacked, packing) {
			c0 := (i - q*j.chunks) * j.chunk
			pack(j.b[q*j.panel+c0*kb:], p.b, p.ldb, !p.transB, j.jc+c0, min(j.chunk, j.nc-c0), pc, kb, p.kern.nr, p.kern.dealB)
			st.Store(packed)
		}
	}
	for i := first; i <= last; i++ {
		for j.bState[i].Load() != packed {
			runtime.Gosched()
		}
	}
}
