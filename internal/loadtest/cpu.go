package loadtest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// clockTick is the kernel's USER_HZ, the unit of /proc/<pid>/stat times
// (100 on every Linux this runs on).
const clockTick = 10 * time.Millisecond

// procCPU is the user+system CPU time a process has used so far, read from
// /proc/<pid>/stat (0 when the process is gone or /proc is absent).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after it start
	// after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * clockTick
}

// selfCPU is the CPU time the harness process (local Slack, scripted LLM,
// the load generator) has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSnapshot is the CPU time used so far by the instances, by the
// PostgreSQL backends serving the load database, and by the harness.
type cpuSnapshot struct {
	instances time.Duration
	backends  map[int]time.Duration // backend pid -> CPU so far
	harness   time.Duration
}

// snapshotCPU reads the CPU counters. Backends are found through
// pg_stat_activity of the harness's database; a backend that exits between
// two snapshots is not counted (the instances' pools keep theirs open).
func (h *Harness) snapshotCPU(ctx context.Context) cpuSnapshot {
	s := cpuSnapshot{harness: selfCPU(), backends: backendCPU(ctx, h.cfg.DatabaseURL)}
	for _, in := range h.Instances {
		if cmd, _ := in.proc(); cmd != nil && cmd.Process != nil {
			s.instances += procCPU(cmd.Process.Pid)
		}
	}
	return s
}

// cpuUsed is what was spent between two snapshots.
func cpuUsed(before, after cpuSnapshot) (instances, postgres, harness time.Duration) {
	for pid, t := range after.backends {
		postgres += t - before.backends[pid]
	}
	return after.instances - before.instances, postgres, after.harness - before.harness
}

// loadAvg is the 1-minute load average (0 when unknown), reported with the
// figures because the machine may be shared.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// CPUMeter measures the CPU time spent by this process and by the
// PostgreSQL backends serving one database, between Start and Stop.
type CPUMeter struct {
	url      string
	self     time.Duration
	backends map[int]time.Duration
}

// StartCPU starts measuring; databaseURL names the database whose backends
// are counted ("" counts none).
func StartCPU(ctx context.Context, databaseURL string) *CPUMeter {
	return &CPUMeter{url: databaseURL, self: selfCPU(), backends: backendCPU(ctx, databaseURL)}
}

// Stop returns the CPU time this process and the database's backends have
// spent since StartCPU. A backend that exited in between is not counted.
func (m *CPUMeter) Stop(ctx context.Context) (process, postgres time.Duration) {
	process = selfCPU() - m.self
	for pid, t := range backendCPU(ctx, m.url) {
		postgres += t - m.backends[pid]
	}
	return process, postgres
}

// backendCPU reads the CPU time of every backend connected to the database
// at url (through pg_stat_activity and /proc; empty when either is out of
// reach).
func backendCPU(ctx context.Context, url string) map[int]time.Duration {
	out := map[int]time.Duration{}
	if url == "" {
		return out
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, url)
	if err != nil {
		return out
	}
	defer func() { _ = conn.Close(cctx) }()
	rows, err := conn.Query(cctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			out[pid] = procCPU(pid)
		}
	}
	return out
}
