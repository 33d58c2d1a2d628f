package org.fcgate.pool.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineSanitizerTest {

    @Test
    void controlCharactersAreEscapedSoAChildCannotForgeLogLinesOrTerminalSequences() {
        byte[] line = "a\rb\u001b[31mc\u0000d\\e\u007f".getBytes(StandardCharsets.UTF_8);
        assertThat(LineSanitizer.sanitize(line)).isEqualTo("a\\rb\\x1b[31mc\\x00d\\\\e\\x7f");
    }

    @Test
    void validUtf8IsKeptAndInvalidBytesAreShownAsHex() {
        assertThat(LineSanitizer.sanitize("héllo ✓".getBytes(StandardCharsets.UTF_8))).isEqualTo("héllo ✓");
        assertThat(LineSanitizer.sanitize(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xc3}))
                .isEqualTo("ok\\xff\\xc3");
    }
}
