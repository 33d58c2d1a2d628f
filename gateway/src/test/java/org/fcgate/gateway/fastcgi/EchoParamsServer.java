package org.fcgate.gateway.fastcgi;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;

/**
 * A FastCGI server answering from its PARAMS, one request per connection: when SCRIPT_NAME is {@code redirectFrom}
 * it sends only {@code Location: <redirectTo>} (a CGI local redirect, RFC 3875 §6.2.2, no Status); otherwise it
 * echoes every param as {@code NAME=value} lines.
 */
final class EchoParamsServer implements AutoCloseable {

    private final ServerSocket server;
    private final String redirectFrom;
    private final String redirectTo;

    EchoParamsServer(String redirectFrom, String redirectTo) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.redirectFrom = redirectFrom;
        this.redirectTo = redirectTo;
        Thread t = new Thread(this::acceptLoop, "echo-params-fastcgi");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                Map<String, String> params = readParams(new DataInputStream(s.getInputStream()));
                String head;
                StringBuilder body = new StringBuilder();
                if (redirectFrom.equals(params.get("SCRIPT_NAME"))) {
                    head = "Location: " + redirectTo + "\r\n\r\n";
                } else {
                    head = "Content-Type: text/plain\r\n\r\n";
                    params.forEach((k, v) -> body.append(k).append('=').append(v).append('\n'));
                }
                OutputStream out = s.getOutputStream();
                out.write(EvilServer.stdout(head + body));
                out.write(EvilServer.end());
                out.flush();
            } catch (IOException e) {
                // the gateway closed first, or we are closing
            }
        }
    }

    /** Reads records up to the empty STDIN; PARAMS content is decoded (FastCGI 1.0 §3.4 name-value pairs). */
    private static Map<String, String> readParams(DataInputStream in) throws IOException {
        ByteArrayOutputStream params = new ByteArrayOutputStream();
        for (;;) {
            in.readUnsignedByte(); // version
            int type = in.readUnsignedByte();
            in.readUnsignedShort(); // request id
            int length = in.readUnsignedShort();
            int padding = in.readUnsignedByte();
            in.readUnsignedByte();
            byte[] content = in.readNBytes(length);
            in.skipNBytes(padding);
            if (type == 4) {
                params.writeBytes(content);
            }
            if (type == 5 && length == 0) {
                break;
            }
        }
        return EvilServer.params(params.toByteArray());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
