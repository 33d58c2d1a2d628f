package org.fcgate.gateway.path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/                        | /",
        "/a/b.txt                 | /a/b.txt",
        "/foo/bar/..              | /foo/",
        "/foo/./bar/              | /foo/bar/",
        "//a///b                  | /a/b",
        "/%2e%2e%2fx              | ENCODED_SLASH",
        "/a/%2e%2e/b              | /b",
        "/%252e%252e/x            | /%2e%2e/x",
        "/caf%C3%A9               | /café",
        "/a%20b                   | /a b",
        "/foo/..;/x               | /foo/..;/x",
    })
    void R28_decodesOnceAndNormalises(String raw, String expected) throws Exception {
        if (expected.equals(expected.toUpperCase()) && !expected.startsWith("/")) {
            assertThatThrownBy(() -> RequestPath.decode(raw)).isInstanceOf(RejectedException.class)
                    .extracting(e -> ((RejectedException) e).reason()).isEqualTo(Reason.valueOf(expected));
        } else {
            assertThat(RequestPath.decode(raw).value()).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/../etc/passwd           | PATH_ABOVE_ROOT",
        "/a/../../etc             | PATH_ABOVE_ROOT",
        "/.%2e/x                  | PATH_ABOVE_ROOT",
        "/%                       | BAD_PERCENT_ENCODING",
        "/%4                      | BAD_PERCENT_ENCODING",
        "/%g0                     | BAD_PERCENT_ENCODING",
        "/%c0%ae%c0%ae/x          | BAD_PATH_ENCODING",
        "/%ff                     | BAD_PATH_ENCODING",
        "/%ed%a0%80               | BAD_PATH_ENCODING",
        "/a%00.php                | BAD_PATH_CHARACTER",
        "/a%0d%0ab                | BAD_PATH_CHARACTER",
        "/a%5cb                   | BAD_PATH_CHARACTER",
        "/a\\b                    | BAD_PATH_CHARACTER",
        "/a%2fb                   | ENCODED_SLASH",
        "relative                 | BAD_REQUEST_TARGET",
    })
    void R26_R28_rejects(String raw, Reason reason) {
        assertThatThrownBy(() -> RequestPath.decode(raw)).isInstanceOf(RejectedException.class)
                .extracting(e -> ((RejectedException) e).reason()).isEqualTo(reason);
    }

    /**
     * Plain ASCII segments skip the decoding buffers: the result must be what the full decoder gives for the same
     * characters written as %XX (which always takes the full path), refusals included ('\\', "..", ".").
     */
    @Test
    void plainSegmentsDecodeAsTheirPercentEncodedForm() {
        Random random = new Random(6);
        String alphabet = " !\"#$&'()*+,-.0123456789:;<=>?@AZaz[\\]^_`{|}~.";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder plain = new StringBuilder("/");
            StringBuilder encoded = new StringBuilder("/");
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                char c = random.nextInt(5) == 0 ? '/' : alphabet.charAt(random.nextInt(alphabet.length()));
                plain.append(c);
                encoded.append(c == '/' ? "/" : String.format("%%%02X", (int) c));
            }
            assertThat(outcome(plain.toString())).as(plain.toString()).isEqualTo(outcome(encoded.toString()));
        }
    }

    private static String outcome(String raw) {
        try {
            RequestPath p = RequestPath.decode(raw);
            return p.value() + " " + p.segments() + " " + p.trailingSlash();
        } catch (RejectedException e) {
            return "refused " + e.reason();
        }
    }
}
