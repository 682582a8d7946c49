package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// imageFacts are the facts of the Dockerfile's image.
var imageFacts = facts{
	User: "65532:65532", UID: 65532, GID: 65532, Numeric: true, Home: "/home/nonroot", WorkingDir: "/home/nonroot",
	Entrypoint: []string{"/gemba"}, Cmd: []string{"serve"}, Port: 8080,
	Env: []string{"PATH=/usr/bin:/bin", "GEMBA_HTTP_ADDR=0.0.0.0:8080", "GEMBA_LOG_FORMAT=json"},
}

const testImage = "localhost/gemba:check"

// renderedChart returns objects shaped like the chart's rendering: a
// ConfigMap, the Deployment and the migration Job, as generic maps that a
// test case can change before they are encoded as YAML.
func renderedChart() []map[string]any {
	pod := func(args []string, withPorts bool) map[string]any {
		c := map[string]any{
			"name": "gemba", "image": testImage, "args": args,
			"securityContext": map[string]any{
				"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
				"capabilities": map[string]any{"drop": []any{"ALL"}},
			},
			"envFrom":      []any{map[string]any{"configMapRef": map[string]any{"name": "gemba"}}},
			"env":          []any{map[string]any{"name": "GEMBA_LOG_LEVEL", "value": "debug"}, map[string]any{"name": "GEMBA_DATABASE_URL", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}},
			"volumeMounts": []any{map[string]any{"name": "tmp", "mountPath": "/tmp"}, map[string]any{"name": "secrets", "mountPath": "/run/secrets", "readOnly": true}},
		}
		if withPorts {
			c["ports"] = []any{map[string]any{"name": "http", "containerPort": 8080, "protocol": "TCP"}}
			probe := func(p string) map[string]any {
				return map[string]any{"httpGet": map[string]any{"path": p, "port": "http"}, "periodSeconds": 5}
			}
			c["startupProbe"], c["livenessProbe"], c["readinessProbe"] = probe("/healthz"), probe("/healthz"), probe("/readyz")
		}
		return map[string]any{
			"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532},
			"containers":      []any{c},
			"volumes": []any{
				map[string]any{"name": "tmp", "emptyDir": map[string]any{"sizeLimit": "256Mi"}},
				map[string]any{"name": "secrets", "secret": map[string]any{"secretName": "s"}},
			},
		}
	}
	return []map[string]any{
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "gemba"},
			"data": map[string]any{"GEMBA_LOG_FORMAT": "json", "GEMBA_SHUTDOWN_TIMEOUT": "20s"}},
		{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "gemba"},
			"spec": map[string]any{"ports": []any{map[string]any{"port": 8080, "targetPort": "http"}}}},
		{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "gemba"},
			"spec": map[string]any{"replicas": 2, "template": map[string]any{"spec": pod([]string{"serve"}, true)}}},
		{"apiVersion": "batch/v1", "kind": "Job", "metadata": map[string]any{"name": "gemba-migrate"},
			"spec": map[string]any{"template": map[string]any{"spec": pod([]string{"migrate", "up"}, false)}}},
	}
}

// containerOf returns the first container of kind's pod.
func containerOf(objs []map[string]any, kind string) map[string]any {
	for _, o := range objs {
		if o["kind"] == kind {
			return podOf(objs, kind)["containers"].([]any)[0].(map[string]any)
		}
	}
	return nil
}

func podOf(objs []map[string]any, kind string) map[string]any {
	for _, o := range objs {
		if o["kind"] == kind {
			return o["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
		}
	}
	return nil
}

func encode(t *testing.T, objs []map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		require.NoError(t, err)
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes()
}

func TestCheckChart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		facts  func(f *facts)
		change func(objs []map[string]any)
		want   []string // problems (substrings); none means the chart fits
	}{
		{name: "the chart's defaults fit the image"},
		{name: "another image", want: []string{`image "ghcr.io/gemba-ai/gemba:0.1.0", want the built image`},
			change: func(objs []map[string]any) { containerOf(objs, "Deployment")["image"] = "ghcr.io/gemba-ai/gemba:0.1.0" }},
		{name: "another user id", want: []string{"runs as 1000:65532 but the image's user is 65532:65532"},
			change: func(objs []map[string]any) {
				podOf(objs, "Job")["securityContext"].(map[string]any)["runAsUser"] = 1000
			}},
		{name: "root", want: []string{"runs as root"},
			change: func(objs []map[string]any) {
				containerOf(objs, "Deployment")["securityContext"].(map[string]any)["runAsUser"] = 0
			}},
		{name: "writable root filesystem", want: []string{"Deployment/gemba container gemba: readOnlyRootFilesystem is not true"},
			change: func(objs []map[string]any) {
				containerOf(objs, "Deployment")["securityContext"].(map[string]any)["readOnlyRootFilesystem"] = false
			}},
		{name: "privilege escalation and capabilities", want: []string{"allowPrivilegeEscalation is not false", "capabilities must drop ALL"},
			change: func(objs []map[string]any) {
				sc := containerOf(objs, "Job")["securityContext"].(map[string]any)
				delete(sc, "allowPrivilegeEscalation")
				sc["capabilities"] = map[string]any{"add": []any{"NET_ADMIN"}, "drop": []any{"ALL"}}
			}},
		{name: "runAsNonRoot missing", want: []string{"runAsNonRoot is not set"},
			change: func(objs []map[string]any) {
				delete(podOf(objs, "Deployment")["securityContext"].(map[string]any), "runAsNonRoot")
				delete(containerOf(objs, "Deployment")["securityContext"].(map[string]any), "runAsNonRoot")
			}},
		{name: "a user name and no runAsUser", want: []string{`non-numeric USER "nonroot:nonroot" and no runAsUser`},
			facts: func(f *facts) { f.User, f.Numeric = "nonroot:nonroot", false },
			change: func(objs []map[string]any) {
				delete(podOf(objs, "Deployment")["securityContext"].(map[string]any), "runAsUser")
			}},
		{name: "a numeric user needs no runAsUser",
			change: func(objs []map[string]any) {
				delete(podOf(objs, "Deployment")["securityContext"].(map[string]any), "runAsUser")
			}},
		{name: "probe on another port", want: []string{"readiness probe on port 9090, but gemba listens on 8080"},
			change: func(objs []map[string]any) {
				containerOf(objs, "Deployment")["readinessProbe"].(map[string]any)["httpGet"].(map[string]any)["port"] = 9090
			}},
		{name: "probe naming an unknown port", want: []string{`liveness probe names port "web"`},
			change: func(objs []map[string]any) {
				containerOf(objs, "Deployment")["livenessProbe"].(map[string]any)["httpGet"].(map[string]any)["port"] = "web"
			}},
		{name: "no readiness probe", want: []string{"no HTTP readiness probe"},
			change: func(objs []map[string]any) { delete(containerOf(objs, "Deployment"), "readinessProbe") }},
		{name: "container port differs from the image's", want: []string{"no containerPort 8080"},
			change: func(objs []map[string]any) {
				containerOf(objs, "Deployment")["ports"].([]any)[0].(map[string]any)["containerPort"] = 80
			}},
		{name: "a command replacing the entrypoint", want: []string{`command ["/bin/sh" "-c"] replaces the image's entrypoint`},
			change: func(objs []map[string]any) { containerOf(objs, "Job")["command"] = []any{"/bin/sh", "-c"} }},
		{name: "a mount of an undefined volume", want: []string{`mounts volume "cache", which the pod does not define`},
			change: func(objs []map[string]any) {
				c := containerOf(objs, "Deployment")
				c["volumeMounts"] = append(c["volumeMounts"].([]any), map[string]any{"name": "cache", "mountPath": "/var/cache"})
			}},
		{name: "no migration Job rendered", want: []string{"no job workload"},
			change: func(objs []map[string]any) { objs[3]["kind"] = "CronJob" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := imageFacts
			if tc.facts != nil {
				tc.facts(&f)
			}
			objs := renderedChart()
			if tc.change != nil {
				tc.change(objs)
			}
			decoded, err := decodeObjects(bytes.NewReader(encode(t, objs)))
			require.NoError(t, err)
			_, _, err = checkChart(decoded, f, testImage)
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestCheckChartPlan(t *testing.T) {
	t.Parallel()
	objs, err := decodeObjects(bytes.NewReader(encode(t, renderedChart())))
	require.NoError(t, err)
	plan, report, err := checkChart(objs, imageFacts, testImage)
	require.NoError(t, err)
	require.Len(t, report, 2)
	// The image's environment first, then the ConfigMap, then literal
	// values: a runtime applies them in that order, the last one winning.
	require.Equal(t, []string{
		"server args serve",
		"server user 65532 65532",
		"server writable /tmp",
		"server probe startup /healthz",
		"server probe liveness /healthz",
		"server probe readiness /readyz",
		"server workdir /home/nonroot",
		"server env HOME=/home/nonroot",
		"server env PATH=/usr/bin:/bin",
		"server env GEMBA_HTTP_ADDR=0.0.0.0:8080",
		"server env GEMBA_LOG_FORMAT=json",
		"server env GEMBA_LOG_FORMAT=json",
		"server env GEMBA_SHUTDOWN_TIMEOUT=20s",
		"server env GEMBA_LOG_LEVEL=debug",
		"job args migrate up",
		"job user 65532 65532",
		"job writable /tmp",
		"job workdir /home/nonroot",
		"job env HOME=/home/nonroot",
		"job env PATH=/usr/bin:/bin",
		"job env GEMBA_HTTP_ADDR=0.0.0.0:8080",
		"job env GEMBA_LOG_FORMAT=json",
		"job env GEMBA_LOG_FORMAT=json",
		"job env GEMBA_SHUTDOWN_TIMEOUT=20s",
		"job env GEMBA_LOG_LEVEL=debug",
	}, plan)
}

// TestCheckChartRendered renders the real chart with helm (from PATH or
// the bin/helm that deploy/check.sh builds) and checks it against the
// Dockerfile's image; skipped where there is no helm.
func TestCheckChartRendered(t *testing.T) {
	t.Parallel()
	helm, err := exec.LookPath("helm")
	if err != nil {
		helm = filepath.Join("..", "..", "bin", "helm")
		if _, err := os.Stat(helm); err != nil {
			t.Skip("no helm on PATH or in bin/ (bash deploy/check.sh builds it)")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, helm, "template", "gemba", filepath.Join("..", "helm", "gemba"), "--kube-version", "1.30.0",
		"--set", "image.repository=localhost/gemba", "--set", "image.tag=check",
		"--set", "database.url=postgres://gemba@db.example:5432/gemba").Output()
	require.NoError(t, err)
	objs, err := decodeObjects(bytes.NewReader(out))
	require.NoError(t, err)
	plan, _, err := checkChart(objs, imageFacts, testImage)
	require.NoError(t, err)
	text := strings.Join(plan, "\n")
	for _, want := range []string{"server args serve", "job args migrate up", "server writable /tmp", "job writable /tmp",
		"server probe readiness /readyz", "server user 65532 65532"} {
		require.Contains(t, text, want)
	}
}
