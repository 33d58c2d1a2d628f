package org.fcgate.pool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolConfigTest {

    @Test
    void defaultsArePhpFpmLike() {
        PoolConfig c = PoolConfig.builder("www", List.of("php-cgi")).build();
        assertThat(c.pm()).isEqualTo(PmMode.DYNAMIC);
        assertThat(c.convention()).isEqualTo(SocketConvention.FD0);
        assertThat(c.maxChildren()).isEqualTo(5);
        assertThat(c.clearEnv()).isTrue();
        assertThat(c.queueMax()).isEqualTo(100);
        assertThat(c.logLineMaxBytes()).isEqualTo(8192);
    }

    @Test
    void everyErrorIsReportedInOnePassWithPoolKeyValueAndBound() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PoolConfig.builder("php", List.of("x"))
                .maxChildren(10).minSpareServers(2).maxSpareServers(12).startServers(1).queueTimeout(Duration.ZERO)
                .user("root").build());
        assertThat(e.errors()).containsExactlyInAnyOrder(
                "[pool php] max_spare_servers (12) cannot exceed max_children (10)",
                "[pool php] start_servers (1) must be between min_spare_servers (2) and max_spare_servers (12)",
                "[pool php] queue_timeout (PT0S) must be positive",
                "[pool php] user (root) refusing to run children as root without allow_root");
    }

    @Test
    void problemsCarryTheirPartsForAConfigFileLoader() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PoolConfig.builder("php", List.of("x"))
                .maxChildren(10).maxSpareServers(12).build());
        assertThat(e.problems()).containsExactly(new ConfigException.Problem("php", "max_spare_servers", "12",
                "cannot exceed max_children (10)"));
        assertThat(e.problems().get(0)).hasToString(e.errors().get(0));
    }

    @Test
    void boundariesOfMaxSpareServers() {
        PoolConfig.builder("p", List.of("x")).maxChildren(3).maxSpareServers(3).startServers(2).build();
        assertThatThrownBy(() -> PoolConfig.builder("p", List.of("x")).maxChildren(3).maxSpareServers(4)
                .startServers(2).build()).isInstanceOf(ConfigException.class)
                .hasMessage("[pool p] max_spare_servers (4) cannot exceed max_children (3)");
    }

    @Test
    void placeholdersAreRequiredByTheirConvention() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PoolConfig.builder("p", List.of("x"))
                .convention(SocketConvention.BIND).build());
        assertThat(e.errors()).containsExactly("[pool p] command ([x]) convention bind needs a {socket} placeholder");
        assertThat(PoolConfig.builder("p", List.of("x")).user("root").allowRoot(true).build().user()).isEqualTo("root");
    }

    @Test
    void rssHardLimitCannotBeBelowTheSoftLimit() {
        assertThatThrownBy(() -> PoolConfig.builder("p", List.of("x")).rssLimitKb(100).rssHardLimitKb(99).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("[pool p] rss_hard_limit_kb (99) cannot be less than rss_limit_kb (100)");
        assertThat(PoolConfig.builder("p", List.of("x")).rssLimitKb(100).rssHardLimitKb(100).build().rssHardLimitKb())
                .isEqualTo(100);
        assertThat(PoolConfig.builder("p", List.of("x")).rssHardLimitKb(50).build().rssLimitKb())
                .as("hard alone, soft off").isZero();
        assertThat(PoolConfig.builder("p", List.of("x")).build().rssHardLimitKb()).as("off by default").isZero();
    }
}
