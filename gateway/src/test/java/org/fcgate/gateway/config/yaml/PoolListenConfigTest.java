package org.fcgate.gateway.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.gateway.config.UpstreamConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pools.NAME.listen} / {@code listen_mode}, and files loaded for {@code fcgate pool}. */
class PoolListenConfigTest {

    @TempDir
    Path dir;

    private LoadedPools pools(String yaml) throws InvalidConfigException {
        return ConfigLoader.create().parsePools(yaml, dir);
    }

    private List<String> errors(String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> pools(yaml));
        assertThat(e).as("expected errors for:\n" + yaml).isNotNull();
        return e.lines();
    }

    @Test
    void unixAndTcpListenAddressesWithoutRoutes() throws Exception {
        LoadedPools loaded = pools("""
                pools:
                  php: {command: [php-cgi], listen: unix:/run/fcgate/php.sock}
                  app: {command: [app], listen: "127.0.0.1:0", listen_mode: ignored-for-tcp-if-absent}
                """.replace(", listen_mode: ignored-for-tcp-if-absent", ""));
        assertThat(loaded.listening()).extracting(UpstreamConfig.ManagedPool::listen).containsExactly(
                Optional.of(new PoolListen.Unix(Path.of("/run/fcgate/php.sock"), 0660)),
                Optional.of(new PoolListen.Tcp(new ListenAddress("127.0.0.1", 0))));
    }

    @Test
    void listenModeIsQuotedOctal() throws Exception {
        LoadedPools loaded = pools("""
                pools:
                  php: {command: [php-cgi], listen: unix:/run/php.sock, listen_mode: "0600"}
                  other: {command: [php-cgi], listen: unix:/run/other.sock, listen_mode: "666"}
                """);
        assertThat(loaded.pools()).extracting(p -> ((PoolListen.Unix) p.listen().orElseThrow()).mode())
                .containsExactly(0600, 0666);
    }

    @Test
    void poolsWithoutListenAreLoadedButNotListening() throws Exception {
        LoadedPools loaded = pools("pools:\n  php: {command: [php-cgi]}\n");
        assertThat(loaded.pools()).hasSize(1);
        assertThat(loaded.listening()).isEmpty();
    }

    @Test
    void everyListenErrorIsReportedInOnePass() {
        assertThat(errors("""
                pools:
                  a: {command: [x], listen: "localhost"}
                  b: {command: [x], listen: /run/b.sock}
                  c: {command: [x], listen: unix:run/c.sock}
                  d: {command: [x], listen: unix:/run/d.sock, listen_mode: 0660}
                  e: {command: [x], listen: unix:/run/e.sock, listen_mode: "0888"}
                  f: {command: [x], listen: "127.0.0.1:9000", listen_mode: "0660"}
                  g: {command: [x], listen_mode: "0660"}
                """)).containsExactly(
                "pools.a.listen (\"localhost\") must be unix:/absolute/path or HOST:PORT with a port within 0..65535 "
                        + "(listen address 'localhost' must be HOST:PORT)",
                "pools.b.listen (\"/run/b.sock\") must be unix:/absolute/path or HOST:PORT with a port within "
                        + "0..65535 (a Unix socket is written unix:/path)",
                "pools.c.listen (\"unix:run/c.sock\") must be unix:/absolute/path or HOST:PORT with a port within "
                        + "0..65535 (unix socket path 'run/c.sock' must be absolute)",
                // YAML 1.1 reads an unquoted 0660 as the octal number 432.
                "pools.d.listen_mode (432) must be quoted octal permission bits such as \"0660\"",
                "pools.e.listen_mode (\"0888\") must be octal permission bits such as 0660",
                "pools.f.listen_mode (\"0660\") applies only to a unix:/path listen address",
                "pools.g.listen_mode (\"0660\") applies only to a unix:/path listen address");
    }

    @Test
    void routesAreOptionalForPoolsButStillChecked() {
        assertThat(errors("pools:\n  a: {command: [x], listen: \"127.0.0.1:0\"}\nroutes: []\n"))
                .containsExactly("routes ([]) must be a list of at least one route");
        // fcgate run still needs routes.
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> ConfigLoader.create()
                .parse("pools:\n  a: {command: [x], listen: \"127.0.0.1:0\"}\n", dir));
        assertThat(e.lines()).contains("routes is required: at least one route");
    }
}
