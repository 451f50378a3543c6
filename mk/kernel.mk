# kernel.mk: `make kernel` builds the project's kernel modules, each once per
# kernel it must load into (mk/build-kmods), into $(BUILD)/kernel-<release>/:
#   vgpu_mdev.ko   the mdev parent (kernel/: core/ through core/os/os_kernel.c, pgpu-sw/)
#   rgpu_uio.ko    the rig guests' interrupt driver (guest/kmod/)
#   rgpu_drm.ko    the rig guests' DRM/KMS driver (guest/kmod/)
# (and the others mk/build-kmods lists), plus Linux's sample mdev drivers
# mtty.ko, mdpy.ko, mbochs.ko for the rig's xen-mdev-peers job: not project
# code, built from the samples/vfio-mdev/ the rig cache entry carries, so
# only for the rig's kernels (a KDIR= of another tree skips them).
#
#   make kernel                      for the rig's kernels: the Xen image's
#                                    (dom0 and Xen guests) and the kvm-l1
#                                    image's (L1 and L2), against the exact
#                                    headers each image carries (built or found
#                                    in the rig cache, tests/rig/build-image.sh)
#   make kernel KDIR=/path/to/build  against any other configured kernel tree
#   make kernel-clean
#
# Every path is resolved in the recipe, after the packages are installed:
# nothing here looks at /usr/src or /lib/modules when the Makefile is read.
KERNEL_DEPS_PACKAGES := make gcc-12 binutils libelf1 libssl3
KDIR ?=
# The rig hosts whose kernels `make kernel` builds for (make demo needs only xen).
KERNEL_RIG_HOSTS ?= xen kvm-l1
# Kernel warnings are errors (the Kbuild files add -Werror); W=1 for more.
KERNEL_MAKE_ARGS ?=

.PHONY: kernel kernel-clean
kernel: $(if $(KDIR),,rig-deps)
	$(Q)sh mk/ensure-packages $(KERNEL_DEPS_PACKAGES)
	$(Q)set -e; mkdir -p $(BUILD); \
	if [ -n "$(KDIR)" ]; then kdirs="$(KDIR)"; else \
	    kdirs=; for h in $(KERNEL_RIG_HOSTS); do \
	        kdirs="$$kdirs $$(sh tests/rig/build-image.sh $$h)/kdir"; done; fi; \
	done_rels=; for k in $$kdirs; do \
	    rel=$$(readlink -f $$k | sed 's|.*/linux-headers-||'); \
	    case " $$done_rels " in *" $$rel "*) continue ;; esac; done_rels="$$done_rels $$rel"; \
	    sh mk/build-kmods $$k $(BUILD) $(KERNEL_MAKE_ARGS); \
	done

kernel-clean:
	rm -rf $(BUILD)/kernel-*

# The KVM path's flight (tests/rig/flights/kvm-path.list, host kvm-l1): the
# module, the rig's guest programs, then the flight.  Report: build/flights/latest/.
.PHONY: kvm-flight
kvm-flight: kernel $(BUILD)/rig/vfio-abuse
	$(Q)$(MAKE) --no-print-directory rig-deps rig-progs
	$(Q)python3 tests/rig/flight.py --flight kvm-path --build $(BUILD)

# Raw-VFIO robustness driver run in the L1 host (tests/rig/vfio-abuse.c).
$(BUILD)/rig/vfio-abuse: tests/rig/vfio-abuse.c core/hw_regs.h core/hw_cmds.h
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -Wshadow -O2 -g $< -o $@
