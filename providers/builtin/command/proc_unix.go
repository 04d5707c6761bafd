//go:build unix

package command

import (
	"errors"
	"os/exec"
	"syscall"
)

// inOwnProcessGroup starts cmd as the leader of a new process group and makes cancelling its context kill the
// whole group: killing only the shell would leave what it started (a `sleep`, a build) running and holding the
// output pipes, so the operation would neither stop nor return.
func inOwnProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return nil // the group is already gone
		}
		return err
	}
}
