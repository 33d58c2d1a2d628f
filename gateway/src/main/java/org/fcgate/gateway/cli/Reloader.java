package org.fcgate.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs configuration reloads one at a time on a thread of their own ({@code fcgate-reload}), never on a signal
 * handler or an event loop, and coalesces bursts (R76): a request while no reload waits starts one (at once when
 * none runs, else right after the running one); requests while one is already waiting join it. A burst of ten SIGHUPs
 * is thus at most the reload running plus one more, which reads the file last; and every caller's future completes
 * with a reload that started after it asked, so {@code POST /reload} always reports on the file as it was when it
 * asked.
 *
 * <p>Lifecycle: requests → {@link #close} (at shutdown): waiting and later requests complete as
 * {@link ReloadOutcome.Result#UNAVAILABLE}; the running one may finish.
 */
final class Reloader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

    private final Function<String, ReloadOutcome> action;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fcgate-reload");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    // Guarded by lock.
    private CompletableFuture<ReloadOutcome> waiting;
    private final List<String> waitingCauses = new ArrayList<>();
    private boolean running;
    private boolean closed;
    private long lastGeneration = 1;

    /** {@code action} reloads once, for the causes given (joined), and says what it did; it runs on the thread. */
    Reloader(Function<String, ReloadOutcome> action) {
        this.action = action;
    }

    /** Asks for a reload; see the class comment for when it runs. Never blocks. */
    CompletableFuture<ReloadOutcome> request(String cause) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.completedFuture(ReloadOutcome.unavailable(lastGeneration,
                        "the gateway is stopping"));
            }
            waitingCauses.add(cause);
            CompletableFuture<ReloadOutcome> result;
            if (waiting == null) {
                result = waiting = new CompletableFuture<>();
                if (!running) {
                    startWaiting();
                }
            } else {
                result = waiting;
                LOG.info("{}: joins the reload already waiting ({} requests)", cause, waitingCauses.size());
            }
            return result;
        }
    }

    /**
     * The thread reloads run on, for work that must not race with them (releasing a drained generation); after
     * {@link #close} tasks are dropped (the gateway's close stops everything itself).
     */
    java.util.concurrent.Executor executor() {
        return task -> {
            try {
                thread.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("reload thread stopped; task dropped");
            }
        };
    }

    private void startWaiting() {
        CompletableFuture<ReloadOutcome> next = waiting;
        String causes = summary(waitingCauses);
        waiting = null;
        waitingCauses.clear();
        running = true;
        thread.execute(() -> run(next, causes));
    }

    private void run(CompletableFuture<ReloadOutcome> result, String causes) {
        try {
            ReloadOutcome outcome = action.apply(causes);
            synchronized (lock) {
                lastGeneration = outcome.generation();
            }
            result.complete(outcome);
        } catch (RuntimeException | Error e) {
            LOG.error("configuration reload failed ({})", causes, e);
            result.completeExceptionally(e);
        } finally {
            synchronized (lock) {
                running = false;
                if (waiting != null) {
                    if (closed) {
                        waiting.complete(ReloadOutcome.unavailable(lastGeneration, "the gateway is stopping"));
                        waiting = null;
                    } else {
                        startWaiting();
                    }
                }
            }
        }
    }

    /** {@code SIGHUP, SIGHUP, POST /reload} → {@code SIGHUP x2, POST /reload}. */
    static String summary(List<String> causes) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        causes.forEach(c -> counts.merge(c, 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        counts.forEach((c, n) -> parts.add(n == 1 ? c : c + " x" + n));
        return String.join(", ", parts);
    }

    /**
     * Refuses further reloads, waits up to {@code seconds} for the running one, then interrupts it and stops the
     * thread.
     */
    void close(long seconds) {
        synchronized (lock) {
            closed = true;
            if (waiting != null) {
                waiting.complete(ReloadOutcome.unavailable(lastGeneration, "the gateway is stopping"));
                waiting = null;
            }
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(seconds, TimeUnit.SECONDS)) {
                LOG.warn("a configuration reload is still running after {} s; interrupting it", seconds);
                thread.shutdownNow();
                thread.awaitTermination(seconds, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }

    @Override
    public void close() {
        close(30);
    }
}
