package gantryproc

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// Listener is one bound listener in listeners.json.
type Listener struct {
	Address string `json:"address"`
}

// Listeners is what a node writes to listeners.json once it listens: the
// real addresses behind port-0 settings.
type Listeners struct {
	Proxy   []Listener `json:"proxy"`
	Admin   []Listener `json:"admin"`
	Status  []Listener `json:"status"`
	Cluster []Listener `json:"cluster"`
}

// Options says how to start a node.
type Options struct {
	Binary string   // the gantry binary (from Main)
	Name   string   // names the node in failure messages; empty: "gantry"
	Prefix string   // the node's prefix; empty: a fresh temporary directory
	Env    []string // the whole environment, usually from Env
	// StartTimeout bounds the wait for listeners.json; zero: 30 s.
	StartTimeout time.Duration
}

// Proc is a `gantry start` process owned by a test: the test's clean-up
// kills it, fails the test if it reported a data race, and logs its output
// if the test failed.
type Proc struct {
	Options
	Out       *testutil.Buffer // stdout and stderr, across restarts
	Listeners Listeners        // as of the last start
	Cmd       *exec.Cmd        // the running (or last) process
	// Err is the process's exit error, valid once Exited is closed.
	Err error

	t      testing.TB
	conf   []string
	exited chan struct{}
}

// Start starts a node and waits until it has written listeners.json.
func Start(t testing.TB, o Options) *Proc {
	t.Helper()
	if o.Name == "" {
		o.Name = "gantry"
	}
	if o.Prefix == "" {
		o.Prefix = filepath.Join(t.TempDir(), "prefix")
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 30 * time.Second
	}
	p := &Proc{Options: o, Out: &testutil.Buffer{}, t: t, conf: Hermetic(t)}
	t.Cleanup(func() {
		p.Kill()
		if strings.Contains(p.Out.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector found a data race in %s", p.Name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", p.Name, p.Out)
		}
	})
	p.Restart()
	return p
}

// Restart starts the process again in its prefix, with its Env, after
// Kill or a signal, and waits for its new listeners.
func (p *Proc) Restart() {
	t := p.t
	t.Helper()
	listeners := filepath.Join(p.Prefix, "listeners.json")
	os.Remove(listeners)
	p.Cmd = exec.Command(p.Binary, append([]string{"start", "-p", p.Prefix}, p.conf...)...)
	p.Cmd.Env = p.Env
	p.Cmd.Stdout, p.Cmd.Stderr = p.Out, p.Out
	p.exited = make(chan struct{})
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd, exited := p.Cmd, p.exited
	go func() { p.Err = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(p.StartTimeout)
	for {
		data, err := os.ReadFile(listeners)
		if err == nil && json.Unmarshal(data, &p.Listeners) == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited during start-up (%v):\n%s", p.Name, p.Err, p.Out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s wrote no listeners.json in %s:\n%s", p.Name, p.StartTimeout, p.Out)
		}
	}
}
