// Package fusion turns partial information decompositions of the latents
// into fusion weights and fuses M modality latents with them.
//
// # Terms
//
// For latents Z₀, …, Z_{M−1} of equal shape (one per modality) the fused
// representation is
//
//	z = Σ_i w_i Z_i + Σ_{i<j} w_ij (Z_i ⊙ Z_j),
//
// with NumTerms(M) = M + M(M−1)/2 terms in a fixed order (Terms): the M
// latents, then the products of the pairs (i, j), i < j, in lexicographic
// order. For two latents this is z = w1·Z1 + w2·Z2 + w3·(Z1 ⊙ Z2).
//
// # Weights from the lattice
//
// pid.Lattice splits I(ỹ; Z₀,…,Z_{M−1}) into atoms π(α) ≥ 0 indexed by
// antichains α of sets of modalities (Williams & Beer 2010, "Nonnegative
// decomposition of multivariate information", arXiv:1004.2515; with the
// minimum-mutual-information redundancy, which for two modalities and a
// scalar Gaussian target is the closed form of Barrett 2015, Phys. Rev. E
// 91, 052802). The atom α is the information available from any one of its
// sets A ∈ α, so its bits go to the terms that can carry information of A:
// the latent term of a single modality A = {i}, the product term of a pair
// A = {i, j}, and, for a larger set, the products of the pairs inside it,
// equally. When α has several sets (a redundancy such as {a}{b} or
// {a}{b,c}, for modalities a, b, c) the Policy shares its bits among them. With π⁺ = max(π, 0):
//
//	w_t = (1/T) Σ_α π⁺(α) Σ_{A∈α} s_α(A) c_A(t),   T = Σ_α π⁺(α),
//
//	c_A(t) = 1            for t the latent of A = {i} or the product of A = {i,j},
//	c_A(t) = 1/C(|A|, 2)  for t the product of a pair inside A, |A| ≥ 3,
//	c_A(t) = 0            otherwise,
//
// and shares s_α(A) ≥ 0 with Σ_{A∈α} s_α(A) = 1: Split (default) 1/k for
// each of the k sets of α; Stronger, equal shares among the sets of largest
// I(ỹ; Z_A), 0 for the others; Bernoulli, 1 for one set drawn uniformly at
// random (for two modalities, the fair coin of the published reference: its
// expectation is Split and its variance pure noise in the weights). A
// one-set atom gives its set share 1. The weights are ≥ 0 and sum to 1;
// when T < 10⁻¹⁰ bit, or an atom is NaN or infinite, they are all
// 1/NumTerms. TermWeights computes them.
//
// For two modalities a and b the atoms are U_X = π({a}), U_Y = π({b}),
// Red = π({a}{b}), Syn = π({a,b}) and the rule reads
//
//	w1 = (U_X + s_X·Red)/T,  w2 = (U_Y + s_Y·Red)/T,  w3 = Syn/T:
//
// for a two-source result r, TermWeights(pid.LatticeOf(r), …) gives the
// two-modality rule of earlier versions bit for bit (the tests keep that
// implementation as their oracle).
// Beyond pid.MaxExactSources modalities pid.Lattice returns the
// one-vs-rest reduction (for each i, the atoms of Z_i against the rest
// Z₋ᵢ, labelled {i}, {−i}, {i}{−i}, {all}); TermWeights applies the same
// rule to those 4M atoms, so each view contributes a share 1/M.
//
// # Missing modalities
//
// A row r may lack some modalities. A term is present in the row when all
// its modalities are; RowWeights and MaskedLayer give the row the weights
//
//	w_rt = w_t / Σ_{u present in r} w_u   for t present,   0 otherwise,
//
// so the terms of an absent modality are zeroed and the remaining ones
// renormalised to sum to 1. A row with every modality keeps w unchanged
// (bit for bit), a row whose present terms all weigh 0 gives them equal
// weights, and a row without modalities gets zeros.
//
// # Graph and inference
//
// The weights are constants in the graph: Layer keeps them in a vector
// input node of length NumTerms(M) and MaskedLayer in a rows × NumTerms(M)
// matrix input node, so no gradient flows into them; the trainer sets them
// each batch. Each layer is one gorgonia op (its output in a buffer reused
// on every run) with one gradient op per latent,
//
//	∂z/∂Z_i · G = w_i·G + Σ_{pairs (i,j)} (w_ij·G) ⊙ Z_j,
//
// rather than a node per product, scaling and sum and their gradients.
// FuseLatents is the gonum mirror used at inference (Z = R):
// it performs the same operations in the same order as the graph (each
// product Z_i ⊙ Z_j, then each weighted term added left to right in term
// order), so the two agree bit for bit; with a mask it does not read the
// latents of absent modalities.
//
// # Schedule
//
// Every training batch yields a decomposition (LatticeTracker.Observe). At
// the end of an epoch (EndEpoch) the batch results are averaged; the last W
// epoch means are averaged again into the stored (windowed) atoms, from
// which the stored weights follow. These are what validation, test and
// inference use. When the largest change of any windowed atom from the
// previous epoch stays below δ bit for K consecutive epochs, counted only
// once the window holds W epoch means, the weights freeze and the trainer
// can stop computing the decomposition. The defaults are W = 5,
// δ = 0.01 bit, K = 5, so the earliest freeze is after the 10th epoch
// (index 9). Edge cases are documented on LatticeTracker; for two
// modalities it is fed pid.LatticeOf of each two-source result.
package fusion
