package org.fcgate.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * A FastCGI application on a Unix socket that answers every request with the same small CGI response at once, and
 * allocates nothing per request: it reads only record headers (FastCGI 1.0 §3.3), skips their content, and writes a
 * response encoded once (its request id patched). So a benchmark's allocation and time are the front's. Like
 * php-fpm, a fixed set of workers each accepts one connection and serves it to its end; honours FCGI_KEEP_CONN (§5.1:
 * without it, the application closes the connection after END_REQUEST).
 */
final class FakeFastCgiServer implements AutoCloseable {

    static final String BODY = "Hello, World!\n";

    private final ServerSocketChannel server;
    private final Path socket;
    private final SocketChannel[] current;
    private final byte[] response;

    FakeFastCgiServer(Path socket, int workers) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 128);
        String stdout = "Content-Type: text/html; charset=UTF-8\r\nContent-Length: " + BODY.length() + "\r\n\r\n"
                + BODY;
        ByteBuffer r = ByteBuffer.allocate(256);
        RecordEncoder.stream(r, RecordType.STDOUT, 1, ByteBuffer.wrap(stdout.getBytes(StandardCharsets.US_ASCII)));
        RecordEncoder.endOfStream(r, RecordType.STDOUT, 1);
        RecordEncoder.endRequest(r, 1, 0, ProtocolStatus.REQUEST_COMPLETE);
        response = new byte[r.position()];
        r.flip().get(response);
        current = new SocketChannel[workers];
        for (int i = 0; i < workers; i++) {
            int slot = i;
            Thread t = new Thread(() -> work(slot), "fake-fcgi-worker-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    Path socket() {
        return socket;
    }

    private void work(int slot) {
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer out = ByteBuffer.allocateDirect(response.length);
        out.put(response);
        byte[] header = new byte[Fcgi.HEADER_LEN];
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            current[slot] = c; // a slot per worker: no allocation per connection
            serve(c, in, out, header);
            current[slot] = null;
        }
    }

    /** Reads records; at the empty STDIN record answers; closes after it unless BEGIN_REQUEST asked to keep. */
    private void serve(SocketChannel c, ByteBuffer in, ByteBuffer out, byte[] header) {
        int headerFill = 0;
        long skip = 0; // content + padding of the current record still to skip
        boolean keepConn = false;
        int beginLeft = 0; // BEGIN_REQUEST body bytes still to read, one at a time (they may arrive split)
        try (c) {
            while (true) {
                in.clear();
                if (c.read(in) < 0) {
                    return;
                }
                in.flip();
                while (in.hasRemaining()) {
                    if (beginLeft > 0) {
                        byte b = in.get();
                        if (beginLeft == Fcgi.FIXED_BODY_LEN - 2) {
                            keepConn = (b & 1) != 0; // §5.1: flags are the body's third byte
                        }
                        beginLeft--;
                        skip--;
                        continue;
                    }
                    if (skip > 0) {
                        int n = (int) Math.min(skip, in.remaining());
                        in.position(in.position() + n);
                        skip -= n;
                        continue;
                    }
                    header[headerFill++] = in.get();
                    if (headerFill < Fcgi.HEADER_LEN) {
                        continue;
                    }
                    headerFill = 0;
                    int type = header[1] & 0xff;
                    int contentLength = (header[4] & 0xff) << 8 | header[5] & 0xff;
                    skip = contentLength + (header[6] & 0xff);
                    if (type == RecordType.BEGIN_REQUEST.code()) {
                        beginLeft = Math.min(contentLength, Fcgi.FIXED_BODY_LEN);
                    }
                    if (type == RecordType.STDIN.code() && contentLength == 0) {
                        out.clear();
                        patchRequestId(out, header[2], header[3]);
                        while (out.hasRemaining()) {
                            c.write(out);
                        }
                        if (!keepConn) {
                            return;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the gateway closed the connection: nothing to answer
        }
    }

    /** Sets the request id of the three records of the canned response (header bytes 2 and 3 of each). */
    private void patchRequestId(ByteBuffer out, byte hi, byte lo) {
        int at = 0;
        while (at < response.length) {
            out.put(at + 2, hi);
            out.put(at + 3, lo);
            int contentLength = (response[at + 4] & 0xff) << 8 | response[at + 5] & 0xff;
            at += Fcgi.HEADER_LEN + contentLength + (response[at + 6] & 0xff);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel c : current) {
            if (c != null) {
                c.close();
            }
        }
        Files.deleteIfExists(socket);
    }
}
