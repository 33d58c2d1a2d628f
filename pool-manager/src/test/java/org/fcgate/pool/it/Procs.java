package org.fcgate.pool.it;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.params.Params;
import org.fcgate.pool.Lease;

/** /proc inspection and a one-request FastCGI client for the integration tests. */
final class Procs {
    private Procs() {
    }

    static final String PYTHON = "/usr/bin/python3";
    static final String PHP_CGI = "/usr/bin/php-cgi8.2";

    static String childScript() {
        try {
            return Path.of(Procs.class.getResource("/fcgi_child.py").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Direct children of {@code parent}: {pid, state}. */
    static List<long[]> childrenOf(long parent) {
        List<long[]> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException e) {
                    continue; // exited meanwhile
                }
                // pid (comm) state ppid ...; comm may hold spaces, so parse after the last ')'
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(f[1]) == parent) {
                    out.add(new long[] {Long.parseLong(p.getFileName().toString()), f[0].charAt(0)});
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static long zombieChildren() {
        return childrenOf(ProcessHandle.current().pid()).stream().filter(c -> c[1] == 'Z').count();
    }

    /** Children of this JVM that are not from ProcessBuilder-started helpers (we start none). */
    static long liveChildren() {
        return childrenOf(ProcessHandle.current().pid()).stream().filter(c -> c[1] != 'Z').count();
    }

    static boolean alive(long pid) {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }

    static FcgiConnection.Result request(Lease lease, String query) throws IOException {
        try (FcgiConnection c = FcgiConnection.open(lease.address(), Duration.ofSeconds(5))) {
            c.timeout(Duration.ofSeconds(30));
            Params params = Params.builder()
                    .add("REQUEST_METHOD", "GET")
                    .add("SCRIPT_FILENAME", "/x")
                    .add("REQUEST_URI", lease.uri())
                    .add("QUERY_STRING", query)
                    .add("SERVER_PROTOCOL", "HTTP/1.1")
                    .build();
            return c.execute(params, new byte[0]);
        }
    }

    static String body(Lease lease, String query) throws IOException {
        return new String(request(lease, query).body(), StandardCharsets.UTF_8);
    }
}
