package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.route.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {

    @TempDir
    Path root;

    private GatewayConfig parse(String... args) throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.toConfig();
    }

    @Test
    void defaultsAreTheNamedDefaults() throws Exception {
        GatewayConfig c = parse("--root", root.toString());
        assertThat(c.listen().host()).isEqualTo(GatewayDefaults.LISTEN_HOST);
        assertThat(c.listen().port()).isEqualTo(GatewayDefaults.LISTEN_PORT);
        assertThat(c.limits()).isEqualTo(HttpLimits.defaults());
        assertThat(c.timeouts()).isEqualTo(Timeouts.defaults());
        assertThat(c.staticOptions()).isEqualTo(StaticOptions.defaults());
        assertThat(c.routes()).hasSize(2);
        assertThat(c.routes().get(0)).isInstanceOf(Route.FastCgi.class);
        assertThat(c.routes().get(1)).isInstanceOf(Route.Static.class);
    }

    @Test
    void optionsOverrideDefaults() throws Exception {
        GatewayConfig c = parse("--root", root.toString(), "--listen", "[::1]:9090", "--max-body", "1000",
                "--header-timeout", "500ms", "--keepalive-timeout", "2m", "--no-sendfile",
                "--front-controller", "/index.php", "--index", "home.html,index.php");
        assertThat(c.listen().host()).isEqualTo("::1");
        assertThat(c.listen().port()).isEqualTo(9090);
        assertThat(c.limits().maxBodyBytes()).isEqualTo(1000);
        assertThat(c.timeouts().header()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.timeouts().keepAlive()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.staticOptions().sendfile()).isFalse();
        Route.Static s = (Route.Static) c.routes().get(1);
        assertThat(s.frontController()).hasValue("/index.php");
        assertThat(s.indexFiles()).containsExactly("home.html", "index.php");
    }

    @Test
    void badValuesFailWithOneLine() {
        StringWriter err = new StringWriter();
        CommandLine cmd = FcgateCommand.commandLine();
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute("serve", "--root", root.resolve("missing").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).startsWith("fcgate: ").doesNotContain("\tat ");

        StringWriter err2 = new StringWriter();
        CommandLine cmd2 = FcgateCommand.commandLine();
        cmd2.setErr(new PrintWriter(err2));
        assertThat(cmd2.execute("serve", "--root", root.toString(), "--header-timeout", "20")).isNotZero();
        assertThat(err2.toString()).contains("needs a unit");
    }

    @Test
    void poolOptionsMapToThePoolConfig() throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--root", root.toString(), "--pool", "php-cgi8.2 -b {socket}",
                "--children", "4", "--max-requests", "500", "--request-timeout", "30s", "--max-queue", "7",
                "--queue-timeout", "2s");
        org.fcgate.pool.config.PoolConfig c = ServeUpstreams.poolConfig(serve,
                java.util.List.of(serve.backends.pool.split(" ")), false);
        assertThat(c.name()).isEqualTo("php");
        assertThat(c.convention()).isEqualTo(org.fcgate.pool.config.SocketConvention.BIND);
        assertThat(c.maxChildren()).isEqualTo(4);
        assertThat(c.maxRequests()).isEqualTo(500);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.queueMax()).isEqualTo(7);
        assertThat(c.queueTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.env()).containsEntry("PHP_FCGI_CHILDREN", "0");
    }

    @Test
    void forwardingOptionsMapToTheUpstreamRecord() throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--root", root.toString(), "--fastcgi", "unix:/run/php/fpm.sock,127.0.0.1:9000",
                "--connect-timeout", "250ms", "--stream-request-body", "--no-response-buffering",
                "--trusted-proxy", "10.0.0.0/8", "--server-name", "app.example");
        var o = serve.upstreamOptions();
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.streamRequestBody()).isTrue();
        assertThat(o.bufferResponse()).isFalse();
        assertThat(o.cgi().serverName()).hasValue("app.example");
        assertThat(o.cgi().trustedProxies().trusts(java.net.InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(serve.backends.fastcgi).containsExactly("unix:/run/php/fpm.sock", "127.0.0.1:9000");
        var defaults = new ServeCommand();
        new CommandLine(defaults).parseArgs("--root", root.toString());
        assertThat(defaults.upstreamOptions()).isEqualTo(org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions.defaults());
    }

    @Test
    void poolAndFastcgiAreExclusive() {
        StringWriter err = new StringWriter();
        CommandLine cmd = FcgateCommand.commandLine();
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("serve", "--root", root.toString(), "--pool", "php-cgi", "--fastcgi", "127.0.0.1:9000"))
                .isNotZero();
        assertThat(err.toString()).contains("mutually exclusive");
    }
}
