package org.fcgate.gateway.fastcgi;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted FastCGI server that keeps connections (FCGI_KEEP_CONN): on each connection it answers the first request
 * with {@code 200 ok}, then gives the connection up the way its {@link Policy} says. A thread per connection.
 */
final class KeepConnServer implements AutoCloseable {

    /** What happens to a connection after its first answer. */
    enum Policy {
        /** Closed (FIN) while idle, right after the answer. */
        CLOSE_WHEN_IDLE,
        /** The next request is read, then the connection closed (FIN) unanswered: the close crossed it. */
        CLOSE_ON_NEXT_REQUEST,
        /** The next request is read, then the connection reset (RST, ECONNRESET on our side) unanswered. */
        RESET_ON_NEXT_REQUEST
    }

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Policy policy = Policy.CLOSE_ON_NEXT_REQUEST;

    KeepConnServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "keep-conn-fastcgi");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void policy(Policy p) {
        policy = p;
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Requests read whole (up to the empty STDIN), answered or not. */
    int requests() {
        return requests.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "keep-conn-fastcgi-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closing
            }
        }
    }

    private void serve(Socket s) {
        Policy p = policy;
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            EvilServer.readRequest(in);
            requests.incrementAndGet();
            OutputStream out = s.getOutputStream();
            out.write(EvilServer.stdout("Content-Type: text/plain\r\n\r\nok"));
            out.write(EvilServer.end());
            out.flush();
            if (p == Policy.CLOSE_WHEN_IDLE) {
                return;
            }
            EvilServer.readRequest(in);
            requests.incrementAndGet();
            if (p == Policy.RESET_ON_NEXT_REQUEST) {
                s.setSoLinger(true, 0);
            }
        } catch (IOException e) {
            // the gateway closed first, or we are closing
        } finally {
            open.remove(s);
        }
    }

    /** Closes every connection still open (kept ones included). */
    void closeConnections() throws IOException {
        for (Socket s : open) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
