// Package encoder builds the per-modality encoders, the regression head and
// the noise bottleneck of the PID-based multimodal regression model on a
// gorgonia graph, and runs trained encoders for inference in plain gonum.
//
// # MLP
//
// An MLP stack maps a batch X (B × d) through hidden blocks
//
//	H ← Dropout_p(ReLU(BN(H·W + b)))
//
// and a final Linear map, followed by a BatchNorm for the method's encoders
// (Config.OutputBN) and without one for its head. With the defaults an
// encoder is d → 256 → 128 → k with dropout 0.3 and 0.2.
//
// Weights are Kaiming-normal, W_ij ~ N(0, 2/fan_in) (He, Zhang, Ren & Sun,
// "Delving deep into rectifiers", ICCV 2015), drawn from the caller's
// *rand.Rand: the same seed gives bit-identical weights, masks and training
// runs. Biases start at 0, BatchNorm scales at 1 and shifts at 0.
//
// BatchNorm (Ioffe & Szegedy 2015) normalises with the batch mean μ_B and
// the biased batch variance σ²_B (divisor B), BN(h) = γ ⊙ (h − μ_B)/√(σ²_B + ε) + β,
// and updates its running statistics in the PyTorch convention with the
// unbiased variance:
//
//	mean ← m·μ_B + (1−m)·mean,   var ← m·σ²_B·B/(B−1) + (1−m)·var,
//
// starting from mean 0 and variance 1 (m = 0.1, ε = 1e-5 by default). The
// tests check both formulas against hand computations after Adam steps.
//
// # Fused ops
//
// Each block runs as two custom gorgonia ops rather than gorgonia's generic
// Mul, BroadcastAdd, BatchNorm, Rectify and HadamardProd:
//
//	linear:    Y = X·W + 1·b                       ∂X = G·Wᵀ, ∂W = Xᵀ·G, ∂b = 1ᵀ·G
//	batchnorm: Y = max(γ ⊙ BN(H) + β, 0) ⊙ M        (gradients as gorgonia's batchnormDiffOp
//	                                                 applied to Ĝ = G ⊙ M ⊙ 1[γ ⊙ BN(H) + β ≥ 0])
//
// with G the upstream gradient and M the dropout mask (the ReLU and the mask
// only on hidden layers; the output BatchNorm is Y = γ ⊙ BN(H) + β). One
// gradient op computes ∂H, ∂γ and ∂β in two passes over the rows. Matrix
// products are single blas64 Gemm calls on the tensors' backing arrays
// (transposes are BLAS flags, not copies), elementwise work is branch-free
// loops, the BatchNorm loops run over two fixed column halves on two
// goroutines for large layers (each column summed in the same order either
// way), and each op writes into an output buffer it owns and reuses across
// runs (fused.go explains why that is safe with the TapeMachine). The ∂X of
// the first layer is skipped when nobody differentiates with respect to the
// data. The Gemms go to blas64's current implementation (gonum's pure Go, or
// OpenBLAS after blas64.Use). The ops compute the same numbers as
// gorgonia's: the tests train both formulations side by side with a
// tolerance of 1e-12 on outputs, gradients and running statistics, and in
// practice they agree bit for bit. The bottleneck's mixing step is one such
// op too (below).
//
// Dropout does not use G.Dropout (its gradient is divided by p instead of
// 1−p, and it seeds itself from the clock): each dropout layer multiplies by
// a mask input node that ResampleDropout refills in place with inverted
// dropout values, 0 with probability ⌈p·2³²⌉/2³² and 1/(1−p) otherwise, two
// entries from each 64-bit draw.
//
// The graph is built once for a fixed batch size and run by one TapeMachine
// in training mode. Inference never uses gorgonia: Snapshot copies the
// parameters and running statistics into a Weights value, whose Forward runs
// the network with one blas64 Gemm per layer, BatchNorm with the running
// statistics, and no dropout. It reproduces gorgonia's inference-mode
// arithmetic operation for operation.
//
// The BatchNorm ops are this package's own: unlike gorgonia's BatchNormOp,
// creating a machine does not reset their running statistics, so Restore may
// come before or after NewTapeMachine. The graph is for training only (a
// machine in EvalMode changes nothing); inference goes through Weights.
//
// # Precision
//
// A stack is float64 throughout by default. With Config.Float32 its
// parameters, activations, dropout masks and gradients are float32: the
// same fused ops instantiated for float32 (they are generic over the
// element type), the products through blas32, the BatchNorm rows through
// 8-lane AVX2 kernels that give the bits of their float32 Go loops. Forward
// still takes and returns float64 nodes: a cast op at each end,
//
//	Y = float32(X), ∂/∂X = float64(G)    and    Y = float64(X), ∂/∂X = float32(G),
//
// so everything around the stack (the bottleneck, the regularisers, the
// fusion, the PID) stays float64. The BatchNorm running statistics are
// accumulated in float64, the initial weights are the float64 draws
// rounded, and Snapshot widens the parameters to float64, so inference and
// saved models are the same as for a float64 stack. TestFloat32MatchesFloat64
// runs a float32 stack beside the float64 one with the same parameters:
// outputs, gradients and running statistics agree to float32 precision.
//
// # Network
//
// Network gathers the graph-free pieces of a trained model — one Weights
// per modality encoder, the fusion weights and the head — and runs the whole
// inference path: latents Zₘ = encₘ(Xₘ), the fusion of fusion.FuseLatents
// (with a per-row mask of the modalities each row has) and the head, in
// blocks of 1024 rows. A trainer snapshots one after every epoch for
// validation and keeping the best epoch; a saved model holds one; so
// validation and prediction run the same code.
//
// # Bottleneck
//
// During training each modality's representation R passes through
//
//	Z = λ·R + (1−λ)·ε,   ε = μ_B + σ_B ⊙ ξ,   ξ ~ N(0, I),
//	σ_B = √(s²_B + 10⁻⁸),   λ = clamp(sigmoid(θ), 0.001, 0.999),
//
// with μ_B and s²_B the per-dimension batch mean and unbiased variance of R.
// The noise ε matches the first two moments of R, so λ interpolates between
// the representation and an uninformative copy of its marginal; gradients
// flow through μ_B, σ_B, R and the scalar θ (initialised at 4, λ ≈ 0.982).
// Everything after λ is one fused op (noise mix) whose gradients with
// respect to R (directly and through μ_B and σ_B) and λ are written out in
// bottleneck_op.go; the tests compare it with the equivalent gorgonia graph.
// The clamp is a small custom op with the derivative of torch.clamp (1 inside
// [0.001, 0.999], boundaries included, 0 outside): gorgonia's own clamp op is
// not implemented. At inference Z = R.
//
// # Names
//
// gorgonia merges input nodes with the same name, type and shape, so every
// constructor takes a name prefix and refuses names already in the graph
// (ErrName).
package encoder
