package main

import (
	"archive/zip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeRules describe the small programs buildFake compiles: the same
// checks as for gemba, on a module of the test's own.
var fakeRules = binaryRules{
	mainPath:     "example.com/fake/cmd/fake",
	appPackage:   "example.com/fake/internal/app",
	testPackages: []string{"example.com/fake/internal/slackfake"},
	testModules:  []string{"github.com/stretchr/testify"},
}

var fakeBuilds sync.Map // withFake bool -> *fakeBuild

type fakeBuild struct {
	once sync.Once
	bin  []byte
	err  error
}

// buildFake compiles a static Go program the way the Dockerfile builds
// gemba; withFake links a test package into it.
func buildFake(t *testing.T, withFake bool) []byte {
	t.Helper()
	v, _ := fakeBuilds.LoadOrStore(withFake, &fakeBuild{})
	b := v.(*fakeBuild)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "imagecheck-fake")
		if err != nil {
			b.err = err
			return
		}
		defer func() { _ = os.RemoveAll(dir) }()
		files := map[string]string{
			"go.mod":                     "module example.com/fake\n\ngo 1.24\n",
			"internal/app/app.go":        "package app\n\n//go:noinline\nfunc Run() string { return \"app\" }\n",
			"internal/slackfake/fake.go": "package slackfake\n\n//go:noinline\nfunc Serve() string { return \"fake\" }\n",
			"cmd/fake/main.go":           "package main\n\nimport \"example.com/fake/internal/app\"\n\nfunc main() { println(app.Run()) }\n",
		}
		if withFake {
			files["cmd/fake/main.go"] = "package main\n\nimport (\n\t\"example.com/fake/internal/app\"\n\t\"example.com/fake/internal/slackfake\"\n)\n\nfunc main() { println(app.Run(), slackfake.Serve()) }\n"
		}
		for name, text := range files {
			p := filepath.Join(dir, name)
			if b.err = os.MkdirAll(filepath.Dir(p), 0o755); b.err != nil {
				return
			}
			if b.err = os.WriteFile(p, []byte(text), 0o600); b.err != nil {
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out := filepath.Join(dir, "fake")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", "-o", out, "./cmd/fake")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off", "GOOS=linux")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = &buildError{err: err, out: string(msg)}
			return
		}
		b.bin, b.err = os.ReadFile(out)
	})
	require.NoError(t, b.err)
	return b.bin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// caBundle is a PEM bundle of 25 self-signed certificates.
var caBundle = sync.OnceValues(func() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	var out []byte
	for i := range 25 {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return nil, err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out, nil
})

// zoneData reads the checked zones from Go's own zoneinfo.zip.
var zoneData = sync.OnceValues(func() (map[string][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	goroot, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = zr.Close() }()
	out := map[string][]byte{}
	for _, f := range zr.File {
		for _, z := range zones {
			if f.Name == z {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				b, err := io.ReadAll(rc)
				_ = rc.Close()
				if err != nil {
					return nil, err
				}
				out[z] = b
			}
		}
	}
	return out, nil
})

// writeBase lays out a distroless-like root in dir.
func writeBase(t *testing.T, dir string) {
	t.Helper()
	ca, err := caBundle()
	require.NoError(t, err)
	zd, err := zoneData()
	require.NoError(t, err)
	files := map[string][]byte{
		"etc/passwd":                        []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		"etc/group":                         []byte("root:x:0:\nnonroot:x:65532:\n"),
		"etc/ssl/certs/ca-certificates.crt": ca,
	}
	for z, b := range zd {
		files["usr/share/zoneinfo/"+z] = b
	}
	for name, b := range files {
		writeFile(t, dir, name, b, 0o644)
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "home/nonroot"), 0o700))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "tmp"), 0o777))
	require.NoError(t, os.Chmod(filepath.Join(dir, "tmp"), 0o777|os.ModeSticky))
}

func writeFile(t *testing.T, dir, name string, b []byte, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, b, mode))
	require.NoError(t, os.Chmod(p, mode))
}

// goodConfig is the configuration the Dockerfile gives the image.
func goodConfig() imageConfig {
	var c imageConfig
	c.Config.User = "65532:65532"
	c.Config.Env = []string{"PATH=/usr/bin:/bin", "GEMBA_HTTP_ADDR=0.0.0.0:8080", "GEMBA_LOG_FORMAT=json"}
	c.Config.Entrypoint = []string{"/gemba"}
	c.Config.Cmd = []string{"serve"}
	c.Config.WorkingDir = "/home/nonroot"
	c.Config.ExposedPorts = map[string]struct{}{"8080/tcp": {}}
	c.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "gemba",
		"org.opencontainers.image.description": "test",
		"org.opencontainers.image.source":      "https://example.com/gemba",
		"org.opencontainers.image.version":     "v1.2.3",
		"org.opencontainers.image.revision":    "abc",
	}
	return c
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fake  bool                                                                   // link the test package into the binary
		setup func(t *testing.T, root, base string, c *imageConfig, o *imageOptions) // changes from the good image
		want  []string                                                               // problems (substrings); none means the image passes
	}{
		{name: "the Dockerfile's image passes"},
		{name: "running as root", want: []string{"runs as root"},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, _ *imageOptions) { c.Config.User = "" }},
		{name: "unknown user name", want: []string{`no user "gemba"`},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, _ *imageOptions) { c.Config.User = "gemba" }},
		{name: "source copied into the image", want: []string{"added 2 path(s) besides /gemba", "source or build files in the image: /src/main.go"},
			setup: func(t *testing.T, root, _ string, _ *imageConfig, _ *imageOptions) {
				writeFile(t, root, "src/main.go", []byte("package main\n"), 0o644)
			}},
		{name: "a private key", want: []string{"a private key in /etc/tls.pem"},
			setup: func(t *testing.T, root, base string, _ *imageConfig, _ *imageOptions) {
				for _, d := range []string{root, base} {
					writeFile(t, d, "etc/tls.pem", []byte("-----BEGIN EC PRIVATE KEY-----\nMHc=\n-----END EC PRIVATE KEY-----\n"), 0o600)
				}
			}},
		{name: "a Slack token", want: []string{"a Slack token in /home/nonroot/notes.txt"},
			setup: func(t *testing.T, root, base string, _ *imageConfig, _ *imageOptions) {
				for _, d := range []string{root, base} {
					writeFile(t, d, "home/nonroot/notes.txt", []byte("token xoxb-1234567890-abcdefghij\n"), 0o600)
				}
			}},
		{name: "a credential in ENV", want: []string{"ENV GEMBA_SLACK_BOT_TOKEN bakes a credential"},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, _ *imageOptions) {
				c.Config.Env = append(c.Config.Env, "GEMBA_SLACK_BOT_TOKEN=xoxb-x")
			}},
		{name: "a shell", want: []string{"shells in the image: /bin/sh"},
			setup: func(t *testing.T, root, base string, _ *imageConfig, _ *imageOptions) {
				for _, d := range []string{root, base} {
					writeFile(t, d, "bin/sh", []byte("#!"), 0o755)
				}
			}},
		{name: "no CA certificates", want: []string{"no CA certificates"},
			setup: func(t *testing.T, root, base string, _ *imageConfig, _ *imageOptions) {
				for _, d := range []string{root, base} {
					require.NoError(t, os.Remove(filepath.Join(d, "etc/ssl/certs/ca-certificates.crt")))
				}
			}},
		{name: "no time zone data", want: []string{"time zone Asia/Seoul", "embeds no time/tzdata"},
			setup: func(t *testing.T, root, base string, _ *imageConfig, _ *imageOptions) {
				for _, d := range []string{root, base} {
					require.NoError(t, os.RemoveAll(filepath.Join(d, "usr/share/zoneinfo")))
				}
			}},
		{name: "/tmp not writable for the user", want: []string{"/tmp has mode"},
			setup: func(t *testing.T, root, _ string, _ *imageConfig, _ *imageOptions) {
				require.NoError(t, os.Chmod(filepath.Join(root, "tmp"), 0o755))
			}},
		{name: "too large", want: []string{"more than 0 MB"},
			setup: func(_ *testing.T, _, _ string, _ *imageConfig, o *imageOptions) { o.maxBytes = 1000 }},
		{name: "missing labels and a wrong version", want: []string{"labels missing: org.opencontainers.image.description", `version="v1.2.3", want "v9"`},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, o *imageOptions) {
				delete(c.Config.Labels, "org.opencontainers.image.description")
				o.version = "v9"
			}},
		{name: "port not exposed", want: []string{"port 8080 (GEMBA_HTTP_ADDR) is not exposed"},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, _ *imageOptions) { c.Config.ExposedPorts = nil }},
		{name: "listening on loopback", want: []string{"listens on 127.0.0.1 only"},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, _ *imageOptions) {
				c.Config.Env = []string{"GEMBA_HTTP_ADDR=127.0.0.1:8080"}
			}},
		{name: "another entrypoint", want: []string{`entrypoint ["/bin/gemba"]`},
			setup: func(_ *testing.T, _, _ string, c *imageConfig, _ *imageOptions) {
				c.Config.Entrypoint = []string{"/bin/gemba"}
			}},
		{name: "a test package linked in", fake: true, want: []string{"links the test package example.com/fake/internal/slackfake"}},
		{name: "a binary not built from the main package", want: []string{"was built from example.com/fake/cmd/fake, want example.com/other"},
			setup: func(_ *testing.T, _, _ string, _ *imageConfig, o *imageOptions) {
				o.binary.mainPath = "example.com/other"
			}},
		{name: "a binary others cannot run", want: []string{"any user id must be able to run it"},
			setup: func(t *testing.T, root, _ string, _ *imageConfig, _ *imageOptions) {
				require.NoError(t, os.Chmod(filepath.Join(root, "gemba"), 0o700))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := buildFake(t, tc.fake)
			root, base := t.TempDir(), t.TempDir()
			writeBase(t, root)
			writeBase(t, base)
			writeFile(t, root, "gemba", bin, 0o755)
			c := goodConfig()
			o := imageOptions{root: root, base: base, maxBytes: 40e6, version: "v1.2.3", revision: "abc", binary: fakeRules}
			if tc.setup != nil {
				tc.setup(t, root, base, &c, &o)
			}
			raw, err := json.Marshal(inspectOutput{OCIv1: c})
			require.NoError(t, err)
			o.configPath = filepath.Join(t.TempDir(), "config.json")
			require.NoError(t, os.WriteFile(o.configPath, raw, 0o600))

			f, report, err := checkImage(o)
			if len(tc.want) == 0 {
				require.NoError(t, err)
				require.Equal(t, int64(65532), f.UID)
				require.Equal(t, int64(65532), f.GID)
				require.True(t, f.Numeric)
				require.Equal(t, "/home/nonroot", f.Home)
				require.Equal(t, 8080, f.Port)
				require.Equal(t, int64(len(bin)), f.BinaryBytes)
				require.Contains(t, strings.Join(report, "\n"), "nothing added to the base image but /gemba")
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestCheckImageDynamicBinary: a C program (the machine's own /bin/true)
// is neither static nor a Go binary.
func TestCheckImageDynamicBinary(t *testing.T) {
	t.Parallel()
	bin, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip("no /bin/true on this machine:", err)
	}
	root := t.TempDir()
	writeBase(t, root)
	writeFile(t, root, "gemba", bin, 0o755)
	rt, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer func() { _ = rt.Close() }()
	_, p := checkBinary(rt, bin, fakeRules)
	require.NotEmpty(t, p)
	require.Contains(t, strings.Join(p, "\n"), "Go build information")
}

func TestResolveUser(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeBase(t, root)
	rt, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer func() { _ = rt.Close() }()
	cases := []struct {
		spec     string
		uid, gid int64
		home     string
		numeric  bool
		err      string
	}{
		{spec: "nonroot:nonroot", uid: 65532, gid: 65532, home: "/home/nonroot"},
		{spec: "nonroot", uid: 65532, gid: 65532, home: "/home/nonroot"},
		{spec: "65532:65532", uid: 65532, gid: 65532, home: "/home/nonroot", numeric: true},
		{spec: "65532", uid: 65532, gid: 65532, home: "/home/nonroot", numeric: true},
		{spec: "1234", uid: 1234, gid: 0, numeric: true}, // not in /etc/passwd: group 0, as runtimes do
		{spec: "1234:99", uid: 1234, gid: 99, numeric: true},
		{spec: "", uid: 0, gid: 0},
		{spec: "gemba", err: `no user "gemba"`},
		{spec: "nonroot:staff", err: `no group "staff"`},
	}
	for _, tc := range cases {
		u, err := resolveUser(rt, tc.spec)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.spec)
			continue
		}
		require.NoError(t, err, tc.spec)
		require.Equal(t, user{uid: tc.uid, gid: tc.gid, home: tc.home, numeric: tc.numeric}, u, tc.spec)
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	bare := `{"config":{"User":"65532","Entrypoint":["/gemba"],"Cmd":["serve"]}}`
	c, err := parseConfig([]byte(bare))
	require.NoError(t, err)
	require.Equal(t, []string{"/gemba"}, c.Config.Entrypoint)

	wrapped := `{"Type":"buildah 0.0.1","OCIv1":` + bare + `}`
	c, err = parseConfig([]byte(wrapped))
	require.NoError(t, err)
	require.Equal(t, "65532", c.Config.User)

	_, err = parseConfig([]byte("not json"))
	require.Error(t, err)
}
