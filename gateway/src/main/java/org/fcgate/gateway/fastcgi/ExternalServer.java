package org.fcgate.gateway.fastcgi;

/** One external FastCGI server of a group, as the metrics read it: live values, safe to read from any thread. */
public interface ExternalServer {

    /** Its health and counters; {@link ServerHealth#server()} is the address as configured. */
    ServerHealth health();

    /** What the requests sent to it add up to: its request meters listen there. */
    ServerStats stats();

    /** Connections open to it now: connecting, busy and kept idle. */
    int openConnections();
}
