# The two commands of the README, and the benchmarks.
#   make run    start the local stack: minimaster + lmtpd delivering into ./var
#   make test   install what is missing, build, run the whole test suite
#   make bench  the benchmarks (configuration parsing, LMTP delivery vs the disk's floor,
#               connections through minimaster)

SWIFT ?= swift
SETUP  = scripts/setup-deps

.PHONY: run test build release bench deps clean

deps:
	@$(SETUP)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	scripts/run-local-stack

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release
	$(SWIFT) run -c release conf-bench
	$(SWIFT) run -c release lmtp-bench
	$(SWIFT) run -c release master-bench

clean:
	rm -rf .build
