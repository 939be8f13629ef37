package entity

// normalizer is implemented by entities that canonicalize their input
// (expanding a service url, lower-casing hosts, defaulting a target port).
type normalizer interface{ Normalize() }

// validator is implemented by every entity: it checks the entity's own
// fields, not whether the entities it refers to exist.
type validator interface{ Validate() Errors }

// Normalize canonicalizes e in place. Call it before Validate.
func Normalize(e Entity) {
	if n, ok := e.(normalizer); ok {
		n.Normalize()
	}
}

// Validate checks e's own fields and returns every failure, field by field.
func Validate(e Entity) Errors {
	if v, ok := e.(validator); ok {
		return v.Validate()
	}
	return nil
}
