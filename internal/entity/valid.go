package entity

// Valid is a configuration that passed validation, with its digest. It is
// the one currency of the config pipeline (docs/architecture.md): every
// source of configuration hands the node a Valid, and the node builds and
// swaps it without validating or hashing it again.
//
// Only Check makes a non-zero Valid, so holding one proves the config was
// checked: the declarative loader, the cluster codec and the store provider
// all go through it. The configuration must not be modified afterwards.
type Valid struct {
	cfg    *Config
	digest Digest
}

// Checks tunes Check.
type Checks struct {
	// Plugin checks a plugin's config against its schema and may fill in
	// defaults (before the digest is taken). Its field paths are relative
	// to the plugin ("config.minute"). Nil leaves plugin configs to the
	// caller.
	Plugin func(*Plugin) Errors
	// Changed, when set, limits the own-field checks (and Plugin) to the
	// entities it reports: a config derived from one already valid (a data
	// plane's delta) checks only what changed, while ids, unique fields and
	// references are still checked across the whole config. Certificates are
	// always checked: their validity depends on the clock.
	Changed func(Entity) bool
	// Stored says each entity was checked when it was written (a control
	// plane's store export: the Admin API validated every write). Only ids,
	// unique fields and references are checked across the config, and
	// certificates are not checked against the clock again, so an expired
	// CA certificate reaches data planes, which refuse it and say why.
	Stored bool
	// Delta, when set, says how c was made from a valid config; it implies
	// Changed (the upserts). Check then looks only at what the change can
	// break (with Stored, no entity's own fields), and validates the whole
	// config only to list the errors of one it refuses.
	Delta *Delta
	// Claim, when its Tree is set, is the hash and tree the node that sent
	// the configuration computed: when the tree computed here matches, the
	// hash is taken from the claim instead of computed again (md5 over the
	// whole canonical form, which a cache cannot make cheaper).
	Claim Claim
	// Cache, when set, lets the digest reuse the encodings of entities it
	// saw in the last config digested with it (see DigestCached).
	Cache *DigestCache
}

// Check validates c and digests it. The error, when not nil, is a
// *ConfigErrors listing every failure, plugin configs included, each with
// the kind and index of its entity.
func (c *Config) Check(o Checks) (Valid, error) {
	if o.Delta != nil && o.Changed == nil {
		fresh := make(map[Entity]bool, len(o.Delta.Upserts))
		for _, e := range o.Delta.Upserts {
			fresh[e] = true
		}
		o.Changed = func(e Entity) bool { return fresh[e] }
	}
	var err error
	switch {
	case o.Delta != nil && c.checkDelta(o.Delta, !o.Stored):
	case o.Stored:
		err = c.validate(func(Entity) bool { return false })
	case o.Changed == nil:
		err = c.Validate()
	default:
		err = c.validate(func(e Entity) bool {
			switch e.(type) {
			case *Certificate, *CACertificate:
				return true // their validity depends on the clock
			}
			return o.Changed(e)
		})
	}
	if o.Plugin != nil {
		errs, _ := err.(*ConfigErrors)
		if errs == nil {
			errs = &ConfigErrors{}
		}
		for i, p := range c.Plugins {
			if p == nil || p.Name == "" || (o.Changed != nil && !o.Changed(p)) {
				continue // a nameless plugin is reported by Validate; its schema is unknown
			}
			for _, fe := range o.Plugin(p) {
				errs.add(p, i, fe.Field, fe.Message)
			}
		}
		if len(errs.Errors) > 0 {
			err = errs
		}
	}
	if err != nil {
		return Valid{}, err
	}
	return Valid{cfg: c, digest: c.digest(o.Cache, o.Claim)}, nil
}

// Config is the checked configuration; nil for the zero Valid.
func (v Valid) Config() *Config { return v.cfg }

// Digest is the configuration's digest (Config().Digest()).
func (v Valid) Digest() Digest { return v.digest }

// Hash is the configuration's hash (Config().Hash()).
func (v Valid) Hash() string { return v.digest.Hash }

// IsZero reports whether v holds no configuration.
func (v Valid) IsZero() bool { return v.cfg == nil }
