# Benchmarks (tests/bench/): `make bench` builds the capture generator, the libpcap floor and the
# timer, writes the captures (the same bytes for the same BENCH_SEED; kept in $(BUILD)/bench and
# remade only when the generator changes), installs tshark, ssldump and ndpiReader when it can,
# and prints the table: medians of BENCH_RUNS runs (BENCH_SLOW_RUNS for tshark and ssldump).
#   make bench BENCH_RUNS=3 BENCH_BULK_MB=400 BENCH_HANDSHAKES=10000
# Then the live ladder (live_bench.py, as root: tcpreplay into a veth, tlsdiag -i against tcpdump):
#   make bench-live LIVE_RATES=0.5,1,2,top LIVE_WORKERS=auto,1,2 LIVE_REPEATS=3 LIVE_BUFFER_KIB=512
# BENCH_BASELINE=/path/to/an/older/tlsdiag runs that build too, in the same rounds, for old/new ratios.
# The QUIC capture: BENCH_QUIC_CONNS replays of samples/quic/quic-ok-chromium.pcap from distinct
# client addresses and with its own connection IDs, each followed by BENCH_QUIC_PKTS short-header
# datagrams each way (gencap quic); remade when gencap or the sample changes.
BENCH_DIR        ?= $(BUILD)/bench
BENCH_SEED       ?= 1
BENCH_BULK_MB    ?= 450
BENCH_HANDSHAKES ?= 20000
BENCH_IDLE       ?= 1000000
BENCH_QUIC_CONNS ?= 10000
BENCH_QUIC_PKTS  ?= 50
BENCH_RUNS       ?= 5
BENCH_SLOW_RUNS  ?= 3
LIVE_RATES       ?= 0.5,1,1.5,2,2.5,top
LIVE_WORKERS     ?= auto,1
LIVE_REPEATS     ?= 1
LIVE_BUFFER_KIB  ?= 0
BENCH_BASELINE   ?=
BENCH_CFLAGS      = -std=c17 -D_GNU_SOURCE $(WARN) -O2 -g

BENCH_BINS = $(BENCH_DIR)/gencap $(BENCH_DIR)/pcaploop $(BENCH_DIR)/timeit $(BENCH_DIR)/pagecache
BENCH_BULK = $(BENCH_DIR)/bulk-s$(BENCH_SEED)-$(BENCH_BULK_MB)mb.pcap
BENCH_HS   = $(BENCH_DIR)/handshake-s$(BENCH_SEED)-$(BENCH_HANDSHAKES).pcap
BENCH_IDLEF = $(BENCH_DIR)/idle-$(BENCH_IDLE).pcap
BENCH_QUIC_SAMPLE = samples/quic/quic-ok-chromium.pcap
BENCH_QUIC = $(BENCH_DIR)/quic-s$(BENCH_SEED)-$(BENCH_QUIC_CONNS)x$(BENCH_QUIC_PKTS).pcap
BENCH_KEYS = $(wildcard tests/bench/keys/*.key)

.PHONY: bench bench-tools bench-captures bench-live

$(BENCH_DIR)/gencap: tests/bench/gencap.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS) -lm

$(BENCH_DIR)/pcaploop: tests/bench/pcaploop.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

$(BENCH_DIR)/pagecache: tests/bench/pagecache.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_DIR)/timeit: tests/bench/timeit.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_BULK): $(BENCH_DIR)/gencap $(BENCH_KEYS)
	$(BENCH_DIR)/gencap bulk -s $(BENCH_SEED) --size-mb $(BENCH_BULK_MB) --keys tests/bench/keys --ca $@.ca.pem -o $@

$(BENCH_HS): $(BENCH_DIR)/gencap $(BENCH_KEYS)
	$(BENCH_DIR)/gencap handshake -s $(BENCH_SEED) -n $(BENCH_HANDSHAKES) --keys tests/bench/keys --ca $@.ca.pem -o $@

$(BENCH_IDLEF): $(BENCH_DIR)/gencap $(BENCH_KEYS)
	$(BENCH_DIR)/gencap idle -n $(BENCH_IDLE) --keys tests/bench/keys -o $@

$(BENCH_QUIC): $(BENCH_DIR)/gencap $(BENCH_QUIC_SAMPLE)
	$(BENCH_DIR)/gencap quic -s $(BENCH_SEED) -n $(BENCH_QUIC_CONNS) --packets-per-conn $(BENCH_QUIC_PKTS) \
	    --sample $(BENCH_QUIC_SAMPLE) -o $@

bench-captures: $(BENCH_BULK) $(BENCH_HS) $(BENCH_QUIC) $(BENCH_IDLEF)

bench-tools:
	@sh tests/bench/tools.sh

bench: $(BIN) $(BENCH_BINS) bench-captures bench-tools
	python3 tests/bench/run.py --tlsdiag ./$(BIN) --floor $(BENCH_DIR)/pcaploop --timeit $(BENCH_DIR)/timeit \
	    --pagecache $(BENCH_DIR)/pagecache --cacert $(BENCH_HS).ca.pem --runs $(BENCH_RUNS) --slow-runs $(BENCH_SLOW_RUNS) \
	    $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE)) --quic-conns $(BENCH_QUIC_CONNS) \
	    bulk=$(BENCH_BULK) handshake=$(BENCH_HS) quic=$(BENCH_QUIC) idle=$(BENCH_IDLEF)
	@$(MAKE) --no-print-directory bench-live

bench-live: $(BIN) $(BENCH_BULK) $(BENCH_HS)
	python3 tests/bench/live_bench.py --tlsdiag ./$(BIN) --cacert $(BENCH_HS).ca.pem --rates $(LIVE_RATES) \
	    --workers $(LIVE_WORKERS) --repeats $(LIVE_REPEATS) --buffer-kib $(LIVE_BUFFER_KIB) \
	    $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE)) \
	    bulk=$(BENCH_BULK) handshake=$(BENCH_HS)
