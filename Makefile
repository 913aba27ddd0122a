# tlsdiag - a TLS handshake diagnoser for packet captures.
#   make deps         install the build dependencies (Debian packages, with apt-get)
#   make              build ./tlsdiag (checks the libraries through pkg-config; installs nothing)
#   make deps run     on a fresh Debian machine: install, build, then analyse the bundled samples
#   make run          build, then analyse the bundled samples
#   make test         installs the test tools (Debian), then runs the whole suite (ends with "N passed, N failed")
#   make test-TIER    one tier of tests/TESTLIST (unit, golden, cli, live, keylog, crosscheck, browser)
#   make SANITIZE=1 test   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make install PREFIX=/usr/local
CC      ?= cc
PREFIX  ?= /usr/local
PKGS     = libpcap openssl zlib

ifeq ($(SANITIZE),1)
BUILD   := build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT      = -O1
else
BUILD   := build
SANFLAGS =
OPT      = -O2
endif

# Recursively expanded: pkg-config runs when a recipe needs it, after `deps` may have installed it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) $(SANFLAGS) -I. $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread

# Every .c under dissectors/ and analyzer/ but main.c: the folders are the architecture (docs/DESIGN.md).
LIB_SRC  = $(sort $(filter-out analyzer/app/main.c,$(shell find dissectors analyzer -name '*.c')))
LIB_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
TEST_SRC = $(wildcard tests/unit/test_*.c)
TEST_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BIN      = $(if $(filter 1,$(SANITIZE)),$(BUILD)/tlsdiag,tlsdiag)

.PHONY: all deps test-deps check-deps run test install uninstall clean

all: $(BIN)

deps:
	@sh tools/install-deps.sh

test-deps:
	@sh tools/install-deps.sh test

# The plain build installs nothing, so that it works where apt-get does not: it only checks.
check-deps:
	@sh tools/check-deps.sh $(PKGS)

$(BUILD)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtlsdiag.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN): $(BUILD)/analyzer/app/main.o $(BUILD)/libtlsdiag.a
	@echo "  LD      $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtlsdiag.a | check-deps
	@mkdir -p $(dir $@)
	@echo "  CC LD   $@"
	@$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libtlsdiag.a $(ALL_LDFLAGS) $(PKG_LIBS)

run: $(BIN)
	@./$(BIN) --cacert samples/ca/test-root-ca.pem -r samples/*.pcap samples/*.pcapng samples/*.pcap.gz; \
	    rc=$$?; [ $$rc -le 1 ] || exit $$rc   # status 1 only says some sample connection failed: they are meant to

test: | test-deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@sh tests/run.sh $(BUILD) ./$(BIN)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tlsdiag
	if [ -f tlsdiag.1 ]; then install -m 644 tlsdiag.1 $(DESTDIR)$(PREFIX)/share/man/man1/tlsdiag.1; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tlsdiag $(DESTDIR)$(PREFIX)/share/man/man1/tlsdiag.1

clean:
	rm -rf build build-san tlsdiag

# Fuzzing (libFuzzer, clang): make fuzz builds the harnesses, make fuzz-smoke runs each briefly.
-include tests/fuzz/fuzz.mk
# Benchmarks: make bench generates large captures and times tlsdiag against libpcap and others.
-include tests/bench/bench.mk
# One target per test tier of tests/TESTLIST: make test-unit, test-golden, test-cli, test-live,
# test-keylog, test-crosscheck, test-browser.
include tests/tests.mk

-include $(LIB_OBJ:.o=.d) $(BUILD)/analyzer/app/main.d
