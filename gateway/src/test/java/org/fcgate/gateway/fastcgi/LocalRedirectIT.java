package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A CGI local redirect (a {@code Location: /path} without Status, RFC 3875 §6.2.2): "the server MUST generate the
 * response that it would have produced in response to a request containing the URL". So the redirected request is
 * one for that URL, as a GET without a body: REQUEST_URI, QUERY_STRING, SCRIPT_NAME and PATH_INFO are the
 * Location's, not the original request's (Apache mod_cgi keeps the original REQUEST_URI; nginx has no CGI local
 * redirect at all, it answers such a Location with 302).
 */
class LocalRedirectIT {

    private static EchoParamsServer backend;
    private static ForwardingGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new EchoParamsServer("/first.echo", "/second.echo/extra?b=2%20x");
        Path root = Files.createTempDirectory("fcgate-redirect");
        ForwardingGateway.write(root.resolve("first.echo"), "");
        ForwardingGateway.write(root.resolve("second.echo"), "");
        gateway = ForwardingGateway.start(root, Map.of(".echo", FastCgiUpstream.external(ExternalServerOptions.of(
                "echo", List.of(new BackendAddress.Tcp("127.0.0.1", backend.port()))),
                FastCgiUpstreamOptions.defaults())), HttpLimits.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    @Test
    void theRedirectedRequestIsARequestForTheLocation() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("POST /first.echo?a=1 HTTP/1.1\r\nHost: a\r\nX-Mine: kept\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText().lines()).contains(
                    "REQUEST_URI=/second.echo/extra?b=2%20x",
                    "QUERY_STRING=b=2%20x",
                    "SCRIPT_NAME=/second.echo",
                    "PATH_INFO=/extra",
                    "DOCUMENT_URI=/second.echo/extra",
                    "REQUEST_METHOD=GET",
                    "HTTP_X_MINE=kept")
                    .noneMatch(line -> line.startsWith("CONTENT_LENGTH=") || line.startsWith("CONTENT_TYPE="));
            assertThat(c.send("GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
    }
}
