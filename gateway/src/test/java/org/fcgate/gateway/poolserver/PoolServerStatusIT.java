package org.fcgate.gateway.poolserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.params.Params;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * Hostile URIs on the status page, end to end. The public HTTP listener refuses control bytes in a path (400), but
 * {@code fcgate pool} shows REQUEST_URI and SCRIPT_FILENAME as the web server in front passed them, so CR, LF, NUL,
 * ESC and DEL can reach {@code /status?full}: each format must keep them from forging lines, elements or markup.
 */
class PoolServerStatusIT {

    static {
        LeakTracker.install();
    }

    private static final Path SOCKET = Path.of("/tmp", "fcgw-pss-" + ProcessHandle.current().pid() + ".sock");
    private static final String URI_SENT = "/a\r\nX-Injected: 1\u0000\u001b[31m<script>alert(\"x\")</script>'&\u007f"
            + "/b.app?token=secret";
    private static final String URI_SHOWN = "/a\\x0d\\x0aX-Injected: 1\\x00\\x1b[31m<script>alert(\"x\")</script>'&"
            + "\\x7f/b.app";
    private static final String SCRIPT_SENT = "/srv/</script>\n<td>x.app";
    private static final String SCRIPT_SHOWN = "/srv/</script>\\x0a<td>x.app";

    static RunningPoolServer server;
    static Pool app;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        String command = TestPools.legacyAppYaml();
        var pools = ConfigLoader.create().parsePools("""
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: 1
                    listen: unix:%s
                """.formatted(command, SOCKET), Path.of("/tmp"));
        server = RunningPoolServer.start(pools.listening(), TestPools.managers(),
                Optional.of(Observability.parseAddress("127.0.0.1:0")));
        app = server.manager().pool("app");
        TestPools.awaitIdle(app, 1);
        try (FcgiConnection c = FcgiConnection.open(UnixDomainSocketAddress.of(SOCKET), Duration.ofSeconds(20))) {
            Params p = Params.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", URI_SENT)
                    .add("SCRIPT_FILENAME", SCRIPT_SENT).add("QUERY_STRING", "token=secret").build();
            assertThat(c.execute(p, new byte[0]).head().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> app.snapshot().count(ChildState.IDLE) == 1);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void textKeepsOneLinePerField() throws Exception {
        String text = status("?full");
        assertThat(text).doesNotContain("\r", "\u0000", "\u001b", "\u007f", "secret")
                .contains("\nrequest URI:          " + URI_SHOWN + "\n", "\nscript:               " + SCRIPT_SHOWN
                        + "\n");
        assertThat(text.lines()).noneMatch(l -> l.startsWith("X-Injected") || l.startsWith("<td>"));
        // Every line is a "name: value" field or the process separator: nothing forged.
        assertThat(text.lines().filter(l -> !l.isEmpty() && !l.equals("************************")))
                .allMatch(l -> l.matches("[a-zA-Z ]+:\\s+.*"));
    }

    @Test
    void jsonCarriesTheShownValues() throws Exception {
        JsonNode p = new ObjectMapper().readTree(status("?json&full")).get("processes").get(0);
        assertThat(p.get("request uri").asText()).isEqualTo(URI_SHOWN);
        assertThat(p.get("script").asText()).isEqualTo(SCRIPT_SHOWN);
    }

    @Test
    void xmlStaysWellFormedWithOneElementEach() throws Exception {
        Document x = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(status("?xml&full").getBytes(StandardCharsets.UTF_8)));
        assertThat(x.getElementsByTagName("process").getLength()).isEqualTo(1);
        assertThat(x.getElementsByTagName("request-uri").item(0).getTextContent()).isEqualTo(URI_SHOWN);
        assertThat(x.getElementsByTagName("script").getLength()).isEqualTo(1);
        assertThat(x.getElementsByTagName("script").item(0).getTextContent()).isEqualTo(SCRIPT_SHOWN);
    }

    @Test
    void htmlEscapesMarkup() throws Exception {
        String html = status("?html&full");
        assertThat(html).doesNotContain("<script>", "</script>", "\r", "secret")
                .contains("<td>/a\\x0d\\x0aX-Injected: 1\\x00\\x1b[31m&lt;script&gt;alert(&quot;x&quot;)"
                        + "&lt;/script&gt;&#39;&amp;\\x7f/b.app</td>")
                .contains("<td>/srv/&lt;/script&gt;\\x0a&lt;td&gt;x.app</td>");
        List<String> cells = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<td>").matcher(html);
        while (m.find()) {
            cells.add(m.group());
        }
        assertThat(cells).hasSize(14 + 13); // the pool table's 14 fields, one process row of 13
    }

    private static String status(String query) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                + "/status" + query)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
