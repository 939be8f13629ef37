package snapshot

// Protocols is what a route's protocols list accepts, parsed once per
// build so the proxy does not walk the list on every request. ws counts
// as http and wss as https: an upgrade is told apart by its headers.
type Protocols struct {
	HTTP, HTTPS, GRPC, GRPCS bool
}

func protocolsOf(list []string) Protocols {
	var p Protocols
	for _, v := range list {
		switch v {
		case "http", "ws":
			p.HTTP = true
		case "https", "wss":
			p.HTTPS = true
		case "grpc":
			p.GRPC = true
		case "grpcs":
			p.GRPCS = true
		}
	}
	return p
}
