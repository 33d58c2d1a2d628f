#!/usr/bin/env python3
"""Plays a FastCGI application on a unix socket: records the raw bytes of the first request a web server sends,
answers it with a minimal response, and writes the recorded bytes to a file.

Usage: record_request.py SOCKET OUT_FILE
"""
import os
import socket
import struct
import sys

sock_path, out = sys.argv[1:3]
if os.path.exists(sock_path):
    os.unlink(sock_path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
os.chmod(sock_path, 0o777)
srv.listen(1)
conn, _ = srv.accept()
data = b""
done = False
while not done:
    chunk = conn.recv(65536)
    if not chunk:
        break
    data += chunk
    # stop after the empty STDIN record of request 1
    i = 0
    while i + 8 <= len(data):
        _, rtype, rid, clen, plen, _ = struct.unpack(">BBHHBB", data[i:i + 8])
        if rtype == 5 and clen == 0:
            done = True
        i += 8 + clen + plen
with open(out, "wb") as f:
    f.write(data)
body = b"Content-Type: text/plain\r\n\r\nrecorded\n"
pad = -len(body) & 7
conn.sendall(struct.pack(">BBHHBB", 1, 6, 1, len(body), pad, 0) + body + b"\0" * pad
             + struct.pack(">BBHHBB", 1, 3, 1, 8, 0, 0) + bytes(8))
conn.close()
print(len(data), "bytes")
