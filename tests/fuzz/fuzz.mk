# tests/fuzz/fuzz.mk - libFuzzer harnesses (clang, ASan + UBSan), included by the top Makefile.
#   make fuzz                      build build-fuzz/fuzz_{tls_stream,x509,decode,pipeline,pcapng_secrets,decrypt,
#                                  quic_packet,quic_conn,json_reader,pcap_map}
#   make fuzz-smoke                build, seed, run each harness FUZZ_SECONDS (45) and replay
#                                  tests/fuzz/regress/; fails on any crash, leak, UB or timeout
#   make fuzz-smoke FUZZ_SECONDS=600 FUZZ_HARNESSES="tls_stream pipeline"
# See tests/fuzz/README.md.  Variables here all start with FUZZ_ so they never collide with the
# top Makefile's; LIB_SRC, WARN, PKG_CFLAGS and PKG_LIBS are only read.

FUZZ_CC        ?= clang
FUZZ_BUILD     := build-fuzz
FUZZ_HARNESSES ?= tls_stream x509 decode pipeline pcapng_secrets decrypt quic_packet quic_conn json_reader pcap_map
FUZZ_SECONDS   ?= 45
FUZZ_SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BASE      := -std=c17 -D_GNU_SOURCE -g -O1 $(WARN)
# The library: instrumented for coverage (fuzzer-no-link) and sanitizers, all its headers.
FUZZ_LIB_CFLAGS = $(FUZZ_BASE) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
                  -I. $(PKG_CFLAGS)
# The harnesses: public headers only (include/), plus the trust anchors of the samples.
FUZZ_CFLAGS    = $(FUZZ_BASE) -fsanitize=fuzzer $(FUZZ_SAN) -I. -Itests/fuzz $(PKG_CFLAGS) \
                 -DTD_FUZZ_CACERT='"$(CURDIR)/samples/ca/test-root-ca.pem"' -DTD_FUZZ_KEYLOGS='"$(CURDIR)/samples/keylog:$(CURDIR)/samples/keylog-suites/keylog"' \
                 -DTD_FUZZ_QUIC_KEYS='"$(CURDIR)/samples/quic"'
FUZZ_LIB_OBJ   = $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRC))
FUZZ_BINS      = $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_HARNESSES))

# Per-harness input size caps (bytes) and dictionaries.
FUZZ_MAXLEN_tls_stream = 65536
FUZZ_MAXLEN_x509       = 16384
FUZZ_MAXLEN_decode     = 4096
FUZZ_MAXLEN_pipeline   = 131072
FUZZ_MAXLEN_pcapng_secrets = 65536
FUZZ_MAXLEN_decrypt    = 65536
FUZZ_MAXLEN_quic_packet = 4096
FUZZ_MAXLEN_quic_conn  = 65536
FUZZ_MAXLEN_json_reader = 65536
FUZZ_MAXLEN_pcap_map   = 65536
FUZZ_OPTS      = -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

.PHONY: fuzz fuzz-deps fuzz-smoke fuzz-seeds fuzz-regress fuzz-clean
.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz: $(FUZZ_BINS)

fuzz-deps:
	@sh tools/install-deps.sh test

$(FUZZ_BUILD)/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJ) | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d -MT $@ -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS)

# Seed corpora from samples/ and ../shared/corpus into FUZZ_SEEDS (default: build-fuzz/seeds).
fuzz-seeds: | fuzz-deps
	@python3 tests/fuzz/make_seeds.py $(or $(FUZZ_SEEDS),$(FUZZ_BUILD)/seeds)

# Replay every saved crash input through its harness (each must now run clean).
fuzz-regress: $(FUZZ_BINS)
	@rc=0; for h in $(FUZZ_HARNESSES); do \
	    set -- tests/fuzz/regress/$$h/*; [ -f "$$1" ] || continue; \
	    if $(FUZZ_BUILD)/fuzz_$$h $(FUZZ_OPTS) "$$@" >$(FUZZ_BUILD)/regress-$$h.log 2>&1; then \
	        echo "ok fuzz regress $$h ($$# inputs)"; \
	    else echo "not ok fuzz regress $$h: see $(FUZZ_BUILD)/regress-$$h.log"; \
	        tail -n 30 $(FUZZ_BUILD)/regress-$$h.log; rc=1; fi; \
	done; exit $$rc

# Build, seed into a temp dir, run each harness for FUZZ_SECONDS, FUZZ_JOBS at a time (default: the
# online cores; each harness is one process), replay regress/.  A crash input is kept as
# $(FUZZ_BUILD)/artifacts/<harness>/crash-* (or leak-, timeout-, oom-).
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
fuzz-smoke: $(FUZZ_BINS)
	@$(MAKE) --no-print-directory fuzz-regress
	@tmp=$$(mktemp -d /tmp/tlsdiag-fuzz.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	python3 tests/fuzz/make_seeds.py "$$tmp/seeds" || exit 1; n=0; \
	for hm in $(foreach h,$(FUZZ_HARNESSES),$(h):$(FUZZ_MAXLEN_$(h))); do h=$${hm%%:*}; \
	    mkdir -p "$$tmp/corpus/$$h" $(FUZZ_BUILD)/artifacts/$$h; \
	    if [ -d tests/fuzz/regress/$$h ]; then cp tests/fuzz/regress/$$h/* "$$tmp/corpus/$$h/" 2>/dev/null || true; fi; \
	    log=$(FUZZ_BUILD)/smoke-$$h.log; \
	    ( if $(FUZZ_BUILD)/fuzz_$$h $(FUZZ_OPTS) -max_len=$${hm#*:} \
	        -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h/ \
	        "$$tmp/corpus/$$h" "$$tmp/seeds/$$h" >$$log 2>&1; then \
	        echo "ok fuzz $$h: $$(grep -E '^#[0-9]+' $$log | tail -n 1 | cut -c1-100)"; \
	    else echo "not ok fuzz $$h: see $$log"; grep -E -A 20 'runtime error|^==[0-9]+==.*ERROR|deadly signal|Test unit written' $$log | head -n 60; fi \
	    ) >"$$tmp/result-$$h" & \
	    n=$$((n + 1)); [ $$((n % $(FUZZ_JOBS))) -eq 0 ] && wait; \
	done; wait; cat "$$tmp"/result-*; ! grep -q '^not ok' "$$tmp"/result-*

# Line coverage of the library reached by a corpus: FUZZ_COV_CORPUS=DIR holds DIR/<harness>/
# (inputs, or a campaign's DIR/<harness>/corpus) and DIR/seeds/<harness>.  Builds
# build-fuzz-cov/ with clang's source-based coverage (no sanitizers), replays each corpus once
# (-runs=0) and prints llvm-cov's per-harness totals over the library sources.
FUZZ_COV_BUILD  := build-fuzz-cov
FUZZ_COV_FLAGS  := -fprofile-instr-generate -fcoverage-mapping
FUZZ_COV_CORPUS ?= $(FUZZ_BUILD)/seeds
FUZZ_COV_OBJ     = $(patsubst %.c,$(FUZZ_COV_BUILD)/%.o,$(LIB_SRC))
FUZZ_COV_BINS    = $(patsubst %,$(FUZZ_COV_BUILD)/fuzz_%,$(FUZZ_HARNESSES))
# llvm-cov and llvm-profdata come with Debian's llvm-14 (not a dependency of clang): installed
# by fuzz-cov-deps when missing.  Recursively expanded: looked up when a recipe runs.
FUZZ_PROFDATA    = $(firstword $(shell command -v llvm-profdata-14 llvm-profdata 2>/dev/null) llvm-profdata)
FUZZ_LLVM_COV    = $(firstword $(shell command -v llvm-cov-14 llvm-cov 2>/dev/null) llvm-cov)
.SECONDARY: $(FUZZ_COV_OBJ)
.PHONY: fuzz-cov fuzz-cov-deps

fuzz-cov-deps: | fuzz-deps
	@command -v llvm-profdata-14 >/dev/null 2>&1 || command -v llvm-profdata >/dev/null 2>&1 || { \
	    echo "tlsdiag: installing llvm-14 (llvm-cov, llvm-profdata)" >&2; S=""; [ "$$(id -u)" -ne 0 ] && S=sudo; \
	    $$S apt-get install -y -qq --no-install-recommends llvm-14 >/dev/null 2>&1 || \
	    { $$S apt-get update -qq && $$S apt-get install -y -qq --no-install-recommends llvm-14; }; }

$(FUZZ_COV_BUILD)/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) $(FUZZ_COV_FLAGS) -I. $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_COV_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_COV_OBJ) | fuzz-deps
	$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer $(FUZZ_COV_FLAGS) -I. -Itests/fuzz $(PKG_CFLAGS) -MMD -MP -MF $@.d -MT $@ \
	    -DTD_FUZZ_CACERT='"$(CURDIR)/samples/ca/test-root-ca.pem"' -DTD_FUZZ_KEYLOGS='"$(CURDIR)/samples/keylog:$(CURDIR)/samples/keylog-suites/keylog"' \
	    -DTD_FUZZ_QUIC_KEYS='"$(CURDIR)/samples/quic"' -o $@ $< $(FUZZ_COV_OBJ) $(PKG_LIBS)

# The sources each harness is aimed at (its coverage is also given over the whole library).
FUZZ_COV_SRC_tls_stream = dissectors/tls/tls_stream.c dissectors/tls/tls_records.c dissectors/tls/tls_starttls.c \
                          dissectors/tls/tls_resync.c dissectors/tls/tls_handshake_reassembly.c \
                          dissectors/tls/tls_alerts_heartbeats.c dissectors/tls/tls_record_keys.c \
                          dissectors/tls/tls_handshake.c dissectors/tls/tls_sslv2.c \
                          dissectors/tls/tls_sniff.c dissectors/transcript.c
FUZZ_COV_SRC_x509       = dissectors/x509/x509_summary.c dissectors/x509/x509_ident.c dissectors/x509/x509_text.c
FUZZ_COV_SRC_decode     = dissectors/decode/decode.c
FUZZ_COV_SRC_pipeline   = $(LIB_SRC)
FUZZ_COV_SRC_pcapng_secrets = analyzer/capture/pcapng_secrets.c analyzer/capture/source_file.c
FUZZ_COV_SRC_decrypt    = dissectors/tls/tls_decrypt.c dissectors/tls/tls_key_schedule.c dissectors/tls/keylog_parse.c \
                          dissectors/tls/tls_record_keys.c
FUZZ_COV_SRC_quic_packet = dissectors/quic/quic_packet.c dissectors/quic/quic_keys.c dissectors/quic/quic_protect.c \
                          dissectors/quic/quic_retry.c dissectors/quic/quic_frames.c dissectors/quic/quic_crypto_stream.c
FUZZ_COV_SRC_quic_conn  = $(wildcard dissectors/quic/*.c) dissectors/tls/tls_quic_entry.c

define fuzz_nl


endef

define fuzz_cov_one
@dirs=""; c=$(FUZZ_COV_CORPUS)/$(1); [ -d "$$c/corpus" ] && c=$$c/corpus; \
	for d in $$c $(FUZZ_COV_CORPUS)/seeds/$(1); do [ -d "$$d" ] && dirs="$$dirs $$d"; done; \
	rm -f $(FUZZ_COV_BUILD)/$(1).profraw; \
	LLVM_PROFILE_FILE=$(FUZZ_COV_BUILD)/$(1).profraw $(FUZZ_COV_BUILD)/fuzz_$(1) -runs=0 -timeout=30 $$dirs \
	    >$(FUZZ_COV_BUILD)/$(1).log 2>&1 || { echo "fuzz-cov $(1): replay failed, see $(FUZZ_COV_BUILD)/$(1).log"; exit 1; }; \
	$(FUZZ_PROFDATA) merge -sparse $(FUZZ_COV_BUILD)/$(1).profraw -o $(FUZZ_COV_BUILD)/$(1).profdata; \
	printf '%-11s %-8s ' $(1) target; $(FUZZ_LLVM_COV) report $(FUZZ_COV_BUILD)/fuzz_$(1) \
	    -instr-profile=$(FUZZ_COV_BUILD)/$(1).profdata $(FUZZ_COV_SRC_$(1)) | tail -n 1; \
	printf '%-11s %-8s ' $(1) library; $(FUZZ_LLVM_COV) report $(FUZZ_COV_BUILD)/fuzz_$(1) \
	    -instr-profile=$(FUZZ_COV_BUILD)/$(1).profdata $(LIB_SRC) | tail -n 1
endef

fuzz-cov: $(FUZZ_COV_BINS) | fuzz-cov-deps
	@echo "harness     sources  (regions, missed, cover; functions, missed, executed; lines, missed, cover; branches, missed, cover)"
	$(foreach h,$(FUZZ_HARNESSES),$(call fuzz_cov_one,$(h))$(fuzz_nl))
	@$(FUZZ_PROFDATA) merge -sparse $(patsubst %,$(FUZZ_COV_BUILD)/%.profraw,$(FUZZ_HARNESSES)) -o $(FUZZ_COV_BUILD)/all.profdata; \
	printf '%-11s %-8s ' all library; $(FUZZ_LLVM_COV) report $(firstword $(FUZZ_COV_BINS)) \
	    $(patsubst %,-object %,$(wordlist 2,99,$(FUZZ_COV_BINS))) -instr-profile=$(FUZZ_COV_BUILD)/all.profdata \
	    $(LIB_SRC) | tail -n 1

fuzz-clean:
	rm -rf $(FUZZ_BUILD) $(FUZZ_COV_BUILD)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BINS:=.d) $(FUZZ_COV_OBJ:.o=.d) $(FUZZ_COV_BINS:=.d)
