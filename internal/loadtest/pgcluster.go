package loadtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a private PostgreSQL server for fault tests that stop and
// restart the database without disturbing the shared test server.
type Cluster struct {
	Bin    string // PostgreSQL's bin directory
	Dir    string // data directory
	Socket string // unix socket directory
	Port   int
	owner  string // OS user that runs the server ("" = the current user)
}

// pgBin finds the newest installed PostgreSQL bin directory.
func pgBin() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("loadtest: no PostgreSQL server binaries found (run deploy/local/setup.sh)")
}

// NewCluster initialises a private cluster in a new temp directory with a
// `gemba` database that has the vector extension. As root it runs the
// server as the postgres OS user (initdb refuses root).
func NewCluster(ctx context.Context) (*Cluster, error) {
	bin, err := pgBin()
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp("", "gemba-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: filepath.Join(base, "data"), Socket: base}
	if os.Geteuid() == 0 {
		c.owner = "postgres"
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("loadtest: running as root needs the postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(base, uid, gid); err != nil {
			return nil, err
		}
		if err := os.Chmod(base, 0o755); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.Port = ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	if out, err := c.run(ctx, "initdb", "-D", c.Dir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"); err != nil {
		return nil, fmt.Errorf("loadtest: initdb: %w: %s", err, out)
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, c.url("postgres", "postgres"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close(ctx) }()
	me := currentUser()
	for _, q := range []string{
		"CREATE ROLE " + pgx.Identifier{me}.Sanitize() + " LOGIN SUPERUSER",
		"CREATE DATABASE gemba OWNER " + pgx.Identifier{me}.Sanitize(),
	} {
		if me == "postgres" && strings.HasPrefix(q, "CREATE ROLE") {
			continue
		}
		if _, err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("loadtest: %s: %w", q, err)
		}
	}
	return c, nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "postgres"
}

func (c *Cluster) url(userName, db string) string {
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d", userName, db, c.Socket, c.Port)
}

// URL is the connection URL of the cluster's gemba database.
func (c *Cluster) URL() string { return c.url(currentUser(), "gemba") }

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.Bin, name)
	var cmd *exec.Cmd
	if c.owner != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.owner, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = os.TempDir()
	return cmd.CombinedOutput()
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses='' -c fsync=off -c max_connections=200", c.Port, c.Socket)
	if out, err := c.run(ctx, "pg_ctl", "-D", c.Dir, "-o", opts, "-l", filepath.Join(c.Socket, "server.log"), "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("loadtest: pg_ctl start: %w: %s", err, out)
	}
	return nil
}

// Stop stops the server; fast mode disconnects every client, as a restart
// or failover does.
func (c *Cluster) Stop(ctx context.Context) error {
	if out, err := c.run(ctx, "pg_ctl", "-D", c.Dir, "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("loadtest: pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

// Close stops the server and removes its files.
func (c *Cluster) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = c.Stop(ctx)
	_ = os.RemoveAll(c.Socket)
}
