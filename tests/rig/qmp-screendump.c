/*
 * qmp-screendump: the rig's display checks, in dom0 and in the kvm-l1 host
 * (which have no python3 nor socat): xen-mdev-peers, and the display jobs.
 *
 *   qmp-screendump [-t SECS] SOCKET DEVICE FILE
 *       Connect to a QEMU QMP unix socket (libxl's QEMU listens on
 *       /var/run/xen/qmp-libxl-<domid>), negotiate capabilities and ask for a
 *       `screendump` of the console of DEVICE (a -device id) into FILE,
 *       written by QEMU itself: PNG when FILE ends in .png (QEMU >= 7.1),
 *       else PPM.  Every message sent and received is printed.
 *       Waits up to SECS (default 30) for the socket and for each answer: QEMU
 *       serves one QMP client at a time and libxl connects now and then.
 *   qmp-screendump --rgb-hash FILE
 *       FILE is a PPM (P6, maxval 255) or an 8-bit RGB PNG (QEMU's screendump,
 *       vgpuctl screenshot): prints its size and FNV-1a 64 over the R, G, B
 *       bytes of every pixel, rows top to bottom -- what the guest's
 *       rgpu-kms fbhash prints for its /dev/fb0, so equal hashes mean the
 *       same decoded pixels.
 *   qmp-screendump --to-png IN.ppm OUT.png
 *       Converts a binary PPM (P6, maxval 255) to an 8-bit RGB PNG, pixel for
 *       pixel: QEMU-xen's screendump writes only PPM (Debian builds it
 *       without libpng), while the VNC check (rgb-diff) and people read PNG.
 *   qmp-screendump --check-bands FILE
 *       FILE must be a binary PPM (P6, maxval 255) split into four horizontal
 *       bands of height/4 rows, every pixel of them exactly red, green, blue,
 *       white, top to bottom: the pattern the guest writes into mdpy's
 *       framebuffer (tests/rig/guest/xen-mdev-peers.sh).  Prints the size and,
 *       per band, how many pixels match and the first one that does not.
 *
 * Exit status: 0 done / pattern found, 1 otherwise, 2 usage.
 */
#include <errno.h>
#include <png.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int timeout_s = 30;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One QMP message (a line ending in \n) into line[], within the timeout. */
static char inbuf[65536];
static size_t inlen;

static int read_line(int fd, char *line, size_t size)
{
	double end = now_s() + timeout_s;

	for (;;) {
		char *nl = memchr(inbuf, '\n', inlen);

		if (nl) {
			size_t n = (size_t)(nl - inbuf) + 1;
			size_t c = n < size ? n : size - 1;

			memcpy(line, inbuf, c);
			line[c] = '\0';
			while (c && (line[c - 1] == '\n' || line[c - 1] == '\r'))
				line[--c] = '\0';
			memmove(inbuf, inbuf + n, inlen - n);
			inlen -= n;
			return 0;
		}
		if (inlen == sizeof(inbuf)) {
			fprintf(stderr, "qmp: message longer than %zu bytes\n", sizeof(inbuf));
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((end - now_s()) * 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			fprintf(stderr, "qmp: no answer within %d s\n", timeout_s);
			return -1;
		}
		ssize_t r = read(fd, inbuf + inlen, sizeof(inbuf) - inlen);

		if (r <= 0) {
			fprintf(stderr, "qmp: connection closed (%s)\n", r ? strerror(errno) : "EOF");
			return -1;
		}
		inlen += (size_t)r;
	}
}

static int send_msg(int fd, const char *msg)
{
	size_t len = strlen(msg), off = 0;

	printf("qmp -> %s\n", msg);
	while (off < len) {
		ssize_t w = write(fd, msg + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("qmp: write");
			return -1;
		}
		off += (size_t)w;
	}
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}

/* The answer to the last command: events are printed and skipped. */
static int answer(int fd)
{
	char line[4096];

	for (;;) {
		if (read_line(fd, line, sizeof(line)))
			return -1;
		printf("qmp <- %s\n", line);
		if (strstr(line, "\"event\""))
			continue;
		if (strstr(line, "\"return\""))
			return 0;
		if (strstr(line, "\"error\""))
			return -1;
	}
}

/* JSON string contents: the job's paths and ids never need more than this. */
static int json_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

static int is_png(const char *file)
{
	size_t n = strlen(file);

	return n > 4 && !strcmp(file + n - 4, ".png");
}

static int screendump(const char *sock, const char *dev, const char *file)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[4096], cmd[4096];
	double end = now_s() + timeout_s;
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path) || !json_safe(dev) || !json_safe(file)) {
		fprintf(stderr, "qmp: unusable socket path, device id or file name\n");
		return 1;
	}
	strcpy(sa.sun_path, sock);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			perror("socket");
			return 1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		int e = errno;

		close(fd);
		if (now_s() >= end) {
			fprintf(stderr, "qmp: connect %s: %s\n", sock, strerror(e));
			return 1;
		}
		usleep(200000);
	}
	/* The greeting, then capabilities negotiation, then the command. */
	if (read_line(fd, line, sizeof(line)))
		goto fail;
	printf("qmp <- %s\n", line);
	if (!strstr(line, "\"QMP\"")) {
		fprintf(stderr, "qmp: not a QMP greeting\n");
		goto fail;
	}
	if (send_msg(fd, "{\"execute\": \"qmp_capabilities\"}") || answer(fd))
		goto fail;
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"screendump\", \"arguments\": {\"filename\": \"%s\", \"device\": \"%s\"%s}}",
		 file, dev, is_png(file) ? ", \"format\": \"png\"" : "");
	if (send_msg(fd, cmd) || answer(fd))
		goto fail;
	close(fd);
	return 0;
fail:
	close(fd);
	return 1;
}

/* PPM header field: skips whitespace and # comments. */
static int ppm_int(FILE *f, int *v)
{
	int c;

	for (;;) {
		c = fgetc(f);
		if (c == '#') {
			while (c != '\n' && c != EOF)
				c = fgetc(f);
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break;
		}
	}
	if (c < '0' || c > '9')
		return -1;
	*v = 0;
	while (c >= '0' && c <= '9') {
		if (*v > 100000)
			return -1;
		*v = *v * 10 + (c - '0');
		c = fgetc(f);
	}
	/* exactly one whitespace character ends the field */
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r') ? 0 : -1;
}

static int check_bands(const char *file)
{
	static const struct { const char *name; unsigned char rgb[3]; } band[4] = {
		{ "red", { 0xff, 0, 0 } }, { "green", { 0, 0xff, 0 } },
		{ "blue", { 0, 0, 0xff } }, { "white", { 0xff, 0xff, 0xff } },
	};
	FILE *f = fopen(file, "rb");
	int w, h, maxval, bad = 0;
	unsigned char *row;

	if (!f) {
		perror(file);
		return 1;
	}
	if (fgetc(f) != 'P' || fgetc(f) != '6' || ppm_int(f, &w) || ppm_int(f, &h) ||
	    ppm_int(f, &maxval) || w <= 0 || h < 4 || maxval != 255) {
		fprintf(stderr, "%s: not a binary PPM (P6, maxval 255) of at least 4 rows\n", file);
		fclose(f);
		return 1;
	}
	printf("%s: PPM %dx%d, maxval %d\n", file, w, h, maxval);
	row = malloc((size_t)w * 3);
	if (!row) {
		fclose(f);
		return 1;
	}
	for (int b = 0; b < 4; b++) {
		int y0 = h * b / 4, y1 = h * (b + 1) / 4;
		long good = 0, all = (long)(y1 - y0) * w;
		int fx = -1, fy = -1;
		unsigned char fp[3] = { 0, 0, 0 };

		for (int y = y0; y < y1; y++) {
			if (fread(row, 3, (size_t)w, f) != (size_t)w) {
				fprintf(stderr, "%s: short pixel data at row %d\n", file, y);
				free(row);
				fclose(f);
				return 1;
			}
			for (int x = 0; x < w; x++) {
				if (!memcmp(row + 3 * x, band[b].rgb, 3)) {
					good++;
				} else if (fx < 0) {
					fx = x, fy = y;
					memcpy(fp, row + 3 * x, 3);
				}
			}
		}
		printf("band %d rows %d-%d %s #%02x%02x%02x: %ld/%ld pixels", b, y0, y1 - 1,
		       band[b].name, band[b].rgb[0], band[b].rgb[1], band[b].rgb[2], good, all);
		if (fx >= 0) {
			printf(", first other (%d,%d) #%02x%02x%02x", fx, fy, fp[0], fp[1], fp[2]);
			bad = 1;
		}
		printf("\n");
	}
	free(row);
	fclose(f);
	printf("%s\n", bad ? "bands: MISMATCH" : "bands: all four found, every pixel");
	return bad;
}

/* ------------------------------------------------------------ --rgb-hash */
static unsigned long long fnv;

static void fnv_bytes(const unsigned char *p, size_t n)
{
	while (n--) {
		fnv ^= *p++;
		fnv *= 0x100000001b3ull;
	}
}

static int hash_ppm(FILE *f, const char *file, unsigned int *w, unsigned int *h)
{
	int iw, ih, maxval;
	unsigned char *row;

	if (fgetc(f) != 'P' || fgetc(f) != '6' || ppm_int(f, &iw) || ppm_int(f, &ih) ||
	    ppm_int(f, &maxval) || iw <= 0 || ih <= 0 || maxval != 255) {
		fprintf(stderr, "%s: not a binary PPM (P6, maxval 255)\n", file);
		return 1;
	}
	row = malloc((size_t)iw * 3);
	for (int y = 0; row && y < ih; y++) {
		if (fread(row, 3, (size_t)iw, f) != (size_t)iw) {
			fprintf(stderr, "%s: short pixel data at row %d\n", file, y);
			free(row);
			return 1;
		}
		fnv_bytes(row, (size_t)iw * 3);
	}
	*w = iw;
	*h = ih;
	free(row);
	return row ? 0 : 1;
}

/* libpng reports errors by longjmp: every local is set before setjmp. */
static int hash_png(FILE *f, const char *file, unsigned int *w, unsigned int *h,
		    unsigned char **rowp)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;

	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return 1;
	}
	if (setjmp(png_jmpbuf(png))) {
		fprintf(stderr, "%s: bad PNG\n", file);
		png_destroy_read_struct(&png, &info, NULL);
		return 1;
	}
	png_init_io(png, f);
	png_read_info(png, info);
	if (png_get_bit_depth(png, info) != 8 || png_get_color_type(png, info) != PNG_COLOR_TYPE_RGB ||
	    png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) {
		fprintf(stderr, "%s: not an 8-bit RGB PNG\n", file);
		png_destroy_read_struct(&png, &info, NULL);
		return 1;
	}
	*w = png_get_image_width(png, info);
	*h = png_get_image_height(png, info);
	*rowp = malloc((size_t)*w * 3);
	if (!*rowp)
		png_error(png, "out of memory");
	for (unsigned int y = 0; y < *h; y++) {
		png_read_row(png, *rowp, NULL);
		fnv_bytes(*rowp, (size_t)*w * 3);
	}
	png_destroy_read_struct(&png, &info, NULL);
	return 0;
}

static int rgb_hash(const char *file)
{
	unsigned char sig[8], *row = NULL;
	unsigned int w = 0, h = 0;
	FILE *f = fopen(file, "rb");
	int rc;

	if (!f) {
		perror(file);
		return 1;
	}
	fnv = 0xcbf29ce484222325ull;
	if (fread(sig, 1, 8, f) == 8 && !png_sig_cmp(sig, 0, 8)) {
		rewind(f);
		rc = hash_png(f, file, &w, &h, &row);
		free(row);
	} else {
		rewind(f);
		rc = hash_ppm(f, file, &w, &h);
	}
	fclose(f);
	if (!rc)
		printf("%s: %ux%u rgb-fnv1a64=%016llx\n", file, w, h, fnv);
	return rc;
}

/* ------------------------------------------------------------ --to-png */
static int to_png(const char *in, const char *out)
{
	FILE *f = fopen(in, "rb");
	int w, h, maxval, rc = 1;
	unsigned char *px = NULL;
	png_image img;

	if (!f) {
		perror(in);
		return 1;
	}
	if (fgetc(f) != 'P' || fgetc(f) != '6' || ppm_int(f, &w) || ppm_int(f, &h) ||
	    ppm_int(f, &maxval) || w <= 0 || h <= 0 || maxval != 255) {
		fprintf(stderr, "%s: not a binary PPM (P6, maxval 255)\n", in);
		goto out;
	}
	/* ppm_int caps each field at 100000: the product fits a size_t. */
	px = malloc((size_t)w * h * 3);
	if (!px || fread(px, 3, (size_t)w * h, f) != (size_t)w * h) {
		fprintf(stderr, "%s: %s\n", in, px ? "short pixel data" : "out of memory");
		goto out;
	}
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = w;
	img.height = h;
	img.format = PNG_FORMAT_RGB;
	if (!png_image_write_to_file(&img, out, 0, px, 0, NULL)) {
		fprintf(stderr, "%s: %s\n", out, img.message);
		goto out;
	}
	printf("%s: %dx%d PNG from %s\n", out, w, h, in);
	rc = 0;
out:
	free(px);
	fclose(f);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: qmp-screendump [-t SECS] SOCKET DEVICE FILE\n"
		"       qmp-screendump --check-bands FILE\n"
		"       qmp-screendump --rgb-hash FILE\n"
		"       qmp-screendump --to-png IN.ppm OUT.png\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--check-bands"))
		return check_bands(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--rgb-hash"))
		return rgb_hash(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--to-png"))
		return to_png(argv[2], argv[3]);
	if (argc > 2 && !strcmp(argv[1], "-t")) {
		timeout_s = atoi(argv[2]);
		if (timeout_s <= 0)
			usage();
		argv += 2;
		argc -= 2;
	}
	if (argc != 4)
		usage();
	return screendump(argv[1], argv[2], argv[3]);
}
