package bot

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestManifest checks that the Slack app manifest asks for what the bot
// uses: every event it routes and the scopes of the Web API methods it calls.
func TestManifest(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../deploy/slack-manifest.yaml")
	require.NoError(t, err)
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `yaml:"command"`
				URL     string `yaml:"url"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				URL    string   `yaml:"request_url"`
				Events []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool   `yaml:"is_enabled"`
				URL     string `yaml:"request_url"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &m))
	require.Len(t, m.Features.SlashCommands, 1)
	require.Equal(t, "/gemba", m.Features.SlashCommands[0].Command)
	require.Contains(t, m.Features.SlashCommands[0].URL, "/slack/commands")
	require.Contains(t, m.Settings.Events.URL, "/slack/events")
	require.Contains(t, m.Settings.Interactivity.URL, "/slack/interactions")
	require.True(t, m.Settings.Interactivity.Enabled)
	require.True(t, m.Settings.SocketMode)
	for _, s := range []string{"app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write", "commands", "reactions:write", "files:write", "usergroups:read"} {
		require.Contains(t, m.OAuth.Scopes.Bot, s)
	}
	for _, e := range []string{"app_mention", "message.channels", "message.groups", "message.im"} {
		require.Contains(t, m.Settings.Events.Events, e)
	}
}
