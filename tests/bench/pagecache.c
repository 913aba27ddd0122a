/* pagecache.c - the lowest floor for `make bench`: read a file from the page cache and touch one
 * byte of every 4 KiB page, nothing else; what any program that looks at every byte of the file
 * pays at least.  By default read(2) in 1 MiB chunks (a copy out of the page cache); with --mmap
 * the file is mapped (MADV_SEQUENTIAL) and each page touched in place, as tlsdiag's reader does.
 *   pagecache [--mmap] FILE   prints "bytes checksum" */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CHUNK = 1 << 20, PAGE = 4096 };

static int by_read(int fd, uint64_t *bytes, uint64_t *sum)
{
    unsigned char *buf = malloc(CHUNK);
    if (!buf)
        return -1;
    ssize_t n;
    while ((n = read(fd, buf, CHUNK)) > 0) {
        for (ssize_t i = 0; i < n; i += PAGE)
            *sum += buf[i];
        *bytes += (uint64_t)n;
    }
    free(buf);
    return n < 0 ? -1 : 0;
}

static int by_mmap(int fd, uint64_t *bytes, uint64_t *sum)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    if (st.st_size == 0)
        return 0;
    size_t size = (size_t)st.st_size;
    const unsigned char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    madvise((void *)p, size, MADV_SEQUENTIAL);
    for (size_t i = 0; i < size; i += PAGE)
        *sum += p[i];
    *bytes = size;
    munmap((void *)p, size);
    return 0;
}

int main(int argc, char **argv)
{
    int use_mmap = argc == 3 && strcmp(argv[1], "--mmap") == 0;
    if (argc != 2 + use_mmap) {
        fprintf(stderr, "usage: pagecache [--mmap] FILE\n");
        return 2;
    }
    int fd = open(argv[argc - 1], O_RDONLY);
    if (fd < 0) {
        perror(argv[argc - 1]);
        return 2;
    }
    uint64_t bytes = 0, sum = 0;
    if ((use_mmap ? by_mmap : by_read)(fd, &bytes, &sum) != 0) {
        perror(argv[argc - 1]);
        return 2;
    }
    close(fd);
    printf("%" PRIu64 " %" PRIu64 "\n", bytes, sum);
    return 0;
}
