# The two commands a new user needs: `make run` and `make test`.
BUILD_DIR ?= build
SAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: run test build setup test-asan bench clean format format-check fuzz fuzz-smoke fuzz-build \
	demo-audit

setup:
	./scripts/setup

build: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./examples/run-quickstart $(BUILD_DIR)/rampart

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2 --timeout 300

# The five field-report replicas (examples/field), each audited alone and behind rampart.
demo-audit: build
	/usr/bin/python3 examples/field/demo-audit --rampart $(abspath $(BUILD_DIR))/rampart

# The same tests against an AddressSanitizer + UBSan build (CI runs both).
test-asan: setup
	cmake -S . -B $(SAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAMPART_SANITIZE=address,undefined >/dev/null
	cmake --build $(SAN_BUILD_DIR) -j $(JOBS)
	cd $(SAN_BUILD_DIR) && ctest --output-on-failure -j 2 --timeout 600

# libFuzzer targets (tests/fuzz, clang, ASan+UBSan): `make fuzz` runs each for FUZZ_SECONDS,
# `make fuzz-smoke` (CI) for 20 s; both fail on a crash. See tests/fuzz/run for where things go.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= request_parser response_parser chunked_body config_loader json_check pattern_dfa

fuzz-build: setup
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRAMPART_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	./tests/fuzz/run $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	./tests/fuzz/run $(FUZZ_BUILD_DIR) 20 $(FUZZ_TARGETS)

bench: setup
	./scripts/setup --bench
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DRAMPART_BENCH=ON >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	$(BUILD_DIR)/bench/rampart_micro_bench

clean:
	rm -rf $(BUILD_DIR) $(SAN_BUILD_DIR)

# .clang-format (Google style, 100 columns) over every tracked C++ file.
format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check: setup
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
