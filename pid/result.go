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

	// resample marks a bootstrap resample of N rows, whose plug-in
	// informations carry the bias twice (see resampleBias).
	resample bool
}

// CoInformation returns Redundancy − Synergy, which equals
// I(M;X) + I(M;Y) − I(M;X,Y) for every method: the co-information (McGill
// 1954; the negative of the interaction information). Positive values mean
// the sources overlap more than they complement each other. Unlike the
// atoms it needs no choice of union information, so it is a useful check
// on any decomposition.
func (r Result) CoInformation() float64 { return r.Redundancy - r.Synergy }

// Shares returns each source's share of the joint information,
// I(M;X)/I(M;X,Y) and I(M;Y)/I(M;X,Y): how much of the total a model using
// that source alone could reach. Both are 0 when I(M;X,Y) = 0.
func (r Result) Shares() (x, y float64) {
	if !(r.MIXY > 0) {
		return 0, 0
	}
	return r.MIX / r.MIXY, r.MIY / r.MIXY
}

// RemovalCosts returns the fraction of I(M;X,Y) lost when a source is
// removed: (UniqueX + Synergy)/I(M;X,Y) = 1 − I(M;Y)/I(M;X,Y) for X, and
// (UniqueY + Synergy)/I(M;X,Y) for Y. A source whose removal cost is small
// can be dropped with little loss. Both are 0 when I(M;X,Y) = 0.
func (r Result) RemovalCosts() (x, y float64) {
	if !(r.MIXY > 0) {
		return 0, 0
	}
	return (r.UniqueX + r.Synergy) / r.MIXY, (r.UniqueY + r.Synergy) / r.MIXY
}
