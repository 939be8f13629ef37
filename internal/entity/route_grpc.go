package entity

// ApplyProtocolDefaults gives a decoded route the defaults that depend on its
// protocols. Kong's gRPC routes (protocols only grpc/grpcs) default
// strip_path to false, where other routes default it to true, and refuse an
// explicit true: a gRPC method path is the whole request path. A decoder
// calls it after decoding, with whether the input set strip_path, so a gRPC
// route written without strip_path is valid.
func (r *Route) ApplyProtocolDefaults(stripPathSet bool) {
	if !stripPathSet && grpcOnly(r.Protocols) {
		r.StripPath = false
	}
}
