# variant NAME, OPTFLAGS, SANFLAGS
# Builds core/ + the software engine (pgpu-sw/) + the userspace OS shim into
# $(BUILD)/NAME/libvgpucore.a and the CUnit runner into $(BUILD)/NAME/unit-tests,
# with objects kept per variant so plain and sanitized builds never mix.
UNIT_SRCS := $(wildcard tests/unit/*.c) $(wildcard tests/testhost/*.c) $(wildcard tests/common/*.c)
MECH_SRCS := $(wildcard tests/mech/*.c) $(wildcard tests/testhost/*.c) $(wildcard tests/common/*.c)
# The guest library (not the vgpu-guest program: mk/guest.mk), and the
# scenarios both vgpu-sim and vgpu-guest run.
GUEST_SRCS := $(filter-out guest/vgpu_guest%,$(wildcard guest/*.c))
SCN_SRCS := $(wildcard guest/scenarios/*.c)
SIM_SRCS := $(wildcard tests/sim/*.c) $(wildcard tests/testhost/*.c) $(GUEST_SRCS) $(SCN_SRCS)

define variant
$(1)_DIR    := $$(BUILD)/$(1)
$(1)_CFLAGS := $$(CSTD) $$(CFLAGS_BASE) $(2) $(3) -Ipgpu-sw -Itests -Iguest $$(DEPFLAGS)
$(1)_LDFLAGS := $(3)
$(1)_CORE_OBJS := $$(patsubst %.c,$$($(1)_DIR)/%.o,$$(CORE_SRCS) $$(PGPU_SW_SRCS) $$(OS_USER_SRCS))
$(1)_UNIT_OBJS := $$(patsubst %.c,$$($(1)_DIR)/%.o,$$(UNIT_SRCS))
$(1)_MECH_OBJS := $$(patsubst %.c,$$($(1)_DIR)/%.o,$$(MECH_SRCS))
$(1)_SIM_OBJS := $$(patsubst %.c,$$($(1)_DIR)/%.o,$$(SIM_SRCS))
UNIT_BIN_$(1) := $$($(1)_DIR)/unit-tests
MECH_BIN_$(1) := $$($(1)_DIR)/mech-tests
SIM_BIN_$(1)  := $$($(1)_DIR)/vgpu-sim
LIBCORE_$(1)  := $$($(1)_DIR)/libvgpucore.a

$$($(1)_DIR)/%.o: %.c | $$(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$($(1)_CFLAGS) -c $$< -o $$@

$$(LIBCORE_$(1)): $$($(1)_CORE_OBJS)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$$(UNIT_BIN_$(1)): $$($(1)_UNIT_OBJS) $$(LIBCORE_$(1))
	$$(Q)$$(CC) $$($(1)_LDFLAGS) -o $$@ $$^ -lcunit -lpthread

$$(MECH_BIN_$(1)): $$($(1)_MECH_OBJS) $$(LIBCORE_$(1))
	$$(Q)$$(CC) $$($(1)_LDFLAGS) -o $$@ $$^ -lcunit -lpthread

$$(SIM_BIN_$(1)): $$($(1)_SIM_OBJS) $$(LIBCORE_$(1))
	$$(Q)$$(CC) $$($(1)_LDFLAGS) -o $$@ $$^ -lpthread

-include $$($(1)_CORE_OBJS:.o=.d) $$($(1)_UNIT_OBJS:.o=.d) $$($(1)_MECH_OBJS:.o=.d) $$($(1)_SIM_OBJS:.o=.d)
endef
