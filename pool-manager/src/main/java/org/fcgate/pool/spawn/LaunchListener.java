package org.fcgate.pool.spawn;

import java.net.SocketAddress;
import org.fcgate.pool.supervise.ExitStatus;

/**
 * Events a {@link ChildLauncher} reports about one child, in this order: {@code started} (once the process
 * exists), then {@code ready} or {@code startFailed}, and always, last, {@code exited} (after the process
 * was reaped). A child that could not even be spawned gets only {@code exited} with
 * {@link ExitStatus.Kind#NOT_STARTED}. Calls may come from any thread.
 */
public interface LaunchListener {

    void started(long childId, long pid, SocketAddress address);

    /** The child answered FCGI_GET_VALUES: it may get a request. */
    void ready(long childId);

    /** The readiness probe gave up; the child is still running and should be stopped. */
    void startFailed(long childId, String why);

    void exited(long childId, ExitStatus status);
}
