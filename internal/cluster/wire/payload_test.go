package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

// everyKind is a valid config with an entity of every kind, timestamps,
// tags, characters JSON escapes, and a certificate whose snis shorthand
// repeats an snis entity.
func everyKind(t testing.TB) *entity.Config {
	t.Helper()
	id := func(n int) string { return "00000000-0000-4000-8000-00000000000" + string(rune('0'+n)) }
	leaf := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{"a.test", "b.test"}})
	ca := entitytest.SelfSigned(t, entitytest.CertOptions{CA: true, Names: []string{"test CA"}})
	meta := func(n int) entity.Meta {
		return entity.Meta{ID: id(n), CreatedAt: 1700000000 + int64(n), UpdatedAt: 1700000100 + int64(n), Tags: []string{"t<&>", "é"}}
	}
	svc := entity.NewService()
	svc.Meta, svc.Name, svc.Host = meta(1), "svc", "example.com"
	r := entity.NewRoute()
	r.Meta, r.Paths, r.Service = meta(2), []string{"/é<&>"}, &entity.Ref{ID: svc.ID}
	up := entity.NewUpstream()
	up.Meta, up.Name = meta(3), "up.test"
	tg := entity.NewTarget()
	tg.Meta, tg.Upstream, tg.Target = meta(4), &entity.Ref{ID: up.ID}, "127.0.0.1:8080"
	consumer := &entity.Consumer{Meta: meta(5), Username: "alice"}
	p := entity.NewPlugin()
	p.Meta, p.Name, p.Route = meta(6), "cors", &entity.Ref{ID: r.ID}
	p.Config = map[string]any{"origins": []any{"https://a.test"}, "nested": map[string]any{"id": "x", "created_at": 1.0}}
	cert := &entity.Certificate{Meta: meta(7), Cert: leaf.Cert, Key: leaf.Key, SNIs: []string{"a.test", "b.test"}}
	sni := &entity.SNI{Meta: meta(8), Name: "a.test", Certificate: &entity.Ref{ID: cert.ID}}
	cacert := &entity.CACertificate{Meta: meta(9), Cert: ca.Cert}
	cfg := &entity.Config{
		Services: []*entity.Service{svc}, Routes: []*entity.Route{r}, Upstreams: []*entity.Upstream{up},
		Targets: []*entity.Target{tg}, Consumers: []*entity.Consumer{consumer}, Plugins: []*entity.Plugin{p},
		Certificates: []*entity.Certificate{cert}, SNIs: []*entity.SNI{sni}, CACertificates: []*entity.CACertificate{cacert},
		KeyAuths:   []*entity.KeyAuth{{Meta: entity.Meta{ID: "10000000-0000-4000-8000-000000000000"}, Consumer: &entity.Ref{ID: consumer.ID}, Key: "k\"ey"}},
		BasicAuths: []*entity.BasicAuth{{Meta: entity.Meta{ID: "10000000-0000-4000-8000-000000000001"}, Consumer: &entity.Ref{ID: consumer.ID}, Username: "bob", Password: "x"}},
		JWTs:       []*entity.JWT{{Meta: entity.Meta{ID: "10000000-0000-4000-8000-000000000002", CreatedAt: 1}, Consumer: &entity.Ref{ID: consumer.ID}, Key: "iss", Secret: "s", Algorithm: "HS256"}},
		ACLs:       []*entity.ACL{{Meta: entity.Meta{ID: "10000000-0000-4000-8000-000000000003", UpdatedAt: 2}, Consumer: &entity.Ref{ID: consumer.ID}, Group: "g"}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestFullFromTheDigestDecodesAsTheDeclarativeDocument: the full payload
// a control plane builds from its digest's encodings loads on a data plane
// into exactly the config the declarative document (what full payloads
// were before) loads into, and a delta worked out from the digests
// (DiffDigests) carries json.Marshal's bytes for every entity, as an index
// of the config (NewIndex) holds them.
func TestFullFromTheDigestDecodesAsTheDeclarativeDocument(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 1<<20)
	cfg := everyKind(t)
	d := cfg.DigestCached(&entity.DigestCache{})
	fromDigest := func(e entity.Entity) ([]byte, error) {
		canon, ok := d.Encoding(e)
		if !ok {
			t.Fatalf("digest has no encoding of %s %s", e.EntityKind(), e.GetID())
		}
		return entity.Marshal(e, canon)
	}
	full, err := c.EncodeFullWith(3, d.Hash, cfg, fromDigest)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := declarative.Marshal(cfg, "json")
	if err != nil {
		t.Fatal(err)
	}
	before := c.seal(3, d.Hash, doc)
	got, err := c.DecodeFull(full.Payload, full.Checksum, nil, nil, entity.Claim{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.DecodeFull(before.Payload, before.Checksum, nil, nil, entity.Claim{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("full payload decodes to\n%s\nthe declarative document to\n%s", g, w)
	}
	if got.Hash() != want.Hash() || d.Hash != cfg.Hash() {
		t.Fatalf("hashes: decoded %s, decoded document %s, digest %s, config %s", got.Hash(), want.Hash(), d.Hash, cfg.Hash())
	}
	old, err := NewIndex(cfg)
	if err != nil {
		t.Fatal(err)
	}
	empty := (&entity.Config{}).DigestCached(&entity.DigestCache{})
	delta, ok, err := DiffDigests(empty, d)
	if !ok || err != nil || delta.Size() != old.Len() || len(delta.Deletes) != 0 {
		t.Fatalf("delta from nothing: ok %v, %v, %d changes, want the %d entities", ok, err, delta.Size(), old.Len())
	}
	for k, list := range delta.Upserts {
		for _, b := range list {
			var id struct{ ID string }
			_ = json.Unmarshal(b, &id)
			if want := old.byKey[string(k)+"/"+id.ID]; !bytes.Equal(b, want) {
				t.Errorf("delta's %s %s:\n got %s\nwant %s", k, id.ID, b, want)
			}
		}
	}
	if back, ok, _ := DiffDigests(d, empty); !ok || back.Size() != old.Len() || len(back.Upserts) != 0 {
		t.Fatalf("delta back to nothing: ok %v, %+v", ok, back)
	}
	plain, err := c.EncodeFull(3, d.Hash, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.Payload, full.Payload) {
		t.Error("EncodeFull and EncodeFullWith encode the same config differently")
	}
}
