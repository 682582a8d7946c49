package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/gopcua/opcua/ua"
	"gopkg.in/yaml.v3"
)

// Connector types, as written in Connector.Type.
const (
	// ConnectorMQTT subscribes to topics of an MQTT broker (3.1.1).
	ConnectorMQTT = "mqtt"
	// ConnectorOPCUA subscribes to nodes of an OPC UA server.
	ConnectorOPCUA = "opcua"
)

// Payload formats of an MQTT mapping.
const (
	// PayloadPlain is a number in text ("21.5"), stamped on arrival.
	PayloadPlain = "plain"
	// PayloadJSON is a JSON document read by paths.
	PayloadJSON = "json"
)

// Connector is one live data source: an MQTT broker or an OPC UA server,
// and how its messages or nodes map to plant series. It is the type the
// plant model (plant.yaml, "connectors:") embeds; until that exists it is
// read from GEMBA_CONNECTORS (usually GEMBA_CONNECTORS_FILE). Secrets are
// referenced by file (PasswordFile) and read when the configuration loads.
type Connector struct {
	// Name identifies the connector in metrics, logs and the status page
	// (lower-case letters, digits and dashes).
	Name string `yaml:"name" json:"name"`
	// Type is ConnectorMQTT or ConnectorOPCUA.
	Type string `yaml:"type" json:"type"`

	// Broker is the MQTT broker URL: tcp://host:1883, ssl://host:8883 or
	// ws://host/mqtt.
	Broker string `yaml:"broker,omitempty" json:"broker,omitempty"`
	// ClientID names Gemba's persistent session at the broker (default
	// "gemba-" + Name). Two processes with the same id take the session
	// from each other: run a connector on one replica, or give each its
	// own id and a ShareGroup.
	ClientID string `yaml:"client_id,omitempty" json:"client_id,omitempty"`
	// CleanSession drops the broker-side session on connect (default
	// false: the broker keeps QoS 1 messages while Gemba is away).
	CleanSession bool `yaml:"clean_session,omitempty" json:"clean_session,omitempty"`
	// QoS is the subscription's quality of service, 0 or 1 (default 1).
	QoS *int `yaml:"qos,omitempty" json:"qos,omitempty"`
	// ShareGroup subscribes as a member of an MQTT shared subscription
	// ($share/<group>/<filter>), so several replicas split the stream.
	ShareGroup string `yaml:"share_group,omitempty" json:"share_group,omitempty"`
	// KeepAlive is the MQTT keep-alive interval (default 30s).
	KeepAlive time.Duration `yaml:"keepalive,omitempty" json:"keepalive,omitempty"`
	// CAFile is a PEM bundle to trust for ssl:// brokers (default: the
	// system roots).
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// Mappings map topics to series (MQTT).
	Mappings []TopicMapping `yaml:"mappings,omitempty" json:"mappings,omitempty"`

	// Endpoint is the OPC UA endpoint URL: opc.tcp://host:4840/path.
	Endpoint string `yaml:"endpoint,omitempty" json:"endpoint,omitempty"`
	// SecurityPolicy is None (default), Basic256Sha256, … (OPC UA).
	SecurityPolicy string `yaml:"security_policy,omitempty" json:"security_policy,omitempty"`
	// SecurityMode is None (default), Sign or SignAndEncrypt (OPC UA).
	SecurityMode string `yaml:"security_mode,omitempty" json:"security_mode,omitempty"`
	// CertFile and KeyFile are the client certificate and key for a
	// secured OPC UA channel.
	CertFile string `yaml:"cert_file,omitempty" json:"cert_file,omitempty"`
	KeyFile  string `yaml:"key_file,omitempty" json:"key_file,omitempty"`
	// Interval is the OPC UA publishing and sampling interval (default 1s).
	Interval time.Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	// Nodes map OPC UA node ids to series.
	Nodes []NodeMapping `yaml:"nodes,omitempty" json:"nodes,omitempty"`

	// Username authenticates to the broker or server.
	Username string `yaml:"username,omitempty" json:"username,omitempty"`
	// PasswordFile names a file holding the password (a mounted secret);
	// the file is read when the configuration loads.
	PasswordFile string `yaml:"password_file,omitempty" json:"password_file,omitempty"`
	// Password is the password read from PasswordFile (never from the
	// YAML itself, so connector files can be committed).
	Password string `yaml:"-" json:"-"`

	// ReconnectMax caps the backoff between reconnection attempts
	// (default 10s; attempts start at 100ms and double).
	ReconnectMax time.Duration `yaml:"reconnect_max,omitempty" json:"reconnect_max,omitempty"`
	// QueuePoints bounds the points held in memory between the source and
	// the database (default 100,000). When it is full the connector stops
	// reading: MQTT messages stay unacknowledged at the broker.
	QueuePoints int `yaml:"queue_points,omitempty" json:"queue_points,omitempty"`
	// BatchPoints is the largest write (default 5,000 points).
	BatchPoints int `yaml:"batch_points,omitempty" json:"batch_points,omitempty"`
	// FlushInterval is how long a partial batch waits for more points
	// (default 2ms; a busy connector batches what arrived during the previous write anyway).
	FlushInterval time.Duration `yaml:"flush_interval,omitempty" json:"flush_interval,omitempty"`
	// CreateSeries creates a series the first time a point maps to an
	// unknown name (default true); false drops such points and counts
	// them as errors, for plants whose series are all declared.
	CreateSeries *bool `yaml:"create_series,omitempty" json:"create_series,omitempty"`

	// Line is where the connector was defined in its file (for errors).
	Line int `yaml:"-" json:"-"`
}

// TopicMapping maps the MQTT messages of a topic pattern to series.
type TopicMapping struct {
	// Topic is a pattern of '/'-separated levels: a literal, + (any one
	// level), # (any rest, last only) or {name} (any one level, captured
	// for the Series template), e.g. plant/{line}/{asset}/{sensor}.
	Topic string `yaml:"topic" json:"topic"`
	// Series is the series name template, e.g. "{asset}.{sensor}";
	// {field} is the JSON field name when Fields is used.
	Series string `yaml:"series,omitempty" json:"series,omitempty"`
	// Payload is PayloadPlain (default) or PayloadJSON.
	Payload string `yaml:"payload,omitempty" json:"payload,omitempty"`
	// Records is the path of an array of records in a JSON payload (each
	// record read like a whole payload); empty: the payload is one record.
	Records string `yaml:"records,omitempty" json:"records,omitempty"`
	// Timestamp is the path of the record's timestamp: RFC 3339 text or
	// Unix time as a number (seconds, ms, µs or ns, told by magnitude).
	// Empty: the time of arrival.
	Timestamp string `yaml:"timestamp,omitempty" json:"timestamp,omitempty"`
	// Value is the path of the record's one value (default "value" for
	// JSON when neither Fields nor Values is given).
	Value string `yaml:"value,omitempty" json:"value,omitempty"`
	// Fields is the path of an object whose every numeric member is a
	// value of the series Series with {field} set to its name ("" with
	// Fields: "." for the record itself).
	Fields string `yaml:"fields,omitempty" json:"fields,omitempty"`
	// Values lists several values of a record, each with its own series.
	Values []ValueMapping `yaml:"values,omitempty" json:"values,omitempty"`
	// Unit is stored with series created by this mapping.
	Unit string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// Line is where the mapping was defined in its file.
	Line int `yaml:"-" json:"-"`
}

// ValueMapping is one value of a JSON record and its series template.
type ValueMapping struct {
	// Path of the value in the record, e.g. data.temperature.
	Path string `yaml:"path" json:"path"`
	// Series is the series name template.
	Series string `yaml:"series" json:"series"`
	// Unit is stored with a series created by this mapping.
	Unit string `yaml:"unit,omitempty" json:"unit,omitempty"`
}

// NodeMapping maps one OPC UA node to a series.
type NodeMapping struct {
	// Node is the node id, e.g. ns=2;s=Press1.Temperature or ns=3;i=1042.
	Node string `yaml:"node" json:"node"`
	// Series is the series name, e.g. press-1.temperature.
	Series string `yaml:"series" json:"series"`
	// Unit is stored with the series if Gemba creates it.
	Unit string `yaml:"unit,omitempty" json:"unit,omitempty"`
}

// Defaults of a connector, applied by ParseConnectors.
const (
	DefaultConnectorQueuePoints   = 100_000
	DefaultConnectorBatchPoints   = 5_000
	DefaultConnectorFlushInterval = 2 * time.Millisecond
	DefaultConnectorReconnectMax  = 10 * time.Second
	DefaultMQTTKeepAlive          = 30 * time.Second
	DefaultOPCUAInterval          = time.Second
)

var (
	connectorNameRe  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	placeholderRe    = regexp.MustCompile(`\{([^{}]*)\}`)
	captureNameRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	jsonPathSegRe    = regexp.MustCompile(`^[^.\s]+$`)
	mqttBrokerScheme = map[string]bool{"tcp": true, "mqtt": true, "ssl": true, "tls": true, "mqtts": true, "ws": true, "wss": true}
)

// ParseConnectors reads a YAML (or JSON) list of connectors, or a document
// with a "connectors:" list, applies the defaults, reads password files,
// and returns every problem found, each naming the line, the connector and
// the field. Unknown keys are refused, so a misspelt "mapping:" does not
// silently map nothing.
func ParseConnectors(data []byte) ([]Connector, []string) {
	if strings.TrimSpace(string(data)) == "" {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []string{"not YAML: " + err.Error()}
	}
	list := &doc
	if list.Kind == yaml.DocumentNode && len(list.Content) == 1 {
		list = list.Content[0]
	}
	if list.Kind == yaml.MappingNode {
		var found *yaml.Node
		for i := 0; i+1 < len(list.Content); i += 2 {
			if list.Content[i].Value == "connectors" {
				found = list.Content[i+1]
			} else {
				return nil, []string{fmt.Sprintf("line %d: unknown key %q (expected connectors:)", list.Content[i].Line, list.Content[i].Value)}
			}
		}
		if found == nil {
			return nil, nil
		}
		list = found
	}
	return ParseConnectorList(list)
}

// ParseConnectorList reads a YAML sequence node of connectors, as
// ParseConnectors does for a whole document: the plant model (plant.yaml,
// internal/plant/model) hands it its "connectors:" node, so that its
// problems name the lines of that file.
func ParseConnectorList(list *yaml.Node) ([]Connector, []string) {
	if list.Kind != yaml.SequenceNode {
		return nil, []string{fmt.Sprintf("line %d: expected a list of connectors", list.Line)}
	}
	var problems []string
	out := make([]Connector, 0, len(list.Content))
	seen := map[string]bool{}
	for i, n := range list.Content {
		var c Connector
		if err := decodeStrict(n, &c); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: connector %d: %s", n.Line, i+1, yamlErr(err)))
			continue
		}
		c.Line = n.Line
		attachMappingLines(n, &c)
		problems = append(problems, c.check(i+1, seen)...)
		out = append(out, c)
	}
	return out, problems
}

// decodeStrict decodes n into v refusing unknown keys (yaml.v3 checks
// known fields only through a Decoder, so re-encode the node).
func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// yamlErr drops the "yaml: unmarshal errors:" preamble and the line
// numbers of the re-encoded node, which do not match the file.
func yamlErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	s = regexp.MustCompile(`line \d+: `).ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// attachMappingLines records the file line of each mapping.
func attachMappingLines(n *yaml.Node, c *Connector) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "mappings" {
			continue
		}
		for j, m := range n.Content[i+1].Content {
			if j < len(c.Mappings) {
				c.Mappings[j].Line = m.Line
			}
		}
	}
}

func (c *Connector) check(idx int, seen map[string]bool) []string {
	var problems []string
	where := fmt.Sprintf("line %d: connector %d", c.Line, idx)
	if c.Name != "" {
		where = fmt.Sprintf("line %d: connector %q", c.Line, c.Name)
	}
	bad := func(format string, a ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, a...)) }
	switch {
	case !connectorNameRe.MatchString(c.Name):
		bad("name must be lower-case letters, digits and dashes, starting with a letter (e.g. line-1-mqtt)")
	case seen[c.Name]:
		bad("name is used twice")
	}
	seen[c.Name] = true
	c.applyDefaults()
	if c.QueuePoints < 1 || c.BatchPoints < 1 {
		bad("queue_points and batch_points must be positive")
	}
	if c.BatchPoints > c.QueuePoints {
		bad("batch_points (%d) must not exceed queue_points (%d)", c.BatchPoints, c.QueuePoints)
	}
	if c.FlushInterval < 0 || c.ReconnectMax < 0 || c.KeepAlive < 0 || c.Interval < 0 {
		bad("durations must be positive")
	}
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			bad("password_file: cannot read %s: %v", c.PasswordFile, errors.Unwrap(err))
		}
		c.Password = strings.TrimRight(string(b), "\r\n")
	}
	switch c.Type {
	case ConnectorMQTT:
		problems = append(problems, c.checkMQTT(where)...)
	case ConnectorOPCUA:
		problems = append(problems, c.checkOPCUA(where)...)
	default:
		bad("type %q is not %s or %s", c.Type, ConnectorMQTT, ConnectorOPCUA)
	}
	return problems
}

func (c *Connector) applyDefaults() {
	if c.QueuePoints == 0 {
		c.QueuePoints = DefaultConnectorQueuePoints
	}
	if c.BatchPoints == 0 {
		c.BatchPoints = min(DefaultConnectorBatchPoints, c.QueuePoints)
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = DefaultConnectorFlushInterval
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = DefaultConnectorReconnectMax
	}
	if c.CreateSeries == nil {
		t := true
		c.CreateSeries = &t
	}
	switch c.Type {
	case ConnectorMQTT:
		if c.ClientID == "" {
			c.ClientID = "gemba-" + c.Name
		}
		if c.QoS == nil {
			q := 1
			c.QoS = &q
		}
		if c.KeepAlive == 0 {
			c.KeepAlive = DefaultMQTTKeepAlive
		}
	case ConnectorOPCUA:
		if c.Interval == 0 {
			c.Interval = DefaultOPCUAInterval
		}
		if c.SecurityPolicy == "" {
			c.SecurityPolicy = "None"
		}
		if c.SecurityMode == "" {
			c.SecurityMode = "None"
		}
	}
}

func (c *Connector) checkMQTT(where string) []string {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, a...)) }
	if u, err := url.Parse(c.Broker); err != nil || !mqttBrokerScheme[u.Scheme] || u.Host == "" {
		bad("broker %q must be a URL such as tcp://host:1883 or ssl://host:8883", c.Broker)
	}
	if *c.QoS != 0 && *c.QoS != 1 {
		bad("qos must be 0 or 1 (QoS 1: at least once, acknowledged after the write)")
	}
	if c.ShareGroup != "" && strings.ContainsAny(c.ShareGroup, "/+#") {
		bad("share_group must not contain /, + or #")
	}
	if len(c.Nodes) > 0 || c.Endpoint != "" {
		bad("nodes and endpoint belong to opcua connectors")
	}
	if len(c.Mappings) == 0 {
		bad("needs at least one mapping (topic → series)")
	}
	for j, m := range c.Mappings {
		mw := fmt.Sprintf("%s: mapping %d (line %d)", where, j+1, m.Line)
		problems = append(problems, m.check(mw)...)
		c.Mappings[j] = m
	}
	return problems
}

// Captures returns the names of the {name} levels of the topic pattern.
func (m TopicMapping) Captures() []string {
	var out []string
	for _, lvl := range strings.Split(m.Topic, "/") {
		if len(lvl) > 2 && lvl[0] == '{' && lvl[len(lvl)-1] == '}' {
			out = append(out, lvl[1:len(lvl)-1])
		}
	}
	return out
}

func (m *TopicMapping) check(where string) []string {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, a...)) }
	if m.Payload == "" {
		m.Payload = PayloadPlain
		if m.Records != "" || m.Timestamp != "" || m.Value != "" || m.Fields != "" || len(m.Values) > 0 {
			m.Payload = PayloadJSON
		}
	}
	levels := strings.Split(m.Topic, "/")
	names := map[string]bool{}
	if strings.TrimSpace(m.Topic) == "" {
		bad("topic is empty")
	}
	for i, lvl := range levels {
		switch {
		case lvl == "#":
			if i != len(levels)-1 {
				bad("topic %q: # must be the last level", m.Topic)
			}
		case lvl == "+":
		case strings.HasPrefix(lvl, "{") && strings.HasSuffix(lvl, "}"):
			name := lvl[1 : len(lvl)-1]
			if !captureNameRe.MatchString(name) || name == "field" {
				bad("topic %q: {%s} must be a name of letters, digits and _ (not field)", m.Topic, name)
			}
			if names[name] {
				bad("topic %q: {%s} is captured twice", m.Topic, name)
			}
			names[name] = true
		case strings.ContainsAny(lvl, "+#{}"):
			bad("topic %q: level %q mixes a wildcard with text (use a whole level: +, # or {name})", m.Topic, lvl)
		}
	}
	checkTemplate := func(field, tmpl string, withField bool) {
		if strings.TrimSpace(tmpl) == "" {
			bad("%s is empty (a series name template such as \"{asset}.{sensor}\")", field)
			return
		}
		for _, ph := range placeholderRe.FindAllStringSubmatch(tmpl, -1) {
			if ph[1] == "field" && withField {
				continue
			}
			if !names[ph[1]] {
				bad("%s %q uses {%s}, which the topic %q does not capture", field, tmpl, ph[1], m.Topic)
			}
		}
	}
	checkPath := func(field, p string) {
		if p == "" || p == "." {
			return
		}
		for _, seg := range strings.Split(p, ".") {
			if !jsonPathSegRe.MatchString(seg) {
				bad("%s %q is not a path such as data.temperature", field, p)
				return
			}
		}
	}
	switch m.Payload {
	case PayloadPlain:
		if m.Records != "" || m.Timestamp != "" || m.Value != "" || m.Fields != "" || len(m.Values) > 0 {
			bad("records, timestamp, value, fields and values read JSON payloads: set payload: json")
		}
		checkTemplate("series", m.Series, false)
	case PayloadJSON:
		checkPath("records", m.Records)
		checkPath("timestamp", m.Timestamp)
		modes := 0
		if m.Value != "" {
			modes++
			checkPath("value", m.Value)
		}
		if m.Fields != "" {
			modes++
			checkPath("fields", m.Fields)
		}
		if len(m.Values) > 0 {
			modes++
		}
		if modes > 1 {
			bad("give one of value, fields or values")
		}
		if modes == 0 {
			m.Value = "value"
		}
		if len(m.Values) > 0 {
			if m.Series != "" {
				bad("series belongs to each entry of values")
			}
			for k, v := range m.Values {
				checkPath(fmt.Sprintf("values[%d].path", k), v.Path)
				if v.Path == "" {
					bad("values[%d].path is empty", k)
				}
				checkTemplate(fmt.Sprintf("values[%d].series", k), v.Series, false)
			}
		} else {
			checkTemplate("series", m.Series, m.Fields != "")
			if m.Fields != "" && !strings.Contains(m.Series, "{field}") {
				bad("series %q must contain {field} when fields is used", m.Series)
			}
		}
	default:
		bad("payload %q is not %s or %s", m.Payload, PayloadPlain, PayloadJSON)
	}
	return problems
}

func (c *Connector) checkOPCUA(where string) []string {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, a...)) }
	if u, err := url.Parse(c.Endpoint); err != nil || u.Scheme != "opc.tcp" || u.Host == "" {
		bad("endpoint %q must be a URL such as opc.tcp://host:4840", c.Endpoint)
	}
	if len(c.Mappings) > 0 || c.Broker != "" {
		bad("mappings and broker belong to mqtt connectors")
	}
	switch c.SecurityMode {
	case "None", "Sign", "SignAndEncrypt":
	default:
		bad("security_mode %q is not None, Sign or SignAndEncrypt", c.SecurityMode)
	}
	if (c.SecurityMode != "None") != (c.SecurityPolicy != "None") {
		bad("security_policy %s and security_mode %s do not go together", c.SecurityPolicy, c.SecurityMode)
	}
	if c.SecurityMode != "None" && (c.CertFile == "" || c.KeyFile == "") {
		bad("a secured channel needs cert_file and key_file")
	}
	if len(c.Nodes) == 0 {
		bad("needs at least one node (node id → series)")
	}
	seen := map[string]int{}
	for j, n := range c.Nodes {
		nw := fmt.Sprintf("node %d", j+1)
		if _, err := ua.ParseNodeID(n.Node); err != nil {
			bad("%s: %q is not a node id such as ns=2;s=Press1.Temperature", nw, n.Node)
		}
		if prev, ok := seen[n.Node]; ok {
			bad("%s: %s is already mapped by node %d", nw, n.Node, prev)
		}
		seen[n.Node] = j + 1
		if strings.TrimSpace(n.Series) == "" {
			bad("%s: series is empty", nw)
		}
	}
	return problems
}

// connectors reads GEMBA_CONNECTORS (usually through GEMBA_CONNECTORS_FILE).
func (l *loader) connectors(name string) []Connector {
	out, problems := ParseConnectors([]byte(l.raw(name)))
	for _, p := range problems {
		l.bad(name, p)
	}
	return out
}
