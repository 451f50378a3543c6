/*
 * rgpu-kms: the rig guest's check of rgpu_drm.ko through its user space
 * interfaces (the guest has no libc for modetest: static, raw ioctls).
 *
 *   rgpu-kms modes         /dev/dri/card0: driver, connector, its modes
 *                          (the preferred one and the largest)
 *   rgpu-kms flip [N]      modetest -v in small: two dumb buffers, the
 *                          preferred mode set on the CRTC, N page flips
 *                          (default 30) each completed by its vblank event,
 *                          whose sequence numbers must increase; closing
 *                          the device gives the screen back to fbcon
 *   rgpu-kms fbhash        waits two vblanks (the frame written before is
 *                          scanned out), then prints the vblank sequence
 *                          and a hash of /dev/fb0's visible pixels:
 *                          FNV-1a 64 over the R, G, B bytes of each pixel,
 *                          rows top to bottom (what tests/rig/qmp-screendump
 *                          --rgb-hash computes from a screenshot), and how
 *                          many pixels differ from the top left one (lit:
 *                          0 means a blank screen)
 *
 * Output lines start with "rgpu-kms:"; exit status 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

static int card = -1;

static int xioctl(unsigned long req, void *arg, const char *what)
{
	int rc;

	do {
		rc = ioctl(card, req, arg);
	} while (rc && (errno == EINTR || errno == EAGAIN));
	if (rc)
		printf("rgpu-kms: %s: %s\n", what, strerror(errno));
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_card(void)
{
	char name[32] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

	card = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (card < 0) {
		printf("rgpu-kms: /dev/dri/card0: %s\n", strerror(errno));
		return -1;
	}
	if (xioctl(DRM_IOCTL_VERSION, &v, "DRM_IOCTL_VERSION"))
		return -1;
	printf("rgpu-kms: driver %s %d.%d\n", name, v.version_major, v.version_minor);
	return strcmp(name, "rgpu") ? -1 : 0;
}

struct output {
	uint32_t crtc, connector;
	struct drm_mode_modeinfo mode;	/* preferred */
};

/* The first CRTC and connector, and the connector's preferred mode. */
static int find_output(struct output *o, int verbose)
{
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_get_connector conn = { 0 };
	uint32_t crtcs[4], conns[4];
	struct drm_mode_modeinfo *modes;
	unsigned int i, best = 0, largest = 0;

	if (xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res, "GETRESOURCES"))
		return -1;
	if (res.count_crtcs != 1 || res.count_connectors != 1) {
		printf("rgpu-kms: %u CRTCs, %u connectors: expected one each\n", res.count_crtcs,
		       res.count_connectors);
		return -1;
	}
	res.count_fbs = res.count_encoders = 0;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	if (xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res, "GETRESOURCES"))
		return -1;
	o->crtc = crtcs[0];
	o->connector = conns[0];
	conn.connector_id = o->connector;
	if (xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &conn, "GETCONNECTOR"))
		return -1;
	if (!conn.count_modes || conn.count_modes > 256) {
		printf("rgpu-kms: connector has %u modes\n", conn.count_modes);
		return -1;
	}
	modes = calloc(conn.count_modes, sizeof(*modes));
	conn.modes_ptr = (uintptr_t)modes;
	conn.count_props = conn.count_encoders = 0;
	if (!modes || xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &conn, "GETCONNECTOR"))
		return -1;
	for (i = 0; i < conn.count_modes; i++) {
		if (modes[i].type & DRM_MODE_TYPE_PREFERRED)
			best = i;
		if ((uint64_t)modes[i].hdisplay * modes[i].vdisplay >
		    (uint64_t)modes[largest].hdisplay * modes[largest].vdisplay)
			largest = i;
	}
	if (verbose)
		printf("rgpu-kms: connector %u (%s): %u modes, preferred %s, largest %s\n",
		       o->connector, conn.connection == 1 ? "connected" : "not connected",
		       conn.count_modes, modes[best].name, modes[largest].name);
	o->mode = modes[best];
	free(modes);
	return 0;
}

struct dumb {
	uint32_t handle, fb, pitch;
	uint64_t size;
	uint32_t *pix;
};

static int dumb_make(struct dumb *d, unsigned int w, unsigned int h, uint32_t color)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	struct drm_mode_fb_cmd f = { .width = w, .height = h, .bpp = 32, .depth = 24 };
	uint64_t i;

	if (xioctl(DRM_IOCTL_MODE_CREATE_DUMB, &c, "CREATE_DUMB"))
		return -1;
	d->handle = c.handle;
	d->pitch = c.pitch;
	d->size = c.size;
	if (c.pitch % 64 || c.pitch < w * 4) {
		printf("rgpu-kms: dumb buffer pitch %u for width %u\n", c.pitch, w);
		return -1;
	}
	m.handle = d->handle;
	if (xioctl(DRM_IOCTL_MODE_MAP_DUMB, &m, "MAP_DUMB"))
		return -1;
	d->pix = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, card, m.offset);
	if (d->pix == MAP_FAILED) {
		printf("rgpu-kms: mmap of a dumb buffer: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < d->size / 4; i++)
		d->pix[i] = color;
	f.pitch = d->pitch;
	f.handle = d->handle;
	if (xioctl(DRM_IOCTL_MODE_ADDFB, &f, "ADDFB"))
		return -1;
	d->fb = f.fb_id;
	return 0;
}

static void dumb_free(struct dumb *d)
{
	struct drm_mode_destroy_dumb dd = { .handle = d->handle };

	if (d->fb)
		ioctl(card, DRM_IOCTL_MODE_RMFB, &d->fb);
	if (d->pix && d->pix != MAP_FAILED)
		munmap(d->pix, d->size);
	if (d->handle)
		ioctl(card, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
}

/* One vblank event (page flip completion) within 2 s. */
static int flip_event(uint64_t want_data, unsigned int *seq)
{
	struct pollfd p = { .fd = card, .events = POLLIN };
	struct drm_event_vblank ev;
	ssize_t n;

	if (poll(&p, 1, 2000) != 1) {
		printf("rgpu-kms: no flip event within 2 s\n");
		return -1;
	}
	n = read(card, &ev, sizeof(ev));
	if (n != sizeof(ev) || ev.base.type != DRM_EVENT_FLIP_COMPLETE || ev.user_data != want_data) {
		printf("rgpu-kms: unexpected event (%zd bytes, type %u)\n", n,
		       n > 0 ? ev.base.type : 0);
		return -1;
	}
	*seq = ev.sequence;
	return 0;
}

static int do_flip(unsigned int count)
{
	struct output o;
	struct dumb b[2];
	struct drm_mode_crtc set = { 0 };
	unsigned int i, seq = 0, first = 0, last = 0;
	double t0, t;
	int rc = -1;

	memset(b, 0, sizeof(b));
	if (find_output(&o, 1))
		return -1;
	if (dumb_make(&b[0], o.mode.hdisplay, o.mode.vdisplay, 0x00ff0000) ||
	    dumb_make(&b[1], o.mode.hdisplay, o.mode.vdisplay, 0x000000ff))
		goto out;
	set.crtc_id = o.crtc;
	set.fb_id = b[0].fb;
	set.set_connectors_ptr = (uintptr_t)&o.connector;
	set.count_connectors = 1;
	set.mode = o.mode;
	set.mode_valid = 1;
	if (xioctl(DRM_IOCTL_MODE_SETCRTC, &set, "SETCRTC"))
		goto out;
	t0 = now_s();
	for (i = 1; i <= count; i++) {
		struct drm_mode_crtc_page_flip f = {
			.crtc_id = o.crtc, .fb_id = b[i & 1].fb,
			.flags = DRM_MODE_PAGE_FLIP_EVENT, .user_data = i,
		};

		if (xioctl(DRM_IOCTL_MODE_PAGE_FLIP, &f, "PAGE_FLIP") || flip_event(i, &seq))
			goto out;
		if (i > 1 && seq <= last) {
			printf("rgpu-kms: flip %u completed at vblank %u, not after %u\n", i, seq, last);
			goto out;
		}
		if (i == 1)
			first = seq;
		last = seq;
	}
	t = now_s() - t0;
	printf("rgpu-kms: %ux%u set, %u flips in %.2f s (vblanks %u..%u), pitch %u\n",
	       o.mode.hdisplay, o.mode.vdisplay, count, t, first, last, b[0].pitch);
	rc = 0;
out:
	dumb_free(&b[0]);
	dumb_free(&b[1]);
	return rc;
}

static int wait_vblanks(unsigned int n, unsigned int *seq)
{
	union drm_wait_vblank w = { .request = { .type = _DRM_VBLANK_RELATIVE, .sequence = n } };

	if (xioctl(DRM_IOCTL_WAIT_VBLANK, &w, "WAIT_VBLANK"))
		return -1;
	*seq = w.reply.sequence;
	return 0;
}

static int do_fbhash(void)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	uint64_t h = 0xcbf29ce484222325ull, lit = 0;
	unsigned int seq, x, y;
	uint32_t bg = 0;
	size_t size, got = 0;
	uint8_t *buf;
	int fd;

	if (wait_vblanks(2, &seq))
		return -1;
	fd = open("/dev/fb0", O_RDONLY);
	if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
		printf("rgpu-kms: /dev/fb0: %s\n", strerror(errno));
		return -1;
	}
	if (var.bits_per_pixel != 32 || fix.line_length < var.xres * 4) {
		printf("rgpu-kms: /dev/fb0 is %u bpp, line %u\n", var.bits_per_pixel,
		       fix.line_length);
		return -1;
	}
	size = (size_t)fix.line_length * var.yres;
	buf = malloc(size);
	while (buf && got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!buf || got < size) {
		printf("rgpu-kms: read %zu of %zu bytes of /dev/fb0\n", got, size);
		return -1;
	}
	for (y = 0; y < var.yres; y++) {
		const uint8_t *row = buf + (size_t)y * fix.line_length;

		for (x = 0; x < var.xres; x++) {
			uint32_t p;
			int c;

			memcpy(&p, row + 4 * x, 4);
			if (!x && !y)
				bg = p & 0xffffff;
			lit += (p & 0xffffff) != bg;
			for (c = 16; c >= 0; c -= 8) {
				h ^= (p >> c) & 0xff;
				h *= 0x100000001b3ull;
			}
		}
	}
	printf("rgpu-kms: fb0 %ux%u frame=%u rgb-fnv1a64=%016llx lit=%llu\n", var.xres, var.yres,
	       seq, (unsigned long long)h, (unsigned long long)lit);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	struct output o;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "modes") && strcmp(cmd, "flip") && strcmp(cmd, "fbhash")) {
		fprintf(stderr, "usage: rgpu-kms modes | flip [N] | fbhash\n");
		return 2;
	}
	if (open_card())
		return 1;
	if (!strcmp(cmd, "modes"))
		return find_output(&o, 1) ? 1 : 0;
	if (!strcmp(cmd, "flip"))
		return do_flip(argc > 2 ? (unsigned int)atoi(argv[2]) : 30) ? 1 : 0;
	return do_fbhash() ? 1 : 0;
}
