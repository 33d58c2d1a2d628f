package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fcgate.gateway.config.Cidr;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
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
    void forwardingOptionsMapToTheYamlModelRecords() throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--root", root.toString(), "--fastcgi", "unix:/run/php/fpm.sock,127.0.0.1:9000",
                "--connect-timeout", "250ms", "--stream-request-body", "--no-response-buffering",
                "--trusted-proxy", "10.0.0.0/8", "--server-name", "app.example", "--fastcgi-max-connections", "4");
        GatewayConfig c = serve.toConfig();
        assertThat(c.serverNames()).containsExactly("app.example");
        FastCgiOptions route = ((Route.FastCgi) c.routes().get(0)).options();
        assertThat(route.requestBuffering()).isFalse();
        assertThat(route.responseBuffering()).isFalse();
        assertThat(route.trustedProxies()).containsExactly(Cidr.parse("10.0.0.0/8"));
        assertThat(c.upstreams()).containsExactly(new UpstreamConfig.External("php",
                List.of(FastCgiAddress.parse("unix:/run/php/fpm.sock"), FastCgiAddress.parse("127.0.0.1:9000")),
                false, 4, GatewayDefaults.FASTCGI_IDLE_TIMEOUT, Duration.ofMillis(250),
                FastCgiUpstreamOptions.DEFAULT_READ_TIMEOUT, GatewayDefaults.FASTCGI_SEND_TIMEOUT));

        var defaults = new ServeCommand();
        new CommandLine(defaults).parseArgs("--root", root.toString(), "--fastcgi", "127.0.0.1:9000");
        GatewayConfig d = defaults.toConfig();
        assertThat(((Route.FastCgi) d.routes().get(0)).options()).isEqualTo(FastCgiOptions.defaults());
        UpstreamConfig.External server = (UpstreamConfig.External) d.upstreams().get(0);
        assertThat(server.keepConn()).as("php-fpm safe default, as nginx").isFalse();
        assertThat(server.maxConnsPerServer()).isEqualTo(GatewayDefaults.FASTCGI_MAX_CONNS_PER_SERVER);
    }

    @Test
    void poolFlagsGiveAManagedPoolRecord() throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--root", root.toString(), "--pool", "php-cgi -b {socket}",
                "--read-timeout", "5s");
        UpstreamConfig.ManagedPool p = (UpstreamConfig.ManagedPool) serve.toConfig().upstreams().get(0);
        assertThat(p.name()).isEqualTo("php");
        assertThat(p.pool().command()).containsExactly("php-cgi", "-b", "{socket}");
        assertThat(p.readTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.connectTimeout()).isEqualTo(GatewayDefaults.POOL_CONNECT_TIMEOUT);
    }

    /**
     * The demo's pool runs the Java sample app, so it is named {@code app}, not {@code php} (status pages, metrics
     * labels and logs show that name); {@code --upstream} still names it, and a document root keeps {@code php}.
     */
    @Test
    void theDemoPoolIsNamedAppAndTheDefaultElsewhereIsPhp() throws Exception {
        ServeCommand demo = new ServeCommand();
        new CommandLine(demo).parseArgs();
        var pool = (UpstreamConfig.ManagedPool) ServeUpstreams.upstream(demo, true).orElseThrow();
        assertThat(pool.name()).isEqualTo("app");
        assertThat(pool.pool().name()).isEqualTo("app");
        assertThat(ServeUpstreams.describe(java.util.Optional.of(pool), true))
                .isEqualTo(" (scripts → pool 'app': sample legacy app)");

        ServeCommand named = new ServeCommand();
        new CommandLine(named).parseArgs("--upstream", "legacy");
        assertThat(ServeUpstreams.upstream(named, true).orElseThrow().name()).isEqualTo("legacy");

        ServeCommand site = new ServeCommand();
        new CommandLine(site).parseArgs("--root", root.toString(), "--pool", "php-cgi");
        assertThat(site.toConfig().upstreams()).extracting(UpstreamConfig::name).containsExactly("php");
        assertThat(((Route.FastCgi) site.toConfig().routes().get(0)).upstream()).isEqualTo("php");
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
