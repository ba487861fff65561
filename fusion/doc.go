// Package fusion turns partial information decompositions of the latents into
// fusion weights and fuses the two modality latents with them.
//
// # Weights
//
// For two latents Z1 = X, Z2 = Y and a target M, a PID splits I(M; X, Y) into
// unique, redundant and synergistic atoms (Williams & Beer 2010; the Gaussian
// closed form of Barrett 2015). The fused representation is
//
//	z = w1·Z1 + w2·Z2 + w3·(Z1 ⊙ Z2)
//
// with weights proportional to the information each part of z can carry:
//
//	T = U_X + U_Y + Red + Syn,   w3 = Syn/T,
//	w1 = (U_X + s_X·Red)/T,      w2 = (U_Y + s_Y·Red)/T,   s_X + s_Y = 1.
//
// Redundant information is available from either modality, so the policy
// decides who gets it: Split (default, s = ½, ½), Stronger (all to the
// modality with the larger I(M;·)), or Bernoulli (a fair coin each time, as
// the published reference does; its expectation is Split, its variance is
// pure noise in the weights). When T < 1e-10 bit the weights are (⅓, ⅓, ⅓).
// The weights are constants in the graph: Fuser keeps them in a 3-vector
// input node, so no gradient flows into them.
//
// # Schedule
//
// Every training batch yields a PID (Tracker.Observe). At the end of an epoch
// (Tracker.EndEpoch) the batch results are averaged; the last W epoch means
// are averaged again into the stored (windowed) atoms, from which the stored
// weights follow. These are what validation, test and inference use. When
// the largest change of any windowed atom from the previous epoch stays below
// δ bit for K consecutive epochs, counted only once the window holds W epoch
// means, the weights freeze and the trainer can stop computing the PID. The
// defaults are W = 5, δ = 0.01 bit, K = 5, so the earliest freeze is after
// the 10th epoch (index 9). Edge cases are documented on Tracker.
//
// # Inference
//
// Fuse is the gonum mirror of the graph's fused node, used with the stored
// weights on the encoders' inference outputs (Z = R at inference).
package fusion
