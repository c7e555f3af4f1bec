# NeuralKit — `make demo` (the main job) and `make test` (the tests) work on a fresh Debian/Ubuntu machine:
# each installs the system packages it needs first (idempotent; sudo when not root).

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PACKAGES := libopenblas-dev zlib1g-dev dataset-fashion-mnist
SWIFT_FLAGS := -c release

.PHONY: deps venv demo test build bench bench-peers browser-test docs clean

deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The Python the tests check NeuralKit against (Python's safetensors library), from PyPI into .venv; kept when it
# already holds the pinned versions.
venv:
	@if ! .venv/bin/python -c "import sys, numpy, safetensors; sys.exit(numpy.__version__ + safetensors.__version__ != '$$(grep -h '^numpy==' tools/requirements-test.txt | cut -d= -f3)' + '$$(grep -h '^safetensors==' tools/requirements-test.txt | cut -d= -f3)')" 2>/dev/null; then \
	  echo "Creating .venv (tools/requirements-test.txt)"; rm -rf .venv; \
	  python3 -m venv .venv 2>/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && python3 -m venv .venv; }; \
	  .venv/bin/pip install -q -r tools/requirements-test.txt; \
	fi

build: deps
	swift build $(SWIFT_FLAGS)

# The main job: the default MLP on Fashion-MNIST, up to 10 epochs, keeping the best epoch's weights (the options the
# acceptance test checks: test accuracy ≥ 0.88); outputs in neuralkit-run/.
demo: build
	.build/release/neuralkit train --early-stopping 3 --output neuralkit-run

# The tests pin OpenBLAS's kernels to Haswell's when the environment has not chosen (this workplace sets it) and the
# CPU has AVX2 and FMA (read at run time): two measured figures depend on the kernels' rounding, and AVX-512 machines
# would otherwise pick others.
ifeq ($(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo yes),yes)
test: export OPENBLAS_CORETYPE ?= Haswell
endif
test: deps venv
	tools/lint.sh
	swift build $(SWIFT_FLAGS) --build-tests
	swift test $(SWIFT_FLAGS) --skip-build
	NEURALKIT_THREADS=1 swift test $(SWIFT_FLAGS) --skip-build   # the same suite with every split on one thread
	$(MAKE) browser-test

# The Playground in real headless Chromium (installs Debian's chromium if missing).
browser-test:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
	swift build $(SWIFT_FLAGS) --product neuralkit
	tools/browser-test.sh

# Benchmarks: unset the workplace's OpenBLAS overrides for this command only, for us and the peers alike.
# Each section runs in its own process.
bench: deps
	swift build $(SWIFT_FLAGS) --product Benchmarks
	for s in header gemm elementwise autodiff mlp-phases mlp tiny conv pool fused gather cnn-phases cnn cnn-normalized; do \
	  NEURALKIT_COMMIT=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) \
	  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/release/Benchmarks $$s || exit 1; done
	@echo "Results in bench-results.json"

# NeuralKit and the peer frameworks side by side (needs ../shared/bench/peers; the first run installs them, ~3 GB).
bench-peers: deps
	tools/bench-peers.sh

# API documentation: the DocC catalog and every module's doc comments, as one static site in .build/docs.
docs: deps
	swift package --allow-writing-to-directory .build/docs generate-documentation --target NeuralKit \
	  --enable-experimental-combined-documentation --output-path .build/docs --transform-for-static-hosting
	@echo "Documentation in .build/docs (serve the folder, open /documentation/neuralkit)"

clean:
	rm -rf .build
