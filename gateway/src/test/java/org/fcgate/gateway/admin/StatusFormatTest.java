package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.PoolCounters;
import org.fcgate.pool.status.PoolSnapshot;
import org.fcgate.pool.status.RequestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The status page against php-fpm 8.2's own output (src/test/resources/.../php-fpm-8.2): names, order, layout. */
class StatusFormatTest {

    static final String HOSTILE = "/<script>alert(\"x\")</script>'&\r\nX-Injected: 1\u0001/ünï.php";
    static final Instant NOW = Instant.parse("2026-11-26T05:28:24Z");

    static PoolStatus status(String uri) {
        PoolConfig config = PoolConfig.builder("www", List.of("/bin/true")).pm(PmMode.STATIC).maxChildren(2).build();
        Instant start = NOW.minusSeconds(2);
        ChildSnapshot idle = new ChildSnapshot(1, 6098, ChildState.IDLE, start, 3, null, null,
                Duration.ofMillis(1), 2048, new RequestInfo("GET", uri, 0, "/srv/status.php"));
        ChildSnapshot busy = new ChildSnapshot(2, 6099, ChildState.BUSY, start, 3, NOW.minusMillis(1), uri,
                null, 0, new RequestInfo("POST", uri, 12, "/srv/a.php"));
        PoolSnapshot s = new PoolSnapshot("www", "RUNNING", false, List.of(idle, busy),
                new PoolCounters(6, 0, 0, 0, 0, 0, Duration.ZERO, 0, 2, Map.of(), 1), start);
        return PoolStatus.of(s, config, 4, NOW);
    }

    static String reference(String name) throws IOException {
        try (InputStream in = StatusFormatTest.class.getResourceAsStream("php-fpm-8.2/" + name + ".txt")) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return all.substring(all.indexOf("\n\n") + 2); // drop the CGI head
        }
    }

    static String contentType(String name) throws IOException {
        try (InputStream in = StatusFormatTest.class.getResourceAsStream("php-fpm-8.2/" + name + ".txt")) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("(?im)^content-type: (.*)$").matcher(all);
            assertThat(m.find()).isTrue();
            return m.group(1);
        }
    }

    /** Every number becomes N, the time T: what remains is names, order and layout. */
    static String shape(String s) {
        return s.replaceAll("\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}", "T").replaceAll("\\d+", "N");
    }

    @ParameterizedTest
    @ValueSource(strings = {"text", "full"})
    void textHasPhpFpmLayout(String name) throws IOException {
        String ours = StatusDocuments.render(StatusFormat.TEXT, status("/status"), name.equals("full"));
        String theirs = reference(name);
        // php-fpm shows the query in "request URI"; we never do. Its script is "-" here.
        theirs = theirs.replaceAll("(request URI:\\s+)\\S+", "$1/status").replaceAll("(script:\\s+)-", "$1S");
        ours = ours.replaceAll("(script:\\s+)\\S+", "$1S").replaceAll("(request method:\\s+)POST", "$1GET");
        assertThat(shape(ours)).isEqualTo(shape(theirs));
        assertThat(StatusFormat.TEXT.contentType()).isEqualTo(contentType(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "json_full"})
    void jsonHasPhpFpmFieldsInOrder(String name) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode ours = mapper.readTree(StatusDocuments.render(StatusFormat.JSON, status("/status"),
                name.endsWith("full")));
        JsonNode theirs = mapper.readTree(reference(name));
        assertThat(names(ours)).isEqualTo(names(theirs));
        assertThat(kinds(ours)).isEqualTo(kinds(theirs));
        if (name.endsWith("full")) {
            assertThat(names(ours.get("processes").get(0))).isEqualTo(names(theirs.get("processes").get(0)));
            assertThat(kinds(ours.get("processes").get(0))).isEqualTo(kinds(theirs.get("processes").get(0)));
        }
        assertThat(StatusFormat.JSON.contentType()).isEqualTo(contentType(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"xml", "xml_full"})
    void xmlHasPhpFpmElementsInOrder(String name) throws Exception {
        boolean full = name.endsWith("full");
        Document ours = parse(StatusDocuments.render(StatusFormat.XML, status("/status"), full));
        Document theirs = parse(reference(name));
        assertThat(elementPaths(ours.getDocumentElement(), "")).isEqualTo(
                elementPaths(theirs.getDocumentElement(), ""));
        assertThat(StatusFormat.XML.contentType()).isEqualTo(contentType(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"html", "html_full"})
    void htmlHasPhpFpmTable(String name) throws IOException {
        boolean full = name.endsWith("full");
        String ours = StatusDocuments.render(StatusFormat.HTML, status("/status"), full);
        String theirs = reference(name);
        assertThat(tags(ours)).isEqualTo(tags(theirs));
        assertThat(headers(ours)).isEqualTo(headers(theirs));
        assertThat(StatusFormat.HTML.contentType()).isEqualTo(contentType(name));
    }

    @Test
    void openMetricsIsPhpFpmsSet() throws IOException {
        String ours = StatusDocuments.render(StatusFormat.OPENMETRICS, status("/status"), false);
        assertThat(ours.replaceAll("(?m) \\d+$", " N")).isEqualTo(
                reference("openmetrics").replaceAll("(?m) \\d+$", " N"));
        assertThat(StatusFormat.OPENMETRICS.contentType()).isEqualTo(contentType("openmetrics"));
    }

    @Test
    void hostileUriIsEscapedInEveryFormat() throws Exception {
        PoolStatus s = status(HOSTILE);
        String shown = "/<script>alert(\"x\")</script>'&\\x0d\\x0aX-Injected: 1\\x01/ünï.php";

        String text = StatusDocuments.render(StatusFormat.TEXT, s, true);
        assertThat(text).doesNotContain("\r").doesNotContain("\nX-Injected").contains("request URI:          " + shown);

        JsonNode json = new ObjectMapper().readTree(StatusDocuments.render(StatusFormat.JSON, s, true));
        assertThat(json.get("processes").get(0).get("request uri").asText()).isEqualTo(shown);

        Document xml = parse(StatusDocuments.render(StatusFormat.XML, s, true));
        assertThat(xml.getElementsByTagName("request-uri").item(0).getTextContent()).isEqualTo(shown);
        assertThat(xml.getElementsByTagName("script").getLength()).isEqualTo(2); // no injected element

        String html = StatusDocuments.render(StatusFormat.HTML, s, true);
        assertThat(html).doesNotContain("<script>").doesNotContain("\r")
                .contains("<td>/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;\\x0d\\x0aX-Injected: 1"
                        + "\\x01/ünï.php</td>");
        assertThat(tags(html)).isEqualTo(tags(StatusDocuments.render(StatusFormat.HTML, status("/a"), true)));
    }

    @Test
    void slowRequestsAreShownInEveryFormat() throws Exception {
        PoolStatus s = status("/a"); // 4 slow requests
        assertThat(StatusDocuments.render(StatusFormat.TEXT, s, false)).contains("\nslow requests:        4\n");
        assertThat(new ObjectMapper().readTree(StatusDocuments.render(StatusFormat.JSON, s, false))
                .get("slow requests").asLong()).isEqualTo(4);
        assertThat(parse(StatusDocuments.render(StatusFormat.XML, s, false)).getElementsByTagName("slow-requests")
                .item(0).getTextContent()).isEqualTo("4");
        assertThat(StatusDocuments.render(StatusFormat.HTML, s, false))
                .contains("<tr><th>slow requests</th><td>4</td></tr>");
        assertThat(StatusDocuments.render(StatusFormat.OPENMETRICS, s, false)).contains("\nphpfpm_slow_requests 4\n");
    }

    /**
     * write_ahead on: a request written ahead waits as a queued caller does, so php-fpm's "listen queue" counts it,
     * and fcgate's own "written ahead" (after php-fpm's fields, in every format but php-fpm's fixed OpenMetrics set)
     * says how many of them are written ahead.
     */
    @Test
    void requestsWrittenAheadCountInTheListenQueueAndShowAsFcgatesOwnField() throws Exception {
        PoolConfig config = PoolConfig.builder("www", List.of("/bin/true")).pm(PmMode.STATIC).maxChildren(2)
                .queueMax(1).writeAhead(Duration.ofSeconds(1)).build();
        PoolSnapshot snap = new PoolSnapshot("www", "RUNNING", false, List.of(),
                new PoolCounters(6, 0, 0, 0, 1, 3, Duration.ZERO, 3, 2, Map.of(), 2, 2), NOW.minusSeconds(2));
        PoolStatus s = PoolStatus.of(snap, config, 0, NOW);
        assertThat(s.listenQueue()).isEqualTo(3);
        assertThat(s.maxListenQueue()).isEqualTo(3);
        assertThat(s.listenQueueLen()).isEqualTo(1);

        String text = StatusDocuments.render(StatusFormat.TEXT, s, false);
        assertThat(text).contains("\nlisten queue:         3\n").endsWith("\nslow requests:        0\n"
                + "written ahead:        2\n");
        JsonNode json = new ObjectMapper().readTree(StatusDocuments.render(StatusFormat.JSON, s, true));
        List<String> names = names(json);
        assertThat(names.subList(names.size() - 3, names.size()))
                .containsExactly("slow requests", "written ahead", "processes");
        assertThat(json.get("written ahead").asLong()).isEqualTo(2);
        assertThat(parse(StatusDocuments.render(StatusFormat.XML, s, false)).getElementsByTagName("written-ahead")
                .item(0).getTextContent()).isEqualTo("2");
        assertThat(StatusDocuments.render(StatusFormat.HTML, s, false))
                .contains("<tr><th>written ahead</th><td>2</td></tr>");
        assertThat(StatusDocuments.render(StatusFormat.OPENMETRICS, s, false)).contains("\nphpfpm_listen_queue 3\n")
                .doesNotContain("ahead");

        // write_ahead off: php-fpm's fields only (the layout tests above).
        assertThat(StatusDocuments.render(StatusFormat.TEXT, status("/a"), false)).doesNotContain("written ahead");
    }

    @Test
    void formatIsChosenLikePhpFpm() {
        assertThat(StatusFormat.of(Map.of())).isEqualTo(StatusFormat.TEXT);
        assertThat(StatusFormat.of(Map.of("json", List.of(""), "full", List.of("")))).isEqualTo(StatusFormat.JSON);
        assertThat(StatusFormat.of(Map.of("html", List.of("")))).isEqualTo(StatusFormat.HTML);
        assertThat(StatusFormat.of(Map.of("xml", List.of("")))).isEqualTo(StatusFormat.XML);
        assertThat(StatusFormat.of(Map.of("openmetrics", List.of("")))).isEqualTo(StatusFormat.OPENMETRICS);
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> kinds(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            out.add(it.next().getValue().getNodeType().name());
        }
        return out;
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> elementPaths(Element e, String prefix) {
        List<String> out = new ArrayList<>();
        String path = prefix + "/" + e.getTagName();
        out.add(path);
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element child) {
                out.addAll(elementPaths(child, path));
            }
        }
        return out;
    }

    private static List<String> tags(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<[^>]*>").matcher(html);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static List<String> headers(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<th>([^<]*)</th>").matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
