// Package declarative reads and writes Gantry's declarative configuration:
// Kong 3.x's YAML/JSON format (_format_version "3.0"), in nested form
// (routes inside services, targets inside upstreams, credentials inside
// consumers, plugins inside any of them) or flat form with references by
// name or id.
//
// One loader serves DB-less start, POST /config, db_import and the data
// plane's apply step. It is strict (unknown fields and wrong types are
// errors) and reports every problem with its path in the document and its
// line. Entities without an id get a deterministic one, so loading the same
// file twice yields the same configuration hash.
package declarative

import (
	"fmt"
	"os"
	"sort"

	"github.com/gantryhq/gantry/internal/entity"
)

// Options tunes Parse.
type Options struct {
	// IgnoreUnknownNull ignores a field the schema does not know when its
	// value is null. The data plane sets it: a newer control plane may send
	// fields this node does not have, as null when unused.
	IgnoreUnknownNull bool
	// ValidatePlugin checks a plugin's config against its schema and may
	// fill in defaults. Its field paths are relative to the plugin
	// ("config.minute"). Nil accepts any config.
	ValidatePlugin func(*entity.Plugin) entity.Errors
	// Digests, when set, keeps the encodings the digest makes, for a
	// configuration derived from this one (entity.Checks.Cache).
	Digests *entity.DigestCache
}

// Parse reads a declarative configuration from YAML or JSON and returns it
// normalized, with ids and resolved references, and validated. On failure
// the error is an *Error listing every problem.
func Parse(data []byte, opts Options) (*entity.Config, error) {
	v, err := ParseValid(data, opts)
	return v.Config(), err
}

// ParseValid is Parse returning the checked configuration with its digest,
// as the config pipeline takes it.
func ParseValid(data []byte, opts Options) (entity.Valid, error) {
	probs := &problems{}
	root := parseDocument(data, probs)
	if root == nil && len(probs.list) > 0 {
		return entity.Valid{}, probs.err()
	}
	l := newLoader(opts, probs)
	l.document(root)
	l.resolve()
	v := l.validate(l.config())
	if len(probs.list) > 0 {
		sort.SliceStable(probs.list, func(i, j int) bool { return probs.list[i].Line < probs.list[j].Line })
		return entity.Valid{}, probs.err()
	}
	return v, nil
}

// LoadFile reads and parses the declarative configuration in file path.
func LoadFile(path string, opts Options) (*entity.Config, error) {
	v, err := LoadFileValid(path, opts)
	return v.Config(), err
}

// LoadFileValid is LoadFile returning the checked configuration with its
// digest.
func LoadFileValid(path string, opts Options) (entity.Valid, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return entity.Valid{}, fmt.Errorf("read declarative config: %w", err)
	}
	v, err := ParseValid(data, opts)
	if err != nil {
		return entity.Valid{}, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// parseDocument parses JSON when the text looks like JSON (falling back to
// YAML, of which JSON is nearly a subset), YAML otherwise.
func parseDocument(data []byte, probs *problems) *node {
	if looksLikeJSON(data) {
		jsonProbs := &problems{}
		n, synErr := parseJSON(data, jsonProbs)
		if synErr == nil {
			probs.list = append(probs.list, jsonProbs.list...)
			return n
		}
		yamlProbs := &problems{}
		if n := parseYAML(data, yamlProbs); n != nil && len(yamlProbs.list) == 0 {
			return n
		}
		probs.list = append(probs.list, *synErr)
		return nil
	}
	return parseYAML(data, probs)
}
