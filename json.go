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

// MarshalJSON writes the validation loss of a run without validation data
// as null.
func (e Epoch) MarshalJSON() ([]byte, error) {
	type plain Epoch
	return json.Marshal(struct {
		plain
		ValMSE num `json:"val_mse"`
	}{plain(e), num(e.ValMSE)})
}

// UnmarshalJSON reads null as NaN, the inverse of MarshalJSON.
func (x *num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*x = num(f)
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes (a null validation loss as NaN).
func (e *Epoch) UnmarshalJSON(b []byte) error {
	type plain Epoch
	aux := struct {
		*plain
		ValMSE num `json:"val_mse"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	e.ValMSE = float64(aux.ValMSE)
	return nil
}
