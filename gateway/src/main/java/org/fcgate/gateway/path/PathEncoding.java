package org.fcgate.gateway.path;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM names files in {@code sun.jnu.encoding}, which it takes from the locale at startup ({@code LANG},
 * {@code LC_ALL}); under {@code LANG=C} it is ASCII and a path with non-ASCII bytes (RFC 3986 percent-encoded UTF-8,
 * {@code /%C3%BCn%C3%AF/}) cannot be represented at all: such requests are answered 404 ({@link DocumentRoot}). Said
 * once at startup so an operator learns why, and how to fix it ({@code LANG=C.UTF-8}).
 */
public final class PathEncoding {

    private static final Logger LOG = LoggerFactory.getLogger(PathEncoding.class);

    private PathEncoding() {
    }

    /** Whether file names and the default charset are UTF-8 (system properties as given). */
    static boolean isUtf8(String jnuEncoding, String fileEncoding) {
        return isUtf8(jnuEncoding) && isUtf8(fileEncoding);
    }

    private static boolean isUtf8(String name) {
        try {
            return name != null && Charset.forName(name).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Logs one WARN when this JVM's encodings are not UTF-8. */
    public static void warnUnlessUtf8() {
        String jnu = System.getProperty("sun.jnu.encoding");
        String file = System.getProperty("file.encoding");
        if (!isUtf8(jnu, file)) {
            LOG.warn("the JVM's encodings are not UTF-8 (sun.jnu.encoding={}, file.encoding={}): paths with non-ASCII "
                    + "characters cannot name files and are answered 404; start fcgate with LANG=C.UTF-8", jnu, file);
        }
    }
}
