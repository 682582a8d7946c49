# Gemba's developer entry points. `make run` and `make test` each set up
# what they need (PostgreSQL + pgvector through deploy/local/setup.sh) first.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go
BIN := bin/gemba
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/gemba-ai/gemba/internal/app.Version=$(VERSION)
GOLANGCI_LINT_VERSION := v2.15.0

.PHONY: run test setup build lint bench loadtest fuzz clean

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

## lint: gofmt, go vet and golangci-lint (installed from the Go module proxy)
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@command -v golangci-lint >/dev/null || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	golangci-lint run ./...

## bench: the performance benchmarks named in the issues (figures go in closing notes); the series
## store at a small plant size (the 100-million-point run: gemba bench series --tags 2000 --days 5)
bench: setup
	$(GO) test -run '^$$' -bench . -benchtime 5x ./...
	bash deploy/local/test-deps.sh
	$(GO) run ./cmd/gemba bench series --tags 200 --step 10s --days 3 --long-tags 2 --long-days 92 --samples 100

## loadtest: 3,000 Slack events over 3 minutes to two gemba processes (exactly-once, latency, throughput);
## the harness is its own command, so its local Slack and scripted LLM never enter the gemba binary
loadtest: setup build
	$(GO) run ./cmd/gemba-loadtest --gemba $(BIN) --events 3000 --duration 3m

## fuzz: run each fuzzer for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for spec in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs grep -h -o '^func Fuzz[A-Za-z0-9_]*' | sort -u | sed 's/func //'); do \
	  pkg=$$(grep -rl --include='*_test.go' "^func $$spec(" . | head -1 | xargs dirname); \
	  echo "== $$spec in $$pkg"; $(GO) test -run '^$$' -fuzz "^$$spec$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -parallel 1 $$pkg || exit 1; \
	done

clean:
	rm -rf bin
