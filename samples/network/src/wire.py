#!/usr/bin/env python3
"""wire.py - a long cable: copy every Ethernet frame between two interfaces, each way after a delay.

    python3 wire.py IF_A IF_B DELAY_MS

Run in a namespace holding IF_A and IF_B (no addresses on them). Frames are copied unchanged (same
MAC addresses, same IP TTL: a cable, not a router), in order, DELAY_MS after they arrived. It stands
in for tc netem, which the kernel this was made on lacks, to give the path a real round-trip time
(2 x DELAY_MS). Python standard library only (AF_PACKET sockets, interfaces in promiscuous mode).
"""
import heapq
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_OUTGOING = 4


def open_if(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    idx = socket.if_nametoindex(name)
    s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, struct.pack("iHH8s", idx, PACKET_MR_PROMISC, 0, b""))
    s.setblocking(False)
    return s


def main():
    a, b, delay = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000.0
    sa, sb = open_if(a), open_if(b)
    other = {sa: sb, sb: sa}
    queue = []  # (due, n, socket to send on, frame)
    n = 0
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError:
                pass
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        ready, _, _ = select.select([sa, sb], [], [], timeout)
        for s in ready:
            while True:
                try:
                    frame, addr = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:   # our own copies going out
                    continue
                n += 1
                heapq.heappush(queue, (time.monotonic() + delay, n, other[s], frame))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
