// Package regularizer builds the training losses of the method (package pidreg, "The loss") as
// pieces of a gorgonia graph: the Cauchy–Schwarz divergence to a standard
// normal ([CSDivergence]), the conditional Cauchy–Schwarz estimate of
// I(Z; X_other | X_cond) ([CMI]) and a Shapiro–Francia Gaussianity loss
// ([Gaussianity]). Each is one custom differentiable gorgonia op in float64
// whose forward and backward passes are written in gonum (BLAS/LAPACK); the
// backward pass is a second op that reuses what the forward pass cached.
// Plain functions compute the same values on gonum matrices
// ([CSDivergenceValue], [CMIValue], [GaussianityValue]) with independent,
// straightforward code; the tests check one against the other.
//
// Two smaller ops replace gorgonia formulations of the rest of the loss:
// [MSE], the mean squared error with its gradient 2(ŷ − y)/(n·d) in a
// reused buffer (for Mean(Square(Sub(ŷ, y))) and the dozen nodes of its
// gradient), and [WeightedSum], Σ_t w_t·term_t of the scalar terms (for a
// chain of Mul and Add nodes). Both give the gorgonia formulation's numbers
// bit for bit at the trainer's shapes, which the tests check, and allocate
// a fraction of what it does.
//
// # Gaussian kernels and the median heuristic
//
// All three kernel losses use κ(u, v) = exp(−‖u − v‖²/(2σ²)). The bandwidth
// follows the median heuristic (Schölkopf & Smola 2002; Garreau, Jitkrittum &
// Kanagawa, "Large sample analysis of the median heuristic", 2017): σ is the
// median of the n(n−1)/2 pairwise distances of the variable's rows, times a
// scale (default 1). In the ops σ is recomputed every step and treated as a
// constant in the backward pass: no gradient flows through the median. The
// median is the distance of one pair (or the mean of two), so the omitted
// term involves at most four rows; the finite-difference tests check all
// other rows exactly. [Gram] computes a kernel matrix of a constant input
// (a modality) per batch into a caller buffer.
//
// The pairwise squared distances are computed once (from one Syrk) and
// packed; the median reads them without reordering (transform.Middle, exact)
// and the kernel values are their exponentials, all through one slice
// function with a table-driven exp (within 1 ulp; exp.go). The O(n²) loops
// run in two parts fixed by n, on two goroutines for n ≥ 91, with partial
// sums combined in a fixed order: results do not depend on GOMAXPROCS.
//
// # Cauchy–Schwarz divergence (compression term)
//
// For densities p, q the Cauchy–Schwarz divergence is
// D_CS(p‖q) = −log (∫pq)² / (∫p² ∫q²) ≥ 0 (Príncipe, "Information Theoretic
// Learning: Rényi's Entropy and Kernel Perspectives", Springer 2010, ch. 2;
// Jenssen et al., "The Cauchy–Schwarz divergence and Parzen windowing",
// J. Franklin Inst. 343, 2006). With Parzen estimates from samples R (the
// encoder output) and q ~ N(0, I) every integral is a mean of Gaussian
// kernels, giving
//
//	CS = log mean κ(R,R) + log mean κ(q,q) − 2 log mean κ(R,q).
//
// Because all three terms use the same kernel, this is exactly the divergence
// between two Parzen densities, so it is ≥ 0 up to rounding; it is floored at
// 0. Sums are evaluated in log-sum-exp form, so far-apart samples give large
// finite values, not +Inf.
//
// # Conditional Cauchy–Schwarz CMI (conditional independence term)
//
// Yu, Li, Løkse, Jenssen & Príncipe ("The conditional Cauchy–Schwarz
// divergence with applications to time-series data and sequential decision
// making", IEEE TPAMI 47(7):5901–5917, 2025; arXiv:2301.08970) give a closed-form estimate of a conditional mutual
// information from Gram matrices. With M = κ(X_cond), K = κ(X_other),
// L = κ(Z) and column sums over i for every j, the quantity implemented here
// (the method's formula, as the PID-regression paper writes it) is
//
//	CMI = −2 log Σ_j (Σ_i M)(Σ_i K∘M)(Σ_i L∘M)
//	      + log Σ_j (Σ_i K∘L∘M)(Σ_i L)²
//	      + log Σ_j (Σ_i K∘L)² (Σ_i L∘M)² / (Σ_i K∘L∘M),
//
// floored at 0. Each Gram matrix has its own median bandwidth. The published
// reference used one bandwidth, 0.05·√(½·median squared distance) of the
// concatenated data; at realistic dimensions every Gram matrix is then the
// identity to machine precision and the term and its gradient vanish
// (TestCMIReferenceBandwidthDefect reproduces this). The estimator is weak in
// high dimension: at (81, 86, 64) dimensions and n = 256 a strongly dependent
// Z scores only about twice an independent one (TestCMIDependence).
//
// # Gaussianity loss
//
// The Gaussian PID is exact only for Gaussian variables, so a loss pushes
// F = [ỹ, Z1, …, Z_M] towards joint normality (the blocks are separate
// inputs of the op, each latent with a gradient op of its own): centre F,
// whiten it with the
// Cholesky factor of its covariance (C + ε·Diag(C) = UᵀU, Y = F_c U⁻¹, the
// same Y as √(n−1)·Q of the thin QR F_c = QR), flatten Y to N = n·p values
// and compute the Shapiro–Francia statistic (Shapiro & Francia, "An
// approximate analysis of variance test for normality", JASA 67, 1972)
//
//	W = (Σ_i a_i z_(i))² / Σ_i (z_i − z̄)²,  a = m/‖m‖,  m_i = Φ⁻¹((i − 3/8)/(N + 1/4)),
//
// with Blom's scores m (Blom 1958, as used by Royston, "A toolkit for testing
// for non-normality in complete and censored samples", The Statistician 42,
// 1993). The loss is −log W ≥ 0. Whitening makes per-column z-scoring of Z
// irrelevant: a diagonal scaling of F is absorbed into U (the ridge is
// proportional to Diag(C) to keep this exact). Sorting is a fixed permutation
// almost everywhere, so the loss is differentiable almost everywhere; the
// Cholesky step is differentiated as in Murray, "Differentiation of the
// Cholesky decomposition" (arXiv:1602.07527, 2016). A scalar weight input
// node scales the loss, and weight 0 skips all work (the trainer switches the
// loss off once the PID is frozen without rebuilding the graph).
//
// # Using the ops
//
// Build each loss once per graph; the trainer refills the input nodes (q,
// the Gram matrices, the weight) in place before each run. The ops keep
// per-node caches, so a graph must be run by one goroutine at a time (as any
// gorgonia graph). Errors found while running (NaN input, collapsed rows, a
// singular covariance) are returned by the machine's RunAll; the tape machine
// re-formats op errors, so there they survive as text containing the
// sentinel's message, while the Value functions and the constructors return
// errors that match the sentinels with errors.Is.
package regularizer
