# The two commands a new user needs: `make run` and `make test`.
BUILD_DIR ?= build
SAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: run test build setup test-asan bench clean format format-check

setup:
	./scripts/setup

build: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./examples/run-quickstart $(BUILD_DIR)/rampart

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2 --timeout 300

# The same tests against an AddressSanitizer + UBSan build (CI runs both).
test-asan: setup
	cmake -S . -B $(SAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAMPART_SANITIZE=address,undefined >/dev/null
	cmake --build $(SAN_BUILD_DIR) -j $(JOBS)
	cd $(SAN_BUILD_DIR) && ctest --output-on-failure -j 2 --timeout 600

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
