package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/ops"
)

func TestLoggerAddsContextIDs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := ops.NewLogger(&buf, "json", slog.LevelInfo).With("component", "agent")
	ctx := ops.WithLogAttrs(context.Background(), "event_id", "Ev1", "thread", "slack:C1:1.2")
	ctx = ops.WithLogAttrs(ctx, "tool", "detect_anomalies")
	log.InfoContext(ctx, "tool call", "ms", 12)
	log.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	require.Equal(t, "Ev1", rec["event_id"])
	require.Equal(t, "slack:C1:1.2", rec["thread"])
	require.Equal(t, "detect_anomalies", rec["tool"])
	require.Equal(t, "agent", rec["component"])
	require.NotContains(t, lines[1], "event_id")
}
