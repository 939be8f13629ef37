package entity

import "testing"

func TestApplyProtocolDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		protocols []string
		set       bool // the input set strip_path (to NewRoute's true)
		want      bool
	}{
		{"grpc route without strip_path gets false", []string{"grpc"}, false, false},
		{"grpcs route without strip_path gets false", []string{"grpc", "grpcs"}, false, false},
		{"grpc route keeps an explicit true, for validation to refuse", []string{"grpc"}, true, true},
		{"http route keeps the default true", []string{"http", "https"}, false, true},
		{"mixed http and grpc keeps the default true", []string{"http", "grpc"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRoute()
			r.Protocols = tt.protocols
			r.ApplyProtocolDefaults(tt.set)
			if r.StripPath != tt.want {
				t.Errorf("strip_path = %v, want %v", r.StripPath, tt.want)
			}
		})
	}
}
