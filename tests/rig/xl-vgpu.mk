# xl-vgpu.mk: the patched toolstack for the rig (included by rig.mk).
#
#   make xl-vgpu     build (or find cached) libxenlight + xl with the vgpu
#                    series (xen-patches/build.sh; cached outside the repo in
#                    $${VGPU_RIG_CACHE:-~/.cache/vgpu-rig}/xl-vgpu-<hash>/) and
#                    put them where flight.py picks up binaries for dom0:
#                    $(BUILD)/rig/xl-vgpu and $(BUILD)/rig/libxenlight.so.4.17.0
#                    (-> /share/bin; the xl-vgpu-native job bind-mounts them)
#
# `make flight FLIGHT=toolstack` builds them first; with JOBS=... run
# `make xl-vgpu` yourself.  A build from scratch takes ~2.5 minutes (nice 19).

.PHONY: xl-vgpu xl-vgpu-deps

# What building libxenlight + xl from Debian's source needs on a fresh
# Debian 12: the deb-src lines for `apt-get source` and the tools' build
# dependencies (configure checks; the generated parser files ship with the
# source but bison/flex keep a re-generation working).
XL_VGPU_DEPS := dpkg-dev patch autoconf automake make gcc pkg-config bison flex \
                python3-dev libyajl-dev uuid-dev libncurses-dev zlib1g-dev libzstd-dev \
                liblzma-dev libbz2-dev libglib2.0-dev libpixman-1-dev libaio-dev \
                libext2fs-dev libssl-dev acpica-tools
XL_VGPU_SRC_LIST := /etc/apt/sources.list.d/vgpu-deb-src.sources

xl-vgpu-deps:
	$(Q)if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then \
	    echo "xl-vgpu: adding deb-src lines for bookworm ($(XL_VGPU_SRC_LIST))"; \
	    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >$(XL_VGPU_SRC_LIST); \
	    apt-get update -qq; \
	fi
	$(Q)sh mk/ensure-packages $(XL_VGPU_DEPS)

xl-vgpu: xl-vgpu-deps
	$(Q)d=$$(sh xen-patches/build.sh) && mkdir -p $(BUILD)/rig && \
	    install -m 0755 "$$d/xl" $(BUILD)/rig/xl-vgpu && \
	    install -m 0755 "$$d/libxenlight.so.4.17.0" $(BUILD)/rig/libxenlight.so.4.17.0 && \
	    echo "xl-vgpu: $$(cat "$$d/SOURCE-VERSION") from $$d"

ifeq ($(FLIGHT),toolstack)
rig-progs: xl-vgpu
endif
