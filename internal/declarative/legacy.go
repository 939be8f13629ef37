package declarative

import (
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Files written for Kong 1.x/2.x (_format_version "1.1" or "2.1") predate
// the "~" that marks a regex route path in 3.0: then any path holding a
// character outside [A-Za-z0-9.-_~/%] was a regex. Kong 3.x migrates such a
// file's route paths on load (kong/db/migrations/migrate_path_280_300.lua),
// and so does Gantry: a regex path gains "~" and has its percent-encoded
// bytes decoded (regex metacharacters escaped, reserved ones kept encoded);
// a plain path is normalized as Kong's normalize(path, true) does.

// isLegacyFormat reports whether the document declares a pre-3.0 format.
func isLegacyFormat(root *node) bool {
	v := root.get("_format_version")
	return v != nil && v.kind == kindScalar && (v.text == "1.1" || v.text == "2.1")
}

// migrateLegacyPaths rewrites r's paths the way Kong migrates a 1.1/2.1 file.
func migrateLegacyPaths(r *entity.Route) {
	for i, p := range r.Paths {
		if isPlainLegacyPath(p) {
			r.Paths[i] = normalizeLegacyPath(p)
		} else {
			r.Paths[i] = "~" + decodeLegacyRegex(p)
		}
	}
}

func isPlainLegacyPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !isAlnum(c) && !strings.ContainsRune(".-_~/%", rune(c)) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// reservedBytes stay percent-encoded (RFC 3986 reserved characters and %).
const reservedBytes = "!#$%&'()*+,/:;=?@[]"

// regexMetaBytes are escaped when a percent-encoded one is decoded into a
// regex, so it still matches the literal byte.
const regexMetaBytes = ".^-{}\\|"

// decodePercent decodes each %XX triplet with decoded: reserved bytes keep
// their triplet (hex upper-cased), others become what decoded returns.
func decodePercent(p string, decoded func(c byte) string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		hi, lo := -1, -1
		if p[i] == '%' && i+2 < len(p) {
			hi, lo = unhex(p[i+1]), unhex(p[i+2])
		}
		if hi < 0 || lo < 0 {
			b.WriteByte(p[i])
			continue
		}
		c := byte(hi<<4 | lo)
		if strings.IndexByte(reservedBytes, c) >= 0 {
			b.WriteString(strings.ToUpper(p[i : i+3]))
		} else {
			b.WriteString(decoded(c))
		}
		i += 2
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func decodeLegacyRegex(p string) string {
	return decodePercent(p, func(c byte) string {
		if strings.IndexByte(regexMetaBytes, c) >= 0 {
			return "\\" + string(c)
		}
		return string(c)
	})
}

// normalizeLegacyPath decodes unreserved bytes, merges repeated slashes and
// removes dot segments, keeping a trailing slash.
func normalizeLegacyPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return p // validation says what a path must start with
	}
	p = decodePercent(p, func(c byte) string { return string(c) })
	var out []string
	segs := strings.Split(p, "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case "", ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}
