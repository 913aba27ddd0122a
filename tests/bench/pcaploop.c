/* pcaploop.c - the floor for `make bench`: read a capture with libpcap's pcap_next_ex and touch
 * every packet (its first and last byte and its length), nothing else.  No tool that reads the
 * file through libpcap can be faster than this.
 *   pcaploop FILE   prints "packets bytes checksum" */
#include <inttypes.h>
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: pcaploop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcaploop: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen) sum += (uint64_t)data[0] + data[h->caplen - 1];
    }
    if (rc == PCAP_ERROR) fprintf(stderr, "pcaploop: %s\n", pcap_geterr(p));
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", packets, bytes, sum);
    pcap_close(p);
    return rc == PCAP_ERROR ? 1 : 0;
}
