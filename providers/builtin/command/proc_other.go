//go:build !unix

package command

import "os/exec"

// inOwnProcessGroup leaves cmd as it is where there are no POSIX process groups: cancelling its context kills the
// command's own process only (exec's default).
func inOwnProcessGroup(*exec.Cmd) {}
