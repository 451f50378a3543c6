# demo.mk: `make demo`, the main job (README.md).  Boots Xen in the rig,
# runs vgpu-backend in dom0, starts a guest with `vgpu-xl create` on a config
# with a vgpu= line, and shows what it drew: the screenshot vgpuctl took is
# checked pixel by pixel and kept as build/demo/screenshot.png.
.PHONY: demo
demo: rig
	$(Q)python3 tests/rig/flight.py --build $(BUILD) --jobs demo; rc=$$?; \
	 d=$$(ls -td $(BUILD)/flights/*/demo 2>/dev/null | head -1); f=$${d%/demo}; mkdir -p $(BUILD)/demo; \
	 if [ -s $$d/screenshot.png ]; then \
	     cp $$d/screenshot.png $(BUILD)/demo/screenshot.png; \
	     python3 tests/rig/pngcheck.py $$d/screenshot.png $$d/demo-expect.txt || rc=1; \
	 else echo "demo: no screenshot (see $$d/)"; rc=1; fi; \
	 echo; echo "demo: report  $$f/report.md"; \
	 [ -s $$d/guest-workload.log ] && sed -n '/vgpuctl list/,/vgpuctl screenshot/p' $$d/guest-workload.log; \
	 [ -s $(BUILD)/demo/screenshot.png ] && echo "demo: screenshot $(BUILD)/demo/screenshot.png"; \
	 [ $$rc = 0 ] && echo "demo: PASS" || echo "demo: FAIL"; exit $$rc
