package settings

import (
	"fmt"
	"strings"
)

// SourceKind is the layer a setting's value came from.
type SourceKind int

// The layers, lowest to highest precedence.
const (
	SourceDefault SourceKind = iota
	SourceFile
	SourceEnv
	SourceFlag
)

// Source says where a value came from, so an error can send the user to the
// right file line, variable or flag.
type Source struct {
	Kind SourceKind
	// Name is the file path, the variable name or the flag.
	Name string
	// Line is the line in the file, for SourceFile.
	Line int
}

// String renders s the way error messages cite it.
func (s Source) String() string {
	switch s.Kind {
	case SourceFile:
		return fmt.Sprintf("%s line %d", s.Name, s.Line)
	case SourceEnv:
		return "environment variable " + s.Name
	case SourceFlag:
		return "flag " + s.Name
	}
	return "default"
}

// SettingError is one invalid setting. It renders as one line naming the key,
// the value, what is allowed and where the value came from.
type SettingError struct {
	Key     string
	Value   string
	Source  Source
	Problem string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("invalid setting %s = %q (from %s): %s", e.Key, e.Value, e.Source, e.Problem)
}

// Errors is every problem found by Load, one per line.
type Errors []error

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a *SettingError in the list.
func (e Errors) Unwrap() []error { return e }
