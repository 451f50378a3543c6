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
