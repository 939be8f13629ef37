package admin

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

// selfSigned returns a PEM certificate and key made for this test run.
func selfSigned(t *testing.T, cn string, isCA bool) (certPEM, keyPEM string) {
	t.Helper()
	c := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{cn}, CA: isCA})
	return c.Cert, c.Key
}

func TestCertificates(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	cert, key := selfSigned(t, "shop.example", false)
	created := a.must(http.StatusCreated, "POST", "/certificates", map[string]any{"cert": cert, "key": key, "snis": []string{"shop.example"}})
	id := created["id"].(string)
	caCert, _ := selfSigned(t, "Test CA", true)
	leaf2, key2 := selfSigned(t, "api.example", false)

	runCases(t, a, []apiCase{
		{"certificate by SNI name", "GET", "/certificates/shop.example", nil, 200, 0, []string{id}},
		{"unknown SNI name", "GET", "/certificates/nope.example", nil, 404, 0, []string{"SNI not found"}},
		{"snis of the certificate", "GET", "/certificates/" + id + "/snis", nil, 200, 0, []string{`"name":"shop.example"`}},
		{"certificate of an sni", "GET", "/snis/shop.example/certificate", nil, 200, 0, []string{id}},
		{"add an sni under the certificate", "POST", "/certificates/" + id + "/snis", map[string]any{"name": "www.shop.example"}, 201, 0, []string{id}},
		{"duplicate sni", "POST", "/snis", map[string]any{"name": "shop.example", "certificate": map[string]any{"id": id}}, 409, 5, []string{"shop.example"}},
		{"garbage certificate", "POST", "/certificates", map[string]any{"cert": "not a pem", "key": key}, 400, 2, []string{"cert"}},
		{"PUT by SNI creates a certificate carrying it", "PUT", "/certificates/api.example", map[string]any{"cert": leaf2, "key": key2}, 200, 0, []string{`"api.example"`}},
		{"ca certificate", "POST", "/ca_certificates", map[string]any{"cert": caCert}, 201, 0, []string{"cert_digest"}},
		{"ca_certificates take ids only", "GET", "/ca_certificates/not-a-uuid", nil, 400, 1, []string{"expected a valid UUID"}},
		{"unknown ca certificate id", "GET", "/ca_certificates/6f0c7f6a-3c5e-4f33-9d7b-2a0f0e5b7c11", nil, 404, 0, []string{"Not found"}},
	})
	t.Run("multipart upload", func(t *testing.T) {
		a := a.with(t)
		c3, k3 := selfSigned(t, "upload.example", false)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("cert", "cert.pem")
		_, _ = fw.Write([]byte(c3))
		fw, _ = mw.CreateFormFile("key", "key.pem")
		_, _ = fw.Write([]byte(k3))
		_ = mw.WriteField("snis[]", "upload.example")
		_ = mw.Close()
		r := a.send("POST", "/certificates", mw.FormDataContentType(), &buf)
		wantError(t, r, http.StatusCreated, 0, `"upload.example"`)
	})
}
