package org.fcgate.gateway.path;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bug, reported: under {@code LANG=C} the JVM cannot name {@code /ünï/} as a file, and {@code DocumentRoot.lookup}
 * threw {@code InvalidPathException} out of routing. This JVM runs in UTF-8, where a lone surrogate is the one string
 * the file system encoder refuses: the same exception from the same call.
 */
class UnrepresentablePathTest {

    @TempDir
    Path dir;

    @Test
    void aSegmentTheJvmCannotNameIsMissing() throws Exception {
        DocumentRoot root = DocumentRoot.open(dir, false, true);
        assertThat(root.lookup(List.of("a\uD800b", "x.php"))).isInstanceOf(DocumentRoot.Lookup.Missing.class);
        assertThat(root.lookup(List.of("a\uD800b", "x.php"), 1)).isInstanceOf(DocumentRoot.Lookup.Missing.class);
    }

    @Test
    void encodingsOtherThanUtf8AreReported() {
        assertThat(PathEncoding.isUtf8("UTF-8", "UTF-8")).isTrue();
        assertThat(PathEncoding.isUtf8("utf8", "UTF-8")).isTrue();
        assertThat(PathEncoding.isUtf8("ANSI_X3.4-1968", "UTF-8")).as("LANG=C on glibc").isFalse();
        assertThat(PathEncoding.isUtf8("UTF-8", "ANSI_X3.4-1968")).isFalse();
        assertThat(PathEncoding.isUtf8(null, "UTF-8")).isFalse();
        assertThat(PathEncoding.isUtf8("no-such-charset", "UTF-8")).isFalse();
    }
}
