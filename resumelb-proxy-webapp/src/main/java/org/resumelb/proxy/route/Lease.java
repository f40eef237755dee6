package org.resumelb.proxy.route;

import java.util.concurrent.atomic.AtomicBoolean;

import org.resumelb.proxy.pool.PoolWorker;

/**
 * One request's hold on one worker, in the shape of Netflix
 * concurrency-limits' {@code Limiter.Listener}: {@link Router#route} hands it
 * out, and exactly one of {@link #success}, {@link #failed} or {@link #release}
 * ends it. Ending is idempotent: the first call releases the worker to the
 * pool and records the outcome (success, a failure by kind, and for a
 * connection failure the worker's ejection); later calls do nothing. So every
 * path of the proxy (response callbacks, an exception in the servlet, a client
 * that went away) may end a lease without asking whether another path did.
 *
 * <p>A lease in flight carries its start time, from which the status page
 * shows each worker's oldest request. A retry is a new lease
 * ({@link Router#retry}) for the same class on another worker. With
 * admission on ({@code maxBacklog}), a lease also carries its request's user
 * and priority class ({@link AdmissionQueue}), and its end frees the slot for
 * a waiting request.
 *
 * <p>Thread-safe: the end is claimed by one atomic flag; the other fields are
 * final, apart from {@link #clientFailed}, a volatile hint set by the
 * client-side callback before the response callback reads it.
 */
public final class Lease {

    private final Router router;
    private final String requestClass;
    private final PoolWorker worker;
    private final int retries;
    /** The request's user for the admission queue; null when admission is off. */
    private final String user;
    private final Priority priority;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean clientFailed;

    Lease(Router router, String requestClass, PoolWorker worker, int retries, String user, Priority priority) {
        this.router = router;
        this.requestClass = requestClass;
        this.worker = worker;
        this.retries = retries;
        this.user = user;
        this.priority = priority;
    }

    public String requestClass() {
        return requestClass;
    }

    public PoolWorker worker() {
        return worker;
    }

    /** How many times the client request was retried before this lease (0 for the first attempt). */
    public int retries() {
        return retries;
    }

    /** The request's user as the admission queue knows it ({@link UserKey}); null when admission is off. */
    String user() {
        return user;
    }

    /** The request's priority class ({@link Priority#NORMAL} when admission is off). */
    public Priority priority() {
        return priority;
    }

    /** When the lease was taken (System.nanoTime). */
    public long startNanos() {
        return startNanos;
    }

    public boolean ended() {
        return ended.get();
    }

    /** The client side failed (its body could not be read, it went away): the failure that follows is not the worker's. */
    public void clientFailed() {
        clientFailed = true;
    }

    public boolean hasClientFailed() {
        return clientFailed;
    }

    /** The worker answered in full. */
    public void success() {
        if (claim()) {
            router.ended(this, true, null, null);
        }
    }

    /**
     * The request failed; a {@link Failure#CONNECTION} failure ejects the worker
     * until it answers the load balancer again.
     *
     * @param reason for the log line of an ejection
     */
    public void failed(Failure failure, String reason) {
        if (claim()) {
            router.ended(this, true, failure, reason);
        }
    }

    /** Gives the worker back without an outcome (the request never reached it, e.g. the servlet threw). */
    public void release() {
        if (claim()) {
            router.ended(this, false, null, null);
        }
    }

    private boolean claim() {
        return ended.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "Lease[" + requestClass + " on " + worker + (retries > 0 ? ", retry " + retries : "") + "]";
    }
}
