# The two commands of the README, and the benchmarks.
#   make run    start the local stack: minimaster + lmtpd delivering into ./var
#   make test   install what is missing, build, run the whole test suite
#   make bench  the benchmarks (configuration parsing, LMTP delivery vs the disk's floor and
#               with a 50-rule Sieve script, connections through minimaster, one Sieve run),
#               metrics on vs off (scripts/bench-metrics), through lmtpproxyd vs direct
#               (scripts/bench-proxy), then the side-by-side run against Cyrus
#               and Dovecot (scripts/bench-peers, up to 30 min on 2 cores; BENCH_QUICK=1 for quick
#               modes); results and plots in docs/bench/
#   make bench-peers  the side-by-side run alone; make bench-quick  its quick mode (< 5 min)
#   make fuzz   every fuzz target under libFuzzer + AddressSanitizer, one after the other, for
#               FUZZ_TIME seconds each (default 60) or FUZZ_RUNS inputs; see docs/FUZZING.md
#   make fuzz-smoke  the sanitized build, then every target for 10 s on its seed corpus

SWIFT ?= swift
SETUP  = scripts/setup-deps

.PHONY: run test build release bench bench-peers bench-quick bench-metrics bench-proxy deps clean fuzz fuzz-build fuzz-smoke

deps:
	@$(SETUP)

build: deps
	$(SWIFT) build

# Release builds carry the Swift runtime inside the binaries: a child of minimaster then starts
# without resolving the symbols of a dozen Swift libraries (about a quarter of lmtpd's start-up
# CPU; docs/BENCHMARKS.md). Every release build goes through these flags, so none relinks the
# others differently.
RELEASE = $(SWIFT) build -c release --static-swift-stdlib

release: deps
	$(RELEASE)

run: release
	scripts/run-local-stack

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release
	.build/release/conf-bench
	.build/release/lmtp-bench
	.build/release/master-bench
	.build/release/sieve-bench
	scripts/bench-metrics $(if $(filter-out 0,$(BENCH_QUICK)),--reps 2 --messages 500)
	scripts/bench-proxy $(if $(filter-out 0,$(BENCH_QUICK)),--reps 2 --messages 500)
	scripts/bench-peers $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

# Side by side with Debian's Cyrus and Dovecot (needs root): docs/bench/results.md and the plots.
bench-peers: release
	scripts/bench-peers $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

bench-quick: release
	scripts/bench-peers --quick

# Metrics on vs off vs scraped 100 times a second (needs root): docs/bench/metrics.md.
bench-metrics: release
	scripts/bench-metrics

# Through lmtpproxyd vs direct (needs root): docs/bench/proxy.md.
bench-proxy: release
	scripts/bench-proxy

# Fuzzing: Fuzz/ is a separate package (its own Fuzz/.build) built with the sanitizers. New
# inputs go to Fuzz/.build/corpus/<target> (the committed seeds in Fuzz/Corpus stay as they
# are); a crash, leak or timeout is saved as Fuzz/.build/findings/<target>-crash-<sha1> and
# stops `make fuzz` with the target's log (Fuzz/.build/logs/<target>.log) on screen.
FUZZ_TARGETS ?= lmtp-session cyrus-conf imapd-conf address folder-name
FUZZ_TIME   ?= 60
FUZZ_RUNS   ?= -1
FUZZ_FLAGS  ?=
FUZZ_BIN     = Fuzz/.build/release

fuzz-build:
	$(SWIFT) build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld

fuzz: fuzz-build
	@mkdir -p Fuzz/.build/findings Fuzz/.build/logs
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p Fuzz/.build/corpus/$$t; \
	  echo "fuzz-$$t: up to $(FUZZ_TIME) s / $(FUZZ_RUNS) runs"; \
	  SWIFT_BACKTRACE=enable=no $(FUZZ_BIN)/fuzz-$$t -max_total_time=$(FUZZ_TIME) -runs=$(FUZZ_RUNS) \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $(FUZZ_FLAGS) \
	    -artifact_prefix=Fuzz/.build/findings/$$t- Fuzz/.build/corpus/$$t Fuzz/Corpus/$$t \
	    > Fuzz/.build/logs/$$t.log 2>&1 \
	  || { tail -40 Fuzz/.build/logs/$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units' Fuzz/.build/logs/$$t.log; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_TIME=10

clean:
	rm -rf .build Fuzz/.build
