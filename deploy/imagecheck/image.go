package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The image Gemba's Dockerfile must produce.
const (
	binaryPath = "/gemba"
	// standInLabel marks the base images deploy/image-check.sh makes when the
	// registry cannot be reached; the built image inherits it.
	standInLabel = "ai.gemba.image-check.stand-in"
)

var (
	wantEntrypoint = []string{binaryPath}
	wantCmd        = []string{"serve"}
	// requiredLabels are the OCI annotations a published image carries.
	requiredLabels = []string{
		"org.opencontainers.image.title",
		"org.opencontainers.image.description",
		"org.opencontainers.image.source",
		"org.opencontainers.image.version",
		"org.opencontainers.image.revision",
	}
	// gembaBinary is what /gemba must be.
	gembaBinary = binaryRules{
		mainPath:   "github.com/gemba-ai/gemba/cmd/gemba",
		appPackage: "github.com/gemba-ai/gemba/internal/app",
		// The local Slack, scripted LLM, load harness and console and
		// database fixtures: test code never linked into gemba.
		testPackages: []string{
			"github.com/gemba-ai/gemba/internal/slackfake",
			"github.com/gemba-ai/gemba/internal/llmtest",
			"github.com/gemba-ai/gemba/internal/loadtest",
			"github.com/gemba-ai/gemba/internal/console/consoletest",
			"github.com/gemba-ai/gemba/internal/db/dbtest",
		},
		testModules: []string{"github.com/stretchr/testify", "github.com/chromedp/chromedp"},
	}
	// zones are time zones the plants Gemba serves use; each must load from
	// the image's tzdata (or from tzdata embedded in the binary).
	zones = []string{"UTC", "Asia/Seoul", "Europe/Berlin", "America/Chicago"}
	// shells are programs whose presence would let an intruder run commands.
	shells = []string{"sh", "bash", "dash", "ash", "zsh", "busybox"}
	// sourceNames match files that belong in the repository, not the image.
	sourceNames = []string{"*.go", "go.mod", "go.sum", "*.sql", "Dockerfile", "Makefile", ".dockerignore", "*.tpl", ".git", "testdata", ".env", ".env.*", "*.env"}
	// keyNames match files that usually hold private keys.
	keyNames = []string{"*.key", "id_rsa*", "id_ed25519*", "id_ecdsa*", "*.p12", "*.pfx", ".netrc", ".pgpass", "credentials"}
	// secretContent matches credentials by their content.
	secretContent = []struct {
		what string
		re   *regexp.Regexp
	}{
		{"a private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
		{"a Slack token", regexp.MustCompile(`xox[abposr]-[0-9]{6,}-[0-9A-Za-z-]{6,}`)},
		{"a Slack app token", regexp.MustCompile(`xapp-[0-9]-[A-Z0-9]{6,}-[0-9]{6,}-[0-9a-f]{16,}`)},
		{"an AWS access key", regexp.MustCompile(`AKIA[0-9A-Z]{16}`)},
		{"an OpenAI or Anthropic API key", regexp.MustCompile(`\bsk-(ant-)?[A-Za-z0-9_-]{32,}`)},
	}
	// secretEnv matches environment variable names that hold credentials.
	secretEnv = regexp.MustCompile(`(TOKEN|SECRET|PASSWORD|API_KEY|DATABASE_URL)$`)
)

// inspectOutput is what `buildah inspect --type image` prints: the OCI
// image configuration is its OCIv1 field.
type inspectOutput struct {
	OCIv1 imageConfig `json:"OCIv1"`
}

// imageConfig is the part of an OCI image configuration the check reads.
type imageConfig struct {
	Config struct {
		User         string              `json:"User"`
		Env          []string            `json:"Env"`
		Entrypoint   []string            `json:"Entrypoint"`
		Cmd          []string            `json:"Cmd"`
		WorkingDir   string              `json:"WorkingDir"`
		Labels       map[string]string   `json:"Labels"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	} `json:"config"`
}

// facts is what `imagecheck image` learnt about the image; `imagecheck
// chart` compares the pod specs with it.
type facts struct {
	User        string   `json:"user"`
	UID         int64    `json:"uid"`
	GID         int64    `json:"gid"`
	Numeric     bool     `json:"numeric"` // USER is numeric, so a kubelet can verify runAsNonRoot by itself
	Home        string   `json:"home"`
	WorkingDir  string   `json:"workingDir"`
	Entrypoint  []string `json:"entrypoint"`
	Cmd         []string `json:"cmd"`
	Env         []string `json:"env"`
	Port        int      `json:"port"`
	Bytes       int64    `json:"bytes"`
	BinaryBytes int64    `json:"binaryBytes"`
}

// binaryRules say what the image's executable must be built from and
// must not contain.
type binaryRules struct {
	mainPath string // the main package
	// appPackage is a package the binary must contain: if its name cannot be
	// found in the binary, the test-package check would be blind.
	appPackage   string
	testPackages []string
	testModules  []string
}

// imageOptions are the flags of `imagecheck image`.
type imageOptions struct {
	configPath string
	root       string
	base       string
	factsPath  string
	maxBytes   int64
	version    string
	revision   string
	binary     binaryRules
}

func runImage(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("image", flag.ContinueOnError)
	var o imageOptions
	var maxMB float64
	fl.StringVar(&o.configPath, "config", "", "the image's OCI configuration (JSON)")
	fl.StringVar(&o.root, "root", "", "the image's mounted root filesystem")
	fl.StringVar(&o.base, "base", "", "the runtime base image's mounted root filesystem: only "+binaryPath+" may be added to it")
	fl.StringVar(&o.factsPath, "facts", "", "write what was learnt (user, port, environment) to this JSON file")
	fl.Float64Var(&maxMB, "max-mb", 40, "largest allowed image, in MB (10^6 bytes) of file contents")
	fl.StringVar(&o.version, "version", "", "expected org.opencontainers.image.version label")
	fl.StringVar(&o.revision, "revision", "", "expected org.opencontainers.image.revision label")
	if err := fl.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if o.configPath == "" || o.root == "" {
		return usageError{"image: -config and -root are required"}
	}
	o.maxBytes = int64(maxMB * 1e6)
	o.binary = gembaBinary
	f, report, err := checkImage(o)
	for _, line := range report {
		fmt.Fprintln(stdout, "imagecheck: ok:", line)
	}
	if err != nil {
		return fmt.Errorf("image: \n%w", err)
	}
	if o.factsPath != "" {
		b, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.factsPath, b, 0o600); err != nil {
			return fmt.Errorf("image: write facts: %w", err)
		}
	}
	return nil
}

// checkImage runs every image check and returns the facts, a line per
// passed check, and every problem as one error.
func checkImage(o imageOptions) (facts, []string, error) {
	var p problems
	var report []string
	var f facts

	raw, err := os.ReadFile(o.configPath)
	if err != nil {
		return f, nil, fmt.Errorf("read image configuration: %w", err)
	}
	cfg, err := parseConfig(raw)
	if err != nil {
		return f, nil, fmt.Errorf("parse image configuration %s: %w", o.configPath, err)
	}
	root, err := os.OpenRoot(o.root)
	if err != nil {
		return f, nil, fmt.Errorf("open image root: %w", err)
	}
	defer func() { _ = root.Close() }()
	var base *os.Root
	if o.base != "" {
		if base, err = os.OpenRoot(o.base); err != nil {
			return f, nil, fmt.Errorf("open base root: %w", err)
		}
		defer func() { _ = base.Close() }()
	}

	c := cfg.Config
	f.Entrypoint, f.Cmd, f.Env, f.WorkingDir, f.User = c.Entrypoint, c.Cmd, c.Env, c.WorkingDir, c.User
	if !slices.Equal(c.Entrypoint, wantEntrypoint) || !slices.Equal(c.Cmd, wantCmd) {
		p.addf("entrypoint %q and command %q, want %q and %q", c.Entrypoint, c.Cmd, wantEntrypoint, wantCmd)
	} else {
		report = append(report, fmt.Sprintf("entrypoint %q, command %q", c.Entrypoint, c.Cmd))
	}

	// User: resolved through the image's own /etc/passwd and /etc/group.
	u, err := resolveUser(root, c.User)
	switch {
	case err != nil:
		p.addf("user %q: %v", c.User, err)
	case u.uid == 0:
		p.addf("the image runs as root (USER %q); it must run as a non-root user", c.User)
	default:
		f.UID, f.GID, f.Home, f.Numeric = u.uid, u.gid, u.home, u.numeric
		report = append(report, fmt.Sprintf("user %q = uid %d gid %d (home %s)", c.User, u.uid, u.gid, u.home))
	}

	// Port: the address Gemba listens on in a container is the exposed port.
	env := envMap(c.Env)
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		if secretEnv.MatchString(k) && v != "" {
			p.addf("ENV %s bakes a credential into the image", k)
		}
	}
	if addr, ok := env["GEMBA_HTTP_ADDR"]; !ok {
		p.addf("ENV GEMBA_HTTP_ADDR is not set: gemba would listen on loopback only, unreachable in a container")
	} else if host, port, err := net.SplitHostPort(addr); err != nil {
		p.addf("ENV GEMBA_HTTP_ADDR=%q: %v", addr, err)
	} else {
		n, _ := strconv.Atoi(port)
		f.Port = n
		if host != "0.0.0.0" && host != "" && host != "::" {
			p.addf("ENV GEMBA_HTTP_ADDR=%q listens on %s only; in a container it must listen on all interfaces", addr, host)
		}
		if _, ok := c.ExposedPorts[port+"/tcp"]; !ok {
			p.addf("port %s (GEMBA_HTTP_ADDR) is not exposed (EXPOSE %s); exposed: %v", port, port, keys(c.ExposedPorts))
		} else {
			report = append(report, fmt.Sprintf("listens on %s, exposes %s/tcp", addr, port))
		}
	}

	// Labels.
	var missing []string
	for _, l := range requiredLabels {
		if strings.TrimSpace(c.Labels[l]) == "" {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		p.addf("labels missing: %s", strings.Join(missing, ", "))
	}
	if o.version != "" && c.Labels["org.opencontainers.image.version"] != o.version {
		p.addf("label org.opencontainers.image.version=%q, want %q (the VERSION build argument)", c.Labels["org.opencontainers.image.version"], o.version)
	}
	if o.revision != "" && c.Labels["org.opencontainers.image.revision"] != o.revision {
		p.addf("label org.opencontainers.image.revision=%q, want %q (the REVISION build argument)", c.Labels["org.opencontainers.image.revision"], o.revision)
	}
	if len(missing) == 0 {
		report = append(report, fmt.Sprintf("labels: version %s, revision %s, source %s", c.Labels["org.opencontainers.image.version"],
			c.Labels["org.opencontainers.image.revision"], c.Labels["org.opencontainers.image.source"]))
	}
	if k := c.Labels[standInLabel]; k != "" {
		report = append(report, fmt.Sprintf("built on a local stand-in for %s (%s), not the registry's image", c.Labels["org.opencontainers.image.base.name"], k))
	}

	// Files.
	files, err := scanFiles(root, base)
	if err != nil {
		return f, report, err
	}
	f.Bytes = files.bytes
	p = append(p, files.problems...)
	if files.bytes > o.maxBytes {
		p.addf("the image holds %.1f MB of files, more than %.0f MB", mb(files.bytes), mb(o.maxBytes))
	} else {
		report = append(report, fmt.Sprintf("size %.1f MB of files (limit %.0f MB) in %d files", mb(files.bytes), mb(o.maxBytes), files.count))
	}
	if base != nil && len(files.problems) == 0 {
		report = append(report, "nothing added to the base image but "+binaryPath)
	}

	bin, err := root.ReadFile(strings.TrimPrefix(binaryPath, "/"))
	if err != nil {
		p.addf("%s: %v", binaryPath, err)
	} else {
		f.BinaryBytes = int64(len(bin))
		embedsTZ, bp := checkBinary(root, bin, o.binary)
		p = append(p, bp...)
		if len(bp) == 0 {
			report = append(report, fmt.Sprintf("%s: static, CGO_ENABLED=0, -trimpath, %.1f MB, no test packages or modules", binaryPath, mb(f.BinaryBytes)))
		}
		np := len(p)
		checkRuntimeFiles(root, embedsTZ, &p)
		if len(p) == np {
			report = append(report, fmt.Sprintf("CA certificates, time zones %s, /tmp (1777)", strings.Join(zones, ", ")))
		}
	}
	return f, report, p.err()
}

// parseConfig reads `buildah inspect --type image` output or a bare OCI
// image configuration (as `docker inspect` or `skopeo inspect --config`
// tools print it).
func parseConfig(raw []byte) (imageConfig, error) {
	var in inspectOutput
	if err := json.Unmarshal(raw, &in); err != nil {
		return imageConfig{}, err
	}
	if in.OCIv1.Config.Entrypoint != nil || in.OCIv1.Config.Cmd != nil || in.OCIv1.Config.Env != nil {
		return in.OCIv1, nil
	}
	var cfg imageConfig
	err := json.Unmarshal(raw, &cfg)
	return cfg, err
}

// user is a resolved image user.
type user struct {
	uid, gid int64
	home     string
	numeric  bool
}

// resolveUser resolves a Dockerfile USER ("name", "uid", "name:group",
// "uid:gid") the way a container runtime does, through the image's files.
func resolveUser(root *os.Root, spec string) (user, error) {
	if spec == "" {
		return user{}, nil // the runtime default: root
	}
	name, group, hasGroup := strings.Cut(spec, ":")
	passwd, _ := root.ReadFile("etc/passwd")
	groups, _ := root.ReadFile("etc/group")
	var u user
	uid, err := strconv.ParseInt(name, 10, 64)
	u.numeric = err == nil && (!hasGroup || isNumber(group))
	found := false
	for _, fields := range colonLines(passwd) {
		if len(fields) < 7 {
			continue
		}
		if fields[0] == name || (err == nil && fields[2] == name) {
			u.uid, _ = strconv.ParseInt(fields[2], 10, 64)
			u.gid, _ = strconv.ParseInt(fields[3], 10, 64)
			u.home = fields[5]
			found = true
			break
		}
	}
	if !found {
		if err != nil {
			return u, fmt.Errorf("no user %q in the image's /etc/passwd", name)
		}
		u.uid, u.gid = uid, 0
	}
	if hasGroup {
		if g, err := strconv.ParseInt(group, 10, 64); err == nil {
			u.gid = g
		} else {
			ok := false
			for _, fields := range colonLines(groups) {
				if len(fields) >= 3 && fields[0] == group {
					u.gid, _ = strconv.ParseInt(fields[2], 10, 64)
					ok = true
					break
				}
			}
			if !ok {
				return u, fmt.Errorf("no group %q in the image's /etc/group", group)
			}
		}
	}
	return u, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// colonLines splits /etc/passwd-style content into fields.
func colonLines(b []byte) [][]string {
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out
}

// fileScan is the result of walking the image's root filesystem.
type fileScan struct {
	count    int
	bytes    int64
	problems problems
}

// maxListed bounds how many unexpected files one problem lists.
const maxListed = 15

// scanFiles walks the image root: it adds up file sizes, refuses source
// files, shells, key files and credentials by name or content, and, given
// the base image's root, anything the build added besides the binary.
func scanFiles(root, base *os.Root) (fileScan, error) {
	var s fileScan
	var added, source, shellsFound, keyFiles []string
	secrets := map[string][]string{}
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		abs := "/" + p
		name := d.Name()
		if base != nil && abs != binaryPath {
			if _, err := base.Lstat(p); errors.Is(err, fs.ErrNotExist) {
				added = append(added, abs)
			}
		}
		if matchAny(name, sourceNames) {
			source = append(source, abs)
		}
		if matchAny(name, keyNames) {
			keyFiles = append(keyFiles, abs)
		}
		if slices.Contains(shells, name) && !d.IsDir() {
			shellsFound = append(shellsFound, abs)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		s.count++
		s.bytes += info.Size()
		b, err := root.ReadFile(p)
		if err != nil {
			return err
		}
		for _, sc := range secretContent {
			if sc.re.Match(b) {
				secrets[sc.what] = append(secrets[sc.what], abs)
			}
		}
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("walk the image root: %w", err)
	}
	if len(added) > 0 {
		s.problems.addf("the build added %d path(s) besides %s to the base image: %s", len(added), binaryPath, list(added))
	}
	if len(source) > 0 {
		s.problems.addf("source or build files in the image: %s", list(source))
	}
	if len(shellsFound) > 0 {
		s.problems.addf("shells in the image: %s", list(shellsFound))
	}
	if len(keyFiles) > 0 {
		s.problems.addf("key or credential files in the image: %s", list(keyFiles))
	}
	for _, what := range keys(secrets) {
		s.problems.addf("%s in %s", what, list(secrets[what]))
	}
	return s, nil
}

// checkBinary checks the gemba executable: statically linked, built with
// the Dockerfile's flags, free of test packages and test-only modules. It
// reports whether the binary embeds its own time zone database.
func checkBinary(root *os.Root, bin []byte, r binaryRules) (embedsTZ bool, p problems) {
	info, err := root.Stat(strings.TrimPrefix(binaryPath, "/"))
	if err == nil && info.Mode().Perm()&0o005 != 0o005 {
		p.addf("%s has mode %s: any user id must be able to run it (o+rx)", binaryPath, info.Mode().Perm())
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		p.addf("%s is not an ELF executable: %v", binaryPath, err)
		return false, p
	}
	for _, pr := range ef.Progs {
		if pr.Type == elf.PT_INTERP {
			p.addf("%s is dynamically linked (PT_INTERP); the static base has no C library", binaryPath)
		}
	}
	if libs, err := ef.ImportedLibraries(); err == nil && len(libs) > 0 {
		p.addf("%s needs shared libraries %v", binaryPath, libs)
	}
	bi, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		p.addf("%s has no Go build information: %v", binaryPath, err)
		return false, p
	}
	if bi.Path != r.mainPath {
		p.addf("%s was built from %s, want %s", binaryPath, bi.Path, r.mainPath)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": "linux"} {
		if settings[k] != want {
			p.addf("%s built with %s=%q, want %q", binaryPath, k, settings[k], want)
		}
	}
	for _, d := range bi.Deps {
		for _, m := range r.testModules {
			if d.Path == m {
				p.addf("%s links the test-only module %s", binaryPath, m)
			}
		}
	}
	if !bytes.Contains(bin, []byte(r.appPackage+".")) {
		p.addf("%s: cannot find the package %s in the binary, so the test-package check cannot see anything", binaryPath, r.appPackage)
	}
	for _, pkg := range r.testPackages {
		if bytes.Contains(bin, []byte(pkg+".")) {
			p.addf("%s links the test package %s", binaryPath, pkg)
		}
	}
	return bytes.Contains(bin, []byte("time/tzdata.")), p
}

// checkRuntimeFiles checks what the binary needs from the image at run
// time: CA certificates for HTTPS to Slack and LLM APIs, a time zone
// database for plants' local times, and a writable /tmp.
func checkRuntimeFiles(root *os.Root, embedsTZ bool, p *problems) {
	const bundle = "etc/ssl/certs/ca-certificates.crt"
	if b, err := root.ReadFile(bundle); err != nil {
		p.addf("no CA certificates (/%s): HTTPS to Slack and LLM APIs would fail: %v", bundle, err)
	} else if n := countCerts(b); n < 20 {
		p.addf("/%s holds %d certificates; a CA bundle has over a hundred", bundle, n)
	}
	for _, z := range zones {
		b, err := root.ReadFile(path.Join("usr/share/zoneinfo", z))
		if err != nil {
			if !embedsTZ {
				p.addf("time zone %s: %v (and the binary embeds no time/tzdata)", z, err)
			}
			continue
		}
		if _, err := time.LoadLocationFromTZData(z, b); err != nil {
			p.addf("time zone %s: %v", z, err)
		}
	}
	if info, err := root.Stat("tmp"); err != nil || !info.IsDir() {
		p.addf("no /tmp directory")
	} else if info.Mode()&fs.ModeSticky == 0 || info.Mode().Perm() != 0o777 {
		p.addf("/tmp has mode %s, want 1777 (writable by the non-root user when no volume is mounted there)", info.Mode())
	}
}

// countCerts counts the parseable certificates in a PEM bundle.
func countCerts(b []byte) int {
	n := 0
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return n
		}
		if block.Type == "CERTIFICATE" {
			n++
		}
	}
}

func matchAny(name string, patterns []string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// list joins paths for a problem, eliding past maxListed.
func list(paths []string) string {
	if len(paths) > maxListed {
		return strings.Join(paths[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(paths)-maxListed)
	}
	return strings.Join(paths, ", ")
}

func mb(n int64) float64 { return float64(n) / 1e6 }
