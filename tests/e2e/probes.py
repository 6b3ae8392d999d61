"""Probes run inside a client namespace for the transparent-mode tests:
what a UDP datagram gets, and what raw bytes on a TCP port get."""

from conftest import NET_IP

UDP = """import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(('%s', %d))
s.send(b'quic?')
try:
    print('echo' if s.recv(100) == b'quic?' else 'answer')
except ConnectionRefusedError:
    print('refused')
except socket.timeout:
    print('nothing')
"""

# An echo server for datagrams to port 443, to run in the net namespace.
UDP_ECHO = """import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('%s', 443))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
"""

TCP = """import socket, sys
s = socket.create_connection(('%s', %d), timeout=5)
s.sendall(%r)
out = b''
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        out += d
except (ConnectionResetError, socket.timeout) as e:
    out += b'<%%s>' %% type(e).__name__.encode()
sys.stdout.write(repr(out))
"""


def udp(env, vm, port=443):
    """What a datagram from vm to NET_IP:port gets: "echo" (the echo
    server), "answer", "refused" (ICMP) or "nothing"."""
    return env.ex(vm, "python3", "-c", UDP % (NET_IP, port)).stdout.strip()


def tcp(env, vm, port, data):
    """repr() of what NET_IP:port answers vm's bytes with before closing."""
    return env.ex(vm, "python3", "-c", TCP % (NET_IP, port, data),
                  timeout=20).stdout
