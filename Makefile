# The two commands of the README, and the benchmarks.
#   make run    start the local stack (for now: check the sample configuration)
#   make test   install what is missing, build, run the whole test suite
#   make bench  the benchmarks (configuration parsing, LMTP delivery vs the disk's floor)

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
	$(SWIFT) run -c release minimaster --check -M etc/cyrus.conf.sample -C etc/imapd.conf.sample

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release
	$(SWIFT) run -c release conf-bench
	$(SWIFT) run -c release lmtp-bench

clean:
	rm -rf .build
