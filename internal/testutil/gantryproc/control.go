package gantryproc

import (
	"os"
	"time"
)

// Exited is closed when the current process has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Kill SIGKILLs the process and waits for it; a no-op once it has exited.
func (p *Proc) Kill() {
	if p.Cmd == nil || p.Cmd.Process == nil {
		return
	}
	_ = p.Cmd.Process.Kill()
	<-p.exited
}

// Signal sends sig to the process, failing the test if it cannot.
func (p *Proc) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// Wait waits up to timeout for the process to exit and returns its exit
// code; it fails the test if the process is still running.
func (p *Proc) Wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.Cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		p.t.Fatalf("%s still running %s after the signal:\n%s", p.Name, timeout, p.Out)
		return -1
	}
}

// ProxyURL is the first proxy listener's http URL.
func (p *Proc) ProxyURL() string { return "http://" + p.Listeners.Proxy[0].Address }

// AdminURL is the first Admin API listener's http URL.
func (p *Proc) AdminURL() string { return "http://" + p.Listeners.Admin[0].Address }

// StatusURL is the first status listener's http URL.
func (p *Proc) StatusURL() string { return "http://" + p.Listeners.Status[0].Address }
