package pidreg

import (
	"encoding/json"
	"math"
)

// num is a float64 that encodes NaN and ±Inf as JSON null (encoding/json
// refuses them), so a report with an undefined statistic is still valid JSON.
type num float64

func (x num) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// MarshalJSON writes undefined metrics (R² of a constant target) as null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MSE  num `json:"mse"`
		RMSE num `json:"rmse"`
		MAE  num `json:"mae"`
		R2   num `json:"r2"`
	}{num(m.MSE), num(m.RMSE), num(m.MAE), num(m.R2)})
}

// MarshalJSON writes p-values that could not be computed as null.
func (n Normality) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Test      string `json:"test"`
		Rows      int    `json:"rows"`
		Dims      int    `json:"dims"`
		SkewnessP num    `json:"skewness_p"`
		KurtosisP num    `json:"kurtosis_p"`
		Gaussian  bool   `json:"gaussian"`
		Note      string `json:"note,omitempty"`
	}{n.Test, n.Rows, n.Dims, num(n.SkewnessP), num(n.KurtosisP), n.Gaussian, n.Note})
}

// MarshalJSON writes the validation loss of a run without validation data
// as null.
func (e Epoch) MarshalJSON() ([]byte, error) {
	type plain Epoch
	return json.Marshal(struct {
		plain
		ValMSE num `json:"val_mse"`
	}{plain(e), num(e.ValMSE)})
}
