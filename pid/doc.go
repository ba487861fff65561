// Package pid computes the partial information decomposition (PID) of the
// information that two sources X and Y carry about a target M, for jointly
// Gaussian variables. All quantities are in bits.
//
// # Gaussian mutual information
//
// With C the joint covariance of [M, X, Y],
// I(M;S) = ½ log₂ det C_MM + ½ log₂ det C_SS − ½ log₂ det C_{MS,MS}
// for S = X, Y or (X, Y); for a scalar target this is −½ log₂(1 − R²_S).
// The package obtains the three informations from one Cholesky factor of C
// ordered [X, Y, M] (its trailing block gives det C_{M|X,Y} and its leading
// off-diagonal block gives C_{M|X}) plus a small factor of the [Y, M] block.
//
// # The atoms
//
// A PID (Williams & Beer 2010, arXiv:1004.2515) splits I(M;X,Y) into four
// non-negative atoms: information only X has (UniqueX), only Y has
// (UniqueY), both have (Redundancy), and only the pair has (Synergy). One
// extra quantity, the union information I∪, fixes them all:
//
//	UniqueX = I∪ − I(M;Y)    UniqueY = I∪ − I(M;X)
//	Redundancy = I(M;X) + I(M;Y) − I∪    Synergy = I(M;X,Y) − I∪
//
// so UniqueX + Redundancy = I(M;X), UniqueY + Redundancy = I(M;Y) and the
// four atoms sum to I(M;X,Y). Every valid I∪ lies in
// [max(I_X, I_Y), min(I_X + I_Y, I_XY)], which keeps all atoms ≥ 0; the
// package clips into this interval.
//
// # Scalar target: closed form
//
// The BROJA union information (Bertschinger, Rauh, Olbrich, Jost & Ay 2014,
// "Quantifying unique information", Entropy 16, 2161) is the minimum of
// I_Q(M;X,Y) over joint laws Q that keep the pairs (M,X) and (M,Y). Barrett
// (2015, "Exploration of synergistic and redundant information sharing in
// static and dynamical Gaussian systems", Phys. Rev. E 91, 052802) showed
// that for jointly Gaussian variables with a univariate target this minimum
// is max(I(M;X), I(M;Y)): the less informative source is (for the Gaussian
// pair marginals) a degraded copy of the more informative one, so it has no
// unique information. Hence, for dm = 1, Method "closed" (chosen by "auto"):
//
//	I∪ = max(I_X, I_Y),  Redundancy = min(I_X, I_Y),  Synergy = I_XY − max(I_X, I_Y),
//
// and one unique atom is exactly 0. This coincides with the minimum
// mutual information ("mmi") PID, which the package also offers for any dm
// — but it is meant for scalar targets: MMI always calls min(I_X, I_Y)
// redundant, also when the sources inform about different components of a
// vector target. With M = (M₁, M₂) independent, X = M₁ + N₁ and
// Y = M₂ + N₂ (unit variances) the truth is U_X = U_Y = 0.5 bit and no
// redundancy or synergy, which the ~G-PID and I_dep report; MMI reports
// Redundancy = Synergy = 0.5 bit and no unique information
// (TestMMIVectorTarget).
//
// # Vector target: ~G-PID
//
// For dm > 1 the package computes the Gaussian-restricted BROJA PID, ~G-PID
// (Venkatesh & Schamberg 2022, "Partial information decomposition via
// deficiency for multivariate Gaussians", IEEE ISIT; Venkatesh et al. 2023,
// "Gaussian partial information decomposition: bias correction and
// application to high-dimensional data", NeurIPS). After whitening,
// M ~ N(0, I), X = H_X M + N_X, Y = H_Y M + N_Y with Cov(N_X) = I,
// Cov(N_Y) = I, the free variable is Σ = Cov(N_X, N_Y) with ‖Σ‖₂ ≤ 1 and
//
//	I∪ = min_Σ ½ log₂ det(I + H_YᵀH_Y + DᵀS⁻¹D),  S = (1+ε)I − ΣΣᵀ,  D = H_X − ΣH_Y,
//
// with ε = 10⁻¹⁰ (the reference uses 10⁻⁷, which biases I∪ down by up to
// about 10⁻⁷ bit and breaks the X↔Y symmetry at that level). Two
// departures from the reference implementation make the solver fast and
// accurate. (1) Only the signal-to-noise matrices F = HᵀH matter: a
// source can be replaced by a sufficient statistic for M without changing
// the set of reachable couplings, so each gain is reduced to a
// rank(F)×dm matrix G with GᵀG = F and Σ is at most dm×dm instead of
// dx×dy. (2) The minimisation uses spectral projected gradient (Birgin,
// Martínez & Raydan 2000) with Armijo backtracking, the exact projection
// onto the spectral-norm ball (singular values clipped at 1), and three
// starts (the reference's projected H_X H_Y⁺, its mirror, and 0), returning
// the best point. Tests check it against a port of the reference's
// sign-step (Rprop) optimiser on the full problem, against brute force, and
// against the closed form at dm = 1 (within 10⁻⁴ bit over hundreds of
// random covariances). TildeMaxIter and TildeTol document the stopping rule.
//
// # Dependency constraints: I_dep
//
// Method "dep" is the I_dep PID of James, Emenheiser & Crutchfield
// ("Unique information via dependency constraints", arXiv:1709.06653, 2017;
// J. Phys. A 52, 014002, 2019) in the closed form Kay & Ince derived for Gaussian systems (2018, "Exact
// partial information decompositions for Gaussian systems based on
// dependency constraints", Entropy 20, 240), for any dm, dx, dy. The unique
// information of X is the smallest increase of I(M;X,Y) when the (M,X)
// dependency is added to a maximum-entropy model of the other constraints;
// for Gaussians the two candidate edges give I(M;X|Y) and
// I(M;X) − I*(X;Y), so
//
//	Redundancy = max( I*(X;Y), I(M;X) + I(M;Y) − I(M;X,Y) ),
//
// where I*(X;Y) is the X–Y information of the Gaussian with the same (M,X)
// and (M,Y) blocks in which X ⟂ Y | M, i.e. C_XY replaced by
// C_XM C_MM⁻¹ C_MY; for scalars I* = −½ log₂(1 − q²r²) with q = corr(X,M),
// r = corr(Y,M). The other atoms follow from the identities above. The
// package computes I* from dm×dm matrices only (the posterior precision of
// the whitened target under X ⟂ Y | M is I + F_X + F_Y). I_dep never finds
// more redundancy than MMI (as Kay & Ince prove; here both terms of the max
// are at most min(I_X, I_Y)), and unlike MMI it gives both sources unique
// information in general. Its maximum-entropy models need a density, so a
// covariance that is singular to working precision is an error
// (ErrSingular) rather than jittered. Check values (unit variances,
// q = r = 0.5): corr(X,Y) = 0 gives U_X = U_Y = 0.160964,
// Redundancy = 0.046555, Synergy = 0.131517 bit; corr(X,Y) = 0.5 gives
// U = 0.084963 each, Redundancy = 0.122556, Synergy = 0.
//
// # Bias correction
//
// Plug-in Gaussian informations from n rows are biased upwards. The sample
// covariance S of n centred rows has (n−1)S ~ Wishart(n−1, Σ), whose
// expected log-determinant is known exactly, so the bias of Î(U;V) is
//
//	[τ(d_U) + τ(d_V) − τ(d_U + d_V)] / (2 ln 2),  τ(d) = Σ_{k=1..d} ψ((n−k)/2)
//
// (MIBias; ψ is the digamma function). It does not depend on the true
// covariance, and is ≈ d_U d_V/(2n ln 2) for large n. At n = 256, dm = 1,
// dx = dy = 64 independent data give Î(M;X,Y) ≈ 0.5 bit of spurious
// information; at n = 12, dm = 1, dx = dy = 3 the Monte Carlo bias of
// Î(M;X,Y) is 0.6544 ± 0.0008 bit against the formula's 0.6549 (400 000
// samples; TestMIBiasMonteCarlo runs a short version). With Options.Debias
// each information is corrected and floored at 0, I(M;X,Y) is kept
// ≥ max(I_X, I_Y), and then I∪ is formed: max of the corrected informations
// for "closed"/"mmi"; for "dep" the redundancy of the corrected
// informations, with I*(X;Y) left uncorrected (it is the information of a
// derived covariance, whose sampling law has no analytic form); and for
// "tilde" the optimum scaled by the ratio corrected/plug-in I(M;X,Y) (the
// reference's assumption that I∪ carries the same relative bias), then
// clipped as above. The correction needs n > dm + dx + dy (ErrTooFewRows
// otherwise).
//
// Only the three informations are corrected exactly. The "tilde" scaling is
// a heuristic: at n = 100, dm = 2, dx = dy = 6 the corrected informations
// are unbiased to 0.01 bit, but the atoms can be off by as much as the bias
// that was removed, in either direction — on a covariance with 0.65 bit of
// unique information per source the corrected unique atoms are ≈ 0.08 bit
// low and redundancy and synergy ≈ 0.08 bit high, on a random covariance
// the uniques are ≈ 0.045 bit high, on another the error is within 0.01
// (TestTildeDebiasHeuristic). Use Bootstrap to see how much an atom moves.
//
// # Uncertainty
//
// Bootstrap (Efron & Tibshirani 1993, An Introduction to the Bootstrap)
// resamples rows and gives a confidence interval for each of the seven
// quantities, bias-corrected percentile intervals by default; with Debias
// the resamples are corrected by twice the bias of n rows, which is how far
// a resample's plug-in lies from the truth (see Bootstrap). Over 200 samples of
// n = 400 rows (dm = 1, dx = dy = 2, B = 200) the nominal 95 % intervals
// cover every interior quantity 92.5–95.5 % of the time, for the closed
// form and for I_dep, plug-in or corrected. A quantity that is 0 by construction — the
// smaller unique atom of the closed form — gets the interval [0, 0], which
// "covers" trivially; such an interval says nothing beyond the method's
// definition. PermutationTest shuffles the target rows and gives each
// quantity a p-value against "the target carries no information about the
// sources". Both are deterministic for a seed, whatever the number of
// goroutines.
//
// # Reading a decomposition
//
// Result.CoInformation is Redundancy − Synergy = I_X + I_Y − I_XY, the one
// summary every PID agrees on; Result.Shares gives each source's share
// I(M;Xᵢ)/I(M;X,Y), and Result.RemovalCosts the fraction of I(M;X,Y) lost
// without it, (Uᵢ + Synergy)/I(M;X,Y).
//
// # Degenerate inputs
//
// FromSamples drops constant columns (ConstantColumns reports them); a
// source left with no columns carries zero information and a constant
// target gives the zero decomposition. Collinear columns are handled by the
// relative Cholesky jitter of package gaussian, so results stay finite.
//
// # Many sources: the redundancy lattice
//
// Lattice and LatticeFromSamples decompose I(ỹ; Z₀, …, Z_{M−1}) for M
// source blocks on the redundancy lattice of Williams & Beer (2010). An atom
// is indexed by an antichain α: a collection of non-empty sets of sources
// none of which contains another, read "the information available from any
// one of these sets". Antichains are ordered by α ≤ β when every set of β
// contains a set of α; there are Dedekind(M) − 2 of them, 1, 4, 18 and 166
// for M = 1 … 4, from the bottom {0}{1}…{M−1} (redundancy of all sources)
// to the top {0,1,…,M−1} (synergy of all). The redundancy of an antichain
// is the minimum mutual information (MMI)
//
//	I∩(α) = min_{A∈α} I(ỹ; Z_A),
//
// which for two sources and a scalar Gaussian target is Barrett's closed
// form above (Barrett 2015 shows that, for such systems, the PIDs proposed
// for two sources reduce to it); for M ≥ 3 and for vector targets it is a definition, the
// natural extension, and it tends to put into redundancy whatever the
// weakest source of an antichain carries. The atoms π are the Möbius
// inverse of I∩ on the lattice: I∩(α) = Σ_{β≤α} π(β), that is
// π(α) = I∩(α) − Σ_{β<α} π(β). The meet of two antichains is the set of
// minimal sets of their union, so I∩(α∧β) = min(I∩(α), I∩(β)); inclusion–
// exclusion over the down-sets of the lower covers γ ⋖ α of α and the
// max–min identity then collapse the inversion to
//
//	π(α) = I∩(α) − max_{γ⋖α} I∩(γ),
//
// which is what the package computes (a few comparisons per atom). Hence,
// for every M, every atom is ≥ 0 as soon as I(ỹ; Z_A) is monotone in A,
// which holds for any joint law; the package makes it hold exactly in
// floating point by raising each I(ỹ; Z_A) to the largest value of its
// subsets (a rounding-level change unless Debias is set), so the atoms are
// ≥ 0 exactly and sum to I(ỹ; Z) up to rounding. Redundancy functions that
// do not turn meets into minima need not give non-negative atoms for
// M ≥ 3; MMI does.
//
// Special atoms have closed forms: the unique information of source i is
// π({i}) = I(ỹ;Z_i) − min(I(ỹ;Z_i), I(ỹ;Z₋ᵢ)), the two-source MMI unique
// atom of Z_i against all the others Z₋ᵢ; the redundancy is
// π({0}…{M−1}) = min_i I(ỹ;Z_i); the synergy is
// π({0,…,M−1}) = I(ỹ;Z) − max_i I(ỹ;Z₋ᵢ). Two limit cases are tested: a
// copy Z_c of Z₀ moves every atom of the other sources' lattice to the
// antichain where each set holding 0 is also offered with c in place of 0
// (so the unique information of Z₀ becomes the redundancy {0}{c} of the
// copies, and their unique atoms are 0); a source independent of the
// target and of the other sources leaves the other atoms as they were and
// every atom whose antichain mentions it is 0.
//
// Atoms are listed in a canonical order, which Antichains returns. The sets
// of an antichain are ordered by size, then lexicographically on their
// increasing lists of sources; antichains are ordered by the size of their
// smallest set (the fewest sources needed to get the information), then by
// their number of sets, then by their sequence of set sizes, then set by
// set. The first M atoms are the unique atoms {0}, …, {M−1} and the last
// is the synergy; for M = 2 the order is UniqueX, UniqueY, Redundancy,
// Synergy as in Result. AntichainName and LatticeResult.Name write an
// antichain with the source names in this order: "{a}", "{b}{c}",
// "{a}{b,c}", "{a,b,c}".
//
// The informations of all 2^M − 1 subsets come from one pass over the
// binomial tree of subsets: the node A holds the Schur complement of the
// later blocks and ỹ given Z_A, and each child A ∪ {j} eliminates one
// block from it (a Cholesky factor of the pivot block, a triangular solve, a
// symmetric rank update). For four equal blocks this is about 1.7 times the
// arithmetic of one Cholesky factor of the whole covariance, half of what a
// separate factor of every [Z_A, ỹ] block costs; with blocks of 64 columns
// it measures 1.2–1.8 times one Cholesky factor for M = 2 … 4 and 1.3–3
// times faster than the separate factors (BenchmarkSubsetInfo). One jitter, chosen by the
// rule of gaussian.Factorize for the whole matrix, applies to every subset.
// With Options.Debias each I(ỹ; Z_A) is corrected by
// MIBias(N, dm, d_A) and floored at 0, then raised to the largest corrected
// value of its subsets as above, so the lattice stays monotone and the
// atoms non-negative; the correction needs N > dm + Σ d_i.
//
// Beyond MaxExactSources sources the lattice is too large (7579 atoms for
// five) and Lattice returns a documented reduction (LatticeResult.Reduced):
// for each source, the two-source MMI decomposition of Z_i against Z₋ᵢ,
// which needs 2M + 1 informations. Its unique atoms are the unique atoms of
// the full lattice, and Redundancy and Synergy compute the full lattice's
// bottom and top atoms from the closed forms above.
package pid
