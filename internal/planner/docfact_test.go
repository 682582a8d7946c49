package planner

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/plant"
)

// TestDocFactAsked checks which questions ask the documents for a fact
// (PPE, a torque, a clearance) and which do not.
func TestDocFactAsked(t *testing.T) {
	t.Parallel()
	none := &plant.Plant{}
	withTorque := &plant.Plant{Series: []plant.Series{{Name: "cnc-4.torque", Asset: "cnc-4", Sensor: "torque"}}}
	asks := map[string]string{
		"what ppe do i need to change the press 3 bearing?":  "ppe",
		"do i need to wear gloves for the strainer?":         "ppe",
		"프레스3 베어링 교체할 때 보호구 뭐 착용해야돼?":                        "ppe",
		"what torque for the press-3 bearing housing bolts?": "torque",
		"cnc4 모터 단자 조임 토크 몇이야?":                              "torque",
		"what clearance on the pump coupling?":               "clearance",
		"컨베이어 벨트 장력 얼마로 맞춰야 돼?":                              "tension",
		"cnc 스핀들 카트리지 교체하고 워밍업 몇분 돌려야 돼?":                    "warmup",
		"what pressure is compressor-1 supposed to deliver?": "setpoint",
	}
	for q, want := range asks {
		k, ok := docFactAsked(q, none)
		require.True(t, ok, q)
		require.Equal(t, want, k.key, q)
	}
	for _, q := range []string{
		"filler 1 supply pressure keeps climbing and fills are out of tolerance",
		"press 3 is vibrating, what should i do?",
		"how do i change the filter on the filler?",
		"what pressure is compressor-1 at?",
		"is the belt tension ok on conveyor 1?",
	} {
		_, ok := docFactAsked(q, none)
		require.False(t, ok, q)
	}
	// Where the plant measures a torque, "what's the torque on cnc 4?" is
	// the reading; the terminals' torque is still the documents'.
	_, ok := docFactAsked("what's the torque on cnc 4?", withTorque)
	require.False(t, ok)
	_, ok = docFactAsked("what torque for the motor terminals on cnc 4?", withTorque)
	require.True(t, ok)
}
