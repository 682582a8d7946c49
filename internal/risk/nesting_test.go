package risk

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// oneFeature is a model on one feature: p = σ(w·x + b).
func oneFeature(w, b float64) LogReg {
	return LogReg{Weights: []float64{w}, Intercept: b, Mean: []float64{0}, Scale: []float64{1}}
}

// TestNestedHorizons: a failure within 24 h is a failure within 48 h, so
// under NestAlarm the 48-hour probability is never below the 24-hour one
// and an asset in alarm for 24 h is in alarm for 48 h, while a component's
// model reads only its own shorter horizon; a model stored before nesting
// (no field) reads each target's own model only.
func TestNestedHorizons(t *testing.T) {
	t.Parallel()
	// The 24-hour model is sharp on the feature, the 48-hour one flat.
	tr := &Trained{Nesting: NestAlarm, Models: []TargetModel{
		{Target: Target{HorizonHours: 24}, Model: oneFeature(4, -6), Threshold: 0.5},
		{Target: Target{HorizonHours: 48}, Model: oneFeature(0.1, -3), Threshold: 0.9},
		{Target: Target{HorizonHours: 24, Component: "comp1"}, Model: oneFeature(-4, 0), Threshold: 0.6},
		{Target: Target{HorizonHours: 48, Component: "comp1"}, Model: oneFeature(0, -4), Threshold: 0.5},
	}}
	h24, h48 := Target{HorizonHours: 24}, Target{HorizonHours: 48}
	c48 := Target{HorizonHours: 48, Component: "comp1"}
	x := []float64{2} // 24 h: σ(2) ≈ 0.88, in alarm; 48 h's own: σ(−2.8) ≈ 0.06
	p24, _, ok := tr.Prob(h24, x)
	require.True(t, ok)
	p48, by, ok := tr.Prob(h48, x)
	require.True(t, ok)
	require.InDelta(t, 0.881, p24, 0.001)
	require.Equal(t, p24, p48, "48 h is at least 24 h")
	require.Equal(t, h24, by.Target, "the 24-hour model gave it (its drivers are the ones to show)")
	require.True(t, tr.Alarm(h24, x))
	require.True(t, tr.Alarm(h48, x), "in alarm for 24 h, so for 48 h")
	// comp1 reads its own 24-hour model (σ(−8): no alarm), not the fleet's.
	pc, _, _ := tr.Prob(c48, x)
	require.Less(t, pc, 0.05)
	require.False(t, tr.Alarm(c48, x))
	// Below the 24-hour threshold and the 48-hour one: no alarm at either.
	x0 := []float64{1}
	require.False(t, tr.Alarm(h24, x0))
	require.False(t, tr.Alarm(h48, x0))
	// A horizon without a model has no probability.
	_, _, ok = tr.Prob(Target{HorizonHours: 12}, x)
	require.False(t, ok)

	// A model stored before nesting: each target alone.
	b, err := json.Marshal(tr)
	require.NoError(t, err)
	var old Trained
	require.NoError(t, json.Unmarshal(b, &old))
	require.Equal(t, NestAlarm, old.Nesting, "the rule is stored with the model")
	old.Nesting = ""
	p48, _, _ = old.Prob(h48, x)
	require.InDelta(t, 0.057, p48, 0.001)
	require.False(t, old.Alarm(h48, x))
}

// TestNestingIncludes: which targets' events a target reads.
func TestNestingIncludes(t *testing.T) {
	t.Parallel()
	h24, h48, c24 := Target{HorizonHours: 24}, Target{HorizonHours: 48}, Target{HorizonHours: 24, Component: "comp1"}
	require.True(t, NestAlarm.includes(h48, h24))
	require.True(t, NestAlarm.includes(h48, h48))
	require.False(t, NestAlarm.includes(h24, h48), "a longer horizon's event is not a shorter one's")
	require.False(t, NestAlarm.includes(h48, c24), "a component's model does not bound all components'")
	require.False(t, NestNone.includes(h48, h24))
	require.True(t, NestNone.includes(h48, h48))
	require.True(t, NestHorizon.includes(Target{HorizonHours: 48, Component: "comp1"}, c24))
}
