package config_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/config"
)

func TestMCPServersFromAFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "mcp.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`
- name: cmms
  command: ["/usr/local/bin/cmms-mcp", "--site", "plant-1"]
  env: {CMMS_URL: "http://cmms.local"}
  tools: [list_work_orders, get_work_order]
- name: erp
  url: https://erp.example.com/mcp
  headers: {Authorization: "Bearer erp-secret"}
  tools: ["*"]
  timeout: 3s
  prefix: erp__
`), 0o600))
	c, err := config.Load(env(map[string]string{"GEMBA_MCP_SERVERS_FILE": p, "GEMBA_MCP_TOKEN": "mcp-secret"}))
	require.NoError(t, err)
	require.Equal(t, "mcp-secret", c.MCP.Token)
	require.Len(t, c.MCP.Servers, 2)
	cmms, erp := c.MCP.Servers[0], c.MCP.Servers[1]
	require.Equal(t, []string{"/usr/local/bin/cmms-mcp", "--site", "plant-1"}, cmms.Command)
	require.Equal(t, "cmms_", cmms.Prefix, "the default prefix is the name and an underscore")
	require.Equal(t, config.DefaultMCPTimeout, cmms.Timeout)
	require.True(t, cmms.AllowsTool("get_work_order"))
	require.False(t, cmms.AllowsTool("close_work_order"))
	require.Equal(t, 3*time.Second, erp.Timeout)
	require.Equal(t, "erp__", erp.Prefix)
	require.True(t, erp.AllowsTool("anything"))

	for _, kv := range c.Redacted() {
		require.NotContains(t, kv[1], "erp-secret", "headers may hold credentials: the list is masked")
		require.NotContains(t, kv[1], "mcp-secret")
	}

	// JSON is YAML too.
	c, err = config.Load(env(map[string]string{"GEMBA_MCP_SERVERS": `[{"name":"qms","url":"http://127.0.0.1:9/mcp","tools":["find_lot"]}]`}))
	require.NoError(t, err)
	require.Equal(t, "qms", c.MCP.Servers[0].Name)
}

func TestMCPServersValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, servers string
		want          []string
	}{
		{"not a list", `name: cmms`, []string{"GEMBA_MCP_SERVERS", "not a YAML or JSON list"}},
		{"misspelt key", `[{name: cmms, url: "http://x/mcp", tool: [a]}]`, []string{"field tool not found"}},
		{"no transport", `[{name: cmms, tools: [a]}]`, []string{`server "cmms": needs a command`}},
		{"both transports", `[{name: cmms, command: [x], url: "http://x/mcp", tools: [a]}]`, []string{"not both"}},
		{"bad url", `[{name: cmms, url: "ftp://x", tools: [a]}]`, []string{`url "ftp://x"`}},
		{"no tools", `[{name: cmms, url: "http://x/mcp"}]`, []string{`"tools"`}},
		{"bad name", `[{name: "CMMS!", url: "http://x/mcp", tools: [a]}]`, []string{"name must be lower-case"}},
		{"twice", `[{name: a, url: "http://x/mcp", tools: [x]}, {name: a, url: "http://y/mcp", tools: [x]}]`, []string{"used twice"}},
		{"negative timeout", `[{name: a, url: "http://x/mcp", tools: [x], timeout: -1s}]`, []string{"timeout must be positive"}},
		{"bad prefix", `[{name: a, url: "http://x/mcp", tools: [x], prefix: "a.b"}]`, []string{`prefix "a.b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(map[string]string{"GEMBA_MCP_SERVERS": tt.servers}))
			var verr *config.ValidationError
			require.ErrorAs(t, err, &verr)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}
