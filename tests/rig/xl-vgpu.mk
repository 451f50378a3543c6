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

.PHONY: xl-vgpu

xl-vgpu:
	$(Q)d=$$(sh xen-patches/build.sh) && mkdir -p $(BUILD)/rig && \
	    install -m 0755 "$$d/xl" $(BUILD)/rig/xl-vgpu && \
	    install -m 0755 "$$d/libxenlight.so.4.17.0" $(BUILD)/rig/libxenlight.so.4.17.0 && \
	    echo "xl-vgpu: $$(cat "$$d/SOURCE-VERSION") from $$d"
	$(Q)# vgpu-backend needs libpng16, which the rig image (packages.list) lacks
	$(Q)# so far: ship the host's copy (Debian 12 on both sides); the job uses
	$(Q)# it only when dom0 has none.
	$(Q)p=$$(ldconfig -p | awk '$$1 == "libpng16.so.16" && /x86-64/ { print $$NF; exit }'); \
	    if [ -n "$$p" ]; then install -m 0755 "$$p" $(BUILD)/rig/libpng16.so.16; fi

ifeq ($(FLIGHT),toolstack)
rig-progs: xl-vgpu
endif
