// Package gemm computes pidreg's matrix products: Implementation is
// gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/gonum) with Dgemm, Sgemm,
// Dsyrk and Ssyrk replaced by packed, register-blocked products with
// AVX2+FMA micro-kernels. The root package installs it process-wide
// (blas64.Use) in the default build.
//
// # Blocking
//
// The products follow the loop structure of GotoBLAS and BLIS (Goto & van
// de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
// 34(3), 2008; Van Zee & van de Geijn, "BLIS: a framework for rapidly
// instantiating BLAS functionality", ACM TOMS 41(3), 2015). For C = α·op(A)·
// op(B) + β·C with op(A) m×k and op(B) k×n:
//
//	for jc in steps of nc over the columns of C
//	  for pc in steps of kc over the depth k
//	    pack op(B)[pc:pc+kc, jc:jc+nc] into panels of nr columns
//	    for ic in steps of mc over the rows of C
//	      pack op(A)[ic:ic+mc, pc:pc+kc] into panels of mr rows
//	      for each nr-wide panel of B, for each mr-high panel of A:
//	        micro-kernel: the mr×nr tile of C += panel(A)·panel(B)
//
// The micro-kernel streams one kc×nr panel of B (16 KiB: it stays in the
// 32 KiB L1 while the ir loop passes over it mc/mr times), the mc×kc block
// of A sits in L2 (144 KiB of the 512 KiB), the kc×nc panel of B in L3.
// The sizes, per kernel:
//
//	kernel      tile (mr×nr)  kc   mc  nc
//	avx2-6x8    6×8 float64   256  72  4080
//	avx2-6x16   6×16 float32  256  72  4080
//	go4x4       4×4 either    256  64  4096
//
// k is cut into the fewest blocks of at most kc, of equal depth but for the
// last (k = 300 gives 150 + 150, not 256 + 44).
//
// # Register tile
//
// The AVX2 kernels hold the tile in twelve of the sixteen YMM registers,
// two per row of C (8 float64 or 16 float32 a row). For each k they load
// one row of the B panel into two registers, broadcast the six entries of
// the A column one after the other into the two remaining registers, and
// issue twelve fused multiply-adds (VFMADD231PD/PS), four values of k per
// pass of the loop. Twelve independent accumulators cover the latency of
// the two FMA units (4 cycles × 2 per cycle). At the end the tile is
// written as C = α·acc + β·C: β·C rounded, then one fused α·acc + β·C; with
// β = 0, C is not read, so NaNs in it are overwritten as the BLAS
// specification requires. On the EPYC measured below the kernel alone
// (data in L1) runs at 42–48 GFLOP/s in float64 for k = 64–256, close to
// the 16 flops a cycle two 256-bit FMA units give.
//
// Only VEX-encoded instructions touch the vector registers: a legacy SSE
// MOVSD between the FMA loop and the stores cost about 260 ns a tile there
// (15 instead of 42 GFLOP/s at k = 64).
//
// # Packing
//
// A panel of A holds, for each k, the mr entries of one column of the
// block; a panel of B, for each k, nr entries of one row. The kernel then
// reads both with unit stride. A transposed operand is just the other
// packing loop, so Aᵀ·B costs what A·B costs and needs no transposed
// copy: where the operand is stored along its panels (A transposed, B
// not) each run of the source is read once in order and dealt out to the
// panels, by AVX loops generated with the kernels; otherwise mr (or nr)
// rows are interleaved in Go. The last panel of
// each block is padded with zeros. A tile cut by the border of C (or, for
// Syrk, by the diagonal) is computed by the same kernel into an mr×nr copy
// and the part of it inside C written back.
//
// # Choosing the kernel
//
// On amd64 the AVX2+FMA kernels are used when golang.org/x/sys/cpu reports
// both (cpu.X86.HasAVX2 && cpu.X86.HasFMA, which include the operating
// system's support for the YMM state). On amd64 without them every call is
// left to gonum, whose SSE2 kernels were measured no slower than the Go
// kernel. On other architectures the Go 4×4 kernel runs in the same
// blocked structure. There is no AVX-512 kernel: the machines this was
// written and tested on have none, and an untested path does not ship.
// Calls that gonum would refuse are handed to it, so bad arguments panic
// with gonum's messages; so are α = 0, k = 0 and empty products, which
// only scale C.
//
// # Threads and determinism
//
// A product of at least 2·minWork multiply-adds (about 3.1 million, e.g.
// 256×64·64×256) is shared between min(GOMAXPROCS, MaxThreads,
// work/minWork) goroutines of internal/par's team, whose helpers stay
// awake between products; smaller ones, where sharing costs more than it
// saves (BenchmarkThreads), run on the caller's.
// Shared, C is cut into column panels narrow enough that the packed B of
// all their depth blocks fits 4 MiB, and each panel into a grid of about
// 8 blocks set by the shape alone (rows first: mc rows, or fewer when m
// is small; columns only if there are still too few). The goroutines take
// blocks in turn from an atomic counter, so one that waits for a core
// leaves its blocks to the others; for its block a goroutine runs the
// depth blocks in order, packs the rows of A it needs, and packs the
// chunks (4·nr columns) of B it needs that no other goroutine has begun.
// There is one par.RunParts per column panel: one for every product of the
// training step.
//
// Every entry of C is the sum of its k products accumulated by FMA in the
// order 0, 1, …, k-1 within each depth block, starting from zero, then
// combined with C as above, the depth blocks in order. None of this depends
// on where the entry's tile lies, on which goroutine computes it, on their
// number or on the order they run in, so for a given kernel the result is
// the same bit for bit for any GOMAXPROCS and any run (TestDeterminism).
// The AVX2 and Go kernels round differently (the Go one fuses only where
// the compiler does, as on arm64), and both differ from gonum's and
// OpenBLAS's summation orders in the last bits: relative to Σ|a||b| the
// error stays below 1e-13 in the tests.
//
// Packed blocks live in workspaces taken from a sync.Pool, one per
// goroutine at a time, so repeated products allocate nothing (TestAllocs).
// A garbage collection empties the pools, which then refill.
//
// # Generating the kernels
//
// kernel_amd64.s and its Go declarations kernel_amd64.go are written by
// asmgen, a program on github.com/mmcloughlin/avo in its own module
// (internal/gemm/asmgen/go.mod), so that avo is no dependency of pidreg:
//
//	go generate ./internal/gemm/
//
// TestGenerated runs it into a temporary directory and fails if the
// committed files differ.
//
// # Speed
//
// GFLOP/s (2mnk flops a product; n(n+1)k for Syrk) on the products of a
// training step at batch 256, named op(A) m×k times op(B) k×n: X·W, the
// weight gradient Xᵀ·dY and the input gradient dY·Wᵀ. Machine: a 2-core
// AMD EPYC VM (Zen 3, family 25 model 1, 2.45 GHz nominal, AVX2+FMA, no
// AVX-512), Go 1.26, Debian's OpenBLAS 0.3.21 on one thread; load average
// about 3 during the run (the VM is shared). Each figure is the median over
// 400 calls that alternate the contenders one call each, so all saw the
// same load; gonum runs with GOMAXPROCS = 2 (it shares products itself):
//
//	OPENBLAS_NUM_THREADS=1 go test -tags openblas -run XXX \
//		-bench SideBySide -benchtime 400x ./internal/gemm
//
//	float64            gonum  gemm 1T  gemm 2T  OpenBLAS 1T
//	XW   256×86·86×256    7.4     31.7     31.0     27.9
//	XW   256×256·256×128  9.1     36.3     49.1     33.6
//	XW   256×128·128×64   8.7     33.3     39.3     35.8
//	XW   256×64·64×256    8.9     33.9     41.6     32.4
//	XtdY 86×256·256×256   5.6     28.5     30.7     26.0
//	XtdY 256×256·256×128  6.0     30.5     34.7     33.0
//	XtdY 128×256·256×64   5.0     28.8     27.0     29.2
//	XtdY 64×256·256×256   5.2     30.1     33.7     29.4
//	dYWt 256×128·128×256  7.9     33.6     45.1     32.2
//	dYWt 256×64·64×128    7.7     30.7     31.4     29.2
//	dYWt 256×256·256×64   7.9     31.3     44.8     31.1
//	Syrk AᵀA 1000×129     4.5     24.2     27.3     24.2
//	Syrk AAᵀ 256×64       5.4     27.5     31.2     26.8
//
//	float32            gonum  gemm 1T  gemm 2T  OpenBLAS 1T
//	XW   256×86·86×256   11.4     64.8     74.2     60.4
//	XW   256×256·256×128 12.5     59.1     85.3     60.6
//	XtdY 256×256·256×128  6.9     60.1     82.8     61.2
//	dYWt 256×128·128×256 12.8     56.2     74.8     58.9
//
// On one thread the kernels run at OpenBLAS's speed and 4–6 times gonum's
// (the kernel alone, data in L1, reaches 42–48 GFLOP/s in float64). The
// products with a dimension of 1 (the 128→1 head layer) run at 1–8
// GFLOP/s, against 0.2–0.4 for gonum.
//
// A second goroutine gains 30–45 % on the larger products, but on a busy
// machine it can lose: a goroutine that the operating system deschedules
// in the middle of a block, or while packing a part of B the other needs,
// holds up the whole product for a scheduler time slice (milliseconds).
// The 25 products of one step run back to back (as BenchmarkStepGemm64 at
// the module root runs them), alternating MaxThreads 1 and 0 step by step,
// took 7.6 ms on one goroutine and 6.0 ms shared at load 2, but 7.8 against
// 20.7 ms at load 5; gonum took 42 ms (29 with GOMAXPROCS = 2). Set
// MaxThreads to 1 where the cores are known to be busy.
package gemm
