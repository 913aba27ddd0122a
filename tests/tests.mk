# tests/tests.mk - one make target per test tier of tests/TESTLIST, included by the top Makefile:
#   make test-unit  test-golden  test-cli  test-live  test-keylog  test-crosscheck  test-browser
# Each builds what its tier needs (the binary; for unit also the unit tests) and runs
# `sh tests/run.sh BUILD BIN TIER`; `make test` runs them all but fuzz and bench (make fuzz-smoke,
# make bench).  BUILD, BIN, TEST_BIN and test-deps come from the top Makefile.
TEST_TIERS = unit golden cli live keylog crosscheck browser

.PHONY: $(addprefix test-,$(TEST_TIERS))

$(addprefix test-,$(TEST_TIERS)): test-%: | test-deps
	@$(MAKE) --no-print-directory $(BIN) $(if $(filter unit,$*),$(TEST_BIN))
	@sh tests/run.sh $(BUILD) ./$(BIN) $*
