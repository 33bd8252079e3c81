package processtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child if the test binary dies
// (a -timeout panic, a Ctrl-C) before its cleanups run: no stray servers.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
