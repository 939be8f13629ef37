package declarative

import (
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Problem is one thing wrong with a document.
type Problem struct {
	// Path is where in the document: "services[0].routes[1].paths[0]";
	// "" for the document as a whole.
	Path string
	// Line and Column are 1-based; 0 when unknown.
	Line   int
	Column int
	// Message says what is wrong, in Kong's words where Kong has them.
	Message string
	// Kind, EntityID, EntityKey and Field identify the entity the problem
	// belongs to, when it belongs to one (for the Admin API's flattened
	// errors and the data plane's rejection report).
	Kind      entity.Kind
	EntityID  string
	EntityKey string
	Field     string
}

// String renders "path (line N): message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Path != "" {
		b.WriteString(p.Path)
	}
	if p.Line > 0 {
		if p.Path != "" {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "(line %d)", p.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	return b.String() + p.Message
}

// Error is what Parse returns for a bad document: every problem found, in
// document order as far as possible, not just the first.
type Error struct {
	Problems []Problem
}

// maxRendered bounds how many problems Error renders; Problems keeps all.
const maxRendered = 100

// Error renders one problem per line, at most maxRendered of them.
func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "invalid declarative configuration: " + e.Problems[0].String()
	}
	var lines []string
	for i, p := range e.Problems {
		if i == maxRendered {
			lines = append(lines, fmt.Sprintf("  ... and %d more", len(e.Problems)-maxRendered))
			break
		}
		lines = append(lines, "  "+p.String())
	}
	return fmt.Sprintf("invalid declarative configuration (%d errors):\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// problems collects Problems while a document is parsed.
type problems struct {
	list []Problem
}

// at records a problem at path, positioned at n (which may be nil).
func (p *problems) at(path string, n *node, format string, args ...any) {
	pr := Problem{Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.line, n.col
	}
	p.list = append(p.list, pr)
}

// atLine records a problem at an explicit position.
func (p *problems) atLine(path string, line, col int, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as an *Error, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Problems: p.list}
}
