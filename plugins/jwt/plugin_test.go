package jwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/jwt"
)

func enc(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sign builds a compact JWT; key is a []byte secret, *rsa.PrivateKey or
// *ecdsa.PrivateKey, matching alg.
func sign(t *testing.T, alg string, claims map[string]any, key any) string {
	t.Helper()
	signed := enc(map[string]any{"alg": alg, "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signed))
	var sig []byte
	switch k := key.(type) {
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(signed))
		sig = m.Sum(nil)
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:]); err != nil {
			t.Fatal(err)
		}
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func pemPublic(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

type keys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func newKeys(t *testing.T) keys {
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return keys{r, e}
}

// config: alice has HS256 "hs" (secret s3cr3t), RS256 "rs" and ES256 "es"
// credentials, and "b64" (HS256, base64 secret).
func config(t *testing.T, k keys, p *entity.Plugin) *entity.Config {
	cfg := plugintest.Basic(p)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c-alice", "alice"), plugintest.Consumer("c-anon", "anon")}
	add := func(id, key, alg, secret, pub string) {
		j := entity.NewJWT()
		j.ID, j.Consumer, j.Key, j.Algorithm, j.Secret, j.RSAPublicKey = plugintest.ID(id), plugintest.Ref("c-alice"), key, alg, secret, pub
		cfg.JWTs = append(cfg.JWTs, j)
	}
	add("j-hs", "hs", "HS256", "s3cr3t", "")
	add("j-rs", "rs", "RS256", "", pemPublic(t, &k.rsa.PublicKey))
	add("j-es", "es", "ES256", "", pemPublic(t, &k.ec.PublicKey))
	add("j-b64", "b64", "HS256", base64.StdEncoding.EncodeToString([]byte("raw-secret")), "")
	return cfg
}

func TestJWT(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	secret := []byte("s3cr3t")
	now := time.Now().Unix()
	tests := []struct {
		name   string
		conf   map[string]any
		token  func(t *testing.T) string
		where  string // "header" (default), "query", "cookie"
		status int
		body   string // exact body for failures
	}{
		{name: "hs256", token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "hs"}, secret) }, status: 200},
		{name: "rs256", token: func(t *testing.T) string { return sign(t, "RS256", map[string]any{"iss": "rs"}, k.rsa) }, status: 200},
		{name: "es256", token: func(t *testing.T) string { return sign(t, "ES256", map[string]any{"iss": "es"}, k.ec) }, status: 200},
		{name: "query parameter", where: "query", token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "hs"}, secret) }, status: 200},
		{name: "cookie", where: "cookie", conf: map[string]any{"cookie_names": []any{"session"}},
			token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "hs"}, secret) }, status: 200},
		{name: "base64 secret", conf: map[string]any{"secret_is_base64": true},
			token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "b64"}, []byte("raw-secret")) }, status: 200},
		{name: "no token", token: func(*testing.T) string { return "" }, status: 401, body: `{"message":"Unauthorized"}`},
		{name: "garbage", token: func(*testing.T) string { return "a.b" }, status: 401, body: `{"message":"Bad token; invalid token format"}`},
		{name: "no iss", token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"sub": "x"}, secret) },
			status: 401, body: `{"message":"No mandatory 'iss' in claims"}`},
		{name: "unknown iss", token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "who"}, secret) },
			status: 401, body: `{"message":"No credentials found for given 'iss'"}`},
		{name: "algorithm mismatch", token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "rs"}, secret) },
			status: 401, body: `{"message":"Invalid algorithm"}`},
		{name: "bad signature", token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "hs"}, []byte("wrong")) },
			status: 401, body: `{"message":"Invalid signature"}`},
		{name: "expired", conf: map[string]any{"claims_to_verify": []any{"exp"}},
			token: func(t *testing.T) string {
				return sign(t, "HS256", map[string]any{"iss": "hs", "exp": now - 10}, secret)
			},
			status: 401, body: `{"exp":"token expired"}`},
		{name: "exp required", conf: map[string]any{"claims_to_verify": []any{"exp"}},
			token:  func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "hs"}, secret) },
			status: 401, body: `{"exp":"must be a number"}`},
		{name: "not valid yet", conf: map[string]any{"claims_to_verify": []any{"nbf"}},
			token: func(t *testing.T) string {
				return sign(t, "HS256", map[string]any{"iss": "hs", "nbf": now + 600}, secret)
			},
			status: 401, body: `{"nbf":"token not valid yet"}`},
		{name: "anonymous on failure", conf: map[string]any{"anonymous": "anon"},
			token: func(t *testing.T) string { return sign(t, "HS256", map[string]any{"iss": "hs"}, []byte("wrong")) }, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, config(t, k, plugintest.Plugin("jwt", tt.conf, plugintest.Scope{})))
			tok := tt.token(t)
			path := "/"
			if tt.where == "query" {
				path = "/?jwt=" + tok
			}
			req := h.Request(t, "GET", path, nil)
			switch {
			case tok == "" || tt.where == "query":
			case tt.where == "cookie":
				req.AddCookie(&http.Cookie{Name: "session", Value: tok})
			default:
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, body := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status != 200 {
				if string(body) != tt.body || resp.Header.Get("Www-Authenticate") != "Bearer" {
					t.Errorf("got %s (challenge %q), want %s", body, resp.Header.Get("Www-Authenticate"), tt.body)
				}
				return
			}
			e := plugintest.DecodeEcho(t, body)
			want := "alice"
			if tt.name == "anonymous on failure" {
				want = "anon"
			}
			if e.Headers.Get("X-Consumer-Username") != want {
				t.Errorf("consumer = %q, want %s", e.Headers.Get("X-Consumer-Username"), want)
			}
			if tt.name == "hs256" && e.Headers.Get("X-Credential-Identifier") != "hs" {
				t.Errorf("X-Credential-Identifier = %q, want the credential key", e.Headers.Get("X-Credential-Identifier"))
			}
		})
	}
}

func TestJWTReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, config(t, newKeys(t), plugintest.Example(t, "README.md")))
	cfgKey := []byte("s3cr3t")
	now := time.Now().Unix()
	for _, c := range []struct {
		exp    int64
		status int
	}{{now + 600, 200}, {now + 7200, 401}} {
		req := h.Request(t, "GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+sign(t, "HS256", map[string]any{"iss": "hs", "exp": c.exp}, cfgKey))
		resp, body := h.Do(t, req)
		if resp.StatusCode != c.status {
			t.Errorf("exp in %ds: %d %s, want %d", c.exp-now, resp.StatusCode, body, c.status)
		}
		if c.status == 401 && string(body) != `{"exp":"exceeds maximum allowed expiration"}` {
			t.Errorf("body = %s", body)
		}
	}
}

func TestJWTSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "jwt", map[string]plugintest.SchemaCase{
		"unknown claim":                    {Config: map[string]any{"claims_to_verify": []any{"iat"}}, Field: "config.claims_to_verify[1]"},
		"maximum expiration without exp":   {Config: map[string]any{"maximum_expiration": 60}, Field: "config.claims_to_verify", Message: "expected to contain: exp"},
		"maximum expiration out of bounds": {Config: map[string]any{"maximum_expiration": -1}, Field: "config.maximum_expiration"},
		"consumer scope":                   {Scope: plugintest.Scope{Consumer: "c"}, Field: "consumer", Message: "value must be null"},
	})
}
