package plugin

// protoSet is a set of request protocols as a bit mask, so the per-request
// protocol check is a switch and an AND.
type protoSet uint8

const (
	protoHTTP protoSet = 1 << iota
	protoHTTPS
	protoGRPC
	protoGRPCS
	protoOther // ws, wss, tcp...: accepted in config, matched by name below
)

func protoBit(p string) protoSet {
	switch p {
	case "http", "":
		return protoHTTP
	case "https":
		return protoHTTPS
	case "grpc":
		return protoGRPC
	case "grpcs":
		return protoGRPCS
	}
	return protoOther
}

// protoSetOf builds the set of an instance's protocols; an empty list
// means every protocol.
func protoSetOf(list []string) protoSet {
	if len(list) == 0 {
		return ^protoSet(0)
	}
	var s protoSet
	for _, p := range list {
		s |= protoBit(p)
	}
	return s
}

func (s protoSet) has(p string) bool { return s&protoBit(p) != 0 }
