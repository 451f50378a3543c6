# toolstack.mk: build/bin/vgpuctl (toolstack/), the vgpu-xl wrapper, and
# the toolstack unit tests.
VGPUCTL_SRCS := toolstack/vgpuctl.c toolstack/json.c toolstack/vgpu_cfg.c toolstack/vgpu_mdev.c
VGPUCTL_OBJS := $(patsubst %.c,$(BUILD)/toolstack/%.o,$(VGPUCTL_SRCS))
VGPUCTL_BIN  := $(BUILD)/bin/vgpuctl
# JSON (json.c) is Debian's jansson, linked statically: a dom0 (and the
# rig's dom0 image) then needs no libjansson4 beside the programs.
DEPS_PACKAGES += libjansson-dev
JSON_LIBS := -Wl,-Bstatic -ljansson -Wl,-Bdynamic
# The core's headers (in CFLAGS_BASE): vgpuctl checks type names against
# the core's own table (linked from libvgpucore.a).
TOOLSTACK_CFLAGS = -std=gnu11 $(CFLAGS_BASE) $(OPT) -Itoolstack $(DEPFLAGS)

.PHONY: toolstack
toolstack: $(VGPUCTL_BIN) $(BUILD)/bin/vgpu-xl $(BUILD)/bin/vgpu-qemu-dm

$(BUILD)/toolstack/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOLSTACK_CFLAGS) -c $< -o $@

$(VGPUCTL_BIN): $(VGPUCTL_OBJS) $(LIBCORE_plain)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $^ $(JSON_LIBS) -lpthread

# vgpu-xl finds vgpu-qemu-dm next to itself (backend=mdev).
$(BUILD)/bin/vgpu-xl $(BUILD)/bin/vgpu-qemu-dm: $(BUILD)/bin/%: toolstack/%
	@mkdir -p $(dir $@)
	$(Q)install -m 0755 $< $@

-include $(VGPUCTL_OBJS:.o=.d)

# Toolstack + daemon unit tests (no Xen needed at run time; libxen-dev to link).
# The daemon's IOREQ threads run on a fake event channel (fake_domain.c).
TOOLSTACK_TEST_SRCS := tests/toolstack/test_toolstack.c tests/toolstack/test_config.c \
                       tests/toolstack/test_threads.c tests/daemon/fake_domain.c \
                       tests/testhost/testhost.c tests/common/cunit_main.c toolstack/json.c \
                       toolstack/vgpu_cfg.c toolstack/vgpu_mdev.c tests/toolstack/test_vnc.c \
                       $(filter-out dom0-backend/main.c,$(wildcard dom0-backend/*.c))
TOOLSTACK_TEST_OBJS := $(patsubst %.c,$(BUILD)/toolstack-test/%.o,$(TOOLSTACK_TEST_SRCS))
TOOLSTACK_TEST_BIN  := $(BUILD)/plain/toolstack-tests

$(BUILD)/toolstack-test/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BACKEND_CFLAGS) -Itoolstack -Idom0-backend -Itests -c $< -o $@

$(TOOLSTACK_TEST_BIN): $(TOOLSTACK_TEST_OBJS) $(LIBCORE_plain)
	$(Q)$(CC) -o $@ $^ $$(pkg-config --libs $(BACKEND_XEN_LIBS) libvncserver libvncclient) \
	    $(JSON_LIBS) -lpng -lcunit -lpthread

-include $(TOOLSTACK_TEST_OBJS:.o=.d)

# ---------------------------------------------------------------- install
PREFIX ?= /usr/local
DESTDIR ?=
.PHONY: install
install: backend toolstack
	install -D -m 0755 $(BACKEND_BIN) $(DESTDIR)$(PREFIX)/sbin/vgpu-backend
	install -D -m 0755 $(VGPUCTL_BIN) $(DESTDIR)$(PREFIX)/bin/vgpuctl
	install -D -m 0755 toolstack/vgpu-xl $(DESTDIR)$(PREFIX)/bin/vgpu-xl
	install -D -m 0755 toolstack/vgpu-qemu-dm $(DESTDIR)$(PREFIX)/bin/vgpu-qemu-dm
	install -D -m 0644 docs/vgpuctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/vgpuctl.1
	install -D -m 0644 dom0-backend/vgpu-backend.service \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/vgpu-backend.service
