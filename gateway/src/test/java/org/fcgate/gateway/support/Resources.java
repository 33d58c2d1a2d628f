package org.fcgate.gateway.support;

/** Tear-down of a test's fixtures. */
public final class Resources {

    private Resources() {
    }

    /**
     * Closes each resource that was started (non-null), in the order given: the gateway before the pools it forwards
     * to. A failure, an assertion of a fixture's own close included, does not keep the later ones open; the first is
     * thrown with the others suppressed.
     */
    public static void closeInOrder(AutoCloseable... resources) throws Exception {
        Throwable first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception | AssertionError e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof Exception e) {
            throw e;
        }
        if (first != null) {
            throw (AssertionError) first;
        }
    }
}
