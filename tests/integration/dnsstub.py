"""A scriptable DNS server on 127.0.0.1 (UDP) that counts the queries it
gets: the first label of a name decides the answer, so that a test can
make every failure a real DNS server makes.

  servfail.*  SERVFAIL        refused.*  REFUSED
  nx.*        NXDOMAIN        nodata.*   no address (NOERROR, empty)
  silent.*    no answer ever  slow.*     the address after `delay` seconds
  anything else: an A record with `address`, AAAA empty (NOERROR).
"""

import socket
import struct
import threading

QTYPES = {1: "A", 28: "AAAA"}
RCODES = {"servfail": 2, "nx": 3, "refused": 5}


def parse_question(msg):
    """(id, flags, qname, qtype, end of the question) of a query."""
    qid, flags = struct.unpack(">HH", msg[:4])
    labels, i = [], 12
    while msg[i]:
        labels.append(msg[i + 1:i + 1 + msg[i]].decode("ascii", "replace"))
        i += 1 + msg[i]
    qtype = struct.unpack(">H", msg[i + 1:i + 3])[0]
    return qid, flags, ".".join(labels).lower(), qtype, i + 5


class DnsStub:
    def __init__(self, address, delay=0.5):
        self.address = address
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.queries = []  # (name, "A" | "AAAA" | number)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def count(self, name, qtype=None):
        """Queries received for name (of qtype, or of any type)."""
        with self.lock:
            return sum(1 for n, t in self.queries
                       if n == name and (qtype is None or t == qtype))

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self.stopping:
            try:
                msg, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                qid, flags, name, qtype, end = parse_question(msg)
            except (IndexError, struct.error):
                continue
            with self.lock:
                self.queries.append((name, QTYPES.get(qtype, qtype)))
            kind = name.split(".", 1)[0]
            if kind == "silent":
                continue
            answer = self._answer(msg, qid, flags, qtype, end, kind)
            if kind == "slow":
                threading.Timer(self.delay, self._send, (answer, peer)).start()
            else:
                self._send(answer, peer)

    def _send(self, answer, peer):
        try:
            self.sock.sendto(answer, peer)
        except OSError:
            pass

    def _answer(self, msg, qid, flags, qtype, end, kind):
        rcode = RCODES.get(kind, 0)
        give = rcode == 0 and kind != "nodata" and qtype == 1
        head = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode,
                           1, 1 if give else 0, 0, 0)
        out = head + msg[12:end]
        if give:
            out += struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4)
            out += socket.inet_aton(self.address)
        return out

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()

