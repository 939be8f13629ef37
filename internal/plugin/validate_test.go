package plugin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	tests := []struct {
		name   string
		plugin func(p *entity.Plugin)
		want   map[string]string // field → message; nil = valid
	}{
		{name: "defaults are valid", plugin: func(p *entity.Plugin) {}},
		{name: "every field set", plugin: func(p *entity.Plugin) {
			p.Config = map[string]any{"value": "v", "limit": float64(3), "list": []any{"a"}, "nested": map[string]any{"flag": true}}
		}},
		{name: "null keeps the default", plugin: func(p *entity.Plugin) { p.Config = map[string]any{"value": nil} }},
		{name: "null in a field this node does not know", plugin: func(p *entity.Plugin) {
			p.Config = map[string]any{"added_in_v2": nil, "nested": map[string]any{"newer": nil}}
		}},
		{name: "yaml integers accepted", plugin: func(p *entity.Plugin) { p.Config = map[string]any{"limit": uint64(7)} }},
		{name: "unknown plugin", plugin: func(p *entity.Plugin) { p.Name = "nope" },
			want: map[string]string{"name": "plugin 'nope' not enabled; add it to the 'plugins' configuration property"}},
		{name: "a plugin name with a typo", plugin: func(p *entity.Plugin) { p.Name = "test-tga" },
			want: map[string]string{"name": "plugin 'test-tga' not enabled; add it to the 'plugins' configuration property (did you mean 'test-tag'?)"}},
		{name: "missing name", plugin: func(p *entity.Plugin) { p.Name = "" }, want: map[string]string{"name": "required field missing"}},
		{name: "unknown field", plugin: func(p *entity.Plugin) { p.Config = map[string]any{"colour": "red"} },
			want: map[string]string{"config.colour": "unknown field"}},
		{name: "every wrong type reported", plugin: func(p *entity.Plugin) {
			p.Config = map[string]any{"value": float64(1), "limit": "many", "list": "a", "nested": map[string]any{"flag": "yes", "x": 1}}
		}, want: map[string]string{
			"config.value": "expected a string", "config.limit": "expected an integer", "config.list": "expected an array",
			"config.nested.flag": "expected a boolean", "config.nested.x": "unknown field",
		}},
		{name: "fraction for an integer", plugin: func(p *entity.Plugin) { p.Config = map[string]any{"limit": 1.5} },
			want: map[string]string{"config.limit": "expected an integer"}},
		{name: "array element wrong type", plugin: func(p *entity.Plugin) { p.Config = map[string]any{"list": []any{"a", true}} },
			want: map[string]string{"config.list[2]": "expected a string"}},
		{name: "config validator", plugin: func(p *entity.Plugin) { p.Config = map[string]any{"limit": float64(-1)} },
			want: map[string]string{"config.limit": "value must be greater than -1"}},
		{name: "unsupported protocol", plugin: func(p *entity.Plugin) { p.Protocols = []string{"http", "udp"} },
			want: map[string]string{"protocols[2]": "expected one of: grpc, grpcs, http, https"}},
		{name: "auth plugin scoped to a consumer", plugin: func(p *entity.Plugin) {
			p.Name, p.Config, p.Consumer = "test-auth", map[string]any{}, &entity.Ref{ID: "c1"}
		}, want: map[string]string{"consumer": "value must be null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := plugintest.Plugin("test-tag", nil, plugintest.Scope{})
			tt.plugin(p)
			errs := reg.Validate(p)
			got := map[string]string{}
			for _, fe := range errs {
				got[fe.Field] = fe.Message
			}
			if tt.want == nil {
				tt.want = map[string]string{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNormalizeFillsDefaults(t *testing.T) {
	t.Parallel()
	p := plugintest.Plugin("test-tag", map[string]any{"value": "v"}, plugintest.Scope{})
	if errs := plugin.Bundled(nil).Normalize(p); errs != nil {
		t.Fatal(errs)
	}
	want := map[string]any{"value": "v", "limit": float64(5), "list": nil, "nested": map[string]any{"flag": false}}
	if !reflect.DeepEqual(p.Config, want) {
		t.Errorf("config = %#v, want %#v", p.Config, want)
	}
}

func TestSubset(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	tests := []struct {
		names   []string
		want    []string
		wantErr string
	}{
		{names: []string{"bundled"}, want: reg.Names()},
		{names: []string{"off"}, want: []string{}},
		{names: []string{"test-tag", "test-auth"}, want: []string{"test-auth", "test-tag"}},
		{names: []string{"off", "test-tag"}, wantErr: `"off" cannot be combined`},
		{names: []string{"nope"}, wantErr: `unknown plugin "nope"; available`},
		{names: []string{"test-tga"}, wantErr: `unknown plugin "test-tga" (did you mean "test-tag"?)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			t.Parallel()
			sub, err := reg.Subset(tt.names)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sub.Names(); !slices.Equal(got, tt.want) {
				t.Errorf("names = %v, want %v", got, tt.want)
			}
		})
	}
	if v := reg.Versions()["test-auth"]; v != "1.2.3" {
		t.Errorf("Versions()[test-auth] = %q, want 1.2.3", v)
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("registering test-tag twice did not panic")
		}
	}()
	plugin.Register(tagPlugin("test-tag", "X-Tag", 1))
}

func TestRegisterRejectsVersionsThatAreNotSemver(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "1", "1.2", "v1.2.3", "1.2.3.4", "01.2.3", "1.x.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "test-badversion") || !strings.Contains(fmt.Sprint(r), "semver") {
					t.Errorf("Register with version %q: recovered %v, want a panic naming the plugin", v, r)
				}
			}()
			plugin.Register(plugin.New(plugin.Spec[tagConfig]{Name: "test-badversion", Version: v, Priority: 1,
				New: func(*tagConfig, *plugin.Env) (plugin.Handler, error) { return nil, nil }}))
		})
	}
}

func TestBuildChainsRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		plugins []*entity.Plugin
		opts    []plugintest.Option
		want    string
	}{
		{name: "invalid config", plugins: []*entity.Plugin{plugintest.Plugin("test-tag", map[string]any{"limit": "x"}, plugintest.Scope{})},
			want: "config.limit: expected an integer"},
		{name: "plugin not loaded", plugins: []*entity.Plugin{plugintest.Plugin("test-tag", nil, plugintest.Scope{})},
			opts: []plugintest.Option{plugintest.WithPlugins("test-auth")}, want: "plugin 'test-tag' not enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := plugintest.Start(t, plugintest.Basic(tt.plugins...), tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "(test-tag)") {
				t.Errorf("err = %v, want it to name test-tag and %q", err, tt.want)
			}
		})
	}
}

func TestHandlerFailureIsA500ForThatRequestOnly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ phase, mode string }{
		{"rewrite", "panic"}, {"rewrite", "error"}, {"access", "panic"}, {"access", "error"},
		{"header_filter", "panic"}, {"header_filter", "error"}, {"body_filter", "panic"},
		{"body_filter", "error"}, {"log", "panic"},
	} {
		t.Run(tt.phase+"/"+tt.mode, func(t *testing.T) {
			t.Parallel()
			scope := plugintest.Scope{Route: "r"}
			if tt.phase == "rewrite" {
				scope = plugintest.Scope{} // rewrite runs global instances only, as in Kong
			}
			cfg := plugintest.Basic(plugintest.Plugin("test-fail", map[string]any{"phase": tt.phase, "mode": tt.mode}, scope))
			cfg.Routes = append(cfg.Routes, plugintest.Route("healthy", "svc", "/healthy"))
			h := plugintest.New(t, cfg)
			req := h.Request(t, http.MethodGet, "/x", nil)
			req.Header.Set("X-Fail", "1")
			resp, body := h.Do(t, req)
			wantStatus := http.StatusInternalServerError
			if tt.phase == "log" {
				wantStatus = http.StatusOK // the response was sent before the log phase
			}
			if resp.StatusCode != wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, wantStatus)
			}
			if wantStatus == 500 && plugintest.Message(body) != "An unexpected error occurred" {
				t.Errorf("body = %s", body)
			}
			// The 500 replaces the upstream's answer whole: none of its
			// headers go out with the gateway's JSON body.
			if wantStatus == 500 && (resp.Header.Get("X-Upstream") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")) {
				t.Errorf("500 sent with the upstream's headers: X-Upstream %q, Content-Type %q",
					resp.Header.Get("X-Upstream"), resp.Header.Get("Content-Type"))
			}
			if logs := h.Logs(); !strings.Contains(logs, "plugin=test-fail") || !strings.Contains(logs, "phase="+tt.phase) {
				t.Errorf("logs do not name the plugin and phase: %s", logs)
			}
			if resp, _ := h.Do(t, h.Request(t, http.MethodGet, "/healthy", nil)); resp.StatusCode != http.StatusOK {
				t.Errorf("other route got %d after the failure", resp.StatusCode)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	s, ok := reg.Schema("test-auth")
	if !ok {
		t.Fatal("no schema for test-auth")
	}
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `{"consumer":{"eq":null,"reference":"consumers","type":"foreign"}}`) {
		t.Errorf("auth plugin schema does not forbid consumers: %s", b)
	}
	s, _ = reg.Schema("test-tag")
	b, _ = json.Marshal(s)
	for _, want := range []string{
		`{"value":{"default":"default","type":"string"}}`,
		`{"limit":{"default":5,"type":"integer"}}`,
		`{"list":{"elements":{"type":"string"},"type":"array"}}`,
		`{"nested":{"fields":[{"flag":{"default":false,"type":"boolean"}}],"type":"record"}}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("schema lacks %s: %s", want, b)
		}
	}
	if _, ok := reg.Schema("nope"); ok {
		t.Error("schema of an unknown plugin")
	}
}
