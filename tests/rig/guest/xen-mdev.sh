# Runs in the xen-mdev job's guest: the vGPU comes from dom0's vgpu_mdev
# through QEMU-xen's vfio-pci instead of vgpu-backend; the guest side is the
# same as xen-vgpu's (PCI probe, vgpu-guest, then the INTx run and the run
# with DMA by grant), without xen-vgpu's held picture (no daemon VNC here).
HOLD_PICTURE=0
. /guest/xen-vgpu.sh
