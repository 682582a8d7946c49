package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MCPConfig is the Model Context Protocol side of Gemba: the token of its
// own MCP endpoint and the external MCP servers its agent may call.
type MCPConfig struct {
	// Token protects /mcp (GEMBA_MCP_TOKEN). It is separate from
	// GEMBA_CONSOLE_TOKEN: an MCP client holds it in a config file on an
	// engineer's laptop, and leaking it must not open the console.
	Token string
	// Servers are the external MCP servers (GEMBA_MCP_SERVERS or
	// GEMBA_MCP_SERVERS_FILE), connected when the agent is built.
	Servers []MCPServer
}

// MCPServer is one external MCP server whose tools join the agent's tool
// list (LLM path only), each named Prefix + the server's tool name.
type MCPServer struct {
	// Name identifies the server in traces and the audit trail, e.g. cmms.
	Name string `yaml:"name"`
	// Command starts a local server speaking MCP over stdio (argv, no shell).
	Command []string `yaml:"command"`
	// Env adds variables to the command's environment.
	Env map[string]string `yaml:"env"`
	// URL reaches a server over streamable HTTP.
	URL string `yaml:"url"`
	// Headers are sent with every HTTP request (e.g. Authorization).
	Headers map[string]string `yaml:"headers"`
	// Tools are the server's tools the agent may call; ["*"] allows all.
	// A list is required so a server that grows a tool does not hand it to
	// the model unreviewed.
	Tools []string `yaml:"tools"`
	// Timeout bounds connecting and each call (default 10s); a call is also
	// bounded by GEMBA_AGENT_TOOL_TIMEOUT, whichever is shorter.
	Timeout time.Duration `yaml:"timeout"`
	// Prefix starts the name of each of its tools as the model sees them
	// (default Name + "_"), so they cannot pose as Gemba's own.
	Prefix string `yaml:"prefix"`
}

// DefaultMCPTimeout bounds connecting to an external MCP server and each
// call to it when its entry names no timeout.
const DefaultMCPTimeout = 10 * time.Second

var (
	mcpNameRe   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
	mcpPrefixRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,31}$`)
)

// mcpServers reads and validates the list of external MCP servers. YAML is
// a superset of JSON, so either form works; unknown keys are refused, so a
// misspelt "tool:" does not silently allow nothing.
func (l *loader) mcpServers(name string) []MCPServer {
	raw := l.raw(name)
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var out []MCPServer
	dec := yaml.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		l.bad(name, "is not a YAML or JSON list of servers: "+err.Error())
		return nil
	}
	seen := map[string]bool{}
	for i := range out {
		s := &out[i]
		where := fmt.Sprintf("%s: server %d", name, i+1)
		if s.Name != "" {
			where = fmt.Sprintf("%s: server %q", name, s.Name)
		}
		switch {
		case !mcpNameRe.MatchString(s.Name):
			l.problems = append(l.problems, where+": name must be lower-case letters, digits and dashes, starting with a letter (e.g. cmms)")
		case seen[s.Name]:
			l.problems = append(l.problems, where+": name is used twice")
		}
		seen[s.Name] = true
		switch {
		case len(s.Command) == 0 && s.URL == "":
			l.problems = append(l.problems, where+": needs a command (a local server over stdio) or a url (streamable HTTP)")
		case len(s.Command) > 0 && s.URL != "":
			l.problems = append(l.problems, where+": give a command or a url, not both")
		case s.URL != "":
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				l.problems = append(l.problems, fmt.Sprintf("%s: url %q is not an http(s) URL", where, s.URL))
			}
		case strings.TrimSpace(s.Command[0]) == "":
			l.problems = append(l.problems, where+": command starts with an empty program name")
		}
		if len(s.Tools) == 0 {
			l.problems = append(l.problems, where+`: list the tools the agent may call under "tools" (["*"] allows all)`)
		}
		if s.Timeout < 0 {
			l.problems = append(l.problems, where+": timeout must be positive")
		}
		if s.Timeout == 0 {
			s.Timeout = DefaultMCPTimeout
		}
		if s.Prefix == "" && s.Name != "" {
			s.Prefix = s.Name + "_"
		}
		if s.Prefix != "" && !mcpPrefixRe.MatchString(s.Prefix) {
			l.problems = append(l.problems, fmt.Sprintf("%s: prefix %q must be letters, digits, _ or -, starting with a letter", where, s.Prefix))
		}
	}
	return out
}

// AllowsTool reports whether the agent may call the server's tool name.
func (s MCPServer) AllowsTool(name string) bool {
	for _, t := range s.Tools {
		if t == "*" || t == name {
			return true
		}
	}
	return false
}
