# Top-level build for the Xen/KVM mediated vGPU stack.
#
#   make             build the userspace parts into build/ (binaries in build/bin/)
#   make test        everything CI runs: unit, mechanism and toolstack suites
#                    (plain, ASan+UBSan, valgrind), the core freestanding check,
#                    vgpu-sim, the fuzzers briefly, and the rig's flights (e2e-all)
#   make check       the fast unit suites only
#   make check-core  compile core/ with -ffreestanding against the OS shim only
#   make check-asan, check-valgrind, check-sim, check-scenarios   one step of make test each
#   make deps        install the Debian packages the build and tests need
#   make demo        the main job (README.md; mk/demo.sh)
#   make rig, e2e, e2e-all, flight   the test rig and its flights (tests/rig/rig.mk, docs/rig.md)
#   make kernel      the kernel modules for the rig's kernels (or KDIR=): build/kernel-<release>/
#                    (mk/kernel.mk, docs/kvm-path.md)
#   make fuzz        the fuzzers (mk/fuzz.mk); make bench: benchmarks (docs/benchmarks.md)
#   make install, clean, help
#
# Variables: CC, BUILD (default build), OPT (default -O2 -g), V=1 for verbose commands.

BUILD   ?= build
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG   ?= clang

# The one base flag set: every build below extends it (with its -std, its
# optimisation and sanitizers, its include directories: -Ipgpu-sw where a
# parent is created).  C11 for core/ and its tests; code that includes Xen's
# or Linux's headers, or wants POSIX and GNU extensions (the daemon, the
# toolstack, the guest programs), extends it with -std=gnu11.  DEPFLAGS
# where objects are built one by one.
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CFLAGS_BASE := $(WARN) -Icore -Icore/os
CSTD    := -std=c11
DEPFLAGS := -MMD -MP
OPT     ?= -O2 -g

# Debian packages the build and the test suites need.  Later issues append.
# python3: the rig report's unit tests (check-rig) run before the rig's own
# packages are installed.
DEPS_PACKAGES := build-essential pkg-config libcunit1-dev valgrind clang \
                 libclang-rt-14-dev libpng-dev python3
DEPS_STAMP := $(BUILD)/.deps-ok

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all deps check check-core check-asan check-valgrind check-sim check-scenarios bin-links tests-bin core-lib test clean help
all: $(DEPS_STAMP) core-lib tests-bin

# The comment at the top of this file.
help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' Makefile

# ---------------------------------------------------------------- deps
# Re-checked whenever the package list changes; the check is cheap, apt-get
# runs only when something is missing.
deps:
	$(Q)sh mk/ensure-packages $(DEPS_PACKAGES)
	$(Q)mkdir -p $(BUILD) && echo "$(DEPS_PACKAGES)" > $(DEPS_STAMP)

$(DEPS_STAMP): Makefile $(wildcard mk/*.mk) tests/rig/rig.mk mk/ensure-packages
	$(Q)sh mk/ensure-packages $(DEPS_PACKAGES)
	$(Q)mkdir -p $(BUILD) && echo "$(DEPS_PACKAGES)" > $@

# ---------------------------------------------------------------- core
CORE_SRCS := $(wildcard core/*.c)
# The software engine: the pGPU every creator of a parent uses today.
PGPU_SW_SRCS := $(wildcard pgpu-sw/*.c)
OS_USER_SRCS := core/os/os_user.c

include mk/variant.mk

# Two userspace variants of the core and its test programs: plain (which
# make check and valgrind run) and sanitized (ASan+UBSan).
$(eval $(call variant,plain,$(OPT),))
$(eval $(call variant,asan,-O1 -g -fno-omit-frame-pointer,-fsanitize=address,undefined -fno-sanitize-recover=all))

core-lib: $(BUILD)/plain/libvgpucore.a

# Parts with their own rules; included before the test rules below use their variables.
include mk/fuzz.mk
include mk/backend.mk
include mk/kernel.mk
include mk/toolstack.mk
include mk/bench.mk
include mk/guest.mk

# ---------------------------------------------------------------- check-core
# Proof that core/ is freestanding: no system include path at all, only the
# compiler's own freestanding headers (stdint.h, stddef.h, stdbool.h...) and
# the OS shim header.  The userspace shim implementation is excluded: it is
# the one place allowed to see libc.
# Proof that the pGPU seam is one: the model (core/) is compiled and linked
# (ld -r) without the software engine, the engine (pgpu-sw/) apart against
# the seam's headers alone (CHECK_SEAM_HEADERS), and each may leave
# undefined only the shim's functions and the mem and str functions a
# freestanding compiler may call (CHECK_CORE_EXTERNS).
# The compiler's include directory is asked for in the recipe: on a fresh
# machine the compiler is installed by $(DEPS_STAMP), after make has read this.
CHECK_SEAM_HEADERS := core/pgpu.h core/hw_regs.h core/hw_cmds.h core/le_bytes.h core/os/os.h
CHECK_CORE_EXTERNS := ^(os_[a-z0-9_]+|mem(cpy|move|set|cmp)|str(len|cmp|ncmp))$$
# The base's warnings without its include paths: the engine half must see
# the seam's headers only.
CHECK_CORE_FLAGS = $(CSTD) $(WARN) -O2 -ffreestanding -fno-builtin -nostdinc \
                   -isystem $$inc -DOS_FREESTANDING
check-core: $(DEPS_STAMP)
	$(Q)d=$(BUILD)/check-core; rm -rf $$d; mkdir -p $$d/model $$d/pgpu-sw $$d/seam
	$(Q)set -e; d=$(BUILD)/check-core; inc=$$($(CC) -print-file-name=include); \
	for f in $(CORE_SRCS); do \
	    $(CC) $(CHECK_CORE_FLAGS) -Icore -Icore/os -c $$f -o $$d/model/$$(basename $$f .c).o; \
	done; \
	for h in $(CHECK_SEAM_HEADERS); do ln -s $(CURDIR)/$$h $$d/seam/; done; \
	for f in $(PGPU_SW_SRCS); do \
	    $(CC) $(CHECK_CORE_FLAGS) -I$$d/seam -c $$f -o $$d/pgpu-sw/$$(basename $$f .c).o; \
	done; \
	for part in model pgpu-sw; do \
	    ld -r -o $$d/$$part.o $$d/$$part/*.o; \
	    bad=$$(nm -u $$d/$$part.o | awk '{print $$2}' | grep -Ev '$(CHECK_CORE_EXTERNS)' || true); \
	    if [ -n "$$bad" ]; then echo "check-core: $$part needs symbols outside the shim:" $$bad; exit 1; fi; \
	done
	$(Q)echo "check-core: $(words $(CORE_SRCS)) core/ files compile freestanding against the shim only" \
	    "and link without the software engine; $(words $(PGPU_SW_SRCS)) pgpu-sw/ file(s) against" \
	    "pgpu.h, hw_regs.h, hw_cmds.h, le_bytes.h and the shim only"

# ---------------------------------------------------------------- tests
# Suites: unit-tests (foundation), mech-tests (reference-GPU mechanisms,
# tests/mech/), vgpu-sim (the guest scenarios, guest/scenarios/, through
# the guest library).
SUITES_plain = $(UNIT_BIN_plain) $(MECH_BIN_plain) $(TOOLSTACK_TEST_BIN)
SUITES_asan  := $(UNIT_BIN_asan) $(MECH_BIN_asan)
SIM_ARGS := --scenario all --vgpus 4

tests-bin: $(SUITES_plain) $(SIM_BIN_plain) bin-links backend toolstack vgpu-guest

bin-links: $(SIM_BIN_plain)
	$(Q)mkdir -p $(BUILD)/bin && ln -sf ../plain/vgpu-sim $(BUILD)/bin/vgpu-sim

check: $(DEPS_STAMP) $(SUITES_plain)
	$(Q)set -e; for t in $(SUITES_plain); do $$t; done

check-asan: $(DEPS_STAMP) $(SUITES_asan) $(SIM_BIN_asan)
	$(Q)set -e; export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1; \
	    for t in $(SUITES_asan); do $$t --quiet; done; \
	    $(SIM_BIN_asan) $(SIM_ARGS) > $(BUILD)/asan/vgpu-sim.log || \
	        { grep -v '^PASS' $(BUILD)/asan/vgpu-sim.log; exit 1; }

VALGRIND := valgrind -q --error-exitcode=3 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
check-valgrind: $(DEPS_STAMP) $(SUITES_plain)
	$(Q)set -e; for t in $(SUITES_plain); do $(VALGRIND) $$t --quiet; done

# Then the lighter form vgpu-guest runs in the rig's guests, in process.
check-sim: $(DEPS_STAMP) $(SIM_BIN_plain) bin-links
	$(Q)$(BUILD)/bin/vgpu-sim $(SIM_ARGS) && $(BUILD)/bin/vgpu-sim --light --vgpus 2

# The scenarios vgpu-sim and vgpu-guest run are written once
# (guest/scenarios/): no name defined twice, no harness with a copy.
check-scenarios:
	$(Q)sh tests/check-scenarios.sh

TEST_STEPS = check check-scenarios check-core check-asan check-valgrind check-sim $(EXTRA_TEST_STEPS) e2e-all
test: $(DEPS_STAMP)
	$(Q)set -e; for t in $(TEST_STEPS); do \
	    echo "==> make $$t"; $(MAKE) --no-print-directory $$t; done
	$(Q)echo "make test: all steps passed ($(TEST_STEPS))"

clean:
	rm -rf $(BUILD)

include tests/rig/rig.mk

# ---------------------------------------------------------------- demo
# The main job (README.md): the rig, then mk/demo.sh runs the demo flight
# and keeps its screenshots in $(BUILD)/demo/.  Only the Xen host boots:
# modules for its kernel alone.
.PHONY: demo
demo: KERNEL_RIG_HOSTS := xen
demo: rig
	$(Q)sh mk/demo.sh $(BUILD)
