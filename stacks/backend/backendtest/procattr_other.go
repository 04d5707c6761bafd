//go:build !linux

package backendtest

import "os/exec"

// setParentDeathSignal does nothing where the kernel offers no parent-death signal: t.Cleanup stops the server.
func setParentDeathSignal(*exec.Cmd) {}
