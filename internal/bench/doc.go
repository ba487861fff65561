// Package bench compares pidreg with the baselines and ablations that
// reviewers of PID-based fusion ask for, on identical splits and with
// identical encoder settings, and turns the PID into a modality-selection
// check. It backs `pidreg bench` and the bench mode of the examples.
//
// # Protocol
//
// Splits(n, frac, seeds, seed) draws one random train/validation/test split
// per seed. Run trains every requested model on every split; on split i
// every model uses the configuration base with Seed = base.Seed + i, so two
// models that build the same graph start from the same random state (with
// too few epochs for the weights to freeze, pidreg and no-freeze are the
// same run, bit for bit). Each model is scored on the test rows in the
// target's unit (pidreg.Score: MSE, RMSE, MAE, R² averaged over the target
// columns). A Row reports, over the n splits, the mean x̄ and the sample
// standard deviation s = √(Σ(xᵢ − x̄)²/(n − 1)).
//
// # Models
//
//   - pidreg: the method, z = w₁Z₁ + w₂Z₂ + w₃(Z₁⊙Z₂) with weights from the
//     Gaussian PID of the latents (Williams and Beer 2010; Barrett 2015).
//   - concat: early fusion, one encoder and head on the concatenated columns
//     [X₁ X₂] (a 1-modality pidreg.Model, i.e. a plain MLP regressor).
//   - late: late fusion, ŷ = (ŷ₁ + ŷ₂)/2 of two unimodal models.
//   - unimodal:NAME: one modality alone.
//   - equal-weights: w = (⅓, ⅓, ⅓) fixed, no PID while training.
//   - no-cmi, no-cs, no-gauss: one regulariser of the loss switched off.
//   - no-freeze: the PID and the weights are updated for the whole run.
//
// # Modality selection
//
// With pidreg among the models, every split also gets a Selection. From the
// held-out PID, Explain gives each modality's removal cost
//
//	Cost(i) = (Uᵢ + Syn)/I(ỹ; Z₁,Z₂) = 1 − I(ỹ; Z_other)/I(ỹ; Z₁,Z₂),
//
// the fraction of the information lost without modality i. The modality of
// least cost is the candidate; Explain recommends dropping it when its cost
// is below Config.DropBelow. The check reports the test error of the
// unimodal model on the other modality next to the bimodal one, and the
// median wall time of Predict on the test rows for both, so a user sees
// what the recommendation would cost in accuracy and save in inference.
package bench
