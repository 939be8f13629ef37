package router_test

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/router"
)

func ExampleRouter_Match() {
	svc := entity.NewService()
	svc.ID, svc.Path = "5e2b6f43-6a3c-4c57-9d6f-2b1c3a4d5e6f", "/internal"

	users := entity.NewRoute() // strip_path defaults to true, path_handling to v0
	users.ID, users.Name = "0c8a2c1e-6b5e-4f0e-9a53-7f4f1d2b3c4d", "users"
	users.Hosts = []string{"*.example.com"}
	users.Paths = []string{`~/users/(?<id>\d+)`}
	users.Service = &entity.Ref{ID: svc.ID}

	rt, err := router.New([]*entity.Route{users}, []*entity.Service{svc})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := rt.Match(&router.Request{Method: "GET", Host: "API.example.com:8000", Path: "/users/42/orders%2F7"})
	fmt.Println(m.Route.Name, m.UpstreamPath, m.Captures["id"], m.StrippedPrefix)
	// Output: users /internal/orders%2F7 42 /users/42
}
