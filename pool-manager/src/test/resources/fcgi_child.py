#!/usr/bin/env python3
"""Test child: a single-request FastCGI responder (FastCGI 1.0) whose behaviour QUERY_STRING drives.

Socket: fd 0 is a listening socket (default), or --socket PATH (bind), or --tcp PORT (127.0.0.1).
Query: env=1 (lists the environment and cwd), sleep=MS, crash=before|after (SIGKILL itself before/after writing headers), exit=CODE,
leak=MB (keeps MB of touched memory per request), stderr=LINES (writes lines to the process's stderr).
Otherwise answers 200 with "pid=N requests=N uri=..." in the body.
Flags: --ignore-term (SIG_IGN on SIGTERM), --say-hello (one line on stdout at start-up).
"""
import os, signal, socket, struct, sys, time

leaked = []
served = 0

def recv_exact(c, n):
    buf = b''
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            raise EOFError()
        buf += chunk
    return buf

def read_record(c):
    _, typ, rid, clen, plen, _ = struct.unpack('>BBHHBB', recv_exact(c, 8))
    content = recv_exact(c, clen) if clen else b''
    if plen:
        recv_exact(c, plen)
    return typ, rid, content

def write_record(c, typ, rid, content):
    pad = (8 - len(content) % 8) % 8
    c.sendall(struct.pack('>BBHHBB', 1, typ, rid, len(content), pad, 0) + content + b'\0' * pad)

def length(n):
    return bytes([n]) if n < 128 else struct.pack('>I', n | 0x80000000)

def pairs(b):
    out, i = {}, 0
    while i < len(b):
        lens = []
        for _ in range(2):
            if b[i] < 128:
                lens.append(b[i]); i += 1
            else:
                lens.append(struct.unpack('>I', b[i:i + 4])[0] & 0x7fffffff); i += 4
        out[b[i:i + lens[0]].decode()] = b[i + lens[0]:i + lens[0] + lens[1]].decode()
        i += lens[0] + lens[1]
    return out

def handle(c, rid, params):
    global served
    served += 1
    q = dict(kv.split('=', 1) for kv in params.get('QUERY_STRING', '').split('&') if '=' in kv)
    if 'stderr' in q:
        for i in range(int(q['stderr'])):
            sys.stderr.write('flood line %d from %d\n' % (i, os.getpid()))
        sys.stderr.flush()
    if 'sleep' in q:
        time.sleep(int(q['sleep']) / 1000.0)
    if 'leak' in q:
        leaked.append(b'x' * (int(q['leak']) * 1024 * 1024))
    if 'exit' in q:
        os._exit(int(q['exit']))
    if q.get('crash') == 'before':
        os.kill(os.getpid(), signal.SIGKILL)
    head = b'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n'
    write_record(c, 6, rid, head)
    if q.get('crash') == 'after':
        os.kill(os.getpid(), signal.SIGKILL)
    body = ('pid=%d requests=%d uri=%s\n' % (os.getpid(), served, params.get('REQUEST_URI', ''))).encode()
    if 'env' in q:
        body += ('env=%s\ncwd=%s\n' % (','.join(sorted(os.environ)), os.getcwd())).encode()
    write_record(c, 6, rid, body)
    write_record(c, 6, rid, b'')
    write_record(c, 3, rid, struct.pack('>IB3x', 0, 0))

def serve(conn):
    params, raw = {}, b''
    while True:
        typ, rid, content = read_record(conn)
        if typ == 9:  # FCGI_GET_VALUES
            body = b''.join(length(len(k)) + length(len(v)) + k + v
                            for k, v in ((b'FCGI_MPXS_CONNS', b'0'), (b'FCGI_MAX_CONNS', b'1'), (b'FCGI_MAX_REQS', b'1')))
            write_record(conn, 10, 0, body)
            return
        if typ == 4:
            if content:
                raw += content
            else:
                params = pairs(raw)
        elif typ == 5 and not content:
            handle(conn, rid, params)
            return

def main():
    args = sys.argv[1:]
    if '--ignore-term' in args:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if '--say-hello' in args:
        print('hello from %d' % os.getpid(), flush=True)
    if '--socket' in args:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(args[args.index('--socket') + 1]); s.listen(16)
    elif '--tcp' in args:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', int(args[args.index('--tcp') + 1]))); s.listen(16)
    else:
        s = socket.socket(fileno=0)
    while True:
        conn, _ = s.accept()
        try:
            serve(conn)
        except EOFError:
            pass
        finally:
            conn.close()

main()
