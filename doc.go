// Package pidreg is explainable multimodal regression: it predicts a number
// (or a vector) from two kinds of input about the same samples and says how
// much each input contributes, through a Partial Information Decomposition
// (PID) of what the two learned representations tell about the target.
//
// # The model
//
// Each modality m has an MLP encoder Xₘ ↦ Rₘ (Linear → BatchNorm → ReLU →
// Dropout blocks, then Linear → BatchNorm) and, during training only, a noise
// bottleneck Zₘ = λₘRₘ + (1−λₘ)(μ_B + σ_B⊙ξ) with a learned λₘ = sigmoid(θₘ).
// The latents are fused as
//
//	z = w₁Z₁ + w₂Z₂ + w₃(Z₁⊙Z₂)
//
// and a regression head maps z to the prediction. The weights come from the
// PID of the rank-Gaussianised target ỹ on (Z₁, Z₂) (package pid): with
// total = U₁ + U₂ + Red + Syn, w₃ = Syn/total and the unique atoms plus the
// redundancy, shared by a policy (package fusion), give w₁ and w₂. They are
// recomputed on every training batch, averaged per epoch and over a window of
// epochs, and frozen once they stop moving.
//
// The loss adds three regularisers (package regularizer) to the MSE of the
// z-scored target: a Cauchy–Schwarz divergence of each Rₘ to N(0, I), a
// conditional Cauchy–Schwarz CMI that discourages Zₘ from encoding the other
// modality beyond its own input, and a Shapiro–Francia Gaussianity loss on
// [ỹ, Z₁, Z₂] that keeps the Gaussian PID honest.
//
// The method is that of the 2025 PID-regression paper and its PyTorch
// reference; pidreg computes the PID in closed form for a scalar target
// (Barrett 2015) instead of the reference's iterative solver, fixes the
// bandwidth defect that made the reference's CMI term vanish, fits scalers on
// the training split only, and is deterministic under a seed. The README
// lists the differences and BENCHMARKS.md the measured numbers.
//
// # Inputs
//
// Every input column is standardised on statistics of the training rows
// only: a z-score by default (Config.Inputs = ZScore, the method's choice),
// or, with Config.Inputs = Quantile, a map through the column's training
// distribution to normal scores (transform.Quantile) followed by a z-score.
// Either way each standardised value is clamped to the range its column took
// on the training rows (and to ±Config.InputClip if set). The clamp changes
// no training value; it keeps a held-out row with a value the training rows
// never reached from sending the network where it was never fitted. Prefer
// Quantile for sparse or heavy-tailed columns (element fractions, pixels,
// counts): a z-scored element present in a handful of training rows scores
// in the hundreds on a test row rich in it.
//
// # Build tags
//
// With -tags openblas (cgo and libopenblas-dev), every matrix product runs on
// OpenBLAS: a training step is about twice as fast. BLAS reports which
// backend is compiled in.
//
// # Use
//
//	m, err := pidreg.New(pidreg.Config{Seed: 1}, train.Dims()...)
//	hist, err := m.Fit(ctx, train, val, pidreg.WithProgress(show))
//	yhat, err := m.Predict(test)  // original target unit
//	exp := m.Explain()            // atoms (bits), weights, λ, normality, history
//	err = m.SaveFile("model.pidreg")
//
// Training runs on a gorgonia graph built once for the batch size; inference
// (Predict, validation, Explain) runs in plain gonum from a copy of the
// weights, so it needs no graph and is safe to call from several goroutines
// on a trained model.
package pidreg
