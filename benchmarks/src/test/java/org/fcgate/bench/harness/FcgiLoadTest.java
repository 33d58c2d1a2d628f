package org.fcgate.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FcgiLoadTest {

    @Test
    void cgiStatusLineSetsTheCodeAndItsAbsenceMeans200() {
        assertThat(FcgiLoad.cgiStatus(ascii("Content-type: text/html\r\n\r\nHello"))).isEqualTo(200);
        assertThat(FcgiLoad.cgiStatus(ascii("Status: 404 Not Found\r\nContent-type: text/html\r\n\r\n")))
                .isEqualTo(404);
        assertThat(FcgiLoad.cgiStatus(ascii("X-Powered-By: PHP/8.2\r\nstatus: 500\r\n\r\n"))).isEqualTo(500);
        // a "Status:" in the body is not the head's
        assertThat(FcgiLoad.cgiStatus(ascii("Content-type: text/plain\n\nStatus: 500 in the body\n"))).isEqualTo(200);
    }

    @Test
    void readingTheStatusDoesNotConsumeTheChunk() {
        ByteBuffer chunk = ascii("Status: 302 Found\r\n\r\n");

        FcgiLoad.cgiStatus(chunk);

        assertThat(chunk.position()).isZero();
    }

    @Test
    void paramsAreNginxsForTheScript() {
        var p = FcgiLoad.params("/srv/www", "/hello.php", "", 0, "application/x-www-form-urlencoded");

        assertThat(p.get("SCRIPT_FILENAME")).isEqualTo("/srv/www/hello.php");
        assertThat(p.get("REQUEST_METHOD")).isEqualTo("GET");
        assertThat(p.get("CONTENT_LENGTH")).isEmpty();
        var post = FcgiLoad.params("/srv/www", "/echo.php", "a=1", 65536, "application/x-www-form-urlencoded");
        assertThat(post.get("REQUEST_METHOD")).isEqualTo("POST");
        assertThat(post.get("CONTENT_LENGTH")).isEqualTo("65536");
        assertThat(post.get("REQUEST_URI")).isEqualTo("/echo.php?a=1");
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
