//go:build !linux

package program

import "syscall"

// procAttr runs the program in its own process group so it can be stopped with everything it started.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
