package plugin

import (
	"os/exec"
	"syscall"
)

// bindToParent makes the kernel kill the provider if the engine dies, so a crashed or killed engine never leaves
// provider processes behind (go-plugin servers ignore SIGINT and SIGTERM by design).
func bindToParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
