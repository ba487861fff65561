// Package trainer is pidreg's training engine: the gorgonia graph of one
// training step, built once for a fixed batch size, its optimisers and its
// loss terms. The root package drives it epoch by epoch (shuffling, the
// fusion-weight tracker, validation, early stopping, the learning-rate
// schedule) and never sees gorgonia.
//
// # The step
//
// Step copies a batch of each standardised modality and of the z-scored
// target into tensors bound once to the graph, fills the per-batch draws
// (dropout masks, bottleneck noise ξ, the N(0, I) reference sample of the
// CS terms) and the per-batch constants (the rank inverse normal transform
// ỹ of the target, the Gram matrices κ(Xₘ) of the CMI terms), runs the tape
// machine forward and backward, computes the batch PID of ỹ on the latents
// (Z₁, Z₂) when asked and sets the next step's fusion weights from it (one
// step of lag: the graph runs as a whole), clips the head's gradient to
// Spec.ClipNorm and takes one step of each Adam (adam.go): encoders, head,
// bottleneck θs.
//
// # Precision
//
// With Spec.Encoder.Float32 and Spec.Head.Float32 (the root Config.Float32)
// the encoders and the head are float32 stacks (package encoder) and their
// Adam moments are float32 (adam.go); the input batches, the bottleneck,
// the loss terms, the fusion, the batch PID and the θ optimiser stay
// float64, the stacks converting at their ends.
//
// # Loss terms
//
// The loss is Σₜ weightₜ·termₜ over the table in terms.go — mse (weight 1),
// cs, cmi, gauss — built in that order when their weight is > 0 and the
// model has the modalities they need. The table is the one place that names
// a term: the graph, the per-step readouts (Stats.Terms) and the reports
// iterate over it, so a new term is one entry there plus the Config field
// of the root package that carries its weight.
//
// # Reading values out of a run
//
// A TapeMachine reuses registers: after RunAll an intermediate node may hold
// another node's value. Everything read after a run (the loss terms, the
// latents for the PID) is copied out while the machine runs by a tap op
// (tap.go) that sits beside the loss and changes no gradient.
//
// # Determinism
//
// All randomness comes from the *rand.Rand passed to New, in a fixed order
// (weights, then per step: CS draws, dropout masks, noise, the presence
// mask of modality dropout, and the Bernoulli redundancy policy); the same
// seed gives the same run bit for bit.
//
// Those draws are a tenth of a step (about 2 ms at batch 256: 150 000
// 64-bit draws for the masks, 65 000 normal ones) and cannot be shared
// between cores without changing the numbers; the batch data (the rows,
// the target's INT, the Gram matrices with their median bandwidths) is
// another millisecond and a half. Neither depends on anything the step
// computes, so when the caller names the rows of the step that follows
// directly (PrepareNext), Step prepares that step on another goroutine while
// its graph runs, into spare buffers that the next load copies in: the same
// numbers in the same order, made earlier (TestPrepareNext compares the runs
// bit for bit, with rows announced wrongly too). The Bernoulli policy
// draws after the graph runs, so with it only the data is made ahead.
package trainer
