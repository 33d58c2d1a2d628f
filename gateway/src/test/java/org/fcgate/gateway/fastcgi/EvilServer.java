package org.fcgate.gateway.fastcgi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * EVIL: a scripted FastCGI backend. For each connection it reads one request (up to the empty STDIN record), writes
 * exactly the bytes of the current script, then closes. Records are built with {@link #rec}.
 */
final class EvilServer implements AutoCloseable {

    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile byte[] script = new byte[0];
    /** Written after {@link #script} once {@link #release} is called (a backend that streams); empty: nothing held. */
    private volatile byte[] held = new byte[0];
    private volatile CountDownLatch gate = new CountDownLatch(0);

    EvilServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "evil-fastcgi");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    int requests() {
        return requests.get();
    }

    void script(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        script = out.toByteArray();
        held = new byte[0];
        gate = new CountDownLatch(0);
    }

    /** Writes {@code first}, then {@code rest} only once {@link #release} is called (at most 30 s later). */
    void scriptHeld(byte[] first, byte[]... rest) {
        script = first;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : rest) {
            out.writeBytes(p);
        }
        held = out.toByteArray();
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                readRequest(new DataInputStream(s.getInputStream()));
                requests.incrementAndGet();
                OutputStream out = s.getOutputStream();
                out.write(script);
                out.flush();
                if (held.length > 0) {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        continue; // never released: the connection closes without the rest
                    }
                    out.write(held);
                    out.flush();
                }
            } catch (IOException e) {
                // the gateway closed first, or we are closing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void readRequest(DataInputStream in) throws IOException {
        for (;;) {
            int version = in.readUnsignedByte();
            int type = in.readUnsignedByte();
            in.readUnsignedShort();
            int length = in.readUnsignedShort();
            int padding = in.readUnsignedByte();
            in.readUnsignedByte();
            in.skipNBytes(length + padding);
            if (version != 1) {
                throw new EOFException("not FastCGI");
            }
            if (type == 5 && length == 0 || type == 2) {
                return; // empty STDIN, or ABORT_REQUEST
            }
        }
    }

    /** PARAMS content decoded as name-value pairs (FastCGI 1.0 §3.4: 1- or 4-byte lengths), in their order. */
    static Map<String, String> params(byte[] content) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        DataInputStream p = new DataInputStream(new ByteArrayInputStream(content));
        while (p.available() > 0) {
            int nameLength = pairLength(p);
            int valueLength = pairLength(p);
            String name = new String(p.readNBytes(nameLength), StandardCharsets.ISO_8859_1);
            map.put(name, new String(p.readNBytes(valueLength), StandardCharsets.ISO_8859_1));
        }
        return map;
    }

    private static int pairLength(DataInputStream p) throws IOException {
        int b = p.readUnsignedByte();
        return b < 0x80 ? b
                : (b & 0x7f) << 24 | p.readUnsignedByte() << 16 | p.readUnsignedByte() << 8 | p.readUnsignedByte();
    }

    /** A record {@code {v,t,id,len,pad=0}content}. */
    static byte[] rec(int version, int type, int id, byte[] content) {
        byte[] r = new byte[8 + content.length];
        r[0] = (byte) version;
        r[1] = (byte) type;
        r[2] = (byte) (id >> 8);
        r[3] = (byte) id;
        r[4] = (byte) (content.length >> 8);
        r[5] = (byte) content.length;
        System.arraycopy(content, 0, r, 8, content.length);
        return r;
    }

    static byte[] stdout(String text) {
        return stdout(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** STDOUT for request 1, cut into records of at most 65535 bytes. */
    static byte[] stdout(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int off = 0; off < bytes.length; off += 65535) {
            out.writeBytes(rec(1, 6, 1, java.util.Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + 65535))));
        }
        return out.toByteArray();
    }

    static byte[] stderr(String text) {
        return rec(1, 7, 1, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** END_REQUEST for request 1 with appStatus 0 and {@code protocolStatus}. */
    static byte[] end(int protocolStatus) {
        return rec(1, 3, 1, new byte[] {0, 0, 0, 0, (byte) protocolStatus, 0, 0, 0});
    }

    static byte[] end() {
        return end(0);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
