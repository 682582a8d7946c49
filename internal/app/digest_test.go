package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/slackfake"
)

func TestDigestCommand(t *testing.T) {
	t.Parallel()
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error"}

	code, _, errOut := gemba(t, env, "digest")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--channel is required")

	code, _, errOut = gemba(t, env, "digest", "--channel", "C1")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "use --dry-run")

	code, out, errOut := gemba(t, env, "digest", "--channel", "C1", "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Shift digest")
	require.Contains(t, out, "Open threads")
	require.Empty(t, fake.Calls())

	env["GEMBA_SLACK_BOT_TOKEN"] = "xoxb-test"
	env["GEMBA_SLACK_SIGNING_SECRET"] = "s"
	env["GEMBA_SLACK_API_URL"] = fake.URL
	code, out, errOut = gemba(t, env, "digest", "--channel", "C1")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Posted the digest to C1")
	msgs := fake.Messages("C1")
	require.GreaterOrEqual(t, len(msgs), 2, "header and details in its thread")
	require.Equal(t, msgs[0].TS, msgs[1].ThreadTS)

	// A channel as `gemba channel list` prints it (source:channel): its
	// binding scopes the digest; a console channel is printed only.
	code, out, errOut = gemba(t, env, "demo", "seed")
	require.Equal(t, 0, code, out+errOut)
	code, out, errOut = gemba(t, env, "channel", "bind", "console:shop-floor", "line-2")
	require.Equal(t, 0, code, out+errOut)
	code, out, errOut = gemba(t, env, "digest", "--channel", "console:shop-floor", "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "`line=line-2`")
	require.NotContains(t, out, "whole plant")
	code, out, errOut = gemba(t, env, "digest", "--channel", "slack:C1", "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "whole plant")
	code, _, errOut = gemba(t, env, "digest", "--channel", "console:shop-floor")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "use --dry-run")
	code, _, errOut = gemba(t, env, "digest", "--channel", "teams:x", "--dry-run")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown source "teams"`)
}
