// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-trigger - create a dma-buf, map it and drive one GUP path over the
 * mapping, then print one JSON line describing what happened (the oracle the
 * dmabuf-audit lab compares findings with).
 *
 *   dmabuf-trigger [--as UID:GID] [--cgroup DIR] [--name-hex HEX] [--comm-hex HEX]
 *                  EXPORTER PATH [N]
 *   EXPORTER: test:insert_page|test:fault_page|test:mixedmap|test:remap_pfn|
 *             test:insert_pfn|test:swap_file|test:insert_pages|test:huge_pfn|
 *             test:huge_page|vgem|udmabuf|heap
 *   PATH:     mmap|procmem|vm_readv|iouring|import|vmsplice|repeat|hold|spin|split|
 *             thread|fork|mremap|flood N|churn N|hoard N|crowd N|storm SECONDS|
 *             pfn_lookup|inventory|huge
 *
 * test:huge_pfn and test:huge_page (2 MiB PMD entries) take PATH huge only,
 * and PATH huge only them. Every other path but flood maps the buffer
 * (NPAGES pages, MAP_SHARED, read-write) and touches each page, then:
 *   mmap      nothing more.
 *   procmem   pread /proc/self/mem over the mapping (slow GUP).
 *   vm_readv  process_vm_readv of the mapping on itself (slow GUP).
 *   iouring   IORING_REGISTER_BUFFERS (FOLL_PIN|FOLL_LONGTERM).
 *   import    the mapping is made through /dev/dmabuf_test, which forwards it
 *             with dma_buf_mmap() (test:* exporters only); no GUP.
 *   vmsplice  vmsplice into a pipe: GUP-fast only on 6.1 (get_user_pages_fast).
 *   repeat    REPEAT_N one-page process_vm_readv calls (exact counts under a
 *             flood).
 *   hold      print the oracle line, then sleep until killed with the buffer
 *             mapped (a mapping that exists before the auditor starts).
 *   spin      print the oracle line, then process_vm_readv one page of the
 *             mapping over and over until killed (a process killed mid-GUP).
 *   split     mprotect the upper half read-only (the kernel splits the vma:
 *             vm_area_dup) and process_vm_readv it.
 *   thread    a second thread does the procmem GUP; "tid" is that thread's
 *             (the mmap stays in the main thread: its tid is "pid").
 *   fork      fork(); the child (its vma copied by vm_area_dup) does
 *             process_vm_readv of the mapping on itself and exits 0 when the
 *             GUP got the memory, 2 when it was refused; the parent waits and
 *             prints "child_pid", "child_gup" ("ok"/"refused") and its own keys
 *             ("gup" is "none": the parent does no GUP).
 *   mremap    move the mapping (MREMAP_MAYMOVE|MREMAP_FIXED onto a reserved
 *             address), then process_vm_readv it at the new address; "vm_start"
 *             is the new start, "old_vm_start" the original, "mremap" "ok". When
 *             the kernel refuses the move: "mremap":"refused", "mremap_errno",
 *             no GUP, "vm_start" = "old_vm_start".
 *   flood N   map the buffer N times (N vmas, never touched: no faults), all
 *             mapped at once, then unmap them all; "maps" is N, "vm_start" and
 *             the smaps keys are the first mapping's.
 *   churn N   map the buffer N times one after another, each at a new address
 *             (MAP_FIXED into a reserved range: a new vma, a new finding) and
 *             unmap it before the next: a long-lived process that maps all
 *             day; "maps" is N, the other keys are the first mapping's, which
 *             stays to the end.
 *   hoard N   as churn, but every mapping stays until all N are made (N live
 *             vmas of the same long-lived process, three findings each: more
 *             than the daemon's finding table holds), then all are unmapped.
 *   crowd N   N short-lived children, one after another, each mapping a
 *             compliant (remap_pfn) test buffer of its own and exiting (N
 *             address spaces that mapped a dma-buf, gone), then vmsplice of
 *             this process's mapping, made before them: its GUP-fast must
 *             still be checked. "maps" is N. Test exporters only.
 *   storm S   an event storm for S seconds (test:insert_page only): STORM_PROCS
 *             processes of three threads each, at the highest rate they can:
 *             one maps and unmaps the buffer over and over (a vm_insert_page per
 *             page), one reads one page of a mapping its process holds with
 *             process_vm_readv (slow GUP), one maps a test:fault_page buffer and
 *             writes each page (a fault returning vmf->page per page). Their own
 *             counts: "maps" (mmaps of the insert_page buffer, this process's
 *             included), "gups" (successful one-page reads), "fault_maps" and
 *             "faults" (pages written), "fault_exporter" (that buffer's exp_name);
 *             "inserted" is the module's, as everywhere.
 *   pfn_lookup the test module resolves the pfn behind the mapping's second page
 *             as KVM and VFIO do (DMABUF_TEST_PFN_LOOKUP: follow_pfnmap_start, or
 *             follow_pte before 6.12) in this process; "pfn_lookup" is "ok" or
 *             "refused" ("pfn_lookup_errno"), "lookup_addr" the address. Test
 *             exporters only; no GUP.
 *   inventory  four buffers of EXPORTER (test:* only), pages 1 to 4, each left in
 *             one state: "fd" (the fd held, not mapped), "mapped" (mapped and
 *             touched, fd closed), "imported" (attached by /dev/dmabuf_test, which
 *             holds it, fd closed: held only by the kernel), "fd_mapped" (both).
 *             Prints {"path":"inventory","pid","exporter","buffers":[{"state",
 *             "inode","size","name"}...]}, then sleeps until killed.
 *   huge      the buffer is HUGE_LEN (4 MiB, two PMDs: 1024 pages of 4 KiB),
 *             mapped at a 2 MiB aligned address (MAP_FIXED into a reserved
 *             range) and one byte of each 2 MiB half is read, so that each half
 *             faults in one PMD entry; no GUP. Then the module's count for the
 *             buffer (DMABUF_TEST_HUGE_INFO): "huge_entries" (PMD entries it
 *             installed), "huge_special" (of them, with the special bit),
 *             "kernel_huge_special" (true when the kernel has a special bit for
 *             PMD entries: 6.12+), "huge_via_huge_fault" and "huge_via_fault"
 *             (entries installed by ->huge_fault and by ->fault) and
 *             "huge_vma_pfnmap" (the module made the vma VM_PFNMAP; smaps'
 *             "vmflags" says what the kernel shows).
 *
 * Options (before EXPORTER): --cgroup DIR writes the pid into
 * DIR/cgroup.procs (an existing cgroup2 directory); --as UID:GID then drops
 * to that user (setgroups(0, NULL), setgid, setuid; the process is made
 * dumpable again, as any process started by that user, so that it can open
 * its own /proc/self/mem and fdinfo). Both happen before anything else.
 * Device nodes only root may open (vgem's /dev/dri/card*, /dev/udmabuf,
 * /dev/dma_heap/system in the lab) then fail with exit 1, not 77.
 *
 * --name-hex HEX and --comm-hex HEX (the lab's hostile names, issue 13): the
 * bytes HEX spells (two hex digits each, no NUL) become the buffer's name
 * (DMA_BUF_SET_NAME, at most 31 bytes: DMA_BUF_NAME_LEN) and the process's
 * comm (PR_SET_NAME, at most 15 bytes, set first, before anything else), so
 * that a shell script never carries raw control bytes. A name the kernel
 * refuses is then an error (exit 1), not an empty name.
 *
 * The buffer is named "trig:PATH" (DMA_BUF_SET_NAME) before it is mapped,
 * or as --name-hex says.
 * Every oracle line has exporter_arg, path, pid, tid (the thread that did the
 * mmap and the GUP, = pid except for thread), uid, cgroup_id (the inode of the
 * process's cgroup2 directory, i.e. its cgroup id; -1 without a cgroup2
 * mount), exporter, inode, size, map_len (bytes of each mapping), vm_start,
 * vm_end, vmflags and rss_kb (smaps), gup, gup_errno, inserted (pages the
 * test module inserted, -1 for real exporters), repeat and buf_name, and
 * the exact bytes in hex: buf_name_hex (the name as set, "" when the kernel
 * refused it) and comm_hex (the comm as PR_GET_NAME reads it back).
 *
 * Exit: 0 scenario ran (whatever the GUP outcome), 77 exporter absent on this
 * kernel, 1 any other failure (one line on stderr).
 *
 * Build: cc -static -O2 -Wall -Wextra -Werror -pthread -I../common -o dmabuf-trigger \
 *        dmabuf-trigger.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/io_uring.h>
#include <linux/udmabuf.h>

#include "../module/dmabuf_test_uapi.h"
#include "die.h"

/*
 * DRM uapi (include/uapi/drm/drm.h, drm_mode.h). These structs and ioctl
 * numbers are stable kernel ABI; defined here because /usr/include/drm is
 * not installed on the build machines.
 */
struct trig_drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct trig_drm_mode_create_dumb {
	uint32_t height;
	uint32_t width;
	uint32_t bpp;
	uint32_t flags;
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
};

struct trig_drm_prime_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
};

#define TRIG_DRM_IOCTL_BASE		'd'
#define TRIG_DRM_IOCTL_VERSION		_IOWR(TRIG_DRM_IOCTL_BASE, 0x00, struct trig_drm_version)
#define TRIG_DRM_IOCTL_PRIME_HANDLE_TO_FD \
	_IOWR(TRIG_DRM_IOCTL_BASE, 0x2d, struct trig_drm_prime_handle)
#define TRIG_DRM_IOCTL_MODE_CREATE_DUMB \
	_IOWR(TRIG_DRM_IOCTL_BASE, 0xB2, struct trig_drm_mode_create_dumb)
#define TRIG_DRM_CLOEXEC		O_CLOEXEC
#define TRIG_DRM_RDWR			O_RDWR

#define NPAGES		4
#define EXIT_SKIP	77

static const char *prog = "dmabuf-trigger";

static const struct {
	const char *arg;
	unsigned int mode;	/* 0 for real exporters */
} exporters[] = {
	{ "test:insert_page", DMABUF_TEST_MODE_INSERT_PAGE },
	{ "test:fault_page", DMABUF_TEST_MODE_FAULT_PAGE },
	{ "test:mixedmap", DMABUF_TEST_MODE_MIXEDMAP },
	{ "test:remap_pfn", DMABUF_TEST_MODE_REMAP_PFN },
	{ "test:insert_pfn", DMABUF_TEST_MODE_INSERT_PFN },
	{ "test:swap_file", DMABUF_TEST_MODE_SWAP_FILE },
	{ "test:insert_pages", DMABUF_TEST_MODE_INSERT_PAGES },
	{ "test:huge_pfn", DMABUF_TEST_MODE_HUGE_PFN },
	{ "test:huge_page", DMABUF_TEST_MODE_HUGE_PAGE },
	{ "vgem", 0 },
	{ "udmabuf", 0 },
	{ "heap", 0 },
};

static const char *const paths[] = {
	"mmap", "procmem", "vm_readv", "iouring", "import", "vmsplice", "repeat", "hold", "spin",
	"split", "thread", "fork", "mremap", "flood", "churn", "hoard", "crowd", "storm",
	"pfn_lookup", "inventory", "huge",
};

#define REPEAT_N		100000
#define FLOOD_MAX		60000	/* vm.max_map_count is 65530 by default */
#define CHURN_MAX		1000000
#define STORM_MAX		600	/* seconds */
#define STORM_PROCS		2
#define HUGE_PMD		(2UL << 20)	/* what one PMD entry maps (4 KiB pages) */
#define HUGE_LEN		(2 * HUGE_PMD)	/* DMABUF_TEST_MAX_PAGES pages */

/* include/uapi/linux/dma-buf.h (5.3+) */
#ifndef DMA_BUF_SET_NAME
#define DMA_BUF_SET_NAME	_IOW('b', 1, const char *)
#endif

#define TEST_DEV		"/dev/" DMABUF_TEST_DEVNAME
#define INSERTED_PARAM		"/sys/module/dmabuf_test_exporter/parameters/inserted"

static void usage(void)
{
	die(1, "usage: %s [--as UID:GID] [--cgroup DIR] [--name-hex HEX] [--comm-hex HEX] "
	    "EXPORTER PATH [N] "
	    "(EXPORTER: test:insert_page|test:fault_page|test:mixedmap|test:remap_pfn|"
	    "test:insert_pfn|test:swap_file|test:insert_pages|test:huge_pfn|test:huge_page|"
	    "vgem|udmabuf|heap; "
	    "PATH: mmap|procmem|vm_readv|iouring|import|vmsplice|repeat|hold|spin|split|"
	    "thread|fork|mremap|flood N|churn N|hoard N|crowd N|storm SECONDS|pfn_lookup|inventory|"
	    "huge; test:huge_* take huge only)", prog);
}

/*
 * notify-listen SOCKET OUT: a systemd notify socket for the daemon test in a
 * guest without systemd. Each datagram becomes one line of OUT ("\n" inside
 * it as '|'), flushed at once; runs until killed.
 */
static int notify_listen(const char *path, const char *out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[4096];
	FILE *f = fopen(out, "a");
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (!f || fd < 0 || strlen(path) >= sizeof(a.sun_path))
		die(2, "notify-listen: %s", strerror(errno));
	strcpy(a.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die(2, "notify-listen: bind %s: %s", path, strerror(errno));
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(2, "notify-listen: recv: %s", strerror(errno));
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		buf[n] = '\0';
		fprintf(f, "%s\n", buf);
		fflush(f);
	}
}

static long read_inserted(void)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(INSERTED_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "open %s: %s", INSERTED_PARAM, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die(1, "read %s: %s", INSERTED_PARAM,
		    n < 0 ? strerror(errno) : "empty");
	close(fd);
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int create_test(unsigned int mode, size_t len)
{
	struct dmabuf_test_create arg = { .mode = mode };
	int dev;

	arg.pages = len / (size_t)sysconf(_SC_PAGESIZE);
	dev = open(TEST_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(1, "open %s: %s (is dmabuf_test_exporter loaded?)",
		    TEST_DEV, strerror(errno));
	if (ioctl(dev, DMABUF_TEST_CREATE, &arg) < 0)
		die(1, "DMABUF_TEST_CREATE mode %u: %s", mode, strerror(errno));
	close(dev);
	return arg.fd;
}

/* Is this DRM node driven by vgem? */
static int is_vgem(int fd)
{
	struct trig_drm_version v;
	char name[64];

	memset(&v, 0, sizeof(v));
	memset(name, 0, sizeof(name));
	v.name = name;
	v.name_len = sizeof(name) - 1;
	if (ioctl(fd, TRIG_DRM_IOCTL_VERSION, &v) < 0)
		return 0;
	return strcmp(name, "vgem") == 0;
}

static int create_vgem(size_t len)
{
	struct trig_drm_mode_create_dumb dumb;
	struct trig_drm_prime_handle prime;
	char path[300];
	struct dirent *de;
	DIR *dir;
	int fd = -1, denied = 0;

	dir = opendir("/dev/dri");
	if (!dir)
		die(EXIT_SKIP, "no vgem: /dev/dri: %s", strerror(errno));
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "card", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			denied |= errno == EACCES || errno == EPERM;
			continue;
		}
		if (is_vgem(fd))
			break;
		close(fd);
		fd = -1;
	}
	closedir(dir);
	if (fd < 0 && denied)	/* not "absent": it may be there, unreadable */
		die(1, "no vgem card in /dev/dri that uid %ld may open",
		    (long)getuid());
	if (fd < 0)
		die(EXIT_SKIP, "no vgem card in /dev/dri (insmod vgem?)");

	/* 1024 x (len / 4096) at 32 bpp: pitch 4096, size len */
	memset(&dumb, 0, sizeof(dumb));
	dumb.width = 1024;
	dumb.height = len / 4096;
	dumb.bpp = 32;
	if (ioctl(fd, TRIG_DRM_IOCTL_MODE_CREATE_DUMB, &dumb) < 0)
		die(1, "DRM_IOCTL_MODE_CREATE_DUMB on %s: %s", path, strerror(errno));
	memset(&prime, 0, sizeof(prime));
	prime.handle = dumb.handle;
	prime.flags = TRIG_DRM_CLOEXEC | TRIG_DRM_RDWR;
	prime.fd = -1;
	if (ioctl(fd, TRIG_DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime) < 0)
		die(1, "DRM_IOCTL_PRIME_HANDLE_TO_FD on %s: %s", path, strerror(errno));
	/* the dma-buf keeps the GEM object alive */
	close(fd);
	return prime.fd;
}

static int create_udmabuf(size_t len)
{
	struct udmabuf_create create;
	int dev, memfd, fd;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			die(EXIT_SKIP, "no udmabuf: /dev/udmabuf: %s", strerror(errno));
		die(1, "open /dev/udmabuf: %s", strerror(errno));
	}
	memfd = syscall(SYS_memfd_create, "dmabuf-trigger",
			MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		die(1, "memfd_create: %s", strerror(errno));
	if (ftruncate(memfd, (off_t)len) < 0)
		die(1, "ftruncate memfd: %s", strerror(errno));
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		die(1, "F_ADD_SEALS F_SEAL_SHRINK: %s", strerror(errno));
	memset(&create, 0, sizeof(create));
	create.memfd = (uint32_t)memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = len;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		die(1, "UDMABUF_CREATE: %s", strerror(errno));
	close(memfd);
	close(dev);
	return fd;
}

static int create_heap(size_t len)
{
	struct dma_heap_allocation_data data;
	int dev;

	dev = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			die(EXIT_SKIP, "no dma-heap: /dev/dma_heap/system: %s",
			    strerror(errno));
		die(1, "open /dev/dma_heap/system: %s", strerror(errno));
	}
	memset(&data, 0, sizeof(data));
	data.len = len;
	data.fd_flags = O_RDWR | O_CLOEXEC;
	if (ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		die(1, "DMA_HEAP_IOCTL_ALLOC: %s", strerror(errno));
	close(dev);
	return (int)data.fd;
}

static void touch(volatile unsigned char *p, size_t len, size_t pagesz)
{
	size_t off;

	for (off = 0; off < len; off += pagesz) {
		unsigned char c = p[off];

		p[off] = (unsigned char)(c + 1);
	}
}

struct gup_result {
	const char *gup;	/* "none", "ok", "refused" */
	int err;
};

/* pread /proc/self/mem: access_remote_vm -> slow GUP (check_vma_flags). */
static void gup_procmem(void *addr, size_t len, struct gup_result *r)
{
	char *buf = malloc(len);
	size_t done = 0;
	int fd;

	if (!buf)
		die(1, "malloc: %s", strerror(errno));
	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "open /proc/self/mem: %s", strerror(errno));
	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done,
				  (off_t)((uintptr_t)addr + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r->gup = "refused";
			r->err = errno;
			goto out;
		}
		if (n == 0) {
			/* short read without an error: report it as EIO */
			r->gup = "refused";
			r->err = EIO;
			goto out;
		}
		done += (size_t)n;
	}
	r->gup = "ok";
	r->err = 0;
out:
	close(fd);
	free(buf);
}

/* process_vm_readv of self: slow GUP (get_user_pages_remote). */
static void gup_vm_readv(void *addr, size_t len, struct gup_result *r)
{
	struct iovec local, remote;
	char *buf = malloc(len);
	long n;

	if (!buf)
		die(1, "malloc: %s", strerror(errno));
	local.iov_base = buf;
	local.iov_len = len;
	remote.iov_base = addr;
	remote.iov_len = len;
	n = syscall(SYS_process_vm_readv, (long)getpid(), &local, 1UL,
		    &remote, 1UL, 0UL);
	if (n < 0) {
		r->gup = "refused";
		r->err = errno;
	} else if ((size_t)n != len) {
		/* partial copy: the rest was refused; report it as EFAULT */
		r->gup = "refused";
		r->err = EFAULT;
	} else {
		r->gup = "ok";
		r->err = 0;
	}
	free(buf);
}

/* io_uring IORING_REGISTER_BUFFERS: pins with FOLL_WRITE|FOLL_LONGTERM. */
static void gup_iouring(void *addr, size_t len, struct gup_result *r)
{
	struct io_uring_params p;
	struct iovec iov;
	long ret;
	int ring;

	memset(&p, 0, sizeof(p));
	ring = (int)syscall(__NR_io_uring_setup, 4U, &p);
	if (ring < 0)
		die(1, "io_uring_setup: %s", strerror(errno));
	iov.iov_base = addr;
	iov.iov_len = len;
	ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		      &iov, 1U);
	if (ret == 0) {
		r->gup = "ok";
		r->err = 0;
	} else if (errno == EOPNOTSUPP) {
		/*
		 * Linux 6.1 io_sqe_buffer_register(): pin_user_pages() succeeded
		 * (the pages WERE pinned by GUP), then the vma walk refused the
		 * buffer for being file-backed and unpinned it. GUP got the
		 * memory, so this counts as "ok" (gup_errno 0, as for any "ok").
		 */
		r->gup = "ok";
		r->err = 0;
	} else {
		r->gup = "refused";
		r->err = errno;
	}
	close(ring);
}

/* vmsplice of the mapping into a pipe: get_user_pages_fast (lockless). */
static void gup_vmsplice(void *addr, size_t len, struct gup_result *r)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int p[2];
	ssize_t n;

	if (pipe(p) < 0)
		die(1, "pipe: %s", strerror(errno));
	n = vmsplice(p[1], &iov, 1, 0);
	if (n < 0) {
		r->gup = "refused";
		r->err = errno;
	} else if ((size_t)n != len) {
		r->gup = "refused";
		r->err = EFAULT;
	} else {
		r->gup = "ok";
		r->err = 0;
	}
	close(p[0]);
	close(p[1]);
}

/* REPEAT_N one-page process_vm_readv calls: one check_vma_flags each. */
static void gup_repeat(void *addr, size_t pagesz, struct gup_result *r)
{
	struct gup_result one = { "none", 0 };
	long i;

	for (i = 0; i < REPEAT_N; i++) {
		gup_vm_readv(addr, pagesz, &one);
		if (i == 0)
			*r = one;
	}
}

/* Value of "KEY:" in a "key:\tvalue" file (fdinfo); NULL when absent. */
/* The test module's pfn lookup of addr in this process: 0 or the lookup's -errno. */
static int module_pfn_lookup(unsigned long addr)
{
	struct dmabuf_test_pfn_lookup lk = { .addr = addr };
	int fd = open(TEST_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(1, "open %s: %s", TEST_DEV, strerror(errno));
	if (ioctl(fd, DMABUF_TEST_PFN_LOOKUP, &lk) < 0)
		die(1, "DMABUF_TEST_PFN_LOOKUP: %s", strerror(errno));
	close(fd);
	return lk.ret;
}

/*
 * Map @len bytes of @fd at a HUGE_PMD aligned address, so that each 2 MiB of
 * the buffer can be one PMD entry: reserve @len + HUGE_PMD, map over its
 * first aligned address, give back the rest.
 */
static void *map_aligned(int fd, size_t len)
{
	char *res, *at, *map;

	res = mmap(NULL, len + HUGE_PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		die(1, "reserve %zu bytes: %s", len + HUGE_PMD, strerror(errno));
	at = (char *)(((uintptr_t)res + HUGE_PMD - 1) & ~(uintptr_t)(HUGE_PMD - 1));
	map = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (map == MAP_FAILED)
		die(1, "mmap dma-buf at 0x%lx: %s", (unsigned long)(uintptr_t)at, strerror(errno));
	if (at > res && munmap(res, (size_t)(at - res)) < 0)
		die(1, "munmap reserve head: %s", strerror(errno));
	if (at < res + HUGE_PMD && munmap(at + len, (size_t)(res + HUGE_PMD - at)) < 0)
		die(1, "munmap reserve tail: %s", strerror(errno));
	return map;
}

/* Read one byte of each HUGE_PMD of the mapping: one PMD fault each. */
static void touch_huge(volatile unsigned char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += HUGE_PMD)
		(void)p[off];
}

/* The module's count of the PMD entries it installed for the buffer @dbfd. */
static void module_huge_info(int dbfd, struct dmabuf_test_huge_info *hi)
{
	int fd = open(TEST_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(1, "open %s: %s", TEST_DEV, strerror(errno));
	memset(hi, 0, sizeof(*hi));
	hi->fd = dbfd;
	if (ioctl(fd, DMABUF_TEST_HUGE_INFO, hi) < 0)
		die(1, "DMABUF_TEST_HUGE_INFO: %s", strerror(errno));
	close(fd);
}

static char *kv_lookup(char *text, const char *key);
static char *slurp(const char *path);
static void json_str(const char *s);

/* The inventory path: see the top of this file. Never returns. */
static void inventory_hold(const char *exp_arg, unsigned int mode, size_t pagesz)
{
	static const char *const states[] = { "fd", "mapped", "imported", "fd_mapped" };
	unsigned long long ino[4];
	char name[4][32], path[64], *fdinfo, *exp_name = NULL;
	int devfd = open(TEST_DEV, O_RDWR | O_CLOEXEC);
	struct stat st;

	if (devfd < 0)
		die(1, "open %s: %s", TEST_DEV, strerror(errno));
	for (int i = 0; i < 4; i++) {
		size_t len = (size_t)(i + 1) * pagesz;
		int fd = create_test(mode, len);

		snprintf(name[i], sizeof(name[i]), "inv:%s", states[i]);
		if (ioctl(fd, DMA_BUF_SET_NAME, name[i]) < 0)
			die(1, "DMA_BUF_SET_NAME: %s", strerror(errno));
		if (fstat(fd, &st) < 0)
			die(1, "fstat dma-buf fd: %s", strerror(errno));
		ino[i] = (unsigned long long)st.st_ino;
		if (!exp_name) {
			snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
			fdinfo = slurp(path);
			exp_name = kv_lookup(fdinfo, "exp_name");
			free(fdinfo);
			if (!exp_name)
				die(1, "no exp_name in %s", path);
		}
		if (i == 1 || i == 3) {
			void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

			if (map == MAP_FAILED)
				die(1, "mmap dma-buf fd: %s", strerror(errno));
			touch(map, len, pagesz);
		}
		if (i == 2) {
			struct dmabuf_test_import imp = { .fd = fd };

			if (ioctl(devfd, DMABUF_TEST_IMPORT, &imp) < 0)
				die(1, "DMABUF_TEST_IMPORT: %s", strerror(errno));
		}
		if (i == 1 || i == 2)
			close(fd);
	}
	printf("{\"exporter_arg\":\"%s\",\"path\":\"inventory\",\"pid\":%ld,\"exporter\":",
	       exp_arg, (long)getpid());
	json_str(exp_name);
	fputs(",\"buffers\":[", stdout);
	for (int i = 0; i < 4; i++)
		printf("%s{\"state\":\"%s\",\"inode\":%llu,\"size\":%zu,\"name\":\"%s\"}", i ? "," : "",
		       states[i], ino[i], (size_t)(i + 1) * pagesz, name[i]);
	puts("]}");
	if (fflush(stdout) != 0 || ferror(stdout))
		die(1, "write stdout: %s", strerror(errno));
	free(exp_name);
	for (;;)
		pause(); /* until SIGTERM/SIGKILL: every buffer stays as it is */
}

static char *kv_lookup(char *text, const char *key)
{
	size_t klen = strlen(key);
	char *line = text;

	while (line && *line) {
		char *nl = strchr(line, '\n');

		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;
			char *end = nl ? nl : v + strlen(v);
			size_t n;
			char *out;

			while (v < end && isspace((unsigned char)*v))
				v++;
			while (end > v && isspace((unsigned char)end[-1]))
				end--;
			n = (size_t)(end - v);
			out = malloc(n + 1);
			if (!out)
				die(1, "malloc: %s", strerror(errno));
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static char *slurp(const char *path)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	int fd;

	if (!buf)
		die(1, "malloc: %s", strerror(errno));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "open %s: %s", path, strerror(errno));
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die(1, "realloc: %s", strerror(errno));
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(1, "read %s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

struct smaps_entry {
	unsigned long start, end;
	char *vmflags;
	long rss_kb;
};

/* Find the smaps block of the vma starting at @start. */
static void read_smaps(unsigned long start, struct smaps_entry *e)
{
	char *text = slurp("/proc/self/smaps");
	char *line = text;
	int in = 0;

	e->vmflags = NULL;
	e->rss_kb = -1;
	e->start = e->end = 0;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		unsigned long s, en;
		char c;

		if (nl)
			*nl = '\0';
		/* header: "start-end perms offset dev inode path" */
		if (sscanf(line, "%lx-%lx %c", &s, &en, &c) == 3 &&
		    isxdigit((unsigned char)line[0])) {
			if (in)
				break;
			in = s == start;
			if (in) {
				e->start = s;
				e->end = en;
			}
		} else if (in && strncmp(line, "Rss:", 4) == 0) {
			e->rss_kb = strtol(line + 4, NULL, 10);
		} else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			char *v = line + 8;
			char *end = v + strlen(v);

			while (*v == ' ' || *v == '\t')
				v++;
			while (end > v && isspace((unsigned char)end[-1]))
				end--;
			*end = '\0';
			e->vmflags = strdup(v);
			if (!e->vmflags)
				die(1, "strdup: %s", strerror(errno));
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	if (!e->start)
		die(1, "mapping 0x%lx not found in /proc/self/smaps", start);
	if (!e->vmflags)
		die(1, "no VmFlags for mapping 0x%lx in /proc/self/smaps", start);
}

static long trig_gettid(void)
{
	return (long)syscall(SYS_gettid);
}

/* Undo the \ooo escapes of a /proc/self/mountinfo field, in place. */
static void unescape_octal(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * The cgroup v2 id of this process: the inode number of its cgroup directory
 * (the first cgroup2 mount in /proc/self/mountinfo + the path of the "0::"
 * line of /proc/self/cgroup), which is what bpf_get_current_cgroup_id()
 * returns. -1 when there is no cgroup2 mount (or the directory is not under
 * it).
 */
static long long cgroup2_id(void)
{
	char *mi = slurp("/proc/self/mountinfo");
	char *cg = slurp("/proc/self/cgroup");
	char *line, *mnt = NULL, *root = NULL, *path = NULL, *full;
	long long id = -1;
	size_t rlen;
	struct stat st;

	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SRC SUPER */
	for (line = strtok(mi, "\n"); line; line = strtok(NULL, "\n")) {
		char *sep = strstr(line, " - ");
		char *f[5], *save = NULL;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		*sep = '\0';
		for (i = 0; i < 5; i++) {
			f[i] = strtok_r(i ? NULL : line, " ", &save);
			if (!f[i])
				break;
		}
		if (i < 5)
			continue;
		root = f[3];
		mnt = f[4];
		break;
	}
	for (line = cg; line && *line; ) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(line, "0::", 3) == 0) {
			path = line + 3;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!mnt || !path)
		goto out;
	unescape_octal(root);
	unescape_octal(mnt);
	/* a mount of a subtree (cgroup namespace or bind): path relative to it */
	rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (rlen && (strncmp(path, root, rlen) != 0 ||
		     (path[rlen] != '/' && path[rlen] != '\0')))
		goto out;
	if (asprintf(&full, "%s%s", mnt, path + rlen) < 0)
		die(1, "asprintf: %s", strerror(errno));
	if (stat(full, &st) == 0)
		id = (long long)st.st_ino;
	free(full);
out:
	free(mi);
	free(cg);
	return id;
}

/* --cgroup DIR: move this process into the cgroup2 directory DIR. */
static void join_cgroup(const char *dir)
{
	char path[4096], pid[32];
	int fd, n;
	ssize_t w;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		die(1, "--cgroup %s: path too long", dir);
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "--cgroup: cannot open %s: %s (an existing cgroup2 directory?)",
		    path, strerror(errno));
	w = write(fd, pid, (size_t)n);
	if (w != n)
		die(1, "--cgroup: cannot join %s (write %s): %s", dir, path,
		    w < 0 ? strerror(errno) : "short write");
	if (close(fd) < 0)
		die(1, "--cgroup: cannot join %s (close %s): %s", dir, path,
		    strerror(errno));
}

/* --as UID:GID: become that user, with no supplementary groups. */
static void drop_to(const char *spec)
{
	unsigned long uid, gid;
	const char *g;
	char *end;

	errno = 0;
	uid = strtoul(spec, &end, 10);
	if (errno || end == spec || *end != ':' || uid > 0xfffffffeUL)
		die(1, "--as %s: want UID:GID (numbers)", spec);
	g = end + 1;
	gid = strtoul(g, &end, 10);
	if (errno || end == g || *end || gid > 0xfffffffeUL)
		die(1, "--as %s: want UID:GID (numbers)", spec);
	if (setgroups(0, NULL) < 0)
		die(1, "--as: setgroups(0, NULL): %s", strerror(errno));
	if (setgid((gid_t)gid) < 0)
		die(1, "--as: setgid(%lu): %s", gid, strerror(errno));
	if (setuid((uid_t)uid) < 0)
		die(1, "--as: setuid(%lu): %s", uid, strerror(errno));
	/*
	 * Changing the uid cleared the dumpable flag: /proc/self/{mem,fdinfo}
	 * would then belong to root. A process the user started is dumpable.
	 */
	if (prctl(PR_SET_DUMPABLE, 1UL, 0UL, 0UL, 0UL) < 0)
		die(1, "--as: PR_SET_DUMPABLE: %s", strerror(errno));
}

/* thread: the procmem GUP from a second thread; @tid is that thread's. */
struct gup_thread_arg {
	void *addr;
	size_t len;
	struct gup_result r;
	long tid;
};

static void *gup_thread(void *p)
{
	struct gup_thread_arg *a = p;

	a->tid = trig_gettid();
	gup_procmem(a->addr, a->len, &a->r);
	return NULL;
}

static long gup_in_thread(void *addr, size_t len, struct gup_result *r)
{
	struct gup_thread_arg a = { .addr = addr, .len = len, .tid = -1 };
	pthread_t t;
	int err;

	err = pthread_create(&t, NULL, gup_thread, &a);
	if (err)
		die(1, "pthread_create: %s", strerror(err));
	err = pthread_join(t, NULL);
	if (err)
		die(1, "pthread_join: %s", strerror(err));
	*r = a.r;
	return a.tid;
}

/*
 * fork: the child (a copy of the vma, vm_area_dup) does process_vm_readv on
 * itself; exit 0 = GUP ok, 2 = refused. Returns the child's pid.
 */
static pid_t gup_in_child(void *addr, size_t len, const char **child_gup)
{
	pid_t pid;
	int status;

	fflush(NULL);	/* nothing buffered may be written twice */
	pid = fork();
	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct gup_result r = { "none", 0 };

		gup_vm_readv(addr, len, &r);
		_exit(strcmp(r.gup, "ok") == 0 ? 0 : 2);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die(1, "waitpid %ld: %s", (long)pid, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		*child_gup = "ok";
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		*child_gup = "refused";
	else if (WIFEXITED(status))
		die(1, "fork child %ld exited %d", (long)pid, WEXITSTATUS(status));
	else
		die(1, "fork child %ld killed by signal %d", (long)pid,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return pid;
}

/*
 * mremap: move @map onto a freshly reserved address (MREMAP_FIXED: it really
 * moves). Returns the new address, or MAP_FAILED with *err set when the
 * kernel refused the move (the mapping then stays where it was).
 */
static void *move_mapping(void *map, size_t len, int *err)
{
	void *dst, *moved;

	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (dst == MAP_FAILED)
		die(1, "mmap reserve for mremap: %s", strerror(errno));
	moved = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (moved == MAP_FAILED) {
		*err = errno;
		if (munmap(dst, len) < 0)
			die(1, "munmap reserve: %s", strerror(errno));
		return MAP_FAILED;
	}
	if (moved != dst)
		die(1, "mremap MREMAP_FIXED moved to %p, not %p", moved, dst);
	*err = 0;
	return moved;
}

/* JSON string escapes (RFC 8259): the short ones, else \u00XX for controls and DEL. */
/*
 * churn N: N-1 more mappings of fd, one at a time, each at an address of its own;
 * hoard N (keep): all of them stay until the last is made.
 */
static void churn_maps(int fd, size_t len, long n, int keep)
{
	char *range = mmap(NULL, (size_t)n * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (range == MAP_FAILED)
		die(1, "churn: reserve %ld x %zu bytes: %s", n, len, strerror(errno));
	for (long k = 1; k < n; k++) {
		void *p = mmap(range + k * len, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			       fd, 0);

		if (p == MAP_FAILED)
			die(1, "churn: mmap %ld of %ld: %s", k + 1, n, strerror(errno));
		if (!keep && munmap(p, len) < 0)
			die(1, "churn: munmap: %s", strerror(errno));
	}
	munmap(range, (size_t)n * len);
}

/* crowd N: N children one after another, each mapping a compliant buffer and exiting. */
static void crowd_maps(size_t len, long n)
{
	int fd = create_test(DMABUF_TEST_MODE_REMAP_PFN, len), status;

	for (long k = 0; k < n; k++) {
		pid_t child = fork();

		if (child < 0)
			die(1, "crowd: fork %ld of %ld: %s", k + 1, n, strerror(errno));
		if (child == 0)
			_exit(mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? 2 : 0);
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die(1, "crowd: child %ld of %ld failed to map", k + 1, n);
	}
	close(fd);
}

/* storm: what the threads of one worker did, in memory its parent reads after it exits. */
struct storm_counts {
	long maps, gups, fault_maps, faults;
};

struct storm_thread {
	int fd;			/* the buffer this thread maps, -1: read held instead */
	void *held;		/* the gup thread's mapping */
	size_t len, pagesz;
	double deadline;	/* CLOCK_MONOTONIC seconds */
	int touch;		/* write each page of every mapping (fault_page) */
	long ops, pages;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One storm thread: map/unmap (touching or not) or GUP, until the deadline. */
static void *storm_run(void *p)
{
	struct storm_thread *t = p;

	while (mono_s() < t->deadline) {
		for (int k = 0; k < 64; k++) {
			struct gup_result one = { "none", 0 };
			void *m;

			if (t->fd < 0) {
				gup_vm_readv(t->held, t->pagesz, &one);
				if (strcmp(one.gup, "ok"))
					die(1, "storm: process_vm_readv of the held mapping: %s",
					    strerror(one.err));
				t->ops++;
				continue;
			}
			m = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
			if (m == MAP_FAILED)
				die(1, "storm: mmap: %s", strerror(errno));
			t->ops++;
			if (t->touch) {
				touch(m, t->len, t->pagesz);
				t->pages += (long)(t->len / t->pagesz);
			}
			if (munmap(m, t->len) < 0)
				die(1, "storm: munmap: %s", strerror(errno));
		}
	}
	return NULL;
}

/* One storm process: its three threads, their counts into *out. */
static void storm_worker(int ins_fd, int fault_fd, size_t len, size_t pagesz, double deadline,
			 struct storm_counts *out)
{
	struct storm_thread t[3] = {
		{ .fd = ins_fd, .len = len, .pagesz = pagesz, .deadline = deadline },
		{ .fd = -1, .len = len, .pagesz = pagesz, .deadline = deadline },
		{ .fd = fault_fd, .len = len, .pagesz = pagesz, .deadline = deadline, .touch = 1 },
	};
	pthread_t tid[3];
	int err;

	t[1].held = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ins_fd, 0);
	if (t[1].held == MAP_FAILED)
		die(1, "storm: mmap the held buffer: %s", strerror(errno));
	for (int i = 0; i < 3; i++) {
		err = pthread_create(&tid[i], NULL, storm_run, &t[i]);
		if (err)
			die(1, "storm: pthread_create: %s", strerror(err));
	}
	for (int i = 0; i < 3; i++) {
		err = pthread_join(tid[i], NULL);
		if (err)
			die(1, "storm: pthread_join: %s", strerror(err));
	}
	munmap(t[1].held, len);
	out->maps = t[0].ops + 1; /* the held mapping */
	out->gups = t[1].ops;
	out->fault_maps = t[2].ops;
	out->faults = t[2].pages;
}

/*
 * storm SECONDS: STORM_PROCS worker processes (forked before this process maps
 * anything: no vma of a dma-buf is copied) storm at once; their summed counts.
 */
static void storm(int ins_fd, int fault_fd, size_t len, size_t pagesz, long secs,
		  struct storm_counts *sum)
{
	struct storm_counts *c = mmap(NULL, STORM_PROCS * sizeof(*c), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double deadline = mono_s() + (double)secs;
	pid_t pids[STORM_PROCS];
	int status;

	if (c == MAP_FAILED)
		die(1, "storm: mmap counts: %s", strerror(errno));
	for (int i = 0; i < STORM_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die(1, "storm: fork: %s", strerror(errno));
		if (pids[i] == 0) {
			storm_worker(ins_fd, fault_fd, len, pagesz, deadline, &c[i]);
			_exit(0);
		}
	}
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < STORM_PROCS; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die(1, "storm: worker %d failed", i);
		sum->maps += c[i].maps;
		sum->gups += c[i].gups;
		sum->fault_maps += c[i].fault_maps;
		sum->faults += c[i].faults;
	}
	munmap(c, STORM_PROCS * sizeof(*c));
}

/* --name-hex/--comm-hex: HEX into out (at most max bytes, NUL-terminated). */
static void unhex(const char *opt, const char *hex, char *out, size_t max)
{
	size_t n = strlen(hex), i;

	if (!n || n % 2 || n / 2 > max)
		die(1, "%s %s: want 1..%zu bytes as pairs of hex digits", opt, hex, max);
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &b) != 1 || b == 0)
			die(1, "%s %s: want pairs of hex digits, no 00", opt, hex);
		out[i] = (char)b;
	}
	out[i] = '\0';
}

/* The bytes of s as a JSON string of hex digits. */
static void json_hex(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		printf("%02x", *p);
	putchar('"');
}

static const char *const json_esc[0x80] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
	['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

static void json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		if (*p < 0x80 && json_esc[*p])
			fputs(json_esc[*p], stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	const char *exp_arg, *path, *as = NULL, *cgroup = NULL;
	const char *name_hex = NULL, *comm_hex = NULL;
	char comm[17] = "";
	const char *child_gup = NULL;
	unsigned int mode = 0;
	long pagesz = sysconf(_SC_PAGESIZE);
	size_t len, i, ne = sizeof(exporters) / sizeof(exporters[0]);
	long ins_before = 0, inserted = -1, tid, nflood = 0;
	long long cgroup_id;
	int found = 0, is_test, dbfd, mapfd, devfd = -1, argi = 1;
	int mremap_err = 0, lookup_ret = 0;
	unsigned long lookup_addr = 0;
	struct gup_result gr = { "none", 0 };
	struct smaps_entry se;
	char fdinfo_path[64];
	char *fdinfo, *exp_name, *v;
	unsigned long long ino = 0, size = 0;
	struct stat st;
	char buf_name[32];
	pid_t child_pid = 0;
	void **flood = NULL;
	int hold, spin, churn, hoard, crowd, is_storm, fault_fd = -1;
	struct storm_counts sc = { 0 };
	char *fault_exp = NULL;
	void *map, *old_map;
	int huge, huge_exp;
	struct dmabuf_test_huge_info hi;

	if (argc > 0 && argv[0] && *argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		prog = slash ? slash + 1 : argv[0];
	}
	if (argc == 4 && strcmp(argv[1], "notify-listen") == 0)
		return notify_listen(argv[2], argv[3]);
	while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
		if (argi + 1 >= argc)
			usage();
		if (strcmp(argv[argi], "--as") == 0)
			as = argv[argi + 1];
		else if (strcmp(argv[argi], "--cgroup") == 0)
			cgroup = argv[argi + 1];
		else if (strcmp(argv[argi], "--name-hex") == 0)
			name_hex = argv[argi + 1];
		else if (strcmp(argv[argi], "--comm-hex") == 0)
			comm_hex = argv[argi + 1];
		else
			usage();
		argi += 2;
	}
	if (argc - argi != 2 && argc - argi != 3)
		usage();
	if (comm_hex) {
		/* first: every event of this process carries it */
		unhex("--comm-hex", comm_hex, comm, 15);
		if (prctl(PR_SET_NAME, (unsigned long)comm, 0UL, 0UL, 0UL) < 0)
			die(1, "--comm-hex: PR_SET_NAME: %s", strerror(errno));
	}
	if (name_hex)
		unhex("--name-hex", name_hex, buf_name, sizeof(buf_name) - 1);
	exp_arg = argv[argi];
	path = argv[argi + 1];
	for (i = 0; i < ne; i++) {
		if (strcmp(exp_arg, exporters[i].arg) == 0) {
			mode = exporters[i].mode;
			found = 1;
			break;
		}
	}
	if (!found)
		usage();
	found = 0;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strcmp(path, paths[i]) == 0)
			found = 1;
	if (!found)
		usage();
	hoard = strcmp(path, "hoard") == 0;
	churn = strcmp(path, "churn") == 0 || hoard;
	crowd = strcmp(path, "crowd") == 0;
	is_storm = strcmp(path, "storm") == 0;
	if (strcmp(path, "flood") == 0 || churn || crowd || is_storm) {
		char *end;

		if (argc - argi != 3)
			usage();
		errno = 0;
		nflood = strtol(argv[argi + 2], &end, 10);
		/* churn and crowd keep one mapping at a time: no vm.max_map_count bound */
		long max = strcmp(path, "churn") == 0 || crowd ? CHURN_MAX :
			   is_storm ? STORM_MAX : FLOOD_MAX;

		if (errno || end == argv[argi + 2] || *end || nflood < 1 || nflood > max)
			die(1, "%s N: N must be 1..%ld, not '%s'", path, max, argv[argi + 2]);
	} else if (argc - argi != 2) {
		usage();
	}
	is_test = mode != 0;
	huge = strcmp(path, "huge") == 0;
	huge_exp = mode == DMABUF_TEST_MODE_HUGE_PFN || mode == DMABUF_TEST_MODE_HUGE_PAGE;
	if (huge != huge_exp)
		die(1, "PATH huge and EXPORTER test:huge_pfn|test:huge_page go together, not %s %s",
		    exp_arg, path);
	if (!is_test && (strcmp(path, "import") == 0 || crowd || strcmp(path, "pfn_lookup") == 0 ||
			 strcmp(path, "inventory") == 0))
		die(1, "PATH %s needs a test:* exporter", path);
	if (is_storm && mode != DMABUF_TEST_MODE_INSERT_PAGE)
		die(1, "PATH storm needs test:insert_page");
	if (pagesz <= 0)
		die(1, "sysconf(_SC_PAGESIZE) failed");
	len = huge ? HUGE_LEN : NPAGES * (size_t)pagesz;

	/* cgroup first: moving a process into a cgroup needs the privilege */
	if (cgroup)
		join_cgroup(cgroup);
	cgroup_id = cgroup2_id();
	if (as)
		drop_to(as);
	tid = trig_gettid();

	if (strcmp(path, "inventory") == 0)
		inventory_hold(exp_arg, mode, (size_t)pagesz);
	if (is_test)
		ins_before = read_inserted();

	if (is_test)
		dbfd = create_test(mode, len);
	else if (strcmp(exp_arg, "vgem") == 0)
		dbfd = create_vgem(len);
	else if (strcmp(exp_arg, "udmabuf") == 0)
		dbfd = create_udmabuf(len);
	else
		dbfd = create_heap(len);

	if (!name_hex)
		snprintf(buf_name, sizeof(buf_name), "trig:%s", path);
	if (ioctl(dbfd, DMA_BUF_SET_NAME, buf_name) < 0) {
		if (name_hex)
			die(1, "--name-hex: DMA_BUF_SET_NAME: %s", strerror(errno));
		buf_name[0] = '\0'; /* the oracle says it was not set */
	}

	mapfd = dbfd;
	if (strcmp(path, "import") == 0) {
		struct dmabuf_test_import imp = { .fd = dbfd };

		devfd = open(TEST_DEV, O_RDWR | O_CLOEXEC);
		if (devfd < 0)
			die(1, "open %s: %s", TEST_DEV, strerror(errno));
		if (ioctl(devfd, DMABUF_TEST_IMPORT, &imp) < 0)
			die(1, "DMABUF_TEST_IMPORT: %s", strerror(errno));
		mapfd = devfd;
	}

	if (is_storm) {
		/* before this process maps anything: the workers copy no dma-buf vma */
		fault_fd = create_test(DMABUF_TEST_MODE_FAULT_PAGE, len);
		storm(dbfd, fault_fd, len, (size_t)pagesz, nflood, &sc);
		snprintf(fdinfo_path, sizeof(fdinfo_path), "/proc/self/fdinfo/%d", fault_fd);
		fdinfo = slurp(fdinfo_path);
		fault_exp = kv_lookup(fdinfo, "exp_name");
		if (!fault_exp)
			die(1, "no exp_name in %s", fdinfo_path);
		free(fdinfo);
		close(fault_fd);
	}

	if (huge)
		map = map_aligned(mapfd, len);
	else
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mapfd, 0);
	if (map == MAP_FAILED)
		die(1, "mmap %s fd: %s", mapfd == dbfd ? "dma-buf" : TEST_DEV,
		    strerror(errno));
	old_map = map;

	if (crowd) {
		touch(map, len, (size_t)pagesz);
		crowd_maps(len, nflood);
		gup_vmsplice(map, len, &gr);
	} else if (churn) {
		touch(map, len, (size_t)pagesz);
		churn_maps(mapfd, len, nflood, hoard);
	} else if (is_storm) {
		touch(map, len, (size_t)pagesz);
	} else if (huge) {
		touch_huge(map, len);
		module_huge_info(dbfd, &hi);
	} else if (nflood) {
		long k;

		/* untouched: no faults; smaps of the first one while it is alone */
		read_smaps((unsigned long)(uintptr_t)map, &se);
		flood = calloc((size_t)nflood, sizeof(*flood));
		if (!flood)
			die(1, "calloc: %s", strerror(errno));
		flood[0] = map;
		for (k = 1; k < nflood; k++) {
			flood[k] = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_SHARED, mapfd, 0);
			if (flood[k] == MAP_FAILED)
				die(1, "flood: mmap %ld of %ld: %s", k + 1, nflood,
				    strerror(errno));
		}
		for (k = 1; k < nflood; k++)
			if (munmap(flood[k], len) < 0)
				die(1, "flood: munmap: %s", strerror(errno));
		free(flood);
	} else {
		touch(map, len, (size_t)pagesz);
	}

	if (strcmp(path, "procmem") == 0)
		gup_procmem(map, len, &gr);
	else if (strcmp(path, "vm_readv") == 0)
		gup_vm_readv(map, len, &gr);
	else if (strcmp(path, "iouring") == 0)
		gup_iouring(map, len, &gr);
	else if (strcmp(path, "vmsplice") == 0)
		gup_vmsplice(map, len, &gr);
	else if (strcmp(path, "repeat") == 0)
		gup_repeat(map, (size_t)pagesz, &gr);
	else if (strcmp(path, "split") == 0) {
		char *upper = (char *)map + len / 2;

		if (mprotect(upper, len / 2, PROT_READ) < 0)
			die(1, "mprotect upper half: %s", strerror(errno));
		gup_vm_readv(upper, len / 2, &gr);
	} else if (strcmp(path, "thread") == 0) {
		tid = gup_in_thread(map, len, &gr);
	} else if (strcmp(path, "fork") == 0) {
		child_pid = gup_in_child(map, len, &child_gup);
	} else if (strcmp(path, "pfn_lookup") == 0) {
		lookup_addr = (unsigned long)(uintptr_t)map + (unsigned long)pagesz;
		lookup_ret = module_pfn_lookup(lookup_addr);
	} else if (strcmp(path, "mremap") == 0) {
		void *moved = move_mapping(map, len, &mremap_err);

		if (moved != MAP_FAILED) {
			map = moved;
			gup_vm_readv(map, len, &gr);
		}
	}

	if (!nflood || churn || crowd || is_storm)
		read_smaps((unsigned long)(uintptr_t)map, &se);

	snprintf(fdinfo_path, sizeof(fdinfo_path), "/proc/self/fdinfo/%d", dbfd);
	fdinfo = slurp(fdinfo_path);
	exp_name = kv_lookup(fdinfo, "exp_name");
	if (!exp_name)
		die(1, "no exp_name in %s (not a dma-buf?)", fdinfo_path);
	v = kv_lookup(fdinfo, "ino");
	if (v) {
		ino = strtoull(v, NULL, 10);
		free(v);
	} else {
		/* fdinfo has "ino:" since 5.14; fall back to fstat */
		if (fstat(dbfd, &st) < 0)
			die(1, "fstat dma-buf fd: %s", strerror(errno));
		ino = (unsigned long long)st.st_ino;
	}
	v = kv_lookup(fdinfo, "size");
	if (!v)
		die(1, "no size in %s", fdinfo_path);
	size = strtoull(v, NULL, 10);
	free(v);
	free(fdinfo);

	if (is_test)
		inserted = read_inserted() - ins_before;

	spin = strcmp(path, "spin") == 0;
	hold = strcmp(path, "hold") == 0 || spin;
	if (!hold && munmap(map, len) < 0)
		die(1, "munmap: %s", strerror(errno));
	if (devfd >= 0)
		close(devfd);
	close(dbfd);

	fputs("{\"exporter_arg\":", stdout);
	json_str(exp_arg);
	fputs(",\"path\":", stdout);
	json_str(path);
	printf(",\"pid\":%ld,\"exporter\":", (long)getpid());
	json_str(exp_name);
	printf(",\"inode\":%llu,\"size\":%llu,\"vm_start\":\"0x%lx\","
	       "\"vm_end\":\"0x%lx\",\"vmflags\":", ino, size, se.start, se.end);
	json_str(se.vmflags);
	printf(",\"rss_kb\":%ld,\"gup\":", se.rss_kb);
	json_str(gr.gup);
	printf(",\"gup_errno\":%d,\"inserted\":%ld,\"repeat\":%d,\"buf_name\":", gr.err,
	       inserted, strcmp(path, "repeat") == 0 ? REPEAT_N : 0);
	json_str(buf_name);
	fputs(",\"buf_name_hex\":", stdout);
	json_hex(buf_name);
	if (prctl(PR_GET_NAME, (unsigned long)comm, 0UL, 0UL, 0UL) < 0)
		die(1, "PR_GET_NAME: %s", strerror(errno));
	comm[16] = '\0';
	fputs(",\"comm_hex\":", stdout);
	json_hex(comm);
	printf(",\"tid\":%ld,\"uid\":%ld,\"cgroup_id\":%lld,\"map_len\":%zu",
	       tid, (long)getuid(), cgroup_id, len);
	if (child_gup) {
		printf(",\"child_pid\":%ld,\"child_gup\":", (long)child_pid);
		json_str(child_gup);
	}
	if (strcmp(path, "mremap") == 0) {
		printf(",\"old_vm_start\":\"0x%lx\",\"mremap\":",
		       (unsigned long)(uintptr_t)old_map);
		if (mremap_err)
			printf("\"refused\",\"mremap_errno\":%d", mremap_err);
		else
			fputs("\"ok\"", stdout);
	}
	if (lookup_addr)
		printf(",\"lookup_addr\":\"0x%lx\",\"pfn_lookup\":\"%s\",\"pfn_lookup_errno\":%d",
		       lookup_addr, lookup_ret ? "refused" : "ok", -lookup_ret);
	if (huge)
		printf(",\"huge_entries\":%u,\"huge_special\":%u,\"kernel_huge_special\":%s,"
		       "\"huge_via_huge_fault\":%u,\"huge_via_fault\":%u,\"huge_vma_pfnmap\":%s",
		       hi.entries, hi.special, hi.kernel_has_special ? "true" : "false",
		       hi.via_huge_fault, hi.via_fault, hi.vma_pfnmap ? "true" : "false");
	if (is_storm) {
		printf(",\"storm_secs\":%ld,\"storm_procs\":%d,\"maps\":%ld,\"gups\":%ld,"
		       "\"fault_maps\":%ld,\"faults\":%ld,\"fault_exporter\":",
		       nflood, STORM_PROCS, sc.maps + 1, sc.gups, sc.fault_maps, sc.faults);
		json_str(fault_exp);
	} else if (nflood) {
		printf(",\"maps\":%ld", nflood);
	}
	puts("}");
	if (fflush(stdout) != 0 || ferror(stdout))
		die(1, "write stdout: %s", strerror(errno));
	while (spin) {
		struct gup_result one = { "none", 0 };

		gup_vm_readv(map, (size_t)pagesz, &one);
	}
	while (hold)
		pause(); /* until SIGTERM/SIGKILL: the mapping stays */
	free(exp_name);
	free(fault_exp);
	free(se.vmflags);
	return 0;
}
