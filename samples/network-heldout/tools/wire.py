#!/usr/bin/env python3
"""A delaying Ethernet wire: forwards every frame between two interfaces
after a fixed one-way delay, in user space (AF_PACKET), in both directions.
Run it in a namespace of its own that has no addresses, with both interfaces
up and in promiscuous mode and their offloads off (frames must be <= MTU and
carry finished checksums).  Usage: wire.py IF_A IF_B DELAY_MS [MAX_SECONDS]"""
import heapq, os, select, socket, sys, time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    ifa, ifb, delay = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000.0
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 600.0
    socks = {}
    for name in (ifa, ifb):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        socks[name] = s
    other = {socks[ifa].fileno(): socks[ifb], socks[ifb].fileno(): socks[ifa]}
    byfd = {s.fileno(): s for s in socks.values()}
    queue = []  # (due, seq, out_socket, frame)
    seq = 0
    end = time.monotonic() + limit
    sys.stdout.write("wire %s <-> %s %.1f ms\n" % (ifa, ifb, delay * 1000))
    sys.stdout.flush()
    while time.monotonic() < end:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError as e:
                sys.stderr.write("send: %s (%d bytes)\n" % (e, len(frame)))
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 0.5
        ready, _, _ = select.select(list(byfd), [], [], timeout)
        for fd in ready:
            s = byfd[fd]
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own transmissions on this side
                seq += 1
                heapq.heappush(queue, (time.monotonic() + delay, seq, other[fd], frame))


if __name__ == "__main__":
    main()
