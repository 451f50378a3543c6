# fuzz.mk - libFuzzer targets (tests/fuzz/): the command scanner + software
# engine (fuzz_scan) and the guest-facing region surface (fuzz_mmio).
#
#   make fuzz         run each target for FUZZ_SECONDS (default 60) with a
#                     corpus under build/fuzz/corpus/, seeded from
#                     tests/fuzz/corpus/
#   make fuzz-smoke   the same for FUZZ_SMOKE_SECONDS (default 30); part of
#                     `make test`
#
# core/ is rebuilt here with clang, coverage instrumentation and ASan+UBSan
# (-fsanitize=fuzzer-no-link), so fuzzing objects never mix with the
# gcc variants.  A crash, sanitizer report, leak or timeout exits non-zero
# and fails the target; the reproducer lands in build/fuzz/artifacts/.

FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_TIMEOUT       ?= 25
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := $(CSTD) $(CFLAGS_BASE) -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                -Ipgpu-sw -Itests $(DEPFLAGS)
FUZZ_LIB_SRCS := $(CORE_SRCS) $(PGPU_SW_SRCS) $(OS_USER_SRCS) tests/testhost/testhost.c
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_STAMP   := $(FUZZ_DIR)/.clang-ok

EXTRA_TEST_STEPS += fuzz-smoke

.PHONY: fuzz fuzz-smoke fuzz-bin

$(FUZZ_STAMP): mk/fuzz.mk mk/ensure-packages
	$(Q)sh mk/ensure-packages clang libclang-rt-14-dev
	$(Q)mkdir -p $(dir $@) && touch $@

$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lpthread

fuzz-bin: $(FUZZ_BINS)

# run-fuzz SECONDS: every target in turn; the first failure stops make.
define run-fuzz
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts; \
	    echo "fuzz: $$t for $(1) s"; \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    $(FUZZ_DIR)/$$t -max_total_time=$(1) -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
	        $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t > $(FUZZ_DIR)/$$t.log 2>&1 || \
	        { tail -60 $(FUZZ_DIR)/$$t.log; echo "fuzz: $$t FAILED (log: $(FUZZ_DIR)/$$t.log)"; exit 1; }; \
	    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	        $(FUZZ_DIR)/$$t.log | sed "s/^/fuzz: $$t /"; \
	done
endef

fuzz: $(FUZZ_BINS)
	$(call run-fuzz,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BINS)
	$(call run-fuzz,$(FUZZ_SMOKE_SECONDS))

-include $(FUZZ_LIB_OBJS:.o=.d) $(patsubst %,$(FUZZ_DIR)/obj/tests/fuzz/%.d,$(FUZZ_TARGETS))
