# rig.mk: the Xen test rig and its flights (included by the top Makefile).
#
#   make rig       build (or find cached) rig images; build the rig's test programs
#   make e2e       run the smoke flight (xen-boot, hvm-guest, ioreq-echo, xen-vgpu);
#   make e2e-all   the ci flight (what make test runs): every job, Xen then
#                  kvm-l1; fails if any job does not pass.  Report: build/flights/latest/
#   make flight FLIGHT=<name> | JOBS=a,b    run another flight / chosen jobs
#
# Images are cached in $${VGPU_RIG_CACHE:-$$HOME/.cache/vgpu-rig}/<host>-<recipe hash>-<kernel>/
# (tests/rig/build-image.sh).
# See docs/rig.md.

RIG_DIR := tests/rig
# Host packages: image build (debootstrap), boot (qemu), test programs (libxen-dev).
# Guest boot disk (guestdisk.py): dosfstools, mtools, syslinux. rgb-diff: libjpeg-dev.
RIG_DEPS_PACKAGES := qemu-system-x86 debootstrap e2fsprogs libxen-dev pkg-config gcc \
                     python3 coreutils dosfstools mtools syslinux syslinux-common \
                     libjpeg-dev libdrm-dev
RIG_XEN_LIBS := xendevicemodel xenforeignmemory xenevtchn xencontrol
# gnu11: Xen's public headers use anonymous unions (hvm/save.h refuses -std=c11).
RIG_CFLAGS := -std=gnu11 $(CFLAGS_BASE) -O2 -g
RIG_PROGS := $(BUILD)/rig/ioreq-echo $(BUILD)/rig/qmp-screendump $(BUILD)/rig/dom0-stress \
             $(BUILD)/rig/rgb-diff $(BUILD)/rig/rig-logdirty
# Programs for the rig's guests: static (the guest initramfs has no libc),
# packed by flight.py into the guest initramfs as /bin/<name>, with the
# guest's interrupt driver rgpu_uio.ko built for the image's kernel (make kernel);
# built like vgpu-guest (GUEST_STATIC_CFLAGS, mk/guest.mk).
RIG_GUEST_PROGS := $(BUILD)/rig/guest-bin/vgpu-guest $(BUILD)/rig/guest-bin/rgpu-demo \
                   $(BUILD)/rig/guest-bin/mmio-bench $(BUILD)/rig/guest-bin/mdpy-bands \
                   $(BUILD)/rig/guest-bin/rgpu-kms $(BUILD)/rig/guest-bin/rgpu-dirty
FLIGHT ?= smoke

.PHONY: rig rig-deps rig-progs e2e e2e-all flight rig-clean-cache check-rig

# The rig's own Python (report, comparison table) has unit tests that need
# no VM: part of make test, before the flights.
EXTRA_TEST_STEPS += check-rig
check-rig:
	$(Q)cd $(RIG_DIR) && python3 -m unittest discover -p 'test_*.py'

rig-deps:
	$(Q)sh mk/ensure-packages $(RIG_DEPS_PACKAGES)

# The images are built (or found in the cache) by `make kernel`, which needs
# their kernels' headers; flight.py asks build-image.sh for them again.
rig: rig-deps rig-progs

# vfio-abuse (mk/kernel.mk) for the kvm-vgpu job, whichever target flies it.
rig-progs: $(DEPS_STAMP) $(RIG_PROGS) $(RIG_GUEST_PROGS) $(BUILD)/rig/vfio-abuse backend toolstack kernel

# vgpu-guest is a project binary (build/bin, mk/guest.mk); the guest's copy.
$(BUILD)/rig/guest-bin/vgpu-guest: $(BUILD)/bin/vgpu-guest
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

$(BUILD)/rig/guest-bin/%: $(RIG_DIR)/guest-bin/%.c guest/rgpu_guest.c \
		guest/rgpu_linux.c guest/rgpu_guest.h guest/rgpu_linux.h guest/rgpu_cmd.h core/hw_regs.h \
		core/hw_cmds.h core/pci_cfg.h core/le_bytes.h
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_STATIC_CFLAGS) $(filter %.c,$^) -o $@

# rig-torture's self-checking dom0 process: plain C, no Xen library.
$(BUILD)/rig/dom0-stress: $(RIG_DIR)/dom0-stress.c
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RIG_CFLAGS) $< -o $@

# rgpu-kms speaks the DRM uapi (libdrm-dev's copy of the kernel headers;
# no libdrm linked: the guest has no libc for it).
$(BUILD)/rig/guest-bin/rgpu-kms: GUEST_STATIC_CFLAGS += -I/usr/include/libdrm

# qmp-screendump runs in dom0 and in the kvm-l1 host: libpng only (both
# have it: QEMU needs it), no Xen libraries.
$(BUILD)/rig/qmp-screendump: $(RIG_DIR)/qmp-screendump.c | rig-deps
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RIG_CFLAGS) $< -o $@ $$(pkg-config --cflags --libs libpng)

$(BUILD)/rig/%: $(RIG_DIR)/%.c | rig-deps
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RIG_CFLAGS) $< -o $@ $$(pkg-config --cflags --libs $(RIG_XEN_LIBS))

# A PNG against vncsnapshot's JPEG (the display checks): dom0 has libpng16
# and libjpeg62-turbo (vncsnapshot's) from tests/rig/packages.list.
$(BUILD)/rig/rgb-diff: $(RIG_DIR)/rgb-diff.c | rig-deps
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RIG_CFLAGS) $< -o $@ -lpng -ljpeg

e2e: rig
	$(Q)python3 $(RIG_DIR)/flight.py --flight smoke --build $(BUILD)

# What `make test` runs: the ci flight (tests/rig/flights/ci.list), every
# job in one report -- Xen boot, an HVM guest, the IOREQ self-test, the Xen
# daemon path, the Xen mdev path and its peers, the guest's console on
# each path, native xl with the vgpu patches, then (second boot) the KVM
# path under nested KVM -- with the Xen path vs KVM path table.  Fails if
# any job does not pass.
e2e-all: rig xl-vgpu $(BUILD)/rig/vfio-abuse
	$(Q)python3 $(RIG_DIR)/flight.py --flight ci --build $(BUILD)

flight: rig
	$(Q)python3 $(RIG_DIR)/flight.py --build $(BUILD) \
	    $(if $(JOBS),--jobs $(JOBS),--flight $(FLIGHT))

# Removes this rig's cached host images (xen-* and kvm-l1-* entries: host,
# 16-hex-digit recipe hash, kernel release) and leftovers of interrupted
# builds; other entries sharing the cache root (xl-vgpu-*) are kept.
rig-clean-cache:
	$(Q)d=$${VGPU_RIG_CACHE:-$$HOME/.cache/vgpu-rig}; \
	for e in "$$d"/xen-* "$$d"/kvm-l1-* "$$d"/.build-xen-* "$$d"/.build-kvm-l1-*; do \
	    [ -e "$$e" ] || continue; \
	    case "$${e##*/}" in \
	        xen-[0-9a-f]*-*|kvm-l1-[0-9a-f]*-*|.build-*) echo "rm -rf $$e"; rm -rf "$$e" ;; \
	    esac; \
	done

# The patched toolstack (xen-patches/) for the toolstack flight: make xl-vgpu.
include $(RIG_DIR)/xl-vgpu.mk
