package org.fcgate.it.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.fcgate.it.support.RawHttp;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.MountableFile;

/**
 * The document root of the container tests, {@code /var/www/html} in every container that needs it (the gateway
 * checks that a script exists before it forwards it, the FastCGI server runs it): {@code hello.php} (JSON: SAPI,
 * effective uid, script, query, body digest), {@code wait.php} (answers once the test creates
 * {@code /tmp/fcgate-it-release}), {@code hello.txt} (a static file). Owned by root, mode 0644.
 */
final class TestSite {

    static final String ROOT = "/var/www/html";
    static final String RELEASE_FILE = "/tmp/fcgate-it-release";
    static final String HELLO_TXT = "static file from the image under test\n";

    private static final List<String> FILES = List.of("hello.php", "wait.php", "hello.txt");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@code hello.php} printed. */
    record Hello(String sapi, int euid, String script, String name, String method, String bodyMd5, int bodyLength) {

        /** Parses a 200 answer of hello.php; anything else fails with the answer. */
        static Hello of(RawHttp.Response r) {
            if (r.status() != 200) {
                throw new AssertionError("hello.php answered " + r.status() + ": " + r.bodyText());
            }
            try {
                JsonNode j = JSON.readTree(r.body());
                return new Hello(j.path("sapi").asText(), j.path("euid").asInt(-1), j.path("script").asText(),
                        j.path("name").isNull() ? null : j.path("name").asText(), j.path("method").asText(),
                        j.path("body_md5").asText(), j.path("body_length").asInt(-1));
            } catch (IOException e) {
                throw new UncheckedIOException("hello.php answered no JSON: " + r.bodyText(), e);
            }
        }
    }

    private TestSite() {
    }

    static void copyInto(GenericContainer<?> container) {
        for (String f : FILES) {
            container.withCopyFileToContainer(MountableFile.forClasspathResource("container/www/" + f, 0644),
                    ROOT + "/" + f);
        }
    }
}
