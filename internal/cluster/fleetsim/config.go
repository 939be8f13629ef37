package fleetsim

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
)

// Config returns a configuration of services services and routes routes
// spread over them, plus extra more routes: a benchmark's change is one
// more extra route. It passes entity.Config.Validate.
func Config(services, routes, extra int) *entity.Config {
	cfg := &entity.Config{}
	for i := range services {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("svc%d", i), "127.0.0.1"
		s.SetTimestamps(1700000000 + int64(i))
		cfg.Services = append(cfg.Services, s)
	}
	for i := range routes + extra {
		r := entity.NewRoute()
		r.ID, r.Paths = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), []string{fmt.Sprintf("/r%d", i)}
		r.Service = &entity.Ref{ID: cfg.Services[i%services].ID}
		r.SetTimestamps(1700000000 + int64(i))
		cfg.Routes = append(cfg.Routes, r)
	}
	return cfg
}
