package org.resumelb.proxy.route;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * What went wrong with a proxied request, which decides everything that
 * follows: the outcome counted, whether the worker is ejected, whether the
 * request may be retried elsewhere, and the page the client gets.
 */
public enum Failure {

    /** The client failed (went away, or its body could not be read): not the worker's fault; no page, no retry. */
    CLIENT(0),
    /** The worker's connection failed (refused, reset, closed early): the worker is ejected; a retry may follow. */
    CONNECTION(502),
    /** The worker did not answer in time: it is kept (it may just be slow), the client gets 504. */
    TIMEOUT(504),
    /** Anything else (a malformed answer, say): the client gets 502; the worker is kept. */
    OTHER(502);

    private final int status;

    Failure(int status) {
        this.status = status;
    }

    /** The status of the page the client gets when no retry follows; 0 for {@link #CLIENT} (nobody to answer). */
    public int status() {
        return status;
    }

    /**
     * Classifies a failure reported by the proxy's HTTP client.
     *
     * @param clientFailed whether the client side failed first (Jetty's onClientRequestFailure)
     */
    public static Failure classify(Throwable failure, boolean clientFailed) {
        if (clientFailed) {
            return CLIENT;
        }
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof IOException) {
                io = true;
            }
        }
        return io ? CONNECTION : OTHER;
    }
}
