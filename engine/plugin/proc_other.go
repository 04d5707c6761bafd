//go:build !linux

package plugin

import "os/exec"

// bindToParent has no portable equivalent of Linux's parent-death signal elsewhere.
func bindToParent(cmd *exec.Cmd) {}
