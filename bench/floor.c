/* The kernel's floor of a same-length replace: one bare pwrite(2) per match.
 *
 * pwrite-floor OFFSETS FILE BYTES: writes BYTES at every offset listed in
 * OFFSETS (little-endian u64s, ascending), one pwrite each, into FILE, and
 * prints how many. The benchmark adds mpatch's own `find -c` time to this
 * loop's: what a replace cannot go below without changing how it writes. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pwrite-floor OFFSETS FILE BYTES\n");
        return 2;
    }
    FILE *list = fopen(argv[1], "rb");
    int fd = open(argv[2], O_WRONLY);
    if (!list || fd < 0) {
        perror("pwrite-floor");
        return 2;
    }
    size_t len = strlen(argv[3]);
    uint64_t offsets[4096];
    size_t got, n = 0;
    while ((got = fread(offsets, sizeof offsets[0], 4096, list)) > 0) {
        for (size_t i = 0; i < got; i++) {
            if (pwrite(fd, argv[3], len, (off_t)offsets[i]) != (ssize_t)len) {
                perror("pwrite-floor: pwrite");
                return 1;
            }
        }
        n += got;
    }
    if (close(fd) != 0) {
        perror("pwrite-floor: close");
        return 1;
    }
    printf("%zu\n", n);
    return 0;
}
