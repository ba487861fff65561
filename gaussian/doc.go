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
// also offers diagnostics. The classical tests: the Shapiro–Francia statistic
// W' = (Σ a_i x_(i))²/Σ(x_i − x̄)² with normalised Blom scores
// a ∝ Φ⁻¹((i − 3/8)/(n + 1/4)) and Royston's (1993) p-value; Mardia's (1970,
// Biometrika 57, 519–530) multivariate skewness b₁ and kurtosis b₂ tests;
// and the Henze–Zirkler (1990) test. Their p-values are asymptotic
// approximations; the package tests check their size (rejection rate ≈ α on
// Gaussian samples) and power (on exponential and quadratic data).
//
// A p-value answers "is the law exactly Gaussian?", and with 10⁵ rows every
// real sample is rejected, however small its departure. CheckNormality
// answers "is the departure large enough to matter?": it reports effect
// sizes that do not grow with n — the relative excess of Mardia's kurtosis,
// b₂/E₀[b₂] − 1 with E₀[b₂] = p(p+2)(n−1)/(n+1) (0 for a normal law, > 0
// for heavier tails; for an elliptical law it is a third of the columns'
// excess kurtosis), Mardia's skewness per dimension (b₁ − E₀[b₁])/p (for
// independent columns the mean squared column skewness), and each column's
// skewness, excess kurtosis and Shapiro–Francia W, naming the worst columns
// — and a verdict that fails a sample only when some effect size exceeds its
// tolerance (|skewness| 0.5, |excess kurtosis| 1 by default) by more than
// the statistic's sampling error at a Bonferroni-corrected level α = 1 %.
// The sampling errors come from the exact null moments and from D'Agostino's
// and Anscombe & Glynn's transformations of the column skewness and
// kurtosis, so Gaussian samples pass at every n (tested from n = 20 to
// 20 000), while exponential or heavy-tailed columns fail from a few hundred
// rows; uniform or bimodal columns, whose excess kurtosis (≈ −1.2) is just
// beyond the tolerance, fail only when n is large (≈ 10⁴). The p-values stay
// in the report.
package gaussian
