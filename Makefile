# Gantry's build, test and benchmark entry points. `make test` is what CI runs.
GO ?= go
TEST_TIMEOUT ?= 30m

.PHONY: all build run test deps vet unit benchonce bench bench-plugins bench-reconfigure bench-cluster bench-large clean

all: build

build:
	$(GO) build -o bin/gantry ./cmd/gantry
	$(GO) build -o bin/benchupstream ./cmd/benchupstream
	$(GO) build -o bin/gantry-fleetsim ./cmd/gantry-fleetsim

# Runs a node on the built-in defaults (prefix ./gantry-data) in the foreground.
run: build
	./bin/gantry start

# Everything CI checks: system packages, vet, race-enabled tests, and every
# benchmark once so none of them rots.
test: deps vet unit benchonce

deps:
	bash scripts/install-deps.sh

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

benchonce:
	$(GO) test -run '^$$' -bench . -benchtime=1x -timeout $(TEST_TIMEOUT) ./...

# wrk against the upstream directly, nginx and Gantry, side by side (docs/design.md, "make bench").
bench:
	bash scripts/bench.sh

# wrk against one Gantry node: a route without plugins and one with
# key-auth + rate-limiting + prometheus + cors, side by side (BENCHMARKS.md).
bench-plugins:
	bash scripts/bench-plugins.sh

# Proxy p99 and throughput on a data plane with 10,000 routes while the control
# plane pushes one change per second, against the same without changes
# (BENCHMARKS.md, "Reconfigure under load"). BENCH_SHORT=1 for a quick run.
bench-reconfigure:
	bash scripts/bench-reconfigure.sh

# One control plane, fleets of real and simulated data planes: propagation
# p50/p99, CP memory per data plane, bytes per push, reconnect storm
# (BENCHMARKS.md, "Large fleets").
bench-cluster:
	bash scripts/bench-cluster.sh

# Large configurations through a real CP and DP: import, time to serve,
# build and apply times, peak memory (BENCHMARKS.md, "Large configurations").
# BENCH_LARGE_1M=1 adds 1,000,000 consumers with key-auth.
bench-large:
	bash scripts/bench-large.sh

clean:
	rm -rf bin
