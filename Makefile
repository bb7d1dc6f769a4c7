# Một Cửa — build, run and test. `make run` and `make test` install the
# Debian/Ubuntu packages they need when they are missing.

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export CGO_ENABLED := 1

# Fyne (cgo + GLFW) needs these to build; Xvfb runs the window in tests.
DEBS := gcc pkg-config libgl1-mesa-dev libxcursor-dev libxrandr-dev libxinerama-dev \
        libxi-dev libxxf86vm-dev xvfb xauth poppler-utils libreoffice-calc-nogui
# The tests also run the backend on PostgreSQL (a throwaway cluster: scripts/with-pg.sh)
# and open its public lookup page in headless Chromium; iproute2 (ip netns) makes the
# office-network test's network namespaces.
TEST_DEBS := postgresql chromium iproute2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DATA ?=
BENCH_RECORDS ?= 1000000
BENCH_DIR ?= $(CURDIR)/.bench
# FyneApp.toml is the one place of the version; its fyneDo migration is the
# build tag Fyne's packaging adds, so every build here adds it too.
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILD := $(shell sed -n 's/^ *Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
TAGS := $(shell grep -q '^ *fyneDo *= *true' FyneApp.toml && echo migrated_fynedo)
GOFLAGS_BUILD := -trimpath -tags "$(TAGS)" -ldflags "-X motcua/internal/version.Version=$(VERSION)"
# `make dist` cross-compiles for Windows and packages both platforms.
DIST_DEBS := gcc-mingw-w64-x86-64 nsis dpkg-dev xz-utils
# The Windows smoke test runs the installer and the programs under Wine.
WINE_DEBS := wine wine64 x11-apps fonts-dejavu-core

.PHONY: all deps test-deps dist-deps install-debs go build run test vet unit smoke dist wine-smoke bench loadtest fuzz clean

all: build

go:
	@command -v go >/dev/null || { echo "Go 1.26 is required (https://go.dev/dl); the module proxy fetches the rest." >&2; exit 1; }

deps: go
	@$(MAKE) --no-print-directory install-debs PKGS="$(DEBS)"

test-deps: deps
	@$(MAKE) --no-print-directory install-debs PKGS="$(TEST_DEBS)"

dist-deps: deps
	@$(MAKE) --no-print-directory install-debs PKGS="$(DIST_DEBS)"

install-debs:
	@missing=$$(for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	go build $(GOFLAGS_BUILD) -o bin/motcua .
	CGO_ENABLED=0 go build $(GOFLAGS_BUILD) -o bin/motcuactl ./cmd/motcuactl
	CGO_ENABLED=0 go build $(GOFLAGS_BUILD) -o bin/motcua-server ./cmd/motcua-server

run: build
	./bin/motcua $(if $(DATA),-data $(DATA))

vet: deps
	go mod tidy -diff
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	bash scripts/cyclo.sh
	# the command-line programs build for Windows (the window needs mingw: make dist)
	CGO_ENABLED=0 GOOS=windows go vet ./cmd/... ./server/... ./storage/... ./sync/... ./counter/... ./forms/... ./internal/console ./internal/version

# Every package's tests, then the backend's suites again on PostgreSQL.
unit: test-deps
	bash scripts/with-pg.sh bash -c 'go test -race -count=1 -tags "$(TAGS)" ./... && \
		MOTCUA_TEST_STORE=postgres go test -race -count=1 -tags "$(TAGS)" ./server/... ./sync/...'

smoke: build
	bash scripts/smoke.sh

# The Windows installer and programs (cross-compiled), and the Linux
# tarball and Debian package, in dist/.
dist: dist-deps
	VERSION=$(VERSION) BUILD=$(BUILD) TAGS="$(TAGS)" bash scripts/dist.sh

# The Windows build under Wine and Xvfb: install, run, refuse a second
# copy, the command-line tool on a Vietnamese path, upgrade, uninstall.
wine-smoke: build dist
	@$(MAKE) --no-print-directory install-debs PKGS="$(WINE_DEBS)"
	VERSION=$(VERSION) BUILD=$(BUILD) bash scripts/wine-smoke.sh

# Everything the tests need is installed first (apt runs one at a time);
# then the Windows cross-compile, minutes the first time on one core,
# runs beside the unit tests.
test: vet
	@$(MAKE) --no-print-directory install-debs PKGS="$(TEST_DEBS) $(DIST_DEBS) $(WINE_DEBS)"
	@$(MAKE) --no-print-directory -j2 --output-sync=target unit dist
	@$(MAKE) --no-print-directory smoke wine-smoke

# Benchmarks against a store of $(BENCH_RECORDS) records (built once in
# $(BENCH_DIR), a few minutes for a million), then start-up time and memory
# of the real window on that store.
bench: build
	mkdir -p $(BENCH_DIR)
	MOTCUA_BENCH_RECORDS=$(BENCH_RECORDS) MOTCUA_BENCH_DIR=$(BENCH_DIR) \
		go test ./storage -run '^$$' -bench . -benchtime 300x | tee $(BENCH_DIR)/storage.txt
	bash scripts/startup-bench.sh $(BENCH_DIR)/bench-$(BENCH_RECORDS).db
	go test ./sync -run '^$$' -bench . -benchtime 1x | tee $(BENCH_DIR)/sync.txt
	go test ./forms -run '^$$' -bench . -benchtime 10x | tee $(BENCH_DIR)/forms.txt
	go test ./account ./charts -run '^$$' -bench . -benchtime 10x | tee $(BENCH_DIR)/desk.txt
	MOTCUA_BENCH_RECORDS=$(BENCH_RECORDS) MOTCUA_BENCH_DIR=$(BENCH_DIR) \
		go test ./counter -run '^$$' -bench . -benchtime 20x | tee -a $(BENCH_DIR)/desk.txt

# The backend under a province's load (not part of `make test`): 200 counters
# (the real sync client) in 40 units push 1,000 intakes each through two
# motcua-server processes on one PostgreSQL (fsync on), then the same on
# the bbolt store with one process. The PostgreSQL store first gets a
# province's earlier years (LOAD_HISTORY records in 100 other units,
# vacuumed and analysed), so the run writes into tables of a province's
# size, with autovacuum on PostgreSQL's defaults. LOAD_PG= runs it on
# PostgreSQL's default memory and log settings.
LOAD_ARGS ?= -counters 200 -units 40 -events 1000
LOAD_HISTORY ?= 1000000
# the server's memory and write-ahead log as docs/deploy.md has them
LOAD_PG ?= -c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=15min -c wal_compression=lz4 -c wal_buffers=64MB
loadtest: build test-deps
	MOTCUA_PG_DURABLE=1 MOTCUA_PG_SETTINGS="$(LOAD_PG)" bash scripts/with-pg.sh bash -c '\
		psql -q "$$MOTCUA_TEST_PG" -c "CREATE DATABASE motcua_load" && \
		go run ./internal/loadtest -bin bin/motcua-server -servers 2 $(LOAD_ARGS) -history $(LOAD_HISTORY) \
			-db "$${MOTCUA_TEST_PG%/postgres*}/motcua_load?sslmode=disable"'
	go run ./internal/loadtest -bin bin/motcua-server -servers 1 $(LOAD_ARGS)

fuzz: go
	for f in FuzzParseCalendar FuzzParseCode FuzzValidateIDNumber FuzzValidatePhone FuzzValidateTaxCode FuzzParseIDCardQR FuzzParseDate FuzzFold FuzzParseCatalog; do \
		go test ./dossier -run '^$$' -fuzz "^$$f$$" -fuzztime 20s || exit 1; done
	for f in FuzzDecodePushRequest FuzzDecodePullResponse FuzzDecodePushResponse FuzzDecodePullMatchesUnmarshal FuzzLANBatchBinary; do \
		go test ./sync/wire -run '^$$' -fuzz "^$$f$$" -fuzztime 20s || exit 1; done
	go test ./forms -run '^$$' -fuzz '^FuzzAmountInWords$$' -fuzztime 20s

clean:
	rm -rf bin .bench dist build *.syso cmd/*/*.syso
