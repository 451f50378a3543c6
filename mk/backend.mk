# backend.mk: build/bin/vgpu-backend, the Xen dom0 daemon (dom0-backend/).
# Needs Debian's libxen-dev; skipped with a message when it is absent.
# VNC (vnc_display.c) is LibVNCServer's, from Debian's libvncserver-dev.
BACKEND_XEN_LIBS := xendevicemodel xenforeignmemory xenevtchn xengnttab xenstore xencontrol
BACKEND_SRCS := $(wildcard dom0-backend/*.c) toolstack/json.c toolstack/vgpu_cfg.c
BACKEND_OBJS := $(patsubst %.c,$(BUILD)/backend/%.o,$(BACKEND_SRCS))
BACKEND_BIN  := $(BUILD)/bin/vgpu-backend
# gnu11: Xen's public headers use anonymous unions.
# pkg-config runs in the recipe (libxen-dev is installed by $(DEPS_STAMP)).
BACKEND_CFLAGS = -std=gnu11 $(CFLAGS_BASE) $(OPT) -Ipgpu-sw -Itoolstack $(DEPFLAGS) \
                 $$(pkg-config --cflags $(BACKEND_XEN_LIBS) libvncserver)
DEPS_PACKAGES += libxen-dev libvncserver-dev

.PHONY: backend
backend: $(BACKEND_BIN)

$(BUILD)/backend/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BACKEND_CFLAGS) -c $< -o $@

$(BACKEND_BIN): $(BACKEND_OBJS) $(LIBCORE_plain)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $^ $$(pkg-config --libs $(BACKEND_XEN_LIBS) libvncserver) $(JSON_LIBS) \
	    -lpng -lpthread

-include $(BACKEND_OBJS:.o=.d)
