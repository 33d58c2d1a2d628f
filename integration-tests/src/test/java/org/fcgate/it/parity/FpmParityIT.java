package org.fcgate.it.parity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.junit.jupiter.api.Test;

/**
 * Parity with nginx in front of one php-fpm: {@code fcgate serve --fastcgi unix:…} against nginx's
 * {@code fastcgi_pass unix:…}, same pool. Peers: php-fpm, nginx, fcgate (child JVM).
 */
class FpmParityIT extends ParityCases {

    @Override
    List<String> fcgateBackend() {
        // fcgate keeps its FastCGI connections, and a kept connection pins a php-fpm worker: keep one of the two
        // workers for nginx, as an operator sharing a pool between two fronts has to.
        return List.of("--fastcgi", "unix:" + fpm.address().getPath(), "--fastcgi-max-connections", "1");
    }

    /**
     * Bug, reported: under a locale that is not UTF-8 ({@code LANG=C}, the default of many containers and service
     * units) the gateway JVM cannot name {@code /ünï/} as a file. {@code DocumentRoot.lookup} threw
     * {@code InvalidPathException} out of routing, the exchange was left without a body sink, the request's
     * {@code LastHttpContent} then threw a {@code NullPointerException}, and the client got no answer at all (EOF).
     * The same answer as in a UTF-8 locale is out of reach (the JVM takes {@code sun.jnu.encoding} from the locale
     * at startup and cannot open such a file), so: 404, as for any file this process cannot have, on a connection
     * that stays usable, and a WARN at startup naming the fix ({@code LANG=C.UTF-8}).
     */
    @Test
    void nonAsciiPathUnderCLocale() throws IOException {
        Path dirC = Files.createDirectories(dir.resolve("fcgate-c"));
        try (FcgateProcess cLocale = FcgateProcess.start(dirC, root,
                List.of("--fastcgi", "unix:" + fpm.address().getPath()), PeerProcess.baseEnvironment())) {
            RawHttp.Response r = RawHttp.exchange(cLocale.port(), "localhost", Request.get("/%C3%BCn%C3%AF/dump.php"));
            assertThat(r.status()).isEqualTo(404);
            assertThat(RawHttp.exchange(cLocale.port(), "localhost", Request.get("/dump.php")).status())
                    .isEqualTo(200);
            assertThat(cLocale.log()).contains("paths with non-ASCII characters cannot name files");
        }
    }

    @Test
    void docsListEveryDifference() throws IOException {
        // failsafe runs in the module's directory
        String docs = Files.readString(Path.of("..", "docs", "gateway.md"));
        int start = docs.indexOf("## Differences from nginx");
        assertThat(start).as("docs/gateway.md has a section 'Differences from nginx'").isNotNegative();
        int end = docs.indexOf("\n## ", start + 1);
        String section = docs.substring(start, end < 0 ? docs.length() : end);
        List<NginxDifferences.Difference> all = new ArrayList<>(NginxDifferences.DOCUMENTED);
        all.addAll(NginxDifferences.PHP_CGI_POOL);
        for (NginxDifferences.Difference d : all) {
            assertThat(section).as("docs/gateway.md lists %s", d.variable()).contains("`" + d.variable() + "`");
        }
    }

}
