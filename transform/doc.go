// Package transform holds the data transforms of the pidreg pipeline: the
// rank-based inverse normal transform (INT) of the target, the z-score
// Scaler of inputs and target, and the Quantile map of inputs.
//
// # Rank-based inverse normal transform
//
// The Gaussian PID (package pid) assumes the target is jointly Gaussian with
// the latents. A skewed target such as a superconducting critical temperature
// is not, so on every training batch the target is replaced by its rank-based
// inverse normal transform
//
//	ỹ_i = Φ⁻¹((r_i − c) / (n − 2c + 1)),
//
// where r_i ∈ {1, …, n} is the rank of y_i (ties receive the average of the
// ranks they span), Φ⁻¹ is the standard normal quantile function and c an
// offset that keeps the argument inside (0, 1). With Blom's c = 3/8 (Blom
// 1958, "Statistical Estimates and Transformed Beta-Variables") the scores
// approximate the expected order statistics of a standard normal sample, so ỹ
// has mean 0 (exactly, when there are no ties) and variance slightly below 1.
// Because ỹ depends on y only through its ranks, it is invariant to every
// strictly increasing transformation of y: the PID then measures the
// information about the target's order, which is what a Gaussian copula
// model of (y, Z1, Z2) needs (Beasley, Erickson & Allison 2009, "Rank-based
// inverse normal transformations are increasingly used, but are they
// merited?", Behav. Genet. 39:580–595, review the offsets and their caveats).
//
// InverseNormal transforms a slice, allocation-free when given a destination
// (it runs on every training batch); InverseNormalDense transforms every
// column of a matrix. BlendedInverseNormal reproduces the published reference
// implementation, which blends a robust rank score with a clipped z-score;
// it is kept for parity experiments only.
//
// # Scaler
//
// FitScaler learns per-column means μ_j and population standard deviations
// σ_j (divisor n) and Transform maps x_ij ↦ (x_ij − μ_j)/σ_j; Inverse maps
// predictions back to the original scale. Fit it on the training split only:
// the reference fits it on all rows, which leaks test-set statistics into the
// model. Columns that are constant on the training rows get σ_j = 1 and are
// listed in Scaler.Constant, so the transform never divides by zero.
//
// # Quantile map
//
// A z-score gives a column's rare values all the leverage: an element that
// occurs in 3 of 3 500 training materials has σ_j ≈ 0.01, so a test material
// rich in it scores in the hundreds or thousands, far outside anything a
// network was fitted on. FitQuantile instead records, per column, knots
// v_1 < … < v_m of the training values with their INT scores
//
//	s_k = Φ⁻¹((r̄_k − 3/8) / (n + 1/4)),  r̄_k the average rank of v_k,
//
// and Transform maps a new value by linear interpolation between the knots
// and by the end scores beyond them. On the training rows this is exactly
// the INT as long as every distinct value is a knot (DefaultKnots = 1 000,
// as scikit-learn's QuantileTransformer with output_distribution="normal");
// every output lies within ±Φ⁻¹(1 − 5/(8n + 2)). The map depends on the data
// only through ranks, so it ignores increasing re-expressions of a column
// (log, square root, unit changes). A value shared by many rows (the 0 of a
// sparse column) keeps both neighbours as knots, so the jump in rank at the
// first non-zero value is not interpolated away.
//
// # Pipeline
//
// A Pipeline is the whole input map of one block of columns, fitted on the
// training rows only and stored with a model:
//
//	x ↦ impute ↦ [quantile map] ↦ z-score ↦ clamp to [Lo, Hi],
//
// a missing value (NaN) replaced by its column's training median or mean
// (Missing), the optional Quantile map, the Scaler's z-score and a clamp to
// the range each column took on the training rows (narrowed to ±Clip when
// Clip > 0). The clamp changes no training value; a held-out value beyond
// the training range is held at its end, and Clamped says which rows that
// happened to (their predictions extrapolate). FitPipeline works column by
// column and never copies its input; TransformTo writes into a caller's
// buffer so large data can be mapped block by block. Inverse undoes the
// z-score and the quantile map, which is how a model maps predictions of its
// z-scored target back to the target's unit.
//
// # Errors
//
// Bad input never panics. Errors name the offending index, column or row and
// wrap one of the sentinels ErrNonFinite, ErrTooFew, ErrOffset or ErrShape for
// errors.Is.
package transform
