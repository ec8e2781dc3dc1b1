# Thin wrapper over CMake. The newcomer's path: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_BUILD_TYPE ?= RelWithDebInfo
LISTEN ?= 127.0.0.1:5000
DB ?= sqlite:semaphore.db
TARGETS ?= private

.PHONY: all bootstrap configure build run test test-under-load bench soak fuzz sanitize format lint package clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE)

configure: $(BUILD_DIR)/CMakeCache.txt

build: bootstrap configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the whole of Semaphore (web UI + ping service) on SQLite, to try it on this machine: it listens on
# loopback, so private targets (localhost, your LAN) are allowed. A server on the internet with open sign-up
# keeps the default, public targets only (README, "Running it for others").
run: build
	scripts/ensure-icmp-privilege $(BUILD_DIR)/semaphore
	$(BUILD_DIR)/semaphore run --db $(DB) --listen $(LISTEN) --targets $(TARGETS)

# Every test: unit, integration (real ICMP, a real PostgreSQL started by the tests), browser.
test:
	scripts/bootstrap --test
	$(MAKE) --no-print-directory build
	scripts/run-tests $(BUILD_DIR)

# The suite under load: 5 whole runs beside stress-ng, the probe and monitor suites 20 times on one core.
# About an hour; not part of `make test`.
test-under-load:
	scripts/bootstrap --test
	$(MAKE) --no-print-directory build
	scripts/test-under-load $(BUILD_DIR)

# The libFuzzer targets (fuzz/README.md), FUZZ_SECONDS each (clang with ASan and UBSan, in build-fuzz/).
# `make test` fuzzes nine of the ten targets for 10 s each (scripts/run-tests); `scripts/fuzz 30` is a
# short run of all of them.
FUZZ_SECONDS ?= 300
fuzz:
	scripts/bootstrap --test
	scripts/fuzz $(FUZZ_SECONDS)

bench:
	scripts/bootstrap --test
	$(MAKE) --no-print-directory build
	scripts/run-benchmarks $(BUILD_DIR)

# The unit and integration suites under ASan and UBSan, in build-asan/ (a second full build; not part of
# `make test`).
sanitize:
	scripts/bootstrap --test
	scripts/sanitize

format:
	find src tests bench fuzz -name '*.cpp' -o -name '*.h' | xargs clang-format -i

# The soak (bench/soak/README.md): `semaphore run` with 10,000 simulated hosts for 30 minutes, wrk, host edits
# and a database outage; prints RSS and descriptors over time, rows lost and HTTP errors. Needs root (a
# network namespace and a TUN device). Not part of `make bench`; `make test` runs its short check,
# `make soak SOAK_ARGS="--minutes 1 --hosts 500"`.
SOAK_ARGS ?=
soak:
	scripts/bootstrap --test
	$(MAKE) --no-print-directory configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target semaphore bench_soak
	$(BUILD_DIR)/bench/soak/bench_soak $(SOAK_ARGS)

# The Debian package (packaging/): build/package/semaphore_VERSION_ARCH.deb, checked by scripts/check-package
# (lintian, an install into a throwaway root, systemd-analyze verify). `make test` builds and checks it too.
package:
	scripts/bootstrap --test
	$(MAKE) --no-print-directory configure
	scripts/package $(BUILD_DIR)

# Fails on any file clang-format would change and on any clang-tidy finding (.clang-tidy); see scripts/lint.
# Needs only a configured build directory (compile_commands.json), not a build.
lint:
	scripts/bootstrap --lint
	$(MAKE) --no-print-directory configure
	scripts/lint $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
