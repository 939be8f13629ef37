package basicauth

// Config is basic-auth's configuration, with Kong's field names.
type Config struct {
	// Anonymous is a consumer id or username used when authentication
	// fails; nil makes failures a 401.
	Anonymous       *string `json:"anonymous"`
	HideCredentials bool    `json:"hide_credentials"`
	// Realm goes in the WWW-Authenticate challenge.
	Realm string `json:"realm"`
}

func defaults() *Config { return &Config{Realm: "service"} }
