/* What a store through a shared mapping costs on a cached file: one byte
 * changed in every STEP bytes of FILE, through windows of WINDOW bytes
 * mapped one after another (as mpatch's writer maps a dense stretch).
 * Windows of whole 2 MiB folios let the kernel map each folio with one
 * write fault; smaller ones take a fault for each 4 KiB page, and on ext4
 * each fault walks every block of its folio.
 *
 *   cc -O2 -o window-faults bench/window_faults.c
 *   window-faults FILE WINDOW STEP   (e.g. FILE 1048576 64, FILE 4194304 64)
 *
 * Prints the seconds and the minor faults taken. Each byte is flipped
 * (x ^ 0x20), so run it on a scratch copy: the file is changed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: window-faults FILE WINDOW STEP\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR);
    off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    size_t window = strtoul(argv[2], NULL, 0), step = strtoul(argv[3], NULL, 0);
    if (size <= 0 || window == 0 || window % 4096 != 0 || step == 0) {
        fprintf(stderr, "window-faults: a non-empty FILE, a WINDOW of whole pages, a STEP\n");
        return 2;
    }
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double began = now();
    for (size_t at = 0; at < (size_t)size; at += window) {
        size_t len = (size_t)size - at < window ? (size_t)size - at : window;
        char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)at);
        if (map == MAP_FAILED) {
            perror("mmap");
            return 2;
        }
        for (size_t i = 0; i < len; i += step)
            map[i] ^= 0x20;
        munmap(map, len);
    }
    double took = now() - began;
    getrusage(RUSAGE_SELF, &after);
    printf("%.4f s, %ld minor faults\n", took, after.ru_minflt - before.ru_minflt);
    return 0;
}
