# rig.mk: the Xen test rig and its flights (included by the top Makefile).
#
#   make rig       build (or find cached) rig images; build the rig's test programs
#   make e2e       run the smoke flight (xen-boot, hvm-guest, ioreq-echo);
#                  fails if any job does not pass.  Report: build/flights/latest/
#   make flight FLIGHT=<name> | JOBS=a,b    run another flight / chosen jobs
#
# Images are cached in $${VGPU_RIG_CACHE:-$$HOME/.cache/vgpu-rig}/<recipe hash>/.
# See docs/rig.md.

RIG_DIR := tests/rig
# Host packages: image build (debootstrap), boot (qemu), test programs (libxen-dev).
RIG_DEPS_PACKAGES := qemu-system-x86 debootstrap e2fsprogs libxen-dev pkg-config gcc \
                     python3 coreutils
RIG_XEN_LIBS := xendevicemodel xenforeignmemory xenevtchn xencontrol
# gnu11: Xen's public headers use anonymous unions (hvm/save.h refuses -std=c11).
RIG_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -O2 -g
RIG_PROGS := $(BUILD)/rig/ioreq-echo
FLIGHT ?= smoke

.PHONY: rig rig-deps rig-progs e2e flight rig-clean-cache

rig-deps:
	$(Q)sh mk/ensure-packages $(RIG_DEPS_PACKAGES)

rig: rig-deps rig-progs
	$(Q)sh $(RIG_DIR)/build-rig.sh

rig-progs: $(RIG_PROGS)

$(BUILD)/rig/%: $(RIG_DIR)/%.c | rig-deps
	$(Q)mkdir -p $(@D)
	$(Q)gcc $(RIG_CFLAGS) $< -o $@ $$(pkg-config --cflags --libs $(RIG_XEN_LIBS))

e2e: rig
	$(Q)python3 $(RIG_DIR)/flight.py --flight smoke --build $(BUILD)

flight: rig
	$(Q)python3 $(RIG_DIR)/flight.py --build $(BUILD) \
	    $(if $(JOBS),--jobs $(JOBS),--flight $(FLIGHT))

# Removes every cached rig image (all recipe hashes).
rig-clean-cache:
	rm -rf $${VGPU_RIG_CACHE:-$$HOME/.cache/vgpu-rig}
