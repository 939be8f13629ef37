package entity

// Service is an upstream API: where matched requests go.
//
// URL is input-only shorthand (protocol://host:port/path); Normalize expands
// it into the other fields and clears it.
type Service struct {
	Meta
	Name              string   `json:"name,omitempty"`
	Protocol          string   `json:"protocol"`
	Host              string   `json:"host"`
	Port              int      `json:"port"`
	Path              string   `json:"path,omitempty"`
	URL               string   `json:"url,omitempty"`
	Retries           int      `json:"retries"`
	ConnectTimeout    int      `json:"connect_timeout"`
	WriteTimeout      int      `json:"write_timeout"`
	ReadTimeout       int      `json:"read_timeout"`
	Enabled           bool     `json:"enabled"`
	TLSVerify         *bool    `json:"tls_verify,omitempty"`
	TLSVerifyDepth    *int     `json:"tls_verify_depth,omitempty"`
	CACertificates    []string `json:"ca_certificates,omitempty"`
	ClientCertificate *Ref     `json:"client_certificate,omitempty"`
}

// NewService returns a Service with Kong's defaults.
func NewService() *Service {
	return &Service{
		Protocol: "http", Port: 80, Retries: 5,
		ConnectTimeout: 60000, WriteTimeout: 60000, ReadTimeout: 60000,
		Enabled: true,
	}
}

func (*Service) EntityKind() Kind      { return KindService }
func (s *Service) EndpointKey() string { return s.Name }

// CIDRPort is an element of a route's sources or destinations.
type CIDRPort struct {
	IP   string `json:"ip,omitempty"`
	Port int    `json:"port,omitempty"`
}

// Route decides which requests go to a service.
type Route struct {
	Meta
	Name                    string              `json:"name,omitempty"`
	Service                 *Ref                `json:"service,omitempty"`
	Protocols               []string            `json:"protocols"`
	Methods                 []string            `json:"methods,omitempty"`
	Hosts                   []string            `json:"hosts,omitempty"`
	Paths                   []string            `json:"paths,omitempty"`
	Headers                 map[string][]string `json:"headers,omitempty"`
	SNIs                    []string            `json:"snis,omitempty"`
	Sources                 []CIDRPort          `json:"sources,omitempty"`
	Destinations            []CIDRPort          `json:"destinations,omitempty"`
	StripPath               bool                `json:"strip_path"`
	PreserveHost            bool                `json:"preserve_host"`
	RegexPriority           int                 `json:"regex_priority"`
	PathHandling            string              `json:"path_handling"`
	HTTPSRedirectStatusCode int                 `json:"https_redirect_status_code"`
	RequestBuffering        bool                `json:"request_buffering"`
	ResponseBuffering       bool                `json:"response_buffering"`
}

// NewRoute returns a Route with Kong's defaults.
func NewRoute() *Route {
	return &Route{
		Protocols: []string{"http", "https"}, StripPath: true,
		PathHandling: "v0", HTTPSRedirectStatusCode: 426,
		RequestBuffering: true, ResponseBuffering: true,
	}
}

func (*Route) EntityKind() Kind      { return KindRoute }
func (r *Route) EndpointKey() string { return r.Name }

// Upstream is a virtual host name that services point at, balanced over targets.
type Upstream struct {
	Meta
	Name                   string       `json:"name"`
	Algorithm              string       `json:"algorithm"`
	HashOn                 string       `json:"hash_on"`
	HashFallback           string       `json:"hash_fallback"`
	HashOnHeader           string       `json:"hash_on_header,omitempty"`
	HashFallbackHeader     string       `json:"hash_fallback_header,omitempty"`
	HashOnCookie           string       `json:"hash_on_cookie,omitempty"`
	HashOnCookiePath       string       `json:"hash_on_cookie_path"`
	HashOnQueryArg         string       `json:"hash_on_query_arg,omitempty"`
	HashFallbackQueryArg   string       `json:"hash_fallback_query_arg,omitempty"`
	HashOnURICapture       string       `json:"hash_on_uri_capture,omitempty"`
	HashFallbackURICapture string       `json:"hash_fallback_uri_capture,omitempty"`
	Slots                  int          `json:"slots"`
	Healthchecks           Healthchecks `json:"healthchecks"`
	HostHeader             string       `json:"host_header,omitempty"`
	ClientCertificate      *Ref         `json:"client_certificate,omitempty"`
	UseSRVName             bool         `json:"use_srv_name"`
}

// Healthchecks is Kong's upstream healthchecks structure.
type Healthchecks struct {
	Active    ActiveHealthcheck  `json:"active"`
	Passive   PassiveHealthcheck `json:"passive"`
	Threshold float64            `json:"threshold"`
}

// ActiveHealthcheck probes targets on a timer.
type ActiveHealthcheck struct {
	Type                   string              `json:"type"`
	Timeout                float64             `json:"timeout"`
	Concurrency            int                 `json:"concurrency"`
	HTTPPath               string              `json:"http_path"`
	HTTPSVerifyCertificate bool                `json:"https_verify_certificate"`
	HTTPSSni               string              `json:"https_sni,omitempty"`
	Headers                map[string][]string `json:"headers,omitempty"`
	Healthy                ActiveHealthy       `json:"healthy"`
	Unhealthy              ActiveUnhealthy     `json:"unhealthy"`
}

// ActiveHealthy says when an active probe marks a target healthy.
// Interval 0 disables active probing of healthy targets.
type ActiveHealthy struct {
	Interval     float64 `json:"interval"`
	HTTPStatuses []int   `json:"http_statuses"`
	Successes    int     `json:"successes"`
}

// ActiveUnhealthy says when an active probe marks a target unhealthy.
type ActiveUnhealthy struct {
	Interval     float64 `json:"interval"`
	HTTPStatuses []int   `json:"http_statuses"`
	TCPFailures  int     `json:"tcp_failures"`
	Timeouts     int     `json:"timeouts"`
	HTTPFailures int     `json:"http_failures"`
}

// PassiveHealthcheck watches proxied traffic ("circuit breaker").
type PassiveHealthcheck struct {
	Type      string           `json:"type"`
	Healthy   PassiveHealthy   `json:"healthy"`
	Unhealthy PassiveUnhealthy `json:"unhealthy"`
}

// PassiveHealthy says which proxied responses count as successes.
type PassiveHealthy struct {
	HTTPStatuses []int `json:"http_statuses"`
	Successes    int   `json:"successes"`
}

// PassiveUnhealthy says which proxied outcomes count as failures.
type PassiveUnhealthy struct {
	HTTPStatuses []int `json:"http_statuses"`
	TCPFailures  int   `json:"tcp_failures"`
	Timeouts     int   `json:"timeouts"`
	HTTPFailures int   `json:"http_failures"`
}

// NewUpstream returns an Upstream with Kong's defaults, healthchecks included.
func NewUpstream() *Upstream {
	return &Upstream{
		Algorithm: "round-robin", HashOn: "none", HashFallback: "none",
		HashOnCookiePath: "/", Slots: 10000,
		Healthchecks: Healthchecks{
			Active: ActiveHealthcheck{
				Type: "http", Timeout: 1, Concurrency: 10, HTTPPath: "/",
				HTTPSVerifyCertificate: true,
				Healthy:                ActiveHealthy{HTTPStatuses: []int{200, 302}},
				Unhealthy: ActiveUnhealthy{
					HTTPStatuses: []int{429, 404, 500, 501, 502, 503, 504, 505},
				},
			},
			Passive: PassiveHealthcheck{
				Type: "http",
				Healthy: PassiveHealthy{HTTPStatuses: []int{
					200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
					300, 301, 302, 303, 304, 305, 306, 307, 308,
				}},
				Unhealthy: PassiveUnhealthy{HTTPStatuses: []int{429, 500, 503}},
			},
		},
	}
}

func (*Upstream) EntityKind() Kind      { return KindUpstream }
func (u *Upstream) EndpointKey() string { return u.Name }

// Target is one backend of an upstream: host:port with a weight (0 disables).
type Target struct {
	Meta
	Upstream *Ref   `json:"upstream"`
	Target   string `json:"target"`
	Weight   int    `json:"weight"`
}

// NewTarget returns a Target with Kong's defaults.
func NewTarget() *Target { return &Target{Weight: 100} }

func (*Target) EntityKind() Kind      { return KindTarget }
func (t *Target) EndpointKey() string { return t.Target }

// Consumer is a client of the APIs; credentials hang off it.
type Consumer struct {
	Meta
	Username string `json:"username,omitempty"`
	CustomID string `json:"custom_id,omitempty"`
}

func (*Consumer) EntityKind() Kind { return KindConsumer }

// EndpointKey is the username, else the custom_id.
func (c *Consumer) EndpointKey() string {
	if c.Username != "" {
		return c.Username
	}
	return c.CustomID
}

// Plugin is a plugin instance: global, or scoped to a service, route,
// consumer or a combination of them.
type Plugin struct {
	Meta
	Name         string         `json:"name"`
	InstanceName string         `json:"instance_name,omitempty"`
	Service      *Ref           `json:"service,omitempty"`
	Route        *Ref           `json:"route,omitempty"`
	Consumer     *Ref           `json:"consumer,omitempty"`
	Config       map[string]any `json:"config"`
	Protocols    []string       `json:"protocols"`
	Enabled      bool           `json:"enabled"`
}

// NewPlugin returns a Plugin with Kong's defaults.
func NewPlugin() *Plugin {
	return &Plugin{
		Protocols: []string{"grpc", "grpcs", "http", "https"},
		Enabled:   true, Config: map[string]any{},
	}
}

func (*Plugin) EntityKind() Kind      { return KindPlugin }
func (p *Plugin) EndpointKey() string { return p.InstanceName }

// Certificate is a PEM certificate and key served for its SNIs.
// SNIs is input/output shorthand for the snis entities that point at it.
type Certificate struct {
	Meta
	Cert    string   `json:"cert"`
	Key     string   `json:"key"`
	CertAlt string   `json:"cert_alt,omitempty"`
	KeyAlt  string   `json:"key_alt,omitempty"`
	SNIs    []string `json:"snis,omitempty"`
}

func (*Certificate) EntityKind() Kind    { return KindCertificate }
func (*Certificate) EndpointKey() string { return "" }

// SNI maps a server name (may be a wildcard) to a certificate.
type SNI struct {
	Meta
	Name        string `json:"name"`
	Certificate *Ref   `json:"certificate"`
}

func (*SNI) EntityKind() Kind      { return KindSNI }
func (s *SNI) EndpointKey() string { return s.Name }

// CACertificate is a trusted CA, used to verify upstream TLS.
type CACertificate struct {
	Meta
	Cert       string `json:"cert"`
	CertDigest string `json:"cert_digest,omitempty"`
}

func (*CACertificate) EntityKind() Kind    { return KindCACertificate }
func (*CACertificate) EndpointKey() string { return "" }

// KeyAuth is a key-auth credential.
type KeyAuth struct {
	Meta
	Consumer *Ref   `json:"consumer"`
	Key      string `json:"key"`
	TTL      int    `json:"ttl,omitempty"`
}

func (*KeyAuth) EntityKind() Kind      { return KindKeyAuth }
func (k *KeyAuth) EndpointKey() string { return k.Key }

// BasicAuth is a basic-auth credential; Password is stored hashed.
type BasicAuth struct {
	Meta
	Consumer *Ref   `json:"consumer"`
	Username string `json:"username"`
	Password string `json:"password"`
}

func (*BasicAuth) EntityKind() Kind      { return KindBasicAuth }
func (b *BasicAuth) EndpointKey() string { return b.Username }

// JWT is a jwt credential ("jwt_secrets" in Kong).
type JWT struct {
	Meta
	Consumer     *Ref   `json:"consumer"`
	Key          string `json:"key"`
	Secret       string `json:"secret,omitempty"`
	Algorithm    string `json:"algorithm"`
	RSAPublicKey string `json:"rsa_public_key,omitempty"`
}

// NewJWT returns a JWT credential with Kong's defaults.
func NewJWT() *JWT { return &JWT{Algorithm: "HS256"} }

func (*JWT) EntityKind() Kind      { return KindJWT }
func (j *JWT) EndpointKey() string { return j.Key }

// ACL puts a consumer in a group.
type ACL struct {
	Meta
	Consumer *Ref   `json:"consumer"`
	Group    string `json:"group"`
}

func (*ACL) EntityKind() Kind    { return KindACL }
func (*ACL) EndpointKey() string { return "" }
