package org.fcgate.pool.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitStatusTest {

    @Test
    void decodesWaitStatusWords() {
        assertThat(ExitStatus.fromWaitStatus(0)).isEqualTo(ExitStatus.exited(0));
        assertThat(ExitStatus.fromWaitStatus(3 << 8)).isEqualTo(ExitStatus.exited(3));
        assertThat(ExitStatus.fromWaitStatus(9)).isEqualTo(ExitStatus.signaled(9));
        assertThat(ExitStatus.fromWaitStatus(0x80 | 11)).as("core dumped").isEqualTo(ExitStatus.signaled(11));
        assertThat(ExitStatus.signaled(9).toString()).isEqualTo("exited on SIGKILL");
    }
}
