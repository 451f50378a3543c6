# bench.mk: `make bench` (not part of `make test`): build/bench/results.json
# and a table of every figure against its goal, then the callgrind counts
# of metrics 1 and 3.  docs/benchmarks.md.
# bench_daemon.c measures vgpu-backend's own code (Xen headers, the
# daemon's flags): it links the daemon's objects as the toolstack tests
# build them (mk/toolstack.mk, included first), with the fake event
# channel of tests/daemon/.
BENCH_DAEMON_SRCS := tests/bench/bench_daemon.c
BENCH_SRCS := $(filter-out $(BENCH_DAEMON_SRCS),$(wildcard tests/bench/*.c)) \
              tests/testhost/testhost.c
BENCH_OBJS := $(patsubst %.c,$(BUILD)/bench-obj/%.o,$(BENCH_SRCS)) \
              $(patsubst %.c,$(BUILD)/toolstack-test/%.o,$(BENCH_DAEMON_SRCS)) \
              $(filter $(BUILD)/toolstack-test/dom0-backend/% \
                       $(BUILD)/toolstack-test/toolstack/json.o \
                       $(BUILD)/toolstack-test/toolstack/vgpu_cfg.o \
                       $(BUILD)/toolstack-test/tests/daemon/%,$(TOOLSTACK_TEST_OBJS))
BENCH_BIN  := $(BUILD)/bin/vgpu-bench
BENCH_ARGS ?=

# bench-callgrind SUITE: its callgrind counts, unless --only names another.
define bench-callgrind
	$(Q)case " $(BENCH_ARGS) " in *" --only $(1) "*) c=1 ;; \
	    *" --only"*) c= ;; *) c=1 ;; esac; \
	    [ -z "$$c" ] || $(MAKE) --no-print-directory bench-callgrind-$(1)
endef

.PHONY: bench bench-callgrind-mediated bench-callgrind-scanner
bench: $(DEPS_STAMP) $(BENCH_BIN)
	$(Q)mkdir -p $(BUILD)/bench
	$(Q)$(BENCH_BIN) --json $(BUILD)/bench/results.json $(BENCH_ARGS)
	$(call bench-callgrind,mediated)
	$(call bench-callgrind,scanner)

# mediated_vs_native's cross-check: instructions per job of both paths under
# callgrind (tests/bench/callgrind-mediated.sh), independent of the load.
bench-callgrind-mediated: $(DEPS_STAMP) $(BENCH_BIN)
	$(Q)mkdir -p $(BUILD)/bench
	$(Q)sh tests/bench/callgrind-mediated.sh $(BENCH_BIN) $(BUILD)/bench/callgrind \
	    > $(BUILD)/bench/mediated-callgrind.txt
	$(Q)echo; cat $(BUILD)/bench/mediated-callgrind.txt

# The scanner's instructions per dword and per command under callgrind
# (tests/bench/callgrind-scanner.sh): its cost on a machine of any load.
bench-callgrind-scanner: $(DEPS_STAMP) $(BENCH_BIN)
	$(Q)mkdir -p $(BUILD)/bench
	$(Q)sh tests/bench/callgrind-scanner.sh $(BENCH_BIN) $(BUILD)/bench/callgrind-scanner \
	    > $(BUILD)/bench/scanner-callgrind.txt
	$(Q)echo; cat $(BUILD)/bench/scanner-callgrind.txt

$(BUILD)/bench-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(plain_CFLAGS) -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(LIBCORE_plain)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $^ $$(pkg-config --libs $(BACKEND_XEN_LIBS) libvncserver libvncclient) $(JSON_LIBS) \
	    -lpng -lpthread -lm

-include $(BENCH_OBJS:.o=.d)

# Metric 7 (docs/benchmarks.md): guest MMIO round trips per second through
# vgpu-backend vs the null IOREQ server ioreq-echo, in one rig flight
# (tests/rig/jobs/bench-rig.sh).  Reported, not a goal: TCG timing.
.PHONY: bench-rig
bench-rig: rig
	$(Q)python3 tests/rig/flight.py --jobs bench-rig --build $(BUILD)
	$(Q)python3 tests/rig/benchrig.py $(BUILD)/flights/latest $(BUILD)/bench/rig-results.json
