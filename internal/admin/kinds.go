package admin

import "github.com/gantryhq/gantry/internal/entity"

// foreignField is a reference from one kind to another, as the Admin API
// exposes it: nested collections (/services/{s}/routes) and the parent
// entity endpoint (/routes/{r}/service).
type foreignField struct {
	Field string      // JSON field name: "service", "consumer", ...
	Kind  entity.Kind // kind it points at
}

// kindInfo describes how one kind appears in the Admin API.
type kindInfo struct {
	Kind entity.Kind
	// Path is the top-level collection ("key-auths"); "" when the kind
	// only exists nested (targets).
	Path string
	// Nested is the collection name under a parent ("key-auth", "routes").
	Nested string
	// KeyField is the field that a non-UUID path segment stands for
	// ("name", "username"); "" for kinds addressed by id only.
	KeyField string
	// ScopedKey means KeyField is unique only under the parent (a target
	// per upstream, an ACL group per consumer): only nested paths accept it.
	ScopedKey bool
	// Foreign lists the references that have nested endpoints.
	Foreign []foreignField
}

// kindTable lists every kind the Admin API serves, with Kong's names.
// client_certificate references are left out of the nested endpoints: the
// store filters lists by service/route/consumer/upstream/certificate only.
var kindTable = []kindInfo{
	{Kind: entity.KindService, Path: "services", Nested: "services", KeyField: "name"},
	{Kind: entity.KindRoute, Path: "routes", Nested: "routes", KeyField: "name",
		Foreign: []foreignField{{"service", entity.KindService}}},
	{Kind: entity.KindUpstream, Path: "upstreams", Nested: "upstreams", KeyField: "name"},
	{Kind: entity.KindTarget, Nested: "targets", KeyField: "target", ScopedKey: true,
		Foreign: []foreignField{{"upstream", entity.KindUpstream}}},
	{Kind: entity.KindConsumer, Path: "consumers", Nested: "consumers", KeyField: "username"},
	{Kind: entity.KindPlugin, Path: "plugins", Nested: "plugins", KeyField: "instance_name",
		Foreign: []foreignField{
			{"service", entity.KindService}, {"route", entity.KindRoute}, {"consumer", entity.KindConsumer},
		}},
	{Kind: entity.KindCertificate, Path: "certificates", Nested: "certificates"},
	{Kind: entity.KindSNI, Path: "snis", Nested: "snis", KeyField: "name",
		Foreign: []foreignField{{"certificate", entity.KindCertificate}}},
	{Kind: entity.KindCACertificate, Path: "ca_certificates", Nested: "ca_certificates"},
	{Kind: entity.KindKeyAuth, Path: "key-auths", Nested: "key-auth", KeyField: "key",
		Foreign: []foreignField{{"consumer", entity.KindConsumer}}},
	{Kind: entity.KindBasicAuth, Path: "basic-auths", Nested: "basic-auth", KeyField: "username",
		Foreign: []foreignField{{"consumer", entity.KindConsumer}}},
	{Kind: entity.KindJWT, Path: "jwts", Nested: "jwt", KeyField: "key",
		Foreign: []foreignField{{"consumer", entity.KindConsumer}}},
	{Kind: entity.KindACL, Path: "acls", Nested: "acls", KeyField: "group", ScopedKey: true,
		Foreign: []foreignField{{"consumer", entity.KindConsumer}}},
}

// kindsByKind indexes kindTable.
func kindsByKind() map[entity.Kind]*kindInfo {
	m := make(map[entity.Kind]*kindInfo, len(kindTable))
	for i := range kindTable {
		m[kindTable[i].Kind] = &kindTable[i]
	}
	return m
}

// refKind returns the kind a reference field of k points at, including
// references without nested endpoints (client_certificate).
func refKind(k entity.Kind, field string) (entity.Kind, bool) {
	if field == "client_certificate" && (k == entity.KindService || k == entity.KindUpstream) {
		return entity.KindCertificate, true
	}
	for _, ki := range kindTable {
		if ki.Kind != k {
			continue
		}
		for _, f := range ki.Foreign {
			if f.Field == field {
				return f.Kind, true
			}
		}
	}
	return "", false
}

// idOnly reports whether top-level paths of k take ids only.
func (ki *kindInfo) idOnly() bool { return ki.KeyField == "" || ki.ScopedKey }

// isUUID reports whether s is an id rather than an endpoint key.
func isUUID(s string) bool { return entity.IsUUID(s) }
