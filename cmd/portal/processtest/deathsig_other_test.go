//go:build !linux

package processtest

import "os/exec"

// dieWithParent: only Linux has Pdeathsig; elsewhere the cleanups alone
// stop the children.
func dieWithParent(*exec.Cmd) {}
