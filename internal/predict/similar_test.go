package predict

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSimilar(t *testing.T) {
	t.Parallel()
	now := Event{Kind: KindDrift, StartIdx: 100, EndIdx: 140, Contributions: []Contribution{{"vibration", 0.8}, {"temperature", 0.2}}}
	past := []Event{
		{Kind: KindSpike, StartIdx: 10, EndIdx: 10, Contributions: []Contribution{{"pressure", 1}}},
		{Kind: KindDrift, StartIdx: 20, EndIdx: 60, Contributions: []Contribution{{"vibration", 0.7}, {"temperature", 0.3}}},
		{Kind: KindLevelShift, StartIdx: 70, EndIdx: 90, Contributions: []Contribution{{"vibration", 0.9}, {"current", 0.1}}},
	}
	m := Similar(now, past, 2)
	require.Len(t, m, 2)
	require.Equal(t, 20, m[0].Event.StartIdx)
	require.Greater(t, m[0].Similarity, 0.95)
	require.Equal(t, 70, m[1].Event.StartIdx)
	require.Len(t, Similar(now, past, 0), 3)
	require.Empty(t, Similar(now, nil, 3))
}
