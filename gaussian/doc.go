// Package gaussian holds the Gaussian information-theoretic building blocks
// of pidreg: sample covariance, Cholesky factorization with a unit-free
// jitter, log-determinants, (conditional) mutual information, whitening and
// tests of (multivariate) normality. It depends on gonum only.
//
// # Mutual information of Gaussian blocks
//
// For jointly Gaussian blocks A and B with joint covariance C,
//
//	I(A;B) = ½ log₂ det C_AA + ½ log₂ det C_BB − ½ log₂ det C_{AB,AB}   (bits).
//
// Determinants come from Cholesky factors, log det C = 2 Σ ln U_ii for
// C = UᵀU; the leading k×k block of U is the factor of the leading k×k
// block of C, so one factorization of a suitably ordered matrix yields the
// determinants of all its leading principal blocks. For a scalar A the
// formula reduces to −½ log₂(1 − R²), R² being the coefficient of
// determination of the least-squares regression of A on B (tested).
// Conditional information follows from
// I(A;B|C) = ½ log₂ [det C_{AC} det C_{BC} / (det C_C det C_{ABC})] and obeys
// the chain rule I(A;B,C) = I(A;C) + I(A;B|C).
//
// # Jitter
//
// A sample covariance of n rows in d > n−1 dimensions, or of collinear
// columns, is singular. Factorize first tries a plain Cholesky, then adds
// τI with τ = 10⁻⁶·s, 10⁻⁵·s, …, 10⁻²·s (at most five tries), where s is the
// mean diagonal of the matrix: the jitter is relative, so rescaling the data
// does not change which τ is used or its effect. If all tries fail the error
// wraps ErrNotPositiveDefinite; nothing is ever silently returned.
// CholeskyInPlace is the one implementation of this rule in the module
// (Factorize, FactorizeUpper, LogDet, MutualInfo, Whiten and package pid
// call it; InvSqrt applies the same schedule to a spectrum): it factorizes a
// caller's buffer in place and keeps the original matrix readable in the
// buffer's unused lower triangle, so hot paths allocate nothing for it.
// LogDetFactor turns a factor into log-determinants of leading and
// conditional blocks, and CentreColumn with CentredCovariance is the
// covariance kernel (one BLAS SYRK of variable-major centred data) shared
// with package pid.
//
// # Normality
//
// Gaussian mutual information is exact only for Gaussian data, so the package
// also offers diagnostics: the Shapiro–Francia statistic
// W' = (Σ a_i x_(i))²/Σ(x_i − x̄)² with normalised Blom scores
// a ∝ Φ⁻¹((i − 3/8)/(n + 1/4)) and Royston's (1993) p-value; Mardia's (1970)
// multivariate skewness and kurtosis tests; and the Henze–Zirkler (1990)
// test. Their p-values are asymptotic approximations; the package tests
// check their size (rejection rate ≈ α on Gaussian samples) and power (on
// exponential and quadratic data).
package gaussian
