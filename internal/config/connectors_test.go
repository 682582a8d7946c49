package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/config"
)

func TestParseConnectorsAppliesDefaultsAndReadsPasswordFiles(t *testing.T) {
	t.Parallel()
	pw := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(pw, []byte("s3cret\n"), 0o600))
	cs, problems := config.ParseConnectors([]byte(`connectors:
  - name: line-1
    type: mqtt
    broker: tcp://127.0.0.1:1883
    username: gemba
    password_file: ` + pw + `
    mappings:
      - {topic: "plant/{line}/{asset}/{sensor}", series: "{asset}.{sensor}"}
      - {topic: "plant/{asset}/telemetry", timestamp: ts, fields: values, series: "{asset}.{field}"}
  - name: press
    type: opcua
    endpoint: opc.tcp://127.0.0.1:4840
    nodes: [{node: "ns=2;s=Press1.T", series: press-1.temperature}]
`))
	require.Empty(t, problems)
	require.Len(t, cs, 2)
	m := cs[0]
	require.Equal(t, "gemba-line-1", m.ClientID)
	require.Equal(t, 1, *m.QoS)
	require.Equal(t, "s3cret", m.Password)
	require.Equal(t, config.PayloadPlain, m.Mappings[0].Payload)
	require.Equal(t, config.PayloadJSON, m.Mappings[1].Payload)
	require.Equal(t, []string{"line", "asset", "sensor"}, m.Mappings[0].Captures())
	require.Equal(t, config.DefaultConnectorQueuePoints, m.QueuePoints)
	require.True(t, *m.CreateSeries)
	require.Equal(t, config.DefaultOPCUAInterval, cs[1].Interval)
	require.Equal(t, "None", cs[1].SecurityPolicy)
}

// TestParseConnectorsNamesLineConnectorAndField: each mistake is reported
// with where it is, so a plant engineer can fix the file without reading
// Gemba's source.
func TestParseConnectorsNamesLineConnectorAndField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yml string
		want      []string
	}{
		{"unknown key", "- name: a\n  type: mqtt\n  broker: tcp://h:1\n  mapping: []\n", []string{"line 1", "field mapping not found"}},
		{"bad type", "- name: a\n  type: modbus\n", []string{`connector "a"`, `type "modbus"`}},
		{"bad name", "- name: Line 1\n  type: mqtt\n", []string{"name must be lower-case"}},
		{"twice", "- {name: a, type: opcua, endpoint: 'opc.tcp://h:1', nodes: [{node: 'i=1', series: x}]}\n- {name: a, type: opcua, endpoint: 'opc.tcp://h:1', nodes: [{node: 'i=1', series: x}]}\n", []string{"used twice"}},
		{"broker", "- {name: a, type: mqtt, broker: 'http://h', mappings: [{topic: t, series: s}]}\n", []string{"broker", "tcp://host:1883"}},
		{"qos 2", "- {name: a, type: mqtt, broker: 'tcp://h:1', qos: 2, mappings: [{topic: t, series: s}]}\n", []string{"qos must be 0 or 1"}},
		{"template capture", "- name: a\n  type: mqtt\n  broker: tcp://h:1\n  mappings:\n    - {topic: 'p/{asset}', series: '{asset}.{sensor}'}\n",
			[]string{"mapping 1 (line 5)", "{sensor}", "does not capture"}},
		{"wildcard in level", "- {name: a, type: mqtt, broker: 'tcp://h:1', mappings: [{topic: 'p/x+', series: s}]}\n", []string{"mixes a wildcard"}},
		{"hash not last", "- {name: a, type: mqtt, broker: 'tcp://h:1', mappings: [{topic: 'p/#/x', series: s}]}\n", []string{"# must be the last level"}},
		{"fields without {field}", "- {name: a, type: mqtt, broker: 'tcp://h:1', mappings: [{topic: 'p/{asset}', fields: v, series: '{asset}.x'}]}\n", []string{"must contain {field}"}},
		{"json keys on plain", "- {name: a, type: mqtt, broker: 'tcp://h:1', mappings: [{topic: t, payload: plain, timestamp: ts, series: s}]}\n", []string{"set payload: json"}},
		{"no mappings", "- {name: a, type: mqtt, broker: 'tcp://h:1'}\n", []string{"at least one mapping"}},
		{"node id", "- {name: a, type: opcua, endpoint: 'opc.tcp://h:1', nodes: [{node: 'ns=x;q=1', series: x}]}\n", []string{"node 1", "not a node id"}},
		{"endpoint", "- {name: a, type: opcua, endpoint: 'tcp://h:1', nodes: [{node: 'i=1', series: x}]}\n", []string{"opc.tcp://host:4840"}},
		{"password file", "- {name: a, type: opcua, endpoint: 'opc.tcp://h:1', password_file: /nonexistent/pw, nodes: [{node: 'i=1', series: x}]}\n", []string{"password_file", "/nonexistent/pw"}},
		{"batch over queue", "- {name: a, type: opcua, endpoint: 'opc.tcp://h:1', queue_points: 10, batch_points: 20, nodes: [{node: 'i=1', series: x}]}\n", []string{"batch_points (20)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, problems := config.ParseConnectors([]byte(tt.yml))
			require.NotEmpty(t, problems)
			all := ""
			for _, p := range problems {
				all += p + "\n"
			}
			for _, w := range tt.want {
				require.Contains(t, all, w)
			}
		})
	}
}

func TestConnectorProblemsFailConfigLoad(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{"GEMBA_CONNECTORS": "- {name: a, type: mqtt}"}))
	var verr *config.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Contains(t, err.Error(), "GEMBA_CONNECTORS")
	require.Contains(t, err.Error(), "broker")
}
