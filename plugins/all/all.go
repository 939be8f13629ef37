// Package all imports every bundled plugin so that each registers itself.
// cmd/gantry blank-imports it; tests of other packages that need real
// plugins can too.
package all

import (
	_ "github.com/gantryhq/gantry/plugins/acl"
	_ "github.com/gantryhq/gantry/plugins/basic-auth"
	_ "github.com/gantryhq/gantry/plugins/correlation-id"
	_ "github.com/gantryhq/gantry/plugins/cors"
	_ "github.com/gantryhq/gantry/plugins/file-log"
	_ "github.com/gantryhq/gantry/plugins/http-log"
	_ "github.com/gantryhq/gantry/plugins/ip-restriction"
	_ "github.com/gantryhq/gantry/plugins/jwt"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
	_ "github.com/gantryhq/gantry/plugins/prometheus"
	_ "github.com/gantryhq/gantry/plugins/proxy-cache"
	_ "github.com/gantryhq/gantry/plugins/rate-limiting"
	_ "github.com/gantryhq/gantry/plugins/request-size-limiting"
	_ "github.com/gantryhq/gantry/plugins/request-termination"
	_ "github.com/gantryhq/gantry/plugins/request-transformer"
	_ "github.com/gantryhq/gantry/plugins/response-transformer"
)
