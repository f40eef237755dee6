package org.resumelb.proxy.route;

import java.util.Set;

/**
 * When a failed request is sent again to another worker: only after a
 * connection failure (the worker never processed it, or died doing so), only
 * for idempotent methods named in {@code retryMethods} and requests without a
 * body (a body already streamed to the failed worker cannot be sent again),
 * only before anything was sent to the client, and at most {@code maxRetries}
 * times. Immutable.
 */
public record RetryPolicy(Set<String> methods, int maxRetries) {

    public RetryPolicy {
        methods = Set.copyOf(methods);
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries " + maxRetries + " < 0");
        }
    }

    /**
     * @param retriesSoFar how many times this client request was already retried
     * @param committed whether the response to the client has started
     */
    public boolean retry(String method, boolean hasBody, Failure failure, int retriesSoFar, boolean committed) {
        return failure == Failure.CONNECTION && !committed && !hasBody && methods.contains(method) && retriesSoFar < maxRetries;
    }
}
