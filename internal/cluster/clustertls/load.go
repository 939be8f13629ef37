package clustertls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"
)

// Cert is the loaded cluster certificate: the key pair and its leaf.
type Cert struct {
	TLS  tls.Certificate
	Leaf *x509.Certificate
}

// Expiry is when the certificate stops being valid, in Unix seconds.
func (c *Cert) Expiry() int64 { return c.Leaf.NotAfter.Unix() }

// Load reads cluster_cert and cluster_cert_key, each a path or inline PEM.
// Its errors name the setting, the file, the cause and, for a permission
// problem, the user the process runs as, so start-up stops with one line
// the operator can act on.
func Load(cert, key string) (*Cert, error) {
	certPEM, certName, err := read("cluster_cert", cert, pairHint)
	if err != nil {
		return nil, err
	}
	keyPEM, keyName, err := readKey("cluster_cert_key", key, pairHint)
	if err != nil {
		return nil, err
	}
	return parsePair(certPEM, keyPEM, certName, keyName)
}

// parsePair checks a certificate and its key, read from the files named
// certName and keyName: they match and the certificate has not expired.
func parsePair(certPEM, keyPEM []byte, certName, keyName string) (*Cert, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("cluster_cert %s and cluster_cert_key %s: %s (both must be PEM, and the key must be the one of the certificate; `gantry hybrid gen_cert` makes a matching pair)", certName, keyName, pairProblem(err))
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("cluster_cert %s: %w", certName, err)
	}
	pair.Leaf = leaf
	if now := time.Now(); now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("cluster_cert %s expired on %s: make a new pair with `gantry hybrid gen_cert` and install it on every node", certName, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return &Cert{TLS: pair, Leaf: leaf}, nil
}

// pairHint is what to do when cluster_cert or cluster_cert_key is missing.
const pairHint = "check the path, or make a pair with `gantry hybrid gen_cert`"

// read returns the PEM of a setting that is inline PEM or a path, and how
// to name it in errors ("(inline PEM)" or the path); hint says what to do
// when the file is missing.
func read(setting, v, hint string) ([]byte, string, error) { return readPEM(setting, v, hint, false) }

// readKey is read for a private key's setting: a value that is not an
// existing file may be the key itself in another form than PEM, so it is
// never printed.
func readKey(setting, v, hint string) ([]byte, string, error) { return readPEM(setting, v, hint, true) }

func readPEM(setting, v, hint string, secret bool) ([]byte, string, error) {
	if strings.Contains(v, "-----BEGIN") {
		return []byte(v), "(inline PEM)", nil
	}
	data, err := os.ReadFile(v)
	switch {
	case err == nil:
		return data, v, nil
	case secret && errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("the value of %s is neither a PEM block nor an existing file: %s", setting, fileProblem(err, hint))
	}
	return nil, v, fmt.Errorf("%s %s: %s", setting, v, fileProblem(err, hint))
}

// fileProblem says why a file could not be read, in words.
func fileProblem(err error, hint string) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file (" + hint + ")"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: gantry runs as " + RunningAs() + ", which cannot read it (change the file's owner or mode)"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error() // the path is the caller's to show, or not
	}
	return err.Error()
}

// pairProblem rewords tls.X509KeyPair's errors.
func pairProblem(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "does not match") {
		return "the private key does not match the certificate"
	}
	return strings.TrimPrefix(msg, "tls: ")
}

// RunningAs names the user the process runs as: "user alice (uid 1000)".
func RunningAs() string {
	uid := os.Geteuid()
	name := "?"
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		name = u.Username
	}
	return fmt.Sprintf("user %s (uid %d)", name, uid)
}
