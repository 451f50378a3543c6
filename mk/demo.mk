# demo.mk: `make demo`, the main job (README.md).  Boots Xen in the rig,
# runs vgpu-backend in dom0, starts two guests with `vgpu-xl create` on
# configs with vgpu= lines of different types, lets each draw its own
# picture, and keeps what vgpuctl showed: build/demo/demo1.png and
# demo2.png (checked pixel by pixel) and vgpuctl-list.json.
DEMO_GUESTS := demo1 demo2
.PHONY: demo
# The demo boots only the Xen host: modules for its kernel alone.
demo: KERNEL_RIG_HOSTS := xen
demo: rig
	$(Q)python3 tests/rig/flight.py --build $(BUILD) --jobs demo; rc=$$?; \
	 d=$$(ls -td $(BUILD)/flights/*/demo 2>/dev/null | head -1); f=$${d%/demo}; \
	 rm -rf $(BUILD)/demo; mkdir -p $(BUILD)/demo; \
	 for g in $(DEMO_GUESTS); do \
	     if [ -s $$d/$$g.png ]; then \
	         cp $$d/$$g.png $(BUILD)/demo/$$g.png; \
	         python3 tests/rig/pngcheck.py $$d/$$g.png $$d/$$g-expect.txt || rc=1; \
	     else echo "demo: no screenshot of $$g (see $$d/)"; rc=1; fi; \
	 done; \
	 [ -s $$d/vgpuctl-list.json ] && cp $$d/vgpuctl-list.json $(BUILD)/demo/; \
	 echo; echo "demo: flight report   $$f/report.md"; \
	 [ -s $$d/vgpuctl.log ] && sed -n '/--- vgpuctl list:/,/--- vgpuctl --json list:/p' $$d/vgpuctl.log | sed '$$d' && sed -n '/--- vgpuctl stats:/,/--- vgpuctl types:/p' $$d/vgpuctl.log | sed '$$d'; \
	 for g in $(DEMO_GUESTS); do [ -s $(BUILD)/demo/$$g.png ] && echo "demo: screenshot      $(BUILD)/demo/$$g.png"; done; \
	 [ -s $(BUILD)/demo/vgpuctl-list.json ] && echo "demo: vgpuctl --json list  $(BUILD)/demo/vgpuctl-list.json"; \
	 [ $$rc = 0 ] && echo "demo: PASS" || echo "demo: FAIL"; exit $$rc
