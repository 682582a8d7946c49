# Gemba's developer entry points. `make run` and `make test` each set up
# what they need (PostgreSQL + pgvector through deploy/local/setup.sh) first.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go
BIN := bin/gemba
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/gemba-ai/gemba/internal/app.Version=$(VERSION)
GOLANGCI_LINT_VERSION := v2.15.0

.PHONY: run test setup build lint race bench bench-models bench-nab bench-m4 bench-pdm bench-predict loadtest fuzz image-check clean

## run: set up Postgres+pgvector, load the demo plant, and start Gemba (console at http://127.0.0.1:8080)
run: setup build
	$(BIN) migrate up
	$(BIN) demo seed
	$(BIN) serve

## test: set up Postgres+pgvector (and headless Chromium for the console test) and run every test
test: setup
	bash deploy/local/test-deps.sh
	$(GO) test -count=1 -timeout 20m ./...

## setup: make a local PostgreSQL with pgvector available (skipped when GEMBA_DATABASE_URL is set)
setup:
	@if [ -n "$$GEMBA_DATABASE_URL" ]; then echo "[setup] GEMBA_DATABASE_URL is set: using that server"; else bash deploy/local/setup.sh; fi

## build: the static gemba binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gemba

## race: the race detector on the concurrent packages (CI runs it too)
race: setup
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 15m ./bot ./internal/conversation ./internal/console ./internal/agent \
		./internal/mcp ./internal/db ./internal/ops ./rag ./internal/plant/model

## lint: gofmt, go vet and golangci-lint (installed from the Go module proxy)
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@command -v golangci-lint >/dev/null || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	golangci-lint run --allow-serial-runners ./...

## bench: the performance benchmarks named in the issues (figures go in closing notes), the full model evaluations,
## and the series store at a small plant size (the 100-million-point run: gemba bench series --tags 2000 --days 5)
bench: setup bench-models
	bash deploy/local/test-deps.sh
	$(GO) test -run '^$$' -bench . -benchtime 5x ./...
	$(GO) run ./cmd/gemba bench series --tags 200 --step 10s --days 3 --long-tags 2 --long-days 92 --samples 100
	@# live data at full size: 50,000 MQTT points/s for 60 s through Mosquitto into PostgreSQL (p99
	@# message-to-queryable), and 1,000 OPC UA nodes at 1 s across a 10 s server restart
	GEMBA_CONNECT_BENCH=full $(GO) test -count=1 -timeout 20m -v -run 'TestMQTTSustainedThroughput|TestOPCUAFollowsAServerRestart' ./internal/connect/

## bench-models: the full evaluations of the predictive models on the development data in ../shared/data
bench-models: bench-nab bench-m4 bench-pdm bench-predict

## bench-nab: the online detector on all NAB development files, scored as NAB does (three profiles, optimised and fixed threshold, both splits)
bench-nab:
	@if [ -d ../shared/data/nab_dev ]; then $(GO) run ./cmd/gemba model evaluate nab --dir ../shared/data/nab_dev --per-file all; \
	else echo "[bench-nab] ../shared/data/nab_dev not found: skipped"; fi

## bench-m4: the forecaster on all 207 M4 Hourly development series (sMAPE, MASE, OWA vs Naive2, interval coverage, MSIS)
bench-m4:
	@if [ -d ../shared/data/m4_hourly_dev ]; then $(GO) run ./cmd/gemba model evaluate m4 --dir ../shared/data/m4_hourly_dev; \
	else echo "[bench-m4] ../shared/data/m4_hourly_dev not found: skipped"; fi

## bench-pdm: failures caught within 48 h and false events per machine-month on the Azure PdM telemetry
bench-pdm:
	@if [ -d ../shared/data/azure_pdm ]; then $(GO) run ./cmd/gemba model evaluate-pdm --data ../shared/data/azure_pdm; \
	else echo "[bench-pdm] ../shared/data/azure_pdm not found: skipped"; fi

## bench-predict: the models' speed (online detection points per CPU second, fit and forecast of 10,000 hourly points)
bench-predict:
	$(GO) test -run '^$$' -bench 'OnlineDetect|Forecast10k|DetectMulti' -benchtime 3x ./internal/predict/

## loadtest: 3,000 Slack events over 3 minutes to two gemba processes (exactly-once, latency, throughput);
## the harness is its own command, so its local Slack and scripted LLM never enter the gemba binary
loadtest: setup build
	$(GO) run ./cmd/gemba-loadtest --gemba $(BIN) --events 3000 --duration 3m

## image-check: build the container image from the Dockerfile with buildah (no Docker engine; needs root),
## check it and the Helm chart against it, and run its binary against a scratch database (deploy/image-check.sh)
image-check:
	bash deploy/image-check.sh

## fuzz: run each fuzzer for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for spec in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs grep -h -o '^func Fuzz[A-Za-z0-9_]*' | sort -u | sed 's/func //'); do \
	  pkg=$$(grep -rl --include='*_test.go' "^func $$spec(" . | head -1 | xargs dirname); \
	  echo "== $$spec in $$pkg"; $(GO) test -run '^$$' -fuzz "^$$spec$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -parallel 1 $$pkg || exit 1; \
	done

clean:
	rm -rf bin
