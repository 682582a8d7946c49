package connecttest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopcua/opcua/server"
	"github.com/gopcua/opcua/ua"
)

// OPCUAServer is a real OPC UA server (gopcua's server package, security
// None, anonymous) in a child process on a loopback port, with n Double
// variables in namespace 1 named "v0" … "v{n-1}" (node ids ns=1;s=v0 …)
// that all change every tick. Stop kills the process, so its connections
// close as a crashed or restarted server's do (gopcua's in-process Close
// leaves them open); Start runs a fresh one on the same port, with no
// memory of sessions or subscriptions.
//
// The child is the test binary itself: the test package's TestMain must
// call ServeOPCUAIfChild first.
type OPCUAServer struct {
	t    testing.TB
	n    int
	tick time.Duration
	// Port is the loopback port the server listens on.
	Port int

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	ticks []time.Time
}

// childEnv carries "port,n,tick" to the child process.
const childEnv = "GEMBA_CONNECTTEST_OPCUA"

// NodeID returns the node id of variable i.
func NodeID(i int) string { return fmt.Sprintf("ns=1;s=v%d", i) }

// StartOPCUA starts a server whose n variables change every tick.
func StartOPCUA(t testing.TB, n int, tick time.Duration) *OPCUAServer {
	t.Helper()
	s := &OPCUAServer{t: t, n: n, tick: tick, Port: FreePort(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's endpoint.
func (s *OPCUAServer) URL() string { return fmt.Sprintf("opc.tcp://127.0.0.1:%d", s.Port) }

// Start starts the server process (again) and waits until it accepts
// connections.
func (s *OPCUAServer) Start() {
	s.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), exe, "-test.run=^$") //nolint:gosec // the test binary itself; Stop kills it
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d,%s", childEnv, s.Port, s.n, s.tick))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("connecttest: start opc ua server: %v", err)
	}
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if ms, err := strconv.ParseInt(strings.TrimPrefix(sc.Text(), "tick "), 10, 64); err == nil {
				s.mu.Lock()
				s.ticks = append(s.ticks, time.UnixMilli(ms).UTC())
				s.mu.Unlock()
			}
		}
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	if err := WaitListening(s.Port, 20*time.Second, done); err != nil {
		s.t.Fatalf("connecttest: opc ua server: %v", err)
	}
}

// Stop kills the server process and waits for it.
func (s *OPCUAServer) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Ticks returns when the server set its values (their source
// timestamps), in order, across restarts.
func (s *OPCUAServer) Ticks() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.ticks...)
}

// ServeOPCUAIfChild runs the OPC UA server and never returns when this
// process is a child started by StartOPCUA; otherwise it returns at once.
// Call it first in TestMain.
func ServeOPCUAIfChild() {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return
	}
	var port, n int
	var tickS string
	parts := strings.Split(spec, ",")
	if len(parts) != 3 {
		fmt.Fprintln(os.Stderr, "connecttest: bad", childEnv, spec)
		os.Exit(2)
	}
	port, _ = strconv.Atoi(parts[0])
	n, _ = strconv.Atoi(parts[1])
	tickS = parts[2]
	tick, err := time.ParseDuration(tickS)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connecttest:", err)
		os.Exit(2)
	}
	log.SetOutput(io.Discard) // gopcua's server logs through the standard logger
	srv := server.New(
		server.EndPoint("127.0.0.1", port),
		server.EnableSecurity("None", ua.MessageSecurityModeNone),
		server.EnableAuthMode(ua.UserTokenTypeAnonymous),
		server.ServerName("gemba-test"),
	)
	ns := server.NewNodeNameSpace(srv, "plant")
	nodes := make([]*server.Node, n)
	for i := range n {
		nodes[i] = ns.AddNewVariableStringNode(fmt.Sprintf("v%d", i), 0.0)
	}
	if err := srv.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "connecttest: start opc ua server:", err)
		os.Exit(1)
	}
	// Every tick: each variable gets a new value stamped with the tick
	// time, the subscriptions are notified, and the tick is reported.
	t := time.NewTicker(tick)
	for k := 0; ; k++ {
		now := (<-t.C).UTC().Truncate(time.Millisecond)
		for i, nd := range nodes {
			dv := &ua.DataValue{
				EncodingMask:    ua.DataValueValue | ua.DataValueSourceTimestamp | ua.DataValueServerTimestamp,
				Value:           ua.MustVariant(float64(i) + float64(k%100)/100),
				SourceTimestamp: now,
				ServerTimestamp: now,
			}
			_ = nd.SetAttribute(ua.AttributeIDValue, dv)
			ns.ChangeNotification(nd.ID())
		}
		fmt.Printf("tick %d\n", now.UnixMilli())
	}
}
