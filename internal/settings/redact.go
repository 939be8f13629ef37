package settings

import "strconv"

// Redacted is the value shown in place of a secret.
const Redacted = "******"

// Redacted returns every setting with its effective value, typed the way
// Kong renders its configuration (numbers, booleans, lists), secrets replaced
// by "******". It is what `GET /` shows as "configuration" and what a node
// logs at debug level: never print the Settings itself.
func (c *Settings) Redacted() map[string]any {
	out := make(map[string]any, len(c.values))
	for _, s := range settings() {
		v := c.values[s.key]
		switch {
		case v == "":
			out[s.key] = nil
		case s.secret:
			out[s.key] = Redacted
		case s.kind == kindInt:
			n, _ := strconv.Atoi(v)
			out[s.key] = n
		case s.kind == kindBool:
			out[s.key] = v == "on" || v == "true"
		case s.kind == kindList:
			out[s.key] = splitList(v)
		default:
			out[s.key] = v
		}
	}
	return out
}
