package backendtest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has the kernel kill the server when the test binary dies (a timeout, a ^C), which
// t.Cleanup cannot do.
func setParentDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
