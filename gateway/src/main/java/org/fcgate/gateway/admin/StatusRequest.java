package org.fcgate.gateway.admin;

import org.fcgate.gateway.upstream.UpstreamRequest;
import org.fcgate.pool.status.RequestInfo;

/** What a forwarded request shows on the status page's per-process block: never its query string. */
public final class StatusRequest {

    private StatusRequest() {
    }

    /**
     * Method, the decoded routed path (no query: it may carry tokens), the body length after buffering and
     * SCRIPT_FILENAME.
     */
    public static RequestInfo of(UpstreamRequest request, long contentLength) {
        return new RequestInfo(request.head().method().name(), request.path().value(), Math.max(0, contentLength),
                request.script().scriptFilename().toString());
    }
}
