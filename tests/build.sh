#!/bin/sh
# tests/build.sh - the plain build installs nothing: `make` only checks the libraries through
# pkg-config (tools/check-deps.sh) and says in one line which is missing; `make deps` is the only
# target that installs (Debian's apt-get, through tools/install-deps.sh).  Needs make.
set -u
command -v make >/dev/null 2>&1 || { echo "skip build: make is not installed"; exit 0; }
# What `make` would run to build from nothing, without running it: no installer in it.
plan=$(MAKEFLAGS= MAKELEVEL= make -n -B all 2>&1)   # the plain build, whatever make runs this test
if echo "$plan" | grep -q "check-deps.sh" && ! echo "$plan" | grep -q "install-deps\|apt-get"; then
    echo "ok build-installs-nothing"
else
    echo "not ok build-installs-nothing: make -n -B all runs: $(echo "$plan" | grep -m1 'install-deps\|apt-get' || echo 'no check-deps.sh')"
fi
plan=$(MAKEFLAGS= MAKELEVEL= make -n deps 2>&1)
if echo "$plan" | grep -q "install-deps.sh"; then echo "ok build-deps-installs"
else echo "not ok build-deps-installs: make -n deps: $(echo "$plan" | head -1)"; fi
# A library pkg-config cannot find: one clear line naming it and the Debian package, status 1.
out=$(PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= sh tools/check-deps.sh libpcap openssl zlib 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "libpcap.*libpcap-dev.*make deps"; then
    echo "ok build-names-missing-library"
else
    echo "not ok build-names-missing-library: status $rc: $out"
fi
if sh tools/check-deps.sh libpcap openssl zlib 2>/dev/null; then echo "ok build-finds-libraries"
else echo "not ok build-finds-libraries: $(sh tools/check-deps.sh libpcap openssl zlib 2>&1)"; fi
