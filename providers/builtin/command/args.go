package command

import "github.com/infrago/infra/sdk/resource"

// defaultInterpreter runs each command string with the POSIX shell. It is a function, not a variable, so no caller
// can change the default for everyone.
func defaultInterpreter() []string { return []string{"/bin/sh", "-c"} }

// Args are the inputs of command:index:Command.
type Args struct {
	Create string `infra:"create" doc:"The command to run when the resource is created (and, when update is unset, the command a change to it replaces the resource to run again). Its standard output and error become the stdout and stderr outputs; a non-zero exit fails the create."`

	Update *string `infra:"update" doc:"The command to run when create, environment or stdin change. When set (before or after the change), such a change updates the resource in place by running it (or, if it has just been removed, the new create command); when unset, such a change replaces the resource: the new create runs, then the old delete. Changing only update or delete never runs anything. INFRA_COMMAND_STDOUT and INFRA_COMMAND_STDERR hold the previous outputs. Unset by default."`

	Delete *string `infra:"delete" doc:"The command to run when the resource is deleted or replaced. INFRA_COMMAND_STDOUT and INFRA_COMMAND_STDERR hold the last run's stdout and stderr. A non-zero exit fails the delete and keeps the resource. Unset: deleting only forgets the resource."`

	Environment map[string]string `infra:"environment" doc:"Environment variables added to those of infra itself for every command. A change runs update, or replaces the resource when update is unset."`

	Triggers []resource.PropertyValue `infra:"triggers,replace" doc:"Arbitrary values of any type; changing any of them replaces the resource, running create again (and the old delete). Use it to re-run a command when something it depends on changes."`

	Dir *string `infra:"dir,replace" doc:"The working directory of every command, absolute or relative to the directory infra runs in. A change replaces the resource. Unset: the directory infra runs in."`

	Interpreter []string `infra:"interpreter,replace" default:"[\"/bin/sh\",\"-c\"]" doc:"The program and leading arguments that run each command; the command string is appended as the last argument."`

	Stdin *string `infra:"stdin" doc:"Text passed to every command's standard input. A change runs update, or replaces the resource when update is unset. Unset: standard input is empty."`
}

// State is the state of a command:index:Command: its inputs and the output of the last create or update run.
type State struct {
	Args
	Stdout string `infra:"stdout" doc:"The standard output of the last create or update run, with one trailing newline removed. A secret when any input is a secret."`
	Stderr string `infra:"stderr" doc:"The standard error of the last create or update run, with one trailing newline removed. A secret when any input is a secret."`
}

// str is the value of an optional string input; unset and empty mean the same to every command.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// interpreter is the interpreter a's commands run with.
func (a Args) interpreter() []string {
	if a.Interpreter == nil {
		return defaultInterpreter()
	}
	return a.Interpreter
}
