// Package transform holds the data transforms of the pidreg pipeline: the
// rank-based inverse normal transform (INT) of the target and the z-score
// Scaler of inputs and target.
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
// # Errors
//
// Bad input never panics. Errors name the offending index, column or row and
// wrap one of the sentinels ErrNonFinite, ErrTooFew, ErrOffset or ErrShape for
// errors.Is.
package transform
