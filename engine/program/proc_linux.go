package program

import "syscall"

// procAttr runs the program in its own process group (so it can be stopped with everything it started) and has
// the kernel kill it if the engine dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
