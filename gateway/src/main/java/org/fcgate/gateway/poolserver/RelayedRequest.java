package org.fcgate.gateway.poolserver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Revocation;
import org.fcgate.pool.status.RequestInfo;

/**
 * One request of a web server connection, from its BEGIN_REQUEST to its END_REQUEST. Touched only on the
 * connection's event loop.
 *
 * <p>Lifecycle: {@code PARAMS} (records held) → {@code ACQUIRING} (PARAMS complete, {@code pool.acquire} running;
 * records held, the web server is not read) → {@code CONNECTING} (lease granted) → {@code RELAYING} (held records
 * written, both directions forwarded) → {@code FINISHED} (END_REQUEST sent, or failed, aborted, web server gone).
 * {@code FINISHED} is terminal: a late grant is released at once, late child records are dropped.
 */
final class RelayedRequest {

    enum State { PARAMS, ACQUIRING, CONNECTING, RELAYING, FINISHED }

    private final int id;
    private final Role role;
    private final boolean keepConn;
    private final List<ByteBuf> held = new ArrayList<>();
    private State state = State.PARAMS;
    private RequestInfo info = RequestInfo.ofUri("");
    private Lease lease;
    private Channel child;
    private PoolEndpoint.Served served;
    private boolean stdoutSent;
    private boolean stdoutEnded;

    RelayedRequest(int id, Role role, boolean keepConn) {
        this.id = id;
        this.role = role;
        this.keepConn = keepConn;
    }

    int id() {
        return id;
    }

    Role role() {
        return role;
    }

    boolean keepConn() {
        return keepConn;
    }

    State state() {
        return state;
    }

    boolean isFinished() {
        return state == State.FINISHED;
    }

    /** Records for the child before it is connected; written in order when it is. */
    void hold(ByteBuf record) {
        require(State.PARAMS, State.ACQUIRING, State.CONNECTING);
        held.add(record);
    }

    /** Takes the held records (the caller writes or releases them). */
    List<ByteBuf> takeHeld() {
        List<ByteBuf> out = List.copyOf(held);
        held.clear();
        return out;
    }

    /** {@code by}: the pool generation the request entered; it exits it when finished. */
    void acquiring(Params params, PoolEndpoint.Served by) {
        require(State.PARAMS);
        info = requestInfo(params);
        served = by;
        state = State.ACQUIRING;
    }

    /** The pool generation serving the request, once acquiring. */
    PoolEndpoint.Served served() {
        return served;
    }

    void connecting(Lease granted, Channel channel) {
        require(State.ACQUIRING);
        lease = granted;
        child = channel;
        state = State.CONNECTING;
    }

    void relaying() {
        require(State.CONNECTING);
        state = State.RELAYING;
    }

    /** Terminal; releases what is still held. The lease and the child connection are the caller's to settle. */
    void finished() {
        if (state != State.FINISHED && served != null) {
            served.inFlight().exit();
        }
        state = State.FINISHED;
        held.forEach(ByteBuf::release);
        held.clear();
    }

    RequestInfo info() {
        return info;
    }

    Optional<Lease> lease() {
        return Optional.ofNullable(lease);
    }

    /** The child connection once connecting. */
    Optional<Channel> child() {
        return Optional.ofNullable(child);
    }

    /** Why the pool took the child back, if it did. */
    Optional<Revocation> revocation() {
        return lease().map(l -> l.revoked().getNow(null));
    }

    String pid() {
        return lease == null ? "-" : Long.toString(lease.pid());
    }

    boolean stdoutSent() {
        return stdoutSent;
    }

    /** The first STDOUT byte is on its way to the web server: from now on a failure can only cut the connection. */
    void stdoutSent(boolean sent) {
        if (sent && !stdoutSent) {
            stdoutSent = true;
            lease.firstByte();
        }
    }

    boolean stdoutEnded() {
        return stdoutEnded;
    }

    void stdoutEnded(boolean ended) {
        stdoutEnded = ended;
    }

    private void require(State... allowed) {
        for (State s : allowed) {
            if (state == s) {
                return;
            }
        }
        throw new IllegalStateException("state: " + state);
    }

    /** What the status page shows: method, path without the query (it may carry secrets), length, script. */
    private static RequestInfo requestInfo(Params params) {
        String uri = orEmpty(params.get("REQUEST_URI"));
        int q = uri.indexOf('?');
        long length = 0;
        try {
            length = Math.max(0, Long.parseLong(orEmpty(params.get("CONTENT_LENGTH")).strip()));
        } catch (NumberFormatException e) {
            // absent or not a number: shown as 0, the child decides what it means
        }
        return new RequestInfo(params.get("REQUEST_METHOD"), q >= 0 ? uri.substring(0, q) : uri, length,
                params.get("SCRIPT_FILENAME"));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
