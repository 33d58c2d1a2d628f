package org.fcgate.gateway.fastcgi;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One member of a server group for failover tests: a FastCGI server on 127.0.0.1 that can be stopped (the port then
 * refuses) and started again on the same port, and that treats requests as its {@link Policy} says. GET_VALUES is
 * answered (an empty GET_VALUES_RESULT) and counted; a request for {@code /ping} is answered with
 * {@link #pingStatus}. A thread per connection, so a silent connection holds nobody else up.
 */
final class FailoverServer implements AutoCloseable {

    /** What a RESPONDER request (other than {@code /ping}) gets. */
    enum Policy {
        /** {@code 200}, body {@code NAME QUERY_STRING}. */
        ANSWER,
        /** Read whole, then the connection reset (RST) with nothing written. */
        RESET,
        /** Read whole, never answered; the connection stays open until the gateway closes it. */
        SILENT,
        /** END_REQUEST with protocolStatus OVERLOADED and nothing else, as a pool server whose queue is full. */
        OVERLOADED
    }

    private final String name;
    private final int port;
    private final List<String> requests = new ArrayList<>();
    private final AtomicInteger checks = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    private volatile Policy policy = Policy.ANSWER;
    private volatile int pingStatus = 200;

    FailoverServer(String name) throws IOException {
        this.name = name;
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = s.getLocalPort();
        listen(s);
    }

    int port() {
        return port;
    }

    BackendAddress address() {
        return new BackendAddress.Tcp("127.0.0.1", port);
    }

    void policy(Policy p) {
        policy = p;
    }

    void pingStatus(int status) {
        pingStatus = status;
    }

    /** {@code METHOD QUERY_STRING} of every RESPONDER request read whole, in order. */
    List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** GET_VALUES records answered. */
    int checks() {
        return checks.get();
    }

    /** Closes the listener and every connection: connects are refused from now on. */
    void stop() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
    }

    /** Listens again on the same port. */
    void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        listen(s);
    }

    private void listen(ServerSocket s) {
        listener = s;
        Thread t = new Thread(() -> acceptLoop(s), "failover-fastcgi-" + name);
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket c = s.accept();
                open.add(c);
                Thread t = new Thread(() -> serve(c), "failover-fastcgi-" + name + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            Map<String, String> params = readRequest(in, s.getOutputStream());
            if (params == null) {
                return; // a health check that closed after GET_VALUES_RESULT
            }
            OutputStream out = s.getOutputStream();
            if ("/ping".equals(params.get("SCRIPT_NAME"))) {
                out.write(EvilServer.stdout("Status: " + pingStatus + " ping\r\nContent-Type: text/plain\r\n\r\npong"));
                out.write(EvilServer.end());
                out.flush();
                return;
            }
            synchronized (requests) {
                requests.add(params.get("REQUEST_METHOD") + " " + params.get("QUERY_STRING"));
            }
            switch (policy) {
                case ANSWER -> {
                    out.write(EvilServer.stdout("Content-Type: text/plain\r\n\r\n" + name + " "
                            + params.get("QUERY_STRING")));
                    out.write(EvilServer.end());
                    out.flush();
                }
                case RESET -> s.setSoLinger(true, 0);
                case SILENT -> drain(s.getInputStream());
                case OVERLOADED -> {
                    out.write(EvilServer.end(2));
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the gateway closed first, or we are stopping
        } finally {
            open.remove(s);
        }
    }

    private static void drain(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // until the gateway gives up and closes
        }
    }

    /** Records up to the empty STDIN; GET_VALUES answered on the way. Null when the peer closed before a request. */
    private Map<String, String> readRequest(DataInputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream params = new ByteArrayOutputStream();
        for (;;) {
            int version;
            try {
                version = in.readUnsignedByte();
            } catch (EOFException e) {
                return null;
            }
            int type = in.readUnsignedByte();
            in.readUnsignedShort();
            int length = in.readUnsignedShort();
            int padding = in.readUnsignedByte();
            in.readUnsignedByte();
            byte[] content = in.readNBytes(length);
            in.skipNBytes(padding);
            if (version != 1) {
                throw new EOFException("not FastCGI");
            }
            if (type == 9) { // GET_VALUES
                checks.incrementAndGet();
                out.write(EvilServer.rec(1, 10, 0, new byte[0]));
                out.flush();
            } else if (type == 4) {
                params.writeBytes(content);
            } else if (type == 5 && length == 0) {
                return EvilServer.params(params.toByteArray());
            }
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
