package loadtest

import (
	"fmt"
	"os/exec"
	"syscall"
)

// CPUHog keeps n processes spinning at full speed beside a test, as the
// other jobs of a busy CI machine do: the load and fault tests must keep
// their promises (nothing lost, nothing answered twice) when Gemba and
// PostgreSQL get only part of the CPU. Stop ends the processes.
type CPUHog struct {
	cmds []*exec.Cmd
}

// StartCPUHog starts n spinning processes (none when n <= 0).
func StartCPUHog(n int) (*CPUHog, error) {
	h := &CPUHog{}
	for range n {
		// A shell loop, not a goroutine: the hog competes with every
		// process of the test (instances, PostgreSQL, the harness) through
		// the kernel's scheduler, as an unrelated job would.
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			h.Stop()
			return nil, fmt.Errorf("loadtest: start CPU hog: %w", err)
		}
		h.cmds = append(h.cmds, cmd)
	}
	return h, nil
}

// N is how many processes are spinning.
func (h *CPUHog) N() int { return len(h.cmds) }

// Stop kills the spinning processes and waits for them.
func (h *CPUHog) Stop() {
	for _, c := range h.cmds {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		_ = c.Wait()
	}
	h.cmds = nil
}
