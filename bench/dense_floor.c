/* The floor of a dense replace: every byte of FILE changed once, its
 * stretch split among THREADS threads, each thread either storing through
 * a shared mapping or, with `pwrite`, reading 1 MiB at a time through a
 * read-only mapping (the scan) and writing it back with one `pwrite` (the
 * best a design that writes with `pwrite` can do on these cores).
 *
 * With `scan`, each thread reads 1 MiB through the read-only mapping and
 * stores it back through a second, writable one (a first read through a
 * writable mapping would cost a second fault per 4 KiB page).
 *
 * dense-store FILE THREADS [pwrite|scan]: prints the seconds from mmap to
 * munmap. The bytes written are 'b' (what `aa`->`bb` makes of a run of
 * `a`). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static char *map, *wmap;
static size_t len;
static long threads;
static int fd;
static char chunk[1 << 20];
static volatile size_t seen;

static void *store(void *arg)
{
    long i = (long)arg;
    size_t share = len / threads, start = i * share;
    size_t end = i == threads - 1 ? len : start + share;
    memset(map + start, 'b', end - start);
    return NULL;
}

static int mapped; /* scan: stores back through wmap, not pwrite */

/* Each 1 MiB of the thread's share read (memchr reads all of it: there is
 * no 'b') and written back at once, with pwrite or, `mapped`, by a store
 * through a second, writable mapping. */
static void *scan_and_write(void *arg)
{
    long i = (long)arg;
    size_t share = len / threads, start = i * share;
    size_t end = i == threads - 1 ? len : start + share;
    size_t count = 0;
    for (size_t at = start; at < end; at += sizeof chunk) {
        size_t n = end - at < sizeof chunk ? end - at : sizeof chunk;
        count += memchr(map + at, 'b', n) == NULL;
        if (mapped)
            memcpy(wmap + at, chunk, n);
        else if (pwrite(fd, chunk, n, (off_t)at) != (ssize_t)n) {
            perror("pwrite");
            exit(2);
        }
    }
    seen += count;
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int writes = argc == 4 && strcmp(argv[3], "pwrite") == 0;
    int scans = argc == 4 && strcmp(argv[3], "scan") == 0;
    mapped = scans;
    if ((argc != 3 && !writes && !scans) || (threads = atol(argv[2])) < 1 || threads > 64) {
        fprintf(stderr, "usage: dense-store FILE THREADS [pwrite|scan] (1 to 64 threads)\n");
        return 2;
    }
    memset(chunk, 'b', sizeof chunk);
    fd = open(argv[1], O_RDWR);
    off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        perror(argv[1]);
        return 2;
    }
    len = (size_t)size;
    double began = now();
    map = mmap(NULL, len, writes || scans ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    wmap = scans ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : map;
    if (map == MAP_FAILED || wmap == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    pthread_t ids[64];
    for (long i = 0; i < threads; i++)
        pthread_create(&ids[i], NULL, writes || scans ? scan_and_write : store, (void *)i);
    for (long i = 0; i < threads; i++)
        pthread_join(ids[i], NULL);
    munmap(map, len);
    if (scans)
        munmap(wmap, len);
    printf("%.6f\n", now() - began);
    return 0;
}
