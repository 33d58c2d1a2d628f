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
        String http = """
                    client_max_body_size 8m;
                    large_client_header_buffers 4 64k;
                %1$s
                    server {
                        listen 127.0.0.1:%2$d;
                        server_name localhost;
                        location / {
                            include %3$s;
                            %4$s
                        }
                        location /stream/ {
                            include %3$s;
                            %4$s
                            fastcgi_request_buffering off;
                        }
                    }
                """.formatted(upstream, port, FASTCGI_PARAMS, pass);
        return launch(binary, dir, port, config(dir, http));
    }

    /**
     * nginx in front of PHP (php-fpm) the way a careful operator writes it: a document root, {@code try_files} on the
     * script so a missing one is nginx's 404 (CVE-2019-11043 mitigation), PATH_INFO split off with
     * {@code fastcgi_split_path_info} and saved before {@code try_files} resets it, SCRIPT_FILENAME and
     * PATH_TRANSLATED from the root, and {@code HTTP_PROXY ""} against httpoxy (R17). Under {@code /stock/} the same
     * without that last line, to show what stock nginx passes. Bodies up to {@code maxBodyMiB} MiB.
     */
    public static NginxProcess startPhp(Path dir, Path docRoot, Path fpmSocket, int maxBodyMiB) {
        Path binary = PeerBinaries.require("nginx", "nginx");
        int port = freeLoopbackPort();
        String php = """
                            fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
                            set $path_info $fastcgi_path_info;
                            try_files $fastcgi_script_name =404;
                            include %1$s;
                            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
                            fastcgi_param PATH_INFO $path_info;
                            fastcgi_param PATH_TRANSLATED $document_root$path_info;
                            fastcgi_pass unix:%2$s;""".formatted(FASTCGI_PARAMS, fpmSocket);
        String http = """
                    client_max_body_size %1$dm;
                    server {
                        listen 127.0.0.1:%2$d;
                        server_name localhost;
                        root %3$s;
                        index index.php;
                        location ^~ /stock/ {
                            location ~ [^/]\\.php(/|$) {
                %4$s
                            }
                        }
                        location ~ [^/]\\.php(/|$) {
                %4$s
                            fastcgi_param HTTP_PROXY "";
                        }
                    }
                """.formatted(maxBodyMiB, port, docRoot, php);
        return launch(binary, dir, port, config(dir, http));
    }

    /**
     * nginx.conf around the {@code http} block's own directives: one process in the foreground, and every file nginx
     * writes (pid, logs, temporary bodies) in {@code dir}.
     */
    private static String config(Path dir, String http) {
        return """
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
                %3$s}
                """.formatted(dir, dir.resolve("nginx-error.log"), http);
    }

    private static NginxProcess launch(Path binary, Path dir, int port, String config) {
        Path conf = dir.resolve("nginx.conf");
        Path errorLog = dir.resolve("nginx-error.log");
        try {
            Files.writeString(conf, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of(binary.toString(), "-p", dir + "/", "-e", errorLog.toString(),
                "-c", conf.toString());
        PeerProcess p = PeerProcess.startAccepting("nginx", command, PeerProcess.baseEnvironment(), dir, errorLog,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return new NginxProcess(p, port);
    }

    public int port() {
        return port;
    }

    public static int freeLoopbackPort() {
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
