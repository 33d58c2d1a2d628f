#!/usr/bin/env python3
"""Sends one FastCGI RESPONDER request to a unix socket and writes the raw response bytes to a file.

Usage: capture_response.py SOCKET SCRIPT_FILENAME OUT_FILE
The request is written by hand here (not by fcgate's encoder) so the capture does not depend on the code under test.
"""
import socket
import struct
import sys


def record(rtype, rid, content):
    pad = -len(content) & 7
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), pad, 0) + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pairs(items):
    return b"".join(length(len(k)) + length(len(v)) + k + v for k, v in items)


sock_path, script, out = sys.argv[1:4]
body = b"ping=1"
params = [
    (b"GATEWAY_INTERFACE", b"CGI/1.1"),
    (b"REQUEST_METHOD", b"POST"),
    (b"SCRIPT_FILENAME", script.encode()),
    (b"SCRIPT_NAME", b"/story.php"),
    (b"REQUEST_URI", b"/story.php?x=1"),
    (b"QUERY_STRING", b"x=1"),
    (b"CONTENT_TYPE", b"application/x-www-form-urlencoded"),
    (b"CONTENT_LENGTH", str(len(body)).encode()),
    (b"SERVER_PROTOCOL", b"HTTP/1.1"),
    (b"REDIRECT_STATUS", b"200"),
]
request = (record(1, 1, struct.pack(">HB5x", 1, 0))  # BEGIN_REQUEST, RESPONDER, no KEEP_CONN
           + record(4, 1, pairs(params)) + record(4, 1, b"")
           + record(5, 1, body) + record(5, 1, b""))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
s.sendall(request)
data = b""
while True:  # without KEEP_CONN the application closes after END_REQUEST
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.close()
with open(out, "wb") as f:
    f.write(data)
print(len(data), "bytes")
