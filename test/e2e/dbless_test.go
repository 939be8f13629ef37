package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

func TestDBLessProxiesToUpstream(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "hello from upstream", 0)
	n := startDBLess(t, declFile(t, routeTo(up.URL)))

	if code, body := get(n.ProxyURL() + "/anything"); code != 200 || body != "hello from upstream" {
		t.Fatalf("GET through the proxy = %d %q, want 200 from the upstream", code, body)
	}
	if code, _ := get(n.StatusURL() + "/status/ready"); code != 200 {
		t.Fatalf("/status/ready = %d, want 200 with a config loaded", code)
	}
	code, out, errOut := gantry(t, append([]string{"health", "-p", n.Prefix, "--ready"}, gantryproc.Hermetic(t)...)...)
	if code != 0 || !strings.Contains(out, "ready: yes") {
		t.Fatalf("gantry health --ready = %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(n.Out.String(), n.Listeners.Proxy[0].Address) {
		t.Errorf("the bound proxy address %s is not in the log", n.Listeners.Proxy[0].Address)
	}
}

func TestReadyOnlyWithConfig(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "up", 0)
	file := declFile(t, emptyConfig)
	n := startDBLess(t, file)

	code, body := get(n.StatusURL() + "/status/ready")
	if code != 503 || !strings.Contains(body, `"message"`) {
		t.Fatalf("/status/ready with an empty config = %d %s, want 503 with a JSON message", code, body)
	}
	if code, _ := get(n.ProxyURL() + "/"); code != 404 {
		t.Fatalf("proxy with an empty config = %d, want 404", code)
	}
	hcode, out, _ := gantry(t, append([]string{"health", "-p", n.Prefix, "--ready"}, gantryproc.Hermetic(t)...)...)
	if hcode != 1 || !strings.Contains(out, "ready: no") {
		t.Fatalf("gantry health --ready on an empty node = %d %q, want exit 1", hcode, out)
	}

	writeFile(t, file, routeTo(up.URL))
	n.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "/status/ready to answer 200", 10*time.Second, func() bool {
		code, _ := get(n.StatusURL() + "/status/ready")
		return code == 200
	})
}

func TestSIGHUPChangesRouting(t *testing.T) {
	t.Parallel()
	a, b := newUpstream(t, "A", 0), newUpstream(t, "B", 0)
	file := declFile(t, routeTo(a.URL))
	n := startDBLess(t, file)
	if _, body := get(n.ProxyURL() + "/"); body != "A" {
		t.Fatalf("before reload: %q, want A", body)
	}
	writeFile(t, file, routeTo(b.URL))
	n.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "traffic to move to B", 10*time.Second, func() bool {
		_, body := get(n.ProxyURL() + "/")
		return body == "B"
	})
}

func TestSIGHUPWithBrokenFileKeepsServing(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "A", 0)
	file := declFile(t, routeTo(a.URL))
	n := startDBLess(t, file)

	writeFile(t, file, "_format_version: \"3.0\"\nservices:\n- name: broken\n  port: 99999\n")
	n.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "the reload error in the log", 10*time.Second, func() bool { return len(reloadFailures(n)) == 1 })
	errLine := reloadFailures(n)[0]
	if !strings.Contains(errLine, file) || !strings.Contains(errLine, "services[0]") {
		t.Errorf("reload error %q should name the file and the problem's place", errLine)
	}
	if code, body := get(n.ProxyURL() + "/"); code != 200 || body != "A" {
		t.Fatalf("after a broken reload: %d %q, want the old config serving A", code, body)
	}
	if _, metrics := get(n.StatusURL() + "/metrics"); !strings.Contains(metrics, `gantry_config_reloads_total{result="failed"} 1`) {
		t.Errorf("/metrics does not count the failed reload")
	}
}

// TestReloadUnderLoad reloads while clients send requests: not one may fail.
func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	a, b := newUpstream(t, "A", 0), newUpstream(t, "B", 0)
	file := declFile(t, routeTo(a.URL))
	n := startDBLess(t, file)

	const clients, maxPerClient, reloads = 4, 5000, 20
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	var failures []string
	for range clients {
		wg.Go(func() {
			for range maxPerClient {
				select {
				case <-stop:
					return
				default:
				}
				code, body := get(n.ProxyURL() + "/")
				mu.Lock()
				if code != 200 || (body != "A" && body != "B") {
					failures = append(failures, fmt.Sprintf("%d %s", code, body))
				}
				seen[body]++
				mu.Unlock()
			}
		})
	}
	targets := []string{b.URL, a.URL}
	for i := range reloads {
		time.Sleep(25 * time.Millisecond)
		writeFile(t, file, routeTo(targets[i%2]))
		n.Signal(syscall.SIGHUP)
	}
	time.Sleep(100 * time.Millisecond) // let the last reload serve a few requests
	close(stop)
	wg.Wait()
	for _, f := range failures {
		t.Errorf("failed request during reloads: %s", f)
	}
	if seen["A"] == 0 || seen["B"] == 0 {
		t.Fatalf("answers %v: the reloads never changed routing, the test proved nothing", seen)
	}
	t.Logf("answers %v over %d reloads", seen, reloads)
}

func TestStopSignalDrainsInFlight(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, "slow answer", 1500*time.Millisecond)
			n := startDBLess(t, declFile(t, routeTo(up.URL)))

			type result struct {
				code int
				body string
			}
			res := make(chan result, 1)
			go func() {
				code, body := get(n.ProxyURL() + "/slow")
				res <- result{code, body}
			}()
			select {
			case <-up.arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the slow request never reached the upstream")
			}
			n.Signal(sig)
			if r := <-res; r.code != 200 || r.body != "slow answer" {
				t.Fatalf("in-flight request during %s = %d %q, want it to complete", sig, r.code, r.body)
			}
			if code := n.Wait(15 * time.Second); code != 0 {
				t.Fatalf("exit code after %s = %d, want 0", sig, code)
			}
			if _, err := os.Stat(filepath.Join(n.Prefix, "listeners.json")); !os.IsNotExist(err) {
				t.Errorf("listeners.json left behind after a clean stop (%v)", err)
			}
		})
	}
}

func TestBrokenFileStopsStartup(t *testing.T) {
	t.Parallel()
	file := declFile(t, "_format_version: \"3.0\"\nservices:\n- name: x\n  url: http://127.0.0.1:9\n  routes:\n  - name: r\n    paths: [ \"nope\" ]\n")
	cmd := exec.Command(binary, append([]string{"start", "-p", t.TempDir()}, gantryproc.Hermetic(t)...)...)
	cmd.Env = gantryproc.Env("GANTRY_DATABASE=off", "GANTRY_DECLARATIVE_CONFIG="+file, "GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN=127.0.0.1:0")
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("start with a broken declarative file succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), file) || !strings.Contains(string(out), "routes[0].paths[0]") {
		t.Fatalf("start-up error should name the file and the bad field:\n%s", out)
	}
}

func TestTLSAndHTTP2Listener(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "over tls", 0)
	n := startDBLess(t, declFile(t, routeTo(up.URL)), "GANTRY_PROXY_LISTEN=127.0.0.1:0, 127.0.0.1:0 ssl http2")
	data, err := os.ReadFile(filepath.Join(n.Prefix, "listeners.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ls struct {
		Proxy []struct {
			Address    string
			SSL, HTTP2 bool
		}
	}
	if err := json.Unmarshal(data, &ls); err != nil || len(ls.Proxy) != 2 || !ls.Proxy[1].SSL || !ls.Proxy[1].HTTP2 || ls.Proxy[0].SSL {
		t.Fatalf("listeners.json proxy = %+v (%v), want a plain and an ssl http2 listener", ls.Proxy, err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // the node's self-signed default certificate
		ForceAttemptHTTP2: true,
	}}
	resp, err := client.Get("https://" + ls.Proxy[1].Address + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "over tls" || resp.ProtoMajor != 2 {
		t.Fatalf("https GET = %d %s %q, want 200 over HTTP/2 from the upstream", resp.StatusCode, resp.Proto, body)
	}
}
