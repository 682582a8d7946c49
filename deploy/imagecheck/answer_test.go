package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, json string
		want       string // error substring; empty means accepted
	}{
		{name: "an answer from tools",
			json: `{"answer":"*Situation:* press-3 vibration up","mode":"offline","steps":[{"tool":"list_series","args":{}},{"tool":"detect_anomalies","args":{}},{"tool":"list_series","args":{}}],"citations":[{"id":"RB-1","title":"x"}]}`},
		{name: "empty answer", json: `{"answer":" ","mode":"offline","steps":[{"tool":"list_series"}]}`, want: "empty answer"},
		{name: "no tools", json: `{"answer":"I cannot tell.","mode":"offline","steps":[]}`, want: "used no tool successfully (0 steps)"},
		{name: "every tool failed", json: `{"answer":"Sorry.","mode":"llm","steps":[{"tool":"list_series","error":"db down"}]}`, want: "used no tool successfully (1 steps)"},
		{name: "not JSON", json: `gemba: database unreachable`, want: "not the JSON of gemba ask --json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			line, err := checkAnswer(strings.NewReader(tc.json))
			if tc.want != "" {
				require.ErrorContains(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			require.Contains(t, line, "offline answer with 3 tool calls (list_series, detect_anomalies) and 1 citations")
		})
	}
}
