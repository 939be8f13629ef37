package declarative

import (
	"fmt"
	"strings"
	"testing"
)

// bigDoc is a flat document with n services, each with one route and one plugin.
func bigDoc(n int) []byte {
	var b strings.Builder
	b.WriteString("_format_version: \"3.0\"\nservices:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "- name: svc-%d\n  url: http://backend-%d.internal:8080/v1\n  routes:\n  - name: route-%d\n    paths: [/api/%d, \"~/re/%d/(?<id>\\\\d+)$\"]\n    hosts: [h%d.example.com]\n    plugins:\n    - name: rate-limiting\n      config: {minute: %d}\n", i, i, i, i, i, i, i+1)
	}
	return []byte(b.String())
}

func BenchmarkParse(b *testing.B) {
	yamlDoc := bigDoc(10000)
	cfg, err := Parse(yamlDoc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	jsonDoc, err := Marshal(cfg, "json")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		doc  []byte
	}{{"yaml-10k-routes", yamlDoc}, {"json-10k-routes", jsonDoc}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(tc.doc, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("hash-10k-routes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = cfg.Hash()
		}
	})
}
