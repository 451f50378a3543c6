# guest.mk: the guest side (included by the top Makefile).
#
#   build/bin/vgpu-guest   the vGPU scenarios from inside a guest (static:
#                          the rig's guests have no libc): guest/vgpu_guest*.c
#                          and the shared scenarios guest/scenarios/ over the
#                          guest library on its Linux platform
#   make kernel            also the guest's interrupt driver rgpu_uio.ko (mk/kernel.mk)
GUEST_LIB_SRCS := guest/rgpu_guest.c guest/rgpu_linux.c
VGPU_GUEST_SRCS := guest/vgpu_guest.c guest/vgpu_guest_scn.c $(SCN_SRCS)
GUEST_HDRS := $(wildcard guest/*.h guest/scenarios/*.h) core/hw_regs.h core/hw_cmds.h \
              core/pci_cfg.h core/le_bytes.h
GUEST_STATIC_CFLAGS := -std=gnu11 $(CFLAGS_BASE) -O2 -static -s -Iguest

.PHONY: vgpu-guest
vgpu-guest: $(BUILD)/bin/vgpu-guest

$(BUILD)/bin/vgpu-guest: $(VGPU_GUEST_SRCS) $(GUEST_LIB_SRCS) $(GUEST_HDRS) | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_STATIC_CFLAGS) $(VGPU_GUEST_SRCS) $(GUEST_LIB_SRCS) -o $@
