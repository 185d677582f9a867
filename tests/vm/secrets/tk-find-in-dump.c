/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tk-find-in-dump: decompresses every page of a kdump-compressed file (or reads every segment
 * of an ELF core) and searches it, and the raw file, for byte strings.
 *
 *   tk-find-in-dump [--all-absent|--all-present] --hex NAME=HEX... [--text NAME=TEXT...] DUMP
 *
 * Prints one line per needle: "NAME present|absent (pages: N hits, raw file: yes|no)". A needle
 * across a page boundary is found (pages are searched in pairs of physically adjacent pages).
 * Also says how many compound tail pages are missing while their head page is in the dump (a
 * makedumpfile that misjudged them dropped kernel memory, canaries with it).
 * Exit status: 0 when the expectation holds (default --all-absent), 1 when it does not, 2 on
 * errors. Built against the vmcore readers (src/vmcore) by tests/vm/meson.build with
 * -Dvm-tests=true; the secrets scenario finds it as $TK_FIND_IN_DUMP. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmcore.h"

#define NEEDLES_MAX 64
#define NEEDLE_MAX 4096

typedef struct Needle {
        char *name;
        uint8_t *data;
        size_t size;
        uint64_t page_hits;
        bool raw;
} Needle;

static int parse_hex(const char *s, uint8_t **ret, size_t *ret_size) {
        size_t n = strlen(s);
        if (n == 0 || n % 2 || n / 2 > NEEDLE_MAX)
                return -EINVAL;
        uint8_t *b = malloc(n / 2);
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < n / 2; i++) {
                unsigned v;
                if (sscanf(s + 2 * i, "%2x", &v) != 1) {
                        free(b);
                        return -EINVAL;
                }
                b[i] = (uint8_t) v;
        }
        *ret = b;
        *ret_size = n / 2;
        return 0;
}

/* Compound tail pages missing from the dump while their head page is in it: makedumpfile keeps or
 * drops a compound page as a whole, so such a tail was judged on its own (as a makedumpfile that
 * does not know the kernel's compound-head marker does: Linux 7.1 renamed it to compound_info)
 * or was a page of zeros (dump level bit 1). Counts them, and those whose head is a slab page.
 * Returns -ENOENT when the VMCOREINFO lacks what it needs. */
static int count_lost_tails(Vmcore *v, VmcoreKdump *k, uint64_t *ret_lost, uint64_t *ret_lost_slab) {
        const VmcoreKdumpHeader *h = vmcore_kdump_header(k);
        const VmcoreInfo *vi;
        uint64_t vmemmap, page_size, ci_off, mc_off;
        int64_t slab_type;
        uint8_t *buf = NULL;
        int r;

        r = vmcore_get_vmcoreinfo(v, &vi, NULL);
        if (r < 0)
                return r;
        if (vmcoreinfo_symbol(vi, "vmemmap", &vmemmap) < 0 || vmcoreinfo_size(vi, "page", &page_size) < 0 ||
            vmcoreinfo_offset(vi, "page._mapcount", &mc_off) < 0 ||
            (vmcoreinfo_offset(vi, "page.compound_info", &ci_off) < 0 &&
             vmcoreinfo_offset(vi, "page.compound_head", &ci_off) < 0) ||
            page_size < 16 || page_size > 256 || ci_off + 8 > page_size || mc_off + 4 > page_size)
                return -ENOENT;
        if (vmcoreinfo_number(vi, "PAGE_SLAB_MAPCOUNT_VALUE", &slab_type) < 0)
                slab_type = 0;
        buf = malloc(h->block_size);
        if (!buf)
                return -ENOMEM;
        uint64_t lost = 0, lost_slab = 0;
        for (uint64_t pfn = 0; pfn < h->max_mapnr; pfn++) {
                uint8_t page[256], head[256];
                uint64_t ci, headaddr, addr = vmemmap + pfn * page_size;

                if (vmcore_kdump_read_page(k, pfn, buf) != -ENODATA)
                        continue;
                if (vmcore_read_virt(v, addr, page, page_size) < 0)
                        continue;
                memcpy(&ci, page + ci_off, 8);
                if (!(ci & 1))
                        continue;
                /* A pointer to the head page, or (Linux 7.1 and later, power-of-two struct page)
                 * a mask that gives it from the tail's own address. */
                if (ci - 1 < addr && addr - (ci - 1) < (page_size << 20))
                        headaddr = ci - 1;
                else
                        headaddr = addr & (ci & ~UINT64_C(1));
                if (headaddr >= addr || addr - headaddr >= (page_size << 20) || (addr - headaddr) % page_size)
                        continue;
                if (vmcore_kdump_read_page(k, (headaddr - vmemmap) / page_size, buf) < 0)
                        continue;
                lost++;
                uint32_t type;
                if (slab_type != 0 && vmcore_read_virt(v, headaddr, head, page_size) >= 0) {
                        memcpy(&type, head + mc_off, 4);
                        if (type >> 24 == (uint32_t) slab_type >> 24)
                                lost_slab++;
                }
        }
        free(buf);
        *ret_lost = lost;
        *ret_lost_slab = lost_slab;
        return 0;
}

static void search(Needle *needles, size_t n, const uint8_t *p, size_t size, bool raw) {
        for (size_t i = 0; i < n; i++)
                if (needles[i].size <= size && memmem(p, size, needles[i].data, needles[i].size)) {
                        if (raw)
                                needles[i].raw = true;
                        else
                                needles[i].page_hits++;
                }
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "hex", required_argument, NULL, 'x' },
                { "text", required_argument, NULL, 't' },
                { "all-absent", no_argument, NULL, 'a' },
                { "all-present", no_argument, NULL, 'p' },
                {}
        };
        Needle needles[NEEDLES_MAX];
        size_t n = 0;
        bool want_present = false;
        int o, r;

        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (o == 'a' || o == 'p') {
                        want_present = o == 'p';
                        continue;
                }
                if ((o != 'x' && o != 't') || n >= NEEDLES_MAX)
                        return 2;
                char *eq = strchr(optarg, '=');
                if (!eq || eq == optarg)
                        return 2;
                Needle *nd = &needles[n];
                *nd = (Needle) { .name = strndup(optarg, (size_t) (eq - optarg)) };
                if (o == 'x')
                        r = parse_hex(eq + 1, &nd->data, &nd->size);
                else {
                        nd->data = (uint8_t *) strdup(eq + 1);
                        nd->size = strlen(eq + 1);
                        r = nd->data && nd->size > 0 ? 0 : -EINVAL;
                }
                if (r < 0 || !nd->name) {
                        fprintf(stderr, "bad needle '%s'\n", optarg);
                        return 2;
                }
                n++;
        }
        if (optind + 1 != argc || n == 0) {
                fprintf(stderr, "usage: %s [--all-absent|--all-present] --hex NAME=HEX... DUMP\n", argv[0]);
                return 2;
        }
        const char *path = argv[optind];

        /* The raw file, in overlapping chunks. */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                perror(path);
                return 2;
        }
        size_t chunk = 16 << 20, overlap = NEEDLE_MAX;
        uint8_t *buf = malloc(chunk + overlap);
        size_t have = 0;
        if (!buf)
                return 2;
        for (;;) {
                ssize_t l = read(fd, buf + have, chunk + overlap - have);
                if (l < 0) {
                        perror("read");
                        return 2;
                }
                have += (size_t) l;
                search(needles, n, buf, have, true);
                if (l == 0)
                        break;
                if (have > overlap) {
                        memmove(buf, buf + have - overlap, overlap);
                        have = overlap;
                }
        }
        free(buf);

        /* Every page, decoded. */
        Vmcore *v = NULL;
        r = vmcore_open_fd(fd, &v);
        close(fd);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return 2;
        }
        uint64_t pages = 0;
        VmcoreKdump *k = vmcore_get_kdump(v);
        if (k) {
                const VmcoreKdumpHeader *h = vmcore_kdump_header(k);
                uint8_t *pair = calloc(2, h->block_size);
                bool prev = false;
                if (!pair)
                        return 2;
                for (uint64_t pfn = 0; pfn < h->max_mapnr; pfn++) {
                        memmove(pair, pair + h->block_size, h->block_size);
                        r = vmcore_kdump_read_page(k, pfn, pair + h->block_size);
                        if (r == -ENODATA) {
                                prev = false;
                                continue;
                        }
                        if (r < 0) {
                                fprintf(stderr, "%s: page %#llx: %s\n", path, (unsigned long long) pfn, strerror(-r));
                                return 2;
                        }
                        pages++;
                        if (prev)
                                search(needles, n, pair, 2 * h->block_size, false);
                        else
                                search(needles, n, pair + h->block_size, h->block_size, false);
                        prev = true;
                }
                free(pair);
        } else {
                size_t ns;
                const VmcoreElfSegment *s = vmcore_elf_segments(vmcore_get_elf(v), &ns);
                uint8_t *seg = malloc(1 << 20);
                if (!seg)
                        return 2;
                for (size_t i = 0; i < ns; i++)
                        for (uint64_t off = 0; off < s[i].filesz; off += (1 << 20) - NEEDLE_MAX) {
                                size_t l = (size_t) MIN((uint64_t) (1 << 20), s[i].filesz - off);
                                if (vmcore_read_phys(v, s[i].paddr + off, seg, l) < 0)
                                        break;
                                pages += l / 4096;
                                search(needles, n, seg, l, false);
                        }
                free(seg);
        }
        uint64_t lost, lost_slab;
        if (k && count_lost_tails(v, k, &lost, &lost_slab) >= 0)
                printf("%llu compound tail pages missing while their head page is in the dump (%llu of slabs)\n",
                       (unsigned long long) lost, (unsigned long long) lost_slab);
        vmcore_free(v);

        bool ok = true;
        for (size_t i = 0; i < n; i++) {
                bool present = needles[i].page_hits > 0 || needles[i].raw;
                printf("%s %s (pages: %llu hits, raw file: %s)\n", needles[i].name, present ? "present" : "absent",
                       (unsigned long long) needles[i].page_hits, needles[i].raw ? "yes" : "no");
                if (present != want_present)
                        ok = false;
        }
        printf("%llu pages searched\n", (unsigned long long) pages);
        return ok ? 0 : 1;
}
