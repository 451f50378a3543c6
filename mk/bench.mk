# bench.mk: `make bench` (not part of `make test`): build/bench/results.json
# and a table of every figure against its goal.  docs/benchmarks.md.
BENCH_SRCS := $(wildcard tests/bench/*.c) tests/testhost/testhost.c
BENCH_OBJS := $(patsubst %.c,$(BUILD)/bench-obj/%.o,$(BENCH_SRCS))
BENCH_BIN  := $(BUILD)/bin/vgpu-bench
BENCH_ARGS ?=

.PHONY: bench
bench: $(DEPS_STAMP) $(BENCH_BIN)
	$(Q)mkdir -p $(BUILD)/bench
	$(Q)$(BENCH_BIN) --json $(BUILD)/bench/results.json $(BENCH_ARGS)

$(BUILD)/bench-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(plain_CFLAGS) -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(LIBCORE_plain)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $^ -lpthread -lm

-include $(BENCH_OBJS:.o=.d)

# Metric 7 (docs/benchmarks.md): guest MMIO round trips per second through
# vgpu-backend vs the null IOREQ server ioreq-echo, in one rig flight
# (tests/rig/jobs/bench-rig.sh).  Reported, not a goal: TCG timing.
.PHONY: bench-rig
bench-rig: rig
	$(Q)python3 tests/rig/flight.py --jobs bench-rig --build $(BUILD)
	$(Q)python3 tests/rig/benchrig.py $(BUILD)/flights/latest $(BUILD)/bench/rig-results.json
