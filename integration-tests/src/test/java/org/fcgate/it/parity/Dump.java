package org.fcgate.it.parity;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.fcgate.it.support.RawHttp;

/**
 * What {@code dump.php} printed: {@code $_SERVER} (sorted), {@code $_GET}, {@code $_POST}, {@code $_FILES} (name,
 * type, size, error, sha256 of the upload) and the sha256 of {@code php://input}.
 */
record Dump(Map<String, Object> server, Object get, Object post, Object files, String inputSha256) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses a 200 answer of {@code dump.php}; fails with the answer when it is not one. */
    static Dump of(String front, RawHttp.Response r) {
        if (r.status() != 200 || !"application/json".equals(r.header("Content-Type"))) {
            throw new AssertionError(front + " answered " + r.status() + " " + r.headers() + "\n" + r.bodyText());
        }
        try {
            Map<String, Object> m = JSON.readValue(r.body(), new TypeReference<Map<String, Object>>() { });
            @SuppressWarnings("unchecked")
            Map<String, Object> server = new TreeMap<>((Map<String, Object>) m.get("server"));
            return new Dump(server, m.get("get"), m.get("post"), m.get("files"), (String) m.get("input_sha256"));
        } catch (IOException e) {
            throw new UncheckedIOException(front + " answered no JSON: " + r.bodyText(), e);
        }
    }

    /** {@code $_SERVER[name]} as a string, or {@code null} when absent. */
    String var(String name) {
        Object v = server.get(name);
        return v == null ? null : v.toString();
    }
}
