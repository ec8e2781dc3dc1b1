# Thin wrapper over CMake. The newcomer's path: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_BUILD_TYPE ?= RelWithDebInfo
LISTEN ?= 127.0.0.1:5000
DB ?= sqlite:semaphore.db

.PHONY: all bootstrap configure build run test test-under-load bench format clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE)

configure: $(BUILD_DIR)/CMakeCache.txt

build: bootstrap configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the whole of Semaphore (web UI + ping service) on SQLite.
run: build
	scripts/ensure-icmp-privilege $(BUILD_DIR)/semaphore
	$(BUILD_DIR)/semaphore run --db $(DB) --listen $(LISTEN)

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

bench:
	scripts/bootstrap --test
	$(MAKE) --no-print-directory build
	scripts/run-benchmarks $(BUILD_DIR)

format:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
