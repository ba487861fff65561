package pid

// Result is a partial information decomposition of the information that two
// sources X and Y carry about a target M. Every quantity is in bits.
//
// The atoms satisfy
//
//	UniqueX + UniqueY + Redundancy + Synergy = MIXY
//	UniqueX + Redundancy = MIX
//	UniqueY + Redundancy = MIY
//
// and each atom is ≥ 0.
type Result struct {
	MIX, MIY, MIXY                        float64 // I(M;X), I(M;Y), I(M;X,Y) in bits
	UniqueX, UniqueY, Redundancy, Synergy float64 // atoms in bits, each ≥ 0, summing to MIXY
	Method                                string  // "closed", "tilde", "mmi" or "dep"
}

// Options selects how a decomposition is computed. The zero value picks the
// exact method for the target's dimension and applies no bias correction.
//
// The ~G-PID optimiser ("tilde") has no knobs here: it stops at the fixed
// tolerance TildeTol or after TildeMaxIter iterations per start (see their
// docs), which reach the reference optimiser's optimum or better.
type Options struct {
	// Method is "auto" (or ""), "closed", "tilde", "mmi" or "dep". "auto"
	// means "closed" for a scalar target and "tilde" otherwise; "closed"
	// with a vector target is an error (ErrMethod). "mmi" is meant for
	// scalar targets (on a vector target it can call information about
	// different target components redundant; see the package doc). "dep" is
	// Kay & Ince's I_dep for any dimensions; it needs a non-singular
	// covariance (ErrSingular).
	Method string
	// Debias subtracts the exact small-sample bias of the Gaussian
	// mutual-information estimates before the atoms are formed (see MIBias
	// and the package documentation); it needs N > dm+dx+dy. The union
	// information of "tilde" and the I*(X;Y) of "dep" have no analytic
	// correction (see the package documentation).
	Debias bool
	// N is the number of rows the covariance was estimated from; Decompose
	// needs it when Debias is set. FromSamples fills it in itself.
	N int
}
