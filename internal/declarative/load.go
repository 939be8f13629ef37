package declarative

import (
	"reflect"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// formatVersions are the _format_version values accepted (Kong 1.x, 2.x, 3.x).
var formatVersions = []string{"3.0", "2.1", "1.1"}

// child says which key of a kind holds nested entities and which field of
// those entities points back at the parent.
type child struct {
	key         string
	kind        entity.Kind
	parentField string
}

// children lists Kong's nested forms.
var children = map[entity.Kind][]child{
	entity.KindService:     {{"routes", entity.KindRoute, "service"}, {"plugins", entity.KindPlugin, "service"}},
	entity.KindRoute:       {{"plugins", entity.KindPlugin, "route"}},
	entity.KindUpstream:    {{"targets", entity.KindTarget, "upstream"}},
	entity.KindCertificate: {{"snis", entity.KindSNI, "certificate"}},
	entity.KindConsumer: {
		{"plugins", entity.KindPlugin, "consumer"},
		{"keyauth_credentials", entity.KindKeyAuth, "consumer"},
		{"basicauth_credentials", entity.KindBasicAuth, "consumer"},
		{"jwt_secrets", entity.KindJWT, "consumer"},
		{"acls", entity.KindACL, "consumer"},
	},
}

// item is one entity read from the document, with where it came from.
type item struct {
	e           entity.Entity
	path        string
	node        *node
	parent      *item
	parentField string
	bad         map[string]bool // top-level keys that failed to decode
}

// loader turns a document tree into entities.
type loader struct {
	opts      Options
	dec       *decoder
	probs     *problems
	transform bool
	legacy    bool // _format_version "1.1" or "2.1": route paths are migrated
	items     map[entity.Kind][]*item
}

func newLoader(opts Options, probs *problems) *loader {
	return &loader{opts: opts, dec: newDecoder(opts, probs), probs: probs, transform: true, items: map[entity.Kind][]*item{}}
}

// document reads the top level: the _meta keys and one list per kind.
func (l *loader) document(root *node) {
	if root == nil {
		l.probs.atLine("", 1, 1, `missing '_format_version' (start the file with _format_version: "3.0")`)
		return
	}
	if root.kind != kindMap {
		l.probs.at("", root, "expected a record at the top of the document (got %s)", root.describe())
		return
	}
	sawVersion := false
	l.legacy = isLegacyFormat(root)
	for _, f := range root.fields {
		switch {
		case f.key == "_format_version":
			sawVersion = true
			l.formatVersion(f)
		case f.key == "_transform" && !f.val.isNull():
			b, ok := f.val.value.(bool)
			if !ok || f.val.kind != kindScalar {
				l.probs.at(f.key, f.val, "expected a boolean (got %s)", f.val.describe())
			}
			l.transform = b
		case f.key == "_transform":
		case f.key == "_comment" || f.key == "_workspace" || f.key == "_info":
		case isKind(f.key):
			l.list(entity.Kind(f.key), f.val, f.key, nil, "")
		default:
			l.dec.stack = l.dec.stack[:0]
			l.dec.unknown(f)
		}
	}
	if !sawVersion {
		l.probs.atLine("", root.line, root.col, `missing '_format_version' (add _format_version: "3.0" at the top)`)
	}
}

func (l *loader) formatVersion(f field) {
	v := f.val
	text := v.text
	if _, isStr := v.value.(string); !isStr {
		if _, isNum := v.value.(float64); !isNum || v.kind != kindScalar {
			l.probs.at(f.key, v, "expected a string (got %s)", v.describe())
			return
		}
	}
	for _, ok := range formatVersions {
		if text == ok {
			return
		}
	}
	l.probs.at(f.key, v, "unsupported value '%s' (expected \"3.0\", \"2.1\" or \"1.1\")", text)
}

func isKind(key string) bool {
	for _, k := range entity.Kinds {
		if string(k) == key {
			return true
		}
	}
	return false
}

// list reads a list of entities of kind k found at path.
func (l *loader) list(k entity.Kind, n *node, path string, parent *item, parentField string) {
	if n.isNull() {
		return
	}
	if n.kind != kindSeq {
		l.probs.at(path, n, "expected an array (got %s)", n.describe())
		return
	}
	for i, elem := range n.items {
		l.entity(k, elem, indexPath(path, i), parent, parentField)
	}
}

// entity reads one entity and, recursively, the entities nested in it.
func (l *loader) entity(k entity.Kind, n *node, path string, parent *item, parentField string) {
	e := entity.New(k)
	if s, ok := n.value.(string); ok && k == entity.KindSNI && parent != nil && n.kind == kindScalar {
		e.(*entity.SNI).Name = s // certificates' snis: [name, ...] shorthand
		n = &node{kind: kindMap, line: n.line, col: n.col, fields: []field{{key: "name", line: n.line, col: n.col, val: n}}}
	}
	skip := map[string]bool{}
	for _, c := range children[k] {
		skip[c.key] = true
	}
	if parent != nil {
		skip[parentField] = true
		if v := n.get(parentField); v != nil && !v.isNull() {
			l.probs.at(keyPath(path, parentField), v, "remove this field: the entity is nested in its %s, which sets it", parentField)
		}
	}
	l.dec.stack = append(l.dec.stack[:0], pathElem{key: path, idx: -1})
	bad := l.dec.decodeStruct(n, reflect.ValueOf(e).Elem(), skip)
	if bad[""] {
		return
	}
	if r, ok := e.(*entity.Route); ok {
		r.ApplyProtocolDefaults(!n.get("strip_path").isNull())
		if l.legacy {
			migrateLegacyPaths(r)
		}
	}
	entity.Normalize(e)
	it := &item{e: e, path: path, node: n, parent: parent, parentField: parentField, bad: bad}
	l.items[k] = append(l.items[k], it)
	for _, c := range children[k] {
		if v := n.get(c.key); v != nil {
			l.list(c.kind, v, keyPath(path, c.key), it, c.parentField)
		}
	}
}

// config assembles the entities in dependency order.
func (l *loader) config() *entity.Config {
	cfg := &entity.Config{}
	for _, k := range entity.Kinds {
		for _, it := range l.items[k] {
			cfg.Add(it.e)
		}
	}
	return cfg
}

// validate runs entity and cross-entity validation and the plugin schemas
// (entity.Config.Check), mapping each failure back to its place in the
// document.
func (l *loader) validate(cfg *entity.Config) entity.Valid {
	checks := entity.Checks{Cache: l.opts.Digests}
	if check := l.opts.ValidatePlugin; check != nil {
		skip := map[*entity.Plugin]bool{}
		for _, it := range l.items[entity.KindPlugin] {
			if it.bad["config"] {
				skip[it.e.(*entity.Plugin)] = true // already reported; the schema cannot be applied
			}
		}
		checks.Plugin = func(p *entity.Plugin) entity.Errors {
			if skip[p] {
				return nil
			}
			return check(p)
		}
	}
	v, err := cfg.Check(checks)
	if err != nil {
		ce, _ := err.(*entity.ConfigErrors)
		for _, e := range ce.Errors {
			l.report(l.items[e.Kind][e.Index], e.Field, e.Message)
		}
	}
	return v
}

// report records a validation failure of field in it, unless decoding
// already reported that field.
func (l *loader) report(it *item, fieldPath, msg string) {
	top, _, _ := strings.Cut(fieldPath, ".")
	top, _ = splitIndexes(top)
	if it.bad[top] {
		return
	}
	p := Problem{
		Path: keyPath(it.path, fieldPath), Message: msg,
		Kind: it.e.EntityKind(), EntityID: it.e.GetID(), EntityKey: it.e.EndpointKey(), Field: fieldPath,
	}
	if fieldPath == "" {
		p.Path = it.path
	}
	at := it.node.lookup(fieldPath)
	if url := it.node.get("url"); at == it.node && url != nil {
		switch top {
		case "protocol", "host", "port", "path": // the user wrote them as the url
			at, p.Path = url, keyPath(it.path, "url")
		}
	}
	p.Line, p.Column = at.line, at.col
	l.probs.list = append(l.probs.list, p)
}
