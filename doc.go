// Package pidreg is explainable multimodal regression: it predicts a number
// (or a vector) from several kinds of input (modalities) about the same
// samples and says how much each input contributes, through a Partial
// Information Decomposition (PID) of what the learned representations tell
// about the target: what only one modality carries (unique information),
// what several carry (redundancy), what only their combination reveals
// (synergy).
//
// This documentation is the method's reference: each step below names the
// package whose documentation carries its formulas, derivations and
// citations.
//
// # The model
//
//	X₁ ─ encoder₁ ─ R₁ ─ bottleneck(λ₁) ─ Z₁ ─┐
//	                                           ├─ z = w₁Z₁ + w₂Z₂ + w₃(Z₁⊙Z₂) ─ head ─ ŷ
//	X₂ ─ encoder₂ ─ R₂ ─ bottleneck(λ₂) ─ Z₂ ─┘        ▲
//	                                                    │ (w₁, w₂, w₃) from the PID, no gradient
//	y ─ rank inverse normal transform ─ ỹ ── Gaussian PID of (ỹ; Z₁, Z₂) on each batch
//
// Each modality m has an MLP encoder Xₘ ↦ Rₘ (Linear → BatchNorm → ReLU →
// Dropout blocks, then Linear → BatchNorm; widths 256, 128 and a latent of
// k = 64 by default; Kaiming-normal weights) and, during training only, a
// noise bottleneck Zₘ = λₘRₘ + (1−λₘ)(μ_B + σ_B⊙ξ) with a learned
// λₘ = clamp(sigmoid(θₘ), 0.001, 0.999), θ initialised at 4 (package encoder).
// The latents are fused as z above and a regression head (the same blocks,
// no output BatchNorm) maps z to the prediction of the z-scored target.
//
// The diagram shows two modalities, the method's case. With M modalities
// the fusion is z = Σᵢ wᵢZᵢ + Σ_{i<j} w_ij(Zᵢ⊙Z_j) (package fusion), the
// decomposition the Williams–Beer redundancy lattice with the MMI
// redundancy (18 atoms for three modalities, 166 for four; each modality
// against the rest beyond four; package pid), and the CMI term of modality
// i conditions on the product kernel of all the others.
//
// # The decomposition and the fusion weights
//
// On every training batch the target is replaced by its rank-based inverse
// normal transform ỹ (Blom's offset; package transform) and the Gaussian PID
// of ỹ on (Z₁, Z₂) is computed from the joint covariance (package pid): for a
// scalar target in closed form, the minimum-mutual-information PID (Barrett
// 2015), I∪ = max(I(ỹ;Z₁), I(ỹ;Z₂)); for a vector target by the ~G-PID
// optimisation. With the atoms U₁, U₂ (unique), Red and Syn, and
// T = U₁ + U₂ + Red + Syn, the fusion weights are w₃ = Syn/T and
// w₁, w₂ = (Uᵢ + sᵢ·Red)/T, the redundancy shared by a policy (package
// fusion). Batch atoms are averaged per epoch, then over a window of the
// last 5 epochs, which sets the stored weights used for validation and
// inference; once no windowed atom moves by 0.01 bit for 5 epochs the
// weights freeze and the PID is no longer computed.
//
// # The loss
//
//	L = MSE(ŷ, y_z) + 0.1·(CS₁ + CS₂) + 0.1·(CMI₁ + CMI₂) + 0.1·L_Gauss
//
// (weights in Config; package regularizer): a Cauchy–Schwarz divergence of
// each Rₘ to N(0, I) with a median-heuristic Gaussian kernel; a conditional
// Cauchy–Schwarz estimate of I(Zₘ; X_other | Xₘ) from three Gram matrices,
// each with its own median-heuristic bandwidth; and the Shapiro–Francia
// Gaussianity loss −log W of the whitened [ỹ, Z₁, Z₂], which keeps the
// Gaussian PID honest and is switched off once the weights freeze.
//
// # Training
//
// Adam (learning rate 1e-3) on the encoders and the head, a separate Adam
// (learning rate 0.1) on the bottleneck θs, the head's gradient clipped to
// norm 1, reduce-on-plateau of the learning rate on the validation
// prediction loss (factor ½, patience 10, down to 1e-6), early stopping with
// patience 30 keeping the best epoch, batches of 256, at most 200 epochs;
// every random draw comes from Config.Seed. Fit holds this epoch policy; the
// training step itself (the gorgonia graph, the optimisers) lives in
// internal/trainer, below this package.
//
// # Inference and explanation
//
// ŷ = head(w₁R₁ + w₂R₂ + w₃(R₁⊙R₂)) with the stored weights, no noise,
// BatchNorm with its running statistics, mapped back to the target's unit.
// Inference (Predict, validation, Explain) runs in plain gonum from
// encoder.Network, without any graph, and is safe from several goroutines
// on a trained model. Explain reports the atoms (per epoch and final), the
// held-out decomposition, the weights, the λs, a multivariate normality
// check of [ỹ, Z₁, Z₂] (the Gaussian PID is exact only for Gaussian
// variables) and which modality could be dropped for cheaper inference.
//
// # Missing modalities
//
// A row whose every cell of a modality is missing (NaN) lacks that modality.
// Training and prediction then fuse only the terms of the modalities the row
// has, its weights renormalised over them (fusion.RowWeights); a row with no
// modality is an error. Config.ModalityDropout drops modalities of training
// rows at random so that a model learns to predict such rows well.
//
// # Inputs
//
// Every input column goes through a transform.Pipeline fitted on the
// training rows only: missing values (NaN) imputed by the column's training
// median (Config.Missing), then a z-score by default (Config.Inputs =
// ZScore, the method's choice), or, with Config.Inputs = Quantile, a map
// through the column's training distribution to normal scores
// (transform.Quantile) followed by a z-score. Either way each standardised
// value is clamped to the range its column took on the training rows (and
// to ±Config.InputClip if set). The clamp changes no training value; it
// keeps a held-out row with a value the training rows never reached from
// sending the network where it was never fitted. Prefer Quantile for sparse
// or heavy-tailed columns (element fractions, pixels, counts): a z-scored
// element present in a handful of training rows scores in the hundreds on
// a test row rich in it.
//
// # Differences from the published reference
//
// pidreg computes the PID in closed form for a scalar target instead of the
// reference's iterative solver, offers a small-sample bias correction (the
// reference has none), fixes the bandwidth defect that made the reference's
// CMI term vanish (its Gram matrices are numerically the identity), fits
// scalers on the training split only (the reference fits them on all rows),
// shares the redundancy deterministically by default (the reference flips a
// coin), and is deterministic under a seed.
//
// # Build tags
//
// With -tags openblas (cgo and libopenblas-dev), every matrix product runs on
// OpenBLAS. BLAS reports which backend is compiled in.
//
// # Use
//
//	d, rep, err := pidreg.ReadFile("data.csv", pidreg.Columns{  // CSV or Parquet
//		Modalities: []pidreg.ModalityColumns{{Name: "image", Columns: "p0-p783"}, {Name: "table", Columns: "age,weight"}},
//		Target:     "y",
//	})
//	tr, va, te, err := pidreg.SplitRows(d.Rows(), [3]float64{0.7, 0.1, 0.2}, 1)
//	train, err := d.Subset(tr)                                      // and val, test
//	m, err := pidreg.New(pidreg.Config{Seed: 1}, train.Dims()...)
//	hist, err := m.Fit(ctx, train, val, pidreg.WithProgress(show))
//	yhat, err := m.Predict(test)  // original target unit
//	exp := m.Explain()            // atoms (bits), weights, λ, normality, history
//	err = m.SaveFile("model.pidreg")
//
// # Layout
//
// Imports point one way: transform and gaussian → pid → fusion → encoder,
// regularizer → internal/trainer → this package → cmd/pidreg and the
// examples. Below internal/, the leaves (internal/opkit for the custom
// gorgonia ops, internal/gemm for the matrix kernel) import none of ours;
// internal/trainer is the training engine; internal/runner, internal/bench,
// internal/plots, internal/table and internal/datasets serve the command
// and the examples and may import this package.
package pidreg
