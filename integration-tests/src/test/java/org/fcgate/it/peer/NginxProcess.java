package org.fcgate.it.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code nginx -c CONF -p DIR -e LOG -g 'daemon off;'} (Debian package nginx, 1.22) as a FastCGI client: one server
 * on {@code 127.0.0.1:PORT} that passes every request to a Unix socket with Debian's
 * {@code /etc/nginx/fastcgi_params}; under {@code /stream/} without request buffering, so a chunked body goes to the
 * application as it arrives, with an empty CONTENT_LENGTH. Single process ({@code master_process off}); every path it writes is in
 * {@code DIR}.
 */
public final class NginxProcess implements AutoCloseable {

    /** How nginx holds its connections to the application. */
    public enum UpstreamConnections {
        /** One connection per request, FCGI_KEEP_CONN clear: the application closes it (nginx's default). */
        PER_REQUEST,
        /** {@code fastcgi_keep_conn on} and an upstream {@code keepalive} cache: FCGI_KEEP_CONN set, reused. */
        KEEP_CONN
    }

    public static final Path FASTCGI_PARAMS = Path.of("/etc/nginx/fastcgi_params");

    private final PeerProcess process;
    private final int port;

    private NginxProcess(PeerProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Writes {@code dir/nginx.conf}, starts nginx on a free loopback port and waits until it accepts. */
    public static NginxProcess start(Path dir, Path appSocket, UpstreamConnections mode) {
        Path binary = PeerBinaries.require("nginx", "nginx");
        if (!Files.isRegularFile(FASTCGI_PARAMS)) {
            throw new AssertionError(FASTCGI_PARAMS + " is missing: install the Debian package nginx (nginx-common)");
        }
        int port = freeLoopbackPort();
        Path conf = dir.resolve("nginx.conf");
        Path errorLog = dir.resolve("nginx-error.log");
        String upstream = switch (mode) {
            case PER_REQUEST -> "";
            case KEEP_CONN -> """
                        upstream app {
                            server unix:%s;
                            keepalive 2;
                        }
                    """.formatted(appSocket);
        };
        String pass = switch (mode) {
            case PER_REQUEST -> "fastcgi_pass unix:" + appSocket + ";";
            case KEEP_CONN -> "fastcgi_pass app;\n                fastcgi_keep_conn on;";
        };
        String config = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %2$s info;
                events {
                    worker_connections 64;
                }
                http {
                    access_log %1$s/nginx-access.log;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    client_max_body_size 8m;
                    large_client_header_buffers 4 64k;
                %3$s
                    server {
                        listen 127.0.0.1:%4$d;
                        server_name localhost;
                        location / {
                            include %5$s;
                            %6$s
                        }
                        location /stream/ {
                            include %5$s;
                            %6$s
                            fastcgi_request_buffering off;
                        }
                    }
                }
                """.formatted(dir, errorLog, upstream, port, FASTCGI_PARAMS, pass);
        try {
            Files.writeString(conf, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of(binary.toString(), "-p", dir + "/", "-e", errorLog.toString(),
                "-c", conf.toString());
        PeerProcess p = PeerProcess.start("nginx", command, PeerProcess.baseEnvironment(), dir, errorLog);
        try {
            p.awaitAccepting(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
        return new NginxProcess(p, port);
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code pathAndQuery}. */
    public String url(String pathAndQuery) {
        return "http://127.0.0.1:" + port + pathAndQuery;
    }

    /** nginx's error log (also its stderr). */
    public String errorLog() {
        return process.log();
    }

    public PeerProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
