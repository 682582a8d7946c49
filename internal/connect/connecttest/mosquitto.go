// Package connecttest starts real protocol servers for the connectors'
// tests: a Mosquitto broker (Debian's mosquitto package, installed by
// deploy/local/test-deps.sh) on a free loopback port with its own
// configuration and persistence directory, and an OPC UA server (gopcua's
// server package) whose variables change on a clock. Both can be stopped
// and started again on the same port to test reconnection. Tests only: it
// is never linked into the gemba binary.
package connecttest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Mosquitto is a broker process started for one test.
type Mosquitto struct {
	t    testing.TB
	bin  string
	dir  string
	conf string
	// Port is the loopback port the broker listens on.
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// MosquittoBinary returns the broker's path, or "" when it is not
// installed.
func MosquittoBinary() string {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// StartMosquitto starts a broker with persistence on (so a restart keeps
// sessions and queued QoS 1 messages), no limit on queued messages, and
// extra configuration lines appended. It fails the test, saying how to
// install the broker, when mosquitto is missing.
func StartMosquitto(t testing.TB, extra ...string) *Mosquitto {
	t.Helper()
	bin := MosquittoBinary()
	if bin == "" {
		t.Fatal("connecttest: mosquitto is not installed: run deploy/local/test-deps.sh (apt-get install mosquitto)")
	}
	dir := t.TempDir()
	m := &Mosquitto{t: t, bin: bin, dir: dir, Port: FreePort(t), conf: filepath.Join(dir, "mosquitto.conf")}
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", m.Port),
		"allow_anonymous true",
		"persistence true",
		"persistence_location " + dir + "/",
		"max_queued_messages 0",
		"max_inflight_messages 1000",
		"log_dest file " + filepath.Join(dir, "mosquitto.log"),
		"log_type error",
		"log_type warning",
		"log_type notice",
	}
	if u, err := user.Current(); err == nil {
		lines = append(lines, "user "+u.Username) // as root, stay root instead of switching to "mosquitto"
	}
	lines = append(lines, extra...)
	if err := os.WriteFile(m.conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// URL is the broker's address for an MQTT client.
func (m *Mosquitto) URL() string { return "tcp://127.0.0.1:" + strconv.Itoa(m.Port) }

// Start starts the broker (again) and waits until it accepts connections.
func (m *Mosquitto) Start() {
	m.t.Helper()
	if m.cmd != nil {
		m.t.Fatal("connecttest: mosquitto already running")
	}
	cmd := exec.CommandContext(context.Background(), m.bin, "-c", m.conf) //nolint:gosec // the test's own broker binary and config; Stop ends it
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("connecttest: start mosquitto: %v", err)
	}
	m.cmd, m.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(m.done) }()
	if err := WaitListening(m.Port, 10*time.Second, m.done); err != nil {
		log, _ := os.ReadFile(filepath.Join(m.dir, "mosquitto.log"))
		m.t.Fatalf("connecttest: mosquitto did not start: %v\n%s", err, log)
	}
}

// Stop ends the broker gracefully (SIGTERM: it saves its persistence file)
// and waits for it.
func (m *Mosquitto) Stop() { m.signal(syscall.SIGTERM) }

// Kill ends the broker at once (SIGKILL: what was not saved is lost).
func (m *Mosquitto) Kill() { m.signal(syscall.SIGKILL) }

func (m *Mosquitto) signal(sig syscall.Signal) {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(sig)
	select {
	case <-m.done:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
	m.cmd = nil
}

// Restart stops the broker gracefully, waits down, and starts it again.
func (m *Mosquitto) Restart(down time.Duration) {
	m.Stop()
	time.Sleep(down)
	m.Start()
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitListening waits until something accepts TCP connections on the
// loopback port, or exited closes, or the timeout passes.
func WaitListening(port int, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("the process exited")
		default:
		}
		c, err := (&net.Dialer{Timeout: 200 * time.Millisecond}).DialContext(context.Background(), "tcp", addr)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on %s after %s", addr, timeout)
}
