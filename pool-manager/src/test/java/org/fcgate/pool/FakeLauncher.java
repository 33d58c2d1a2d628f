package org.fcgate.pool;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.spawn.LaunchListener;
import org.fcgate.pool.supervise.ExitStatus;
import org.fcgate.pool.supervise.Signal;

/** Scripted launcher: the test decides when children start, answer and exit. */
final class FakeLauncher implements ChildLauncher {
    record Sent(long childId, Signal signal) {
    }

    final Map<Long, LaunchListener> launched = new LinkedHashMap<>();
    final List<Sent> signals = new ArrayList<>();
    final Map<Long, Long> rss = new LinkedHashMap<>();
    /** When true, a launched child is started and ready at once. */
    boolean autoReady = true;
    /** When true, SIGTERM/SIGKILL make the child exit at once. */
    boolean exitOnSignal = true;

    @Override
    public void launch(long childId, LaunchListener listener) {
        launched.put(childId, listener);
        listener.started(childId, 1000 + childId, new InetSocketAddress("127.0.0.1", (int) (10000 + childId)));
        if (autoReady) {
            listener.ready(childId);
        }
    }

    @Override
    public void signal(long childId, Signal signal) {
        signals.add(new Sent(childId, signal));
        if (exitOnSignal && launched.containsKey(childId)) {
            exit(childId, ExitStatus.signaled(signal.number()));
        }
    }

    @Override
    public long rssKb(long childId) {
        return rss.getOrDefault(childId, 0L);
    }

    void ready(long childId) {
        launched.get(childId).ready(childId);
    }

    void exit(long childId, ExitStatus status) {
        LaunchListener l = launched.remove(childId);
        if (l != null) {
            l.exited(childId, status);
        }
    }

    int alive() {
        return launched.size();
    }
}
