package pidreg

import (
	"fmt"
	"sort"
	"strings"
)

// Text returns the explanation as a few lines of plain text for a person:
// the decomposition with its intervals and p-values, the co-information,
// what each modality carries and what dropping it would cost, the fusion
// weights and λ, the normality check and the freeze epoch. It says what an
// atom of 0 under MMI does and does not mean.
func (e Explanation) Text() string {
	var b strings.Builder
	nm := len(e.Names)
	if nm < 2 {
		b.WriteString("one modality: no decomposition\n")
		return b.String()
	}
	rows := map[string]string{"validation": "held-out validation rows", "training": "training rows (no validation rows)", "given": "the given rows"}[e.HeldOutFrom]
	if rows == "" {
		rows = "held-out rows"
	}
	src, where := e.HeldOut, fmt.Sprintf("%s (%d, bias-corrected)", rows, e.HeldOutRows)
	if e.HeldOutRows == 0 {
		src, where = e.PID, "training batches (windowed)"
	}
	measure := e.Measure
	if measure == "" {
		measure = "mmi"
	}
	fmt.Fprintf(&b, "PID of the target on the latents, %s, measure %s, bits", where, measure)
	if e.Resamples > 0 {
		fmt.Fprintf(&b, " [%.0f %% bootstrap interval, %d resamples; p: permutation test of no information]", 100*e.Level, e.Resamples)
	}
	b.WriteString(":\n")
	qs := e.Quantities
	if len(qs) == 0 { // the training decomposition: no quantities were computed
		qs = quantities(src, e.Names, nil, nil)
	}
	if nm > 2 {
		// Many atoms: the informations, then the atoms above 0.0005 bit, largest first.
		var atoms []Quantity
		for _, q := range qs {
			if strings.HasPrefix(q.Name, "{") {
				if q.Bits >= 0.0005 {
					atoms = append(atoms, q)
				}
				continue
			}
			writeQuantity(&b, q)
		}
		sort.SliceStable(atoms, func(i, j int) bool { return atoms[i].Bits > atoms[j].Bits })
		fmt.Fprintf(&b, "  atoms above 0.0005 bit (%d of %d):\n", len(atoms), len(src.Atoms))
		for _, q := range atoms {
			writeQuantity(&b, q)
		}
		if src.Reduced {
			b.WriteString("  (more than 4 modalities: the atoms are each modality against the rest, not the full lattice)\n")
		}
	} else {
		for _, q := range qs {
			writeQuantity(&b, q)
		}
		if measure == "mmi" {
			for i, n := range e.Names {
				if len(src.Atoms) == 4 && src.Atoms[i] == 0 && src.MIEach[i] > 0 {
					fmt.Fprintf(&b, "  (unique %s is 0 by construction: for a scalar target the MMI PID gives the modality with less information no unique atom;\n", n)
					fmt.Fprintf(&b, "   it does not say %s is useless — what it carries is counted as redundancy, and its removal cost below says what dropping it loses)\n", n)
				}
			}
		}
	}
	for i, n := range e.Names {
		if i >= len(e.Share) || i >= len(e.Cost) {
			break
		}
		fmt.Fprintf(&b, "  %s: carries %.1f %% of I alone", n, 100*e.Share[i])
		if i < len(e.ShareCI) {
			fmt.Fprintf(&b, " [%.1f, %.1f]", 100*e.ShareCI[i][0], 100*e.ShareCI[i][1])
		}
		fmt.Fprintf(&b, "; dropping it loses %.1f %%", 100*e.Cost[i])
		if i < len(e.CostCI) {
			fmt.Fprintf(&b, " [%.1f, %.1f]", 100*e.CostCI[i][0], 100*e.CostCI[i][1])
		}
		b.WriteByte('\n')
	}
	if e.Drop != "" {
		fmt.Fprintf(&b, "modality selection: %s can be dropped for cheaper inference (its removal cost is below the threshold)\n", e.Drop)
	} else {
		b.WriteString("modality selection: keep every modality\n")
	}
	b.WriteString("fusion weights:")
	for i, w := range e.Weights {
		if i < len(e.Terms) {
			fmt.Fprintf(&b, " %s %.3f", e.Terms[i], w)
		}
	}
	b.WriteString("; λ")
	for i, l := range e.Lambdas {
		if i < nm {
			fmt.Fprintf(&b, " %s %.4g", e.Names[i], l)
		}
	}
	b.WriteByte('\n')
	if e.FrozenAt > 0 {
		fmt.Fprintf(&b, "the fusion weights froze after epoch %d\n", e.FrozenAt)
	} else {
		b.WriteString("the fusion weights never froze\n")
	}
	b.WriteString(e.Normality.text())
	return b.String()
}

func writeQuantity(b *strings.Builder, q Quantity) {
	fmt.Fprintf(b, "  %-24s %7.4f", q.Name, q.Bits)
	if q.CI != nil {
		fmt.Fprintf(b, "  [%.4f, %.4f]", q.CI[0], q.CI[1])
	}
	if q.P != nil {
		fmt.Fprintf(b, "  p %.3g", *q.P)
	}
	b.WriteByte('\n')
}

// shownColumns is the number of columns whose failures text lists.
const shownColumns = 4

// text is the normality check in one or a few lines.
func (n Normality) text() string {
	if !n.Checked {
		if n.Note != "" {
			return "Gaussian assumption: not checked (" + n.Note + ")\n"
		}
		return "Gaussian assumption: not checked\n"
	}
	var b strings.Builder
	verdict := "holds well enough"
	if !n.Gaussian {
		verdict = "FAILS: read the atoms with care"
	}
	fmt.Fprintf(&b, "Gaussian assumption (%d rows × %d): Mardia kurtosis %+.1f %% of its Gaussian value, skewness %.3g per dimension; %s\n",
		n.N, n.D, 100*n.KurtosisExcess, n.SkewnessPerDim, verdict)
	// The whole-sample reasons, then those of the first few columns: a
	// latent of 128 heavy-tailed columns would otherwise fill a screen.
	var last string
	listed, more := 0, 0
	for _, r := range n.Reasons {
		col, _, _ := strings.Cut(r, ":")
		if strings.HasPrefix(col, "column ") && col != last {
			last = col
			if listed < shownColumns {
				listed++
			} else {
				more++
			}
		}
		if !strings.HasPrefix(col, "column ") || more == 0 {
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	if more > 0 {
		fmt.Fprintf(&b, "  and %d more columns (every reason is in the JSON explanation)\n", more)
	}
	if n.Note != "" {
		fmt.Fprintf(&b, "  %s\n", n.Note)
	}
	return b.String()
}
