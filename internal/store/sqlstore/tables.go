package sqlstore

import (
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Every kind is stored in a table named after the kind with these columns:
//
//	id          text primary key (UUID; ordered byte-wise for pagination)
//	created_at  bigint, kept across replaces
//	data        the entity's full JSON, what reads return
//	<columns>   the indexed copies of fields the database must enforce or
//	            filter on: unique keys, foreign keys ("<field>_id")
//
// and a companion "<kind>_tags" table (entity_id, tag) for tag filtering.
// The revision counter is the single row of gantry_revision.

// column is an indexed copy of one field. An empty value is stored as NULL,
// so unique constraints ignore unset optional fields.
type column struct {
	name  string
	value func(entity.Entity) string
}

// unique is a unique constraint and how its violation is reported.
type unique struct {
	cols     []string // constraint columns, in order
	field    string   // field named in the error
	valueCol string   // column whose value the error shows
}

// ref is a foreign key column.
type ref struct {
	field   string // reference field: "service", "consumer", ...
	col     string
	to      entity.Kind
	cascade bool // ON DELETE CASCADE; otherwise deleting the target is refused
}

// table describes how one kind is stored.
type table struct {
	kind    entity.Kind
	cols    []column
	uniques []unique
	refs    []ref
	keys    []string // columns Get accepts instead of the id, tried in order
}

func (t *table) name() string { return string(t.kind) }

// constraintName names a unique constraint the PostgreSQL way.
func (t *table) constraintName(cols []string) string {
	if len(cols) == 1 && cols[0] == "id" {
		return t.name() + "_pkey"
	}
	return t.name() + "_" + strings.Join(cols, "_") + "_key"
}

func (t *table) ref(field string) *ref {
	for i := range t.refs {
		if t.refs[i].field == field {
			return &t.refs[i]
		}
	}
	return nil
}

func (t *table) colValue(e entity.Entity, name string) string {
	for _, c := range t.cols {
		if c.name == name {
			return c.value(e)
		}
	}
	return ""
}

// get adapts a typed field getter to column.value.
func get[T entity.Entity](f func(T) string) func(entity.Entity) string {
	return func(e entity.Entity) string { return f(e.(T)) }
}

func col[T entity.Entity](name string, f func(T) string) column {
	return column{name: name, value: get(f)}
}

// refCol is the "<field>_id" column of the reference field (see
// entity.RefField).
func refCol(field string) column {
	return column{name: field + "_id", value: func(e entity.Entity) string {
		if r := entity.RefField(e, field); r != nil {
			return entity.RefID(*r)
		}
		return ""
	}}
}

func one(col, field string) unique { return unique{cols: []string{col}, field: field, valueCol: col} }

// pluginCacheKey makes "one plugin of a name per scope" a plain unique column.
func pluginCacheKey(p *entity.Plugin) string {
	return strings.Join([]string{p.Name, entity.RefID(p.Service), entity.RefID(p.Route), entity.RefID(p.Consumer)}, "|")
}

// credential is the shape shared by the consumer credentials.
func credential[T entity.Entity](kind entity.Kind, keyCol, field string, key func(T) string) *table {
	t := &table{
		kind: kind,
		cols: []column{refCol("consumer")},
		refs: []ref{{field: "consumer", col: "consumer_id", to: entity.KindConsumer, cascade: true}},
	}
	if keyCol != "" {
		t.cols = append(t.cols, col(keyCol, key))
		t.uniques = []unique{one(keyCol, field)}
		t.keys = []string{keyCol}
	}
	return t
}

// tables maps every kind to its storage description.
var tables = map[entity.Kind]*table{
	entity.KindCACertificate: {
		kind:    entity.KindCACertificate,
		cols:    []column{col("cert_digest", func(c *entity.CACertificate) string { return c.CertDigest })},
		uniques: []unique{one("cert_digest", "cert_digest")},
	},
	entity.KindCertificate: {kind: entity.KindCertificate},
	entity.KindSNI: {
		kind: entity.KindSNI,
		cols: []column{
			col("name", func(s *entity.SNI) string { return s.Name }),
			refCol("certificate"),
		},
		uniques: []unique{one("name", "name")},
		refs:    []ref{{field: "certificate", col: "certificate_id", to: entity.KindCertificate, cascade: true}},
		keys:    []string{"name"},
	},
	entity.KindService: {
		kind: entity.KindService,
		cols: []column{
			col("name", func(s *entity.Service) string { return s.Name }),
			refCol("client_certificate"),
		},
		uniques: []unique{one("name", "name")},
		refs:    []ref{{field: "client_certificate", col: "client_certificate_id", to: entity.KindCertificate}},
		keys:    []string{"name"},
	},
	entity.KindRoute: {
		kind: entity.KindRoute,
		cols: []column{
			col("name", func(r *entity.Route) string { return r.Name }),
			refCol("service"),
		},
		uniques: []unique{one("name", "name")},
		refs:    []ref{{field: "service", col: "service_id", to: entity.KindService}},
		keys:    []string{"name"},
	},
	entity.KindUpstream: {
		kind: entity.KindUpstream,
		cols: []column{
			col("name", func(u *entity.Upstream) string { return u.Name }),
			refCol("client_certificate"),
		},
		uniques: []unique{one("name", "name")},
		refs:    []ref{{field: "client_certificate", col: "client_certificate_id", to: entity.KindCertificate}},
		keys:    []string{"name"},
	},
	entity.KindTarget: {
		kind: entity.KindTarget,
		cols: []column{
			refCol("upstream"),
			col("target", func(t *entity.Target) string { return t.Target }),
		},
		uniques: []unique{{cols: []string{"upstream_id", "target"}, field: "target", valueCol: "target"}},
		refs:    []ref{{field: "upstream", col: "upstream_id", to: entity.KindUpstream, cascade: true}},
		keys:    []string{"target"},
	},
	entity.KindConsumer: {
		kind: entity.KindConsumer,
		cols: []column{
			col("username", func(c *entity.Consumer) string { return c.Username }),
			col("custom_id", func(c *entity.Consumer) string { return c.CustomID }),
		},
		uniques: []unique{one("username", "username"), one("custom_id", "custom_id")},
		keys:    []string{"username", "custom_id"},
	},
	entity.KindPlugin: {
		kind: entity.KindPlugin,
		cols: []column{
			col("name", func(p *entity.Plugin) string { return p.Name }),
			col("instance_name", func(p *entity.Plugin) string { return p.InstanceName }),
			refCol("service"),
			refCol("route"),
			refCol("consumer"),
			col("cache_key", pluginCacheKey),
		},
		uniques: []unique{one("instance_name", "instance_name"), {cols: []string{"cache_key"}, field: "name", valueCol: "name"}},
		refs: []ref{
			{field: "service", col: "service_id", to: entity.KindService, cascade: true},
			{field: "route", col: "route_id", to: entity.KindRoute, cascade: true},
			{field: "consumer", col: "consumer_id", to: entity.KindConsumer, cascade: true},
		},
		keys: []string{"instance_name"},
	},
	entity.KindKeyAuth: credential(entity.KindKeyAuth, "cred_key", "key",
		func(k *entity.KeyAuth) string { return k.Key }),
	entity.KindBasicAuth: credential(entity.KindBasicAuth, "username", "username",
		func(b *entity.BasicAuth) string { return b.Username }),
	entity.KindJWT: credential(entity.KindJWT, "cred_key", "key",
		func(j *entity.JWT) string { return j.Key }),
	entity.KindACL: aclTable(),
}

func aclTable() *table {
	t := credential(entity.KindACL, "", "", func(*entity.ACL) string { return "" })
	t.cols = append(t.cols, col("group_name", func(a *entity.ACL) string { return a.Group }))
	t.uniques = []unique{{cols: []string{"consumer_id", "group_name"}, field: "group", valueCol: "group_name"}}
	return t
}

// backRef is a ref of table t that points at some kind.
type backRef struct {
	t *table
	r ref
}

// referrers lists the refs of every table that point at kind.
func referrers(kind entity.Kind) []backRef {
	var out []backRef
	for _, k := range entity.Kinds {
		t := tables[k]
		for _, r := range t.refs {
			if r.to == kind {
				out = append(out, backRef{t, r})
			}
		}
	}
	return out
}
