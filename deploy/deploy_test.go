// Package deploy_test checks the deployment artefacts — the Dockerfile,
// deploy/compose.yaml and the Helm chart's values — without Docker, Helm or a
// cluster, so a regression is caught by `go test` alone. deploy/check.sh adds
// helm lint and helm template on top.
package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/config"
)

// repoRoot is the repository root as seen from this package's directory.
const repoRoot = ".."

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, path))
	require.NoError(t, err)
	return b
}

// knownVar reports whether name (or the variable a NAME_FILE reads) is one
// of the variables Gemba reads.
func knownVar(name string) bool {
	name = strings.TrimSuffix(name, "_FILE")
	return slices.ContainsFunc(config.Vars, func(v config.Var) bool { return v.Name == name })
}

var gembaVarRE = regexp.MustCompile(`\bGEMBA_[A-Z0-9_]*[A-Z0-9]\b`)

// composeOnlyVars are substitution variables of compose.yaml itself (and
// documented in the README); they configure Compose, not Gemba.
var composeOnlyVars = []string{"GEMBA_IMAGE", "GEMBA_VERSION", "GEMBA_PORT", "GEMBA_POSTGRES_PASSWORD", "GEMBA_POSTGRES_PORT"}

// TestArtefactsNameOnlyKnownVariables catches a misspelt or renamed GEMBA_*
// variable anywhere in the artefacts: Gemba would silently ignore it.
func TestArtefactsNameOnlyKnownVariables(t *testing.T) {
	t.Parallel()
	files := []string{"Dockerfile", "deploy/compose.yaml", "deploy/README.md", "deploy/helm/gemba/values.yaml"}
	tpls, err := filepath.Glob(filepath.Join(repoRoot, "deploy/helm/gemba/templates/*"))
	require.NoError(t, err)
	require.NotEmpty(t, tpls)
	for _, p := range tpls {
		rel, err := filepath.Rel(repoRoot, p)
		require.NoError(t, err)
		files = append(files, rel)
	}
	ci, err := filepath.Glob(filepath.Join(repoRoot, "deploy/helm/ci-values/*.yaml"))
	require.NoError(t, err)
	for _, p := range ci {
		rel, err := filepath.Rel(repoRoot, p)
		require.NoError(t, err)
		files = append(files, rel)
	}
	// The deploy scripts' own settings (GEMBA_IMAGE_BASES, ...) configure the
	// scripts, not Gemba; the README may name them.
	var scriptVars []string
	scripts, err := filepath.Glob(filepath.Join(repoRoot, "deploy/*.sh"))
	require.NoError(t, err)
	locals, err := filepath.Glob(filepath.Join(repoRoot, "deploy/local/*.sh"))
	require.NoError(t, err)
	for _, p := range append(scripts, locals...) {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		scriptVars = append(scriptVars, gembaVarRE.FindAllString(string(b), -1)...)
	}
	for _, f := range files {
		for _, name := range gembaVarRE.FindAllString(string(readFile(t, f)), -1) {
			if (f == "deploy/compose.yaml" || f == "deploy/README.md") && slices.Contains(composeOnlyVars, name) {
				continue
			}
			if f == "deploy/README.md" && slices.Contains(scriptVars, name) {
				continue
			}
			require.Truef(t, knownVar(name), "%s names %s, which is not in config.Vars", f, name)
		}
	}
}

// compose is the part of the Compose file format the tests look at.
type compose struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Command     []string          `yaml:"command"`
		Profiles    []string          `yaml:"profiles"`
		Environment map[string]string `yaml:"environment"`
		EnvFile     []struct {
			Path     string `yaml:"path"`
			Required *bool  `yaml:"required"`
		} `yaml:"env_file"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Ports       []string `yaml:"ports"`
		Volumes     []string `yaml:"volumes"`
		ReadOnly    bool     `yaml:"read_only"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestCompose(t *testing.T) {
	t.Parallel()
	var c compose
	require.NoError(t, yaml.Unmarshal(readFile(t, "deploy/compose.yaml"), &c), "compose.yaml must parse (with its merge keys)")
	require.Subset(t, keys(c.Services), []string{"postgres", "migrate", "gemba", "seed", "ollama"})

	pg := c.Services["postgres"]
	require.Equal(t, "pgvector/pgvector:pg16", pg.Image)
	require.NotNil(t, pg.Healthcheck)
	require.Contains(t, strings.Join(pg.Healthcheck.Test, " "), "pg_isready")
	require.NotEmpty(t, pg.Volumes)
	vol, _, _ := strings.Cut(pg.Volumes[0], ":")
	require.Contains(t, c.Volumes, vol, "the database lives on a named volume")
	for _, p := range pg.Ports {
		require.True(t, strings.HasPrefix(p, "127.0.0.1:"), "Postgres is published on loopback only, got %q", p)
	}
	require.Empty(t, pg.Profiles, "postgres runs without a profile")

	for _, name := range []string{"migrate", "gemba", "seed"} {
		s := c.Services[name]
		require.NotNilf(t, s.Build, "%s builds the image", name)
		require.Equal(t, "..", s.Build.Context, "%s builds from the repository root", name)
		require.FileExists(t, filepath.Join(repoRoot, s.Build.Dockerfile))
		require.Equal(t, "postgres:5432", hostOf(t, s.Environment["GEMBA_DATABASE_URL"]), "%s talks to the postgres service", name)
		require.Equal(t, "0.0.0.0:8080", s.Environment["GEMBA_HTTP_ADDR"], "%s must listen on all interfaces in its container", name)
		require.Len(t, s.EnvFile, 1)
		require.Equal(t, ".env", s.EnvFile[0].Path)
		require.NotNil(t, s.EnvFile[0].Required)
		require.False(t, *s.EnvFile[0].Required, "deploy/.env is optional")
		require.Equal(t, "service_healthy", s.DependsOn["postgres"].Condition)
		require.True(t, s.ReadOnly, "%s runs on a read-only root filesystem", name)
	}
	require.Equal(t, []string{"migrate", "up"}, c.Services["migrate"].Command)
	require.Empty(t, c.Services["migrate"].Profiles)

	gemba := c.Services["gemba"]
	require.Equal(t, []string{"serve"}, gemba.Command)
	require.Empty(t, gemba.Profiles)
	require.Equal(t, "service_completed_successfully", gemba.DependsOn["migrate"].Condition)
	require.True(t, slices.ContainsFunc(gemba.Ports, func(p string) bool { return strings.HasSuffix(p, ":8080") }), "gemba publishes 8080: %v", gemba.Ports)

	seed := c.Services["seed"]
	require.Equal(t, []string{"demo", "seed"}, seed.Command)
	require.Equal(t, []string{"demo"}, seed.Profiles)
	require.Equal(t, "service_completed_successfully", seed.DependsOn["migrate"].Condition)

	ollama := c.Services["ollama"]
	require.True(t, strings.HasPrefix(ollama.Image, "ollama/ollama"), ollama.Image)
	require.Equal(t, []string{"llm"}, ollama.Profiles)
	require.NotNil(t, ollama.Healthcheck)

	// The documented way to reach Ollama: the openai provider at its /v1.
	text := string(readFile(t, "deploy/compose.yaml"))
	require.Contains(t, text, "GEMBA_LLM_PROVIDER=openai")
	require.Contains(t, text, "GEMBA_LLM_BASE_URL=http://ollama:11434/v1")
}

func hostOf(t *testing.T, url string) string {
	t.Helper()
	_, rest, ok := strings.Cut(url, "@")
	require.Truef(t, ok, "URL %q has credentials", url)
	host, _, _ := strings.Cut(rest, "/")
	return host
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
}

func parseDockerfile(t *testing.T, src []byte) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	require.Zero(t, cur.Len(), "the Dockerfile ends inside a continued instruction")
	return out
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t, readFile(t, "Dockerfile"))

	// Global ARGs (before the first FROM) may name the images.
	args := map[string]string{}
	var froms []string
	var final []instruction // the instructions of the last stage
	for _, in := range ins {
		switch in.cmd {
		case "ARG":
			if len(froms) == 0 {
				name, def, _ := strings.Cut(in.args, "=")
				args[name] = def
			}
		case "FROM":
			froms = append(froms, in.args)
			final = nil
		}
		final = append(final, in)
	}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { return args[k] })
	}
	require.GreaterOrEqual(t, len(froms), 2, "multi-stage build")

	// Build stage: the Go version of go.mod, static, trimmed, versioned.
	build := strings.Fields(expand(froms[0]))
	build = slices.DeleteFunc(build, func(f string) bool { return strings.HasPrefix(f, "--platform") })
	require.Equal(t, "golang:"+goMajorMinor(t)+"-bookworm", build[0], "the build image follows go.mod")
	var goBuild string
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = in.args
		}
	}
	require.NotEmpty(t, goBuild, "a RUN go build")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w", "-X github.com/gemba-ai/gemba/internal/app.Version=${VERSION}", "./cmd/gemba", "--mount=type=cache"} {
		require.Contains(t, goBuild, want)
	}
	require.Contains(t, string(readFile(t, "internal/app/version.go")), "var Version =", "the -X target must exist")

	// Final stage: distroless static, non-root, /gemba serve.
	require.Equal(t, "gcr.io/distroless/static-debian12:nonroot", expand(froms[len(froms)-1]))
	got := map[string][]string{}
	for _, in := range final {
		got[in.cmd] = append(got[in.cmd], in.args)
	}
	require.NotContains(t, got, "RUN", "the final stage has no shell to RUN with")
	require.NotContains(t, got, "HEALTHCHECK", "distroless has no shell or curl; orchestrators probe /healthz and /readyz")
	if u, ok := got["USER"]; ok {
		require.Contains(t, []string{"nonroot", "nonroot:nonroot", "65532", "65532:65532"}, u[len(u)-1])
	}
	require.Equal(t, []string{`["/gemba"]`}, got["ENTRYPOINT"])
	require.Equal(t, []string{`["serve"]`}, got["CMD"])
	require.Equal(t, []string{"8080"}, got["EXPOSE"])
	require.Contains(t, got["COPY"], "--from=build /out/gemba /gemba")
	require.Contains(t, strings.Join(got["ENV"], " "), "GEMBA_HTTP_ADDR=0.0.0.0:8080")
}

// goMajorMinor reads "1.26" from go.mod's go directive.
func goMajorMinor(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readFile(t, "go.mod"))
	require.NotNil(t, m, "go.mod has a go directive")
	return string(m[1])
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	var patterns []string
	for _, l := range strings.Split(string(readFile(t, ".dockerignore")), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, strings.TrimSuffix(l, "/"))
		}
	}
	for _, p := range []string{".git", "bin", ".env", "**/.env"} {
		require.Contains(t, patterns, p, "the build context must leave out %s", p)
	}
	// What the build needs must stay in the context.
	for _, need := range []string{"go.mod", "go.sum", "cmd", "internal", "bot", "rag", "tools", "migrations"} {
		for _, p := range patterns {
			match, err := filepath.Match(p, need)
			require.NoError(t, err)
			require.Falsef(t, match || p == need || p == "*", "pattern %q excludes %s, which the build needs", p, need)
		}
	}
}

func TestChart(t *testing.T) {
	t.Parallel()
	var chart struct {
		APIVersion  string `yaml:"apiVersion"`
		Name        string `yaml:"name"`
		Version     string `yaml:"version"`
		AppVersion  string `yaml:"appVersion"`
		KubeVersion string `yaml:"kubeVersion"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, "deploy/helm/gemba/Chart.yaml"), &chart))
	require.Equal(t, "v2", chart.APIVersion)
	require.Equal(t, "gemba", chart.Name)
	require.Regexp(t, `^\d+\.\d+\.\d+`, chart.Version)
	require.Regexp(t, `^\d+\.\d+\.\d+`, chart.AppVersion)
	require.NotEmpty(t, chart.KubeVersion)

	for _, tpl := range []string{"_helpers.tpl", "deployment.yaml", "migration-job.yaml", "service.yaml", "configmap.yaml",
		"secret.yaml", "pdb.yaml", "hpa.yaml", "servicemonitor.yaml", "networkpolicy.yaml", "ingress.yaml",
		"serviceaccount.yaml", "NOTES.txt"} {
		require.FileExists(t, filepath.Join(repoRoot, "deploy/helm/gemba/templates", tpl))
	}
	job := string(readFile(t, "deploy/helm/gemba/templates/migration-job.yaml"))
	require.Contains(t, job, "helm.sh/hook: pre-install,pre-upgrade")
	require.Contains(t, job, `args: ["migrate", "up"]`)
	dep := string(readFile(t, "deploy/helm/gemba/templates/deployment.yaml"))
	for _, want := range []string{"path: /healthz", "path: /readyz", "startupProbe:", "livenessProbe:", "readinessProbe:", "configMapRef:"} {
		require.Contains(t, dep, want)
	}
}

// valuesTree parses a values file into its root mapping node.
func valuesTree(t *testing.T, path string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(readFile(t, path), &doc), path)
	require.Equal(t, yaml.DocumentNode, doc.Kind)
	require.Equal(t, yaml.MappingNode, doc.Content[0].Kind, "%s is a mapping", path)
	return doc.Content[0]
}

// TestValuesDocumented requires a comment above every key of values.yaml,
// at every depth, and the security and scaling defaults the chart promises.
func TestValuesDocumented(t *testing.T) {
	t.Parallel()
	root := valuesTree(t, "deploy/helm/gemba/values.yaml")
	var undocumented []string
	var walk func(prefix string, m *yaml.Node)
	walk = func(prefix string, m *yaml.Node) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			path := prefix + k.Value
			if strings.TrimSpace(k.HeadComment) == "" {
				undocumented = append(undocumented, path)
			}
			if v.Kind == yaml.MappingNode {
				walk(path+".", v)
			}
		}
	}
	walk("", root)
	require.Empty(t, undocumented, "values.yaml keys without a comment above them")

	var v struct {
		ReplicaCount    int `yaml:"replicaCount"`
		SecurityContext struct {
			ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
			RunAsNonRoot             bool `yaml:"runAsNonRoot"`
			AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		Migrations struct {
			Job struct {
				Enabled bool `yaml:"enabled"`
			} `yaml:"job"`
		} `yaml:"migrations"`
		Autoscaling struct {
			MaxReplicas int `yaml:"maxReplicas"`
		} `yaml:"autoscaling"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, "deploy/helm/gemba/values.yaml"), &v))
	require.Greater(t, v.ReplicaCount, 1, "several replicas by default: they are safe")
	require.True(t, v.SecurityContext.ReadOnlyRootFilesystem)
	require.True(t, v.SecurityContext.RunAsNonRoot)
	require.False(t, v.SecurityContext.AllowPrivilegeEscalation)
	require.Equal(t, []string{"ALL"}, v.SecurityContext.Capabilities.Drop)
	require.True(t, v.Migrations.Job.Enabled)
	require.Less(t, v.Autoscaling.MaxReplicas, 10, "Slack allows 10 Socket Mode connections per app, and a rollout surges one")
}

// TestCIValueSetsUseKnownKeys catches a misspelt key in a CI value set:
// Helm would ignore it and CI would test less than it claims.
func TestCIValueSetsUseKnownKeys(t *testing.T) {
	t.Parallel()
	defaults := valuesTree(t, "deploy/helm/gemba/values.yaml")
	sets, err := filepath.Glob(filepath.Join(repoRoot, "deploy/helm/ci-values/*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(sets), 3)
	for _, abs := range sets {
		rel, err := filepath.Rel(repoRoot, abs)
		require.NoError(t, err)
		text := string(readFile(t, rel))
		require.Regexp(t, `(?m)^# expect: \w`, text, "%s says which kinds it must render", rel)
		require.Regexp(t, `(?m)^# forbid: \w`, text, "%s says which kinds it must not render", rel)
		var unknown []string
		var walk func(prefix string, set, def *yaml.Node)
		walk = func(prefix string, set, def *yaml.Node) {
			for i := 0; i+1 < len(set.Content); i += 2 {
				k, v := set.Content[i], set.Content[i+1]
				d := lookup(def, k.Value)
				switch {
				case d == nil:
					unknown = append(unknown, prefix+k.Value)
				case v.Kind == yaml.MappingNode && d.Kind == yaml.MappingNode && len(d.Content) > 0:
					walk(prefix+k.Value+".", v, d)
				}
			}
		}
		walk("", valuesTree(t, rel), defaults)
		require.Emptyf(t, unknown, "%s sets keys that values.yaml does not have", rel)
	}
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// TestStaticBuild builds gemba with the Dockerfile's flags and checks the
// result runs on distroless static: no ELF interpreter, no shared libraries,
// and the -X version stamp lands.
func TestStaticBuild(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "gemba")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X github.com/gemba-ai/gemba/internal/app.Version=v0.0.0-deploytest",
		"-o", out, "./cmd/gemba")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", b)

	f, err := elf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "the binary must not need a dynamic loader")
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs, "the binary must not need shared libraries")
	require.Nil(t, f.Section(".debug_info"), "-s -w strips debug information")

	ver, err := exec.CommandContext(ctx, out, "version").Output()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(ver), "gemba v0.0.0-deploytest "), "version output: %s", ver)
}
