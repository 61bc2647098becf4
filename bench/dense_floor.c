/* The floor of a dense replace through a mapping: every byte of FILE
 * stored once through a shared mapping, split among THREADS threads.
 *
 * dense-store FILE THREADS: prints the seconds from mmap to munmap. The
 * bytes stored are 'b' (what `aa`->`bb` makes of a run of `a`). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static char *map;
static size_t len;
static long threads;

static void *store(void *arg)
{
    long i = (long)arg;
    size_t share = len / threads, start = i * share;
    size_t end = i == threads - 1 ? len : start + share;
    memset(map + start, 'b', end - start);
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
    if (argc != 3 || (threads = atol(argv[2])) < 1 || threads > 64) {
        fprintf(stderr, "usage: dense-store FILE THREADS (1 to 64)\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR);
    off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        perror(argv[1]);
        return 2;
    }
    len = (size_t)size;
    double began = now();
    map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    pthread_t ids[64];
    for (long i = 0; i < threads; i++)
        pthread_create(&ids[i], NULL, store, (void *)i);
    for (long i = 0; i < threads; i++)
        pthread_join(ids[i], NULL);
    munmap(map, len);
    printf("%.6f\n", now() - began);
    return 0;
}
