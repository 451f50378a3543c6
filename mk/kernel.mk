# kernel.mk: `make kernel` builds $(BUILD)/kernel/vgpu_mdev.ko, the KVM path
# (kernel/: a VFIO mdev parent serving core/ through core/os/os_kernel.c).
#
#   make kernel                      against the newest installed Debian
#                                    /usr/src/linux-headers-*-amd64 (the rig's
#                                    L1 kernel), else the running kernel's
#                                    /lib/modules/$(uname -r)/build
#   make kernel KDIR=/path/to/build  against any configured kernel tree
#   make kernel-clean
#
# Out of tree: kernel/Kbuild runs in $(BUILD)/kernel/, where kernel/*.c,
# core/*.[ch] and core/os/ are symlinked, so no object lands in the sources.
# linux-headers-amd64 is installed on demand (root) for this target only;
# with no headers at all the target says so and succeeds without a module.
KERNEL_DEPS_PACKAGES := linux-headers-amd64
KBUILD_DIR := $(abspath $(BUILD)/kernel)
KDIR ?= $(or $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))), \
             /lib/modules/$(shell uname -r)/build)
# Kernel warnings are errors (kernel/Kbuild adds -Werror); W=1 for more.
KERNEL_MAKE_ARGS ?=

.PHONY: kernel kernel-clean
kernel:
	$(Q)sh mk/ensure-packages $(KERNEL_DEPS_PACKAGES) || \
	    echo "kernel: could not install $(KERNEL_DEPS_PACKAGES) (not root?)"
	$(Q)if [ ! -f "$(KDIR)/Makefile" ]; then \
	    echo "kernel: SKIPPED: no kernel headers at KDIR=$(KDIR)" \
	         "(apt-get install linux-headers-amd64, or pass KDIR=)"; exit 0; fi; \
	set -e; mkdir -p $(KBUILD_DIR)/core/os; \
	find $(KBUILD_DIR) -type l -delete; \
	ln -s $(abspath kernel/Kbuild) $(KBUILD_DIR)/Kbuild; \
	for f in kernel/*.c kernel/*.h; do [ -e "$$f" ] && ln -s $(CURDIR)/$$f $(KBUILD_DIR)/; done; \
	for f in core/*.c core/*.h; do ln -s $(CURDIR)/$$f $(KBUILD_DIR)/core/; done; \
	ln -s $(CURDIR)/core/os/os.h $(CURDIR)/core/os/os_kernel.c $(KBUILD_DIR)/core/os/; \
	$(MAKE) --no-print-directory -C $(KDIR) M=$(KBUILD_DIR) $(KERNEL_MAKE_ARGS) modules; \
	echo "kernel: built $(BUILD)/kernel/vgpu_mdev.ko against $(KDIR)" \
	     "($$(strings $(KBUILD_DIR)/vgpu_mdev.ko | sed -n "s/^vermagic=\([^ ]*\).*/\1/p"))"

# The guest side's interrupt driver, rgpu_uio.ko (guest/kmod/), for the rig's
# guests: same kernel and headers as the rig (the guests boot the rig's
# kernel).  Skipped, like the module above, when no headers are installed.
GUEST_KBUILD_DIR := $(abspath $(BUILD)/kernel-guest)
.PHONY: guest-kmod
guest-kmod:
	$(Q)sh mk/ensure-packages $(KERNEL_DEPS_PACKAGES) || \
	    echo "guest-kmod: could not install $(KERNEL_DEPS_PACKAGES) (not root?)"
	$(Q)if [ ! -f "$(KDIR)/Makefile" ]; then \
	    echo "guest-kmod: SKIPPED: no kernel headers at KDIR=$(KDIR)"; exit 0; fi; \
	set -e; mkdir -p $(GUEST_KBUILD_DIR); find $(GUEST_KBUILD_DIR) -type l -delete; \
	for f in guest/kmod/Kbuild guest/kmod/*.c; do ln -s $(CURDIR)/$$f $(GUEST_KBUILD_DIR)/; done; \
	$(MAKE) --no-print-directory -C $(KDIR) M=$(GUEST_KBUILD_DIR) $(KERNEL_MAKE_ARGS) modules

kernel-clean:
	$(Q)if [ -f "$(KDIR)/Makefile" ] && [ -d $(KBUILD_DIR) ]; then \
	    $(MAKE) --no-print-directory -C $(KDIR) M=$(KBUILD_DIR) clean; fi
	rm -rf $(KBUILD_DIR) $(GUEST_KBUILD_DIR)

# The KVM path's flight (tests/rig/flights/kvm-path.list, host kvm-l1): the
# module, the rig's guest programs, then the flight.  Report: build/flights/latest/.
.PHONY: kvm-flight
kvm-flight: kernel $(BUILD)/rig/vfio-abuse
	$(Q)$(MAKE) --no-print-directory rig-deps rig-progs
	$(Q)python3 tests/rig/flight.py --flight kvm-path --build $(BUILD)

# Raw-VFIO robustness driver run in the L1 host (tests/rig/vfio-abuse.c).
$(BUILD)/rig/vfio-abuse: tests/rig/vfio-abuse.c core/hw_regs.h
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -Wshadow -O2 -g $< -o $@
