package org.resumelb.proxy.route;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.resumelb.agent.Log;
import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.classify.RequestClassifier;
import org.resumelb.agent.classify.RequestView;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.operations.ClassCounts;
import org.resumelb.proxy.operations.ProxyMetrics;
import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolWorker;

/**
 * The routing step of every proxied request, without HTTP: classify the
 * request, ask the pool for a worker, and hand out a {@link Lease}; when the
 * lease ends, give the worker back, count the outcome, and eject a worker
 * whose connection failed. Everything the servlet decides about a request
 * that is not Jetty plumbing happens here or in {@link RetryPolicy} and
 * {@link Failure}.
 *
 * <p><b>Concurrency contract.</b> Thread-safe and non-blocking: the pool's own
 * short critical section, a concurrent set of the leases in flight, and
 * lock-free counters. No lock of its own.
 */
public final class Router {

    private static final Log LOG = Log.get(Router.class);

    private final RequestClassifier classifier;
    private final Pool pool;
    private final WorkerDirectory directory;
    private final ProxyMetrics metrics;
    private final ClassCounts classCounts;
    private final RetryPolicy retryPolicy;
    /** Null: no sticky sessions. */
    private final StickyCookie sticky;
    private final Set<Lease> inFlight = ConcurrentHashMap.newKeySet();
    /** At most one warning a minute about requests sent as the overflow class. */
    private static final long OVERFLOW_WARNING_NANOS = 60_000_000_000L;
    private final AtomicLong lastOverflowWarning = new AtomicLong(System.nanoTime() - OVERFLOW_WARNING_NANOS - 1);

    public Router(RequestClassifier classifier, Pool pool, WorkerDirectory directory, ProxyMetrics metrics,
                  ClassCounts classCounts, RetryPolicy retryPolicy) {
        this(classifier, pool, directory, metrics, classCounts, retryPolicy, null);
    }

    /**
     * @param sticky the session cookie whose route suffix sends a request to the worker that owns its session;
     *     null: no sticky sessions
     */
    public Router(RequestClassifier classifier, Pool pool, WorkerDirectory directory, ProxyMetrics metrics,
                  ClassCounts classCounts, RetryPolicy retryPolicy, StickyCookie sticky) {
        this.sticky = sticky;
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.classCounts = Objects.requireNonNull(classCounts, "classCounts");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    }

    /**
     * A lease on the worker for this request, or null when the pool has no worker.
     * A request whose class the pool refused to teach anyone ({@code classBudget},
     * {@link Pool#OVERFLOW}) is leased, counted and sent as {@link Pool#OVERFLOW},
     * so that neither the status page nor the worker learns the class.
     *
     * <p>With sticky sessions, a request whose session cookie carries the route
     * of a worker in the pool goes to that worker ({@link Pool#acquireRoute}),
     * however busy; one whose route no worker in the pool has (the worker left)
     * is routed by class, and its next worker's {@code Set-Cookie} moves the
     * session. Both are counted ({@link ProxyMetrics#sticky}).
     */
    public Lease route(RequestView request) {
        long start = System.nanoTime();
        String requestClass = RequestClasses.classify(classifier, request);
        Pool.Acquired acquired = new Pool.Acquired();
        PoolWorker worker = null;
        String route = sticky == null ? null : sticky.route(request.header("Cookie"));
        if (route != null) {
            worker = pool.acquireRoute(route, requestClass, acquired);
            metrics.sticky(worker != null);
        }
        if (worker == null) {
            worker = pool.acquire(requestClass, acquired);
        }
        metrics.routingNanos(System.nanoTime() - start);
        if (worker == null) {
            return null;
        }
        if (acquired.overflow()) {
            overflowed(requestClass);
            requestClass = Pool.OVERFLOW;
        }
        classCounts.count(requestClass);
        return lease(requestClass, worker, 0);
    }

    /**
     * Ends {@code failed} with {@code failure} and, when {@link RetryPolicy} allows
     * it and a worker is left, returns a lease on another worker for the same
     * class (by class, even for a sticky session's request); otherwise null.
     */
    public Lease retry(Lease failed, Failure failure, String reason, String method, boolean hasBody, boolean committed) {
        failed.failed(failure, reason);
        if (!retryPolicy.retry(method, hasBody, failure, failed.retries(), committed)) {
            return null;
        }
        PoolWorker next = pool.acquire(failed.requestClass());
        if (next == null) {
            return null;
        }
        metrics.retry();
        return lease(failed.requestClass(), next, failed.retries() + 1);
    }

    private void overflowed(String requestClass) {
        metrics.classOverflow();
        long now = System.nanoTime();
        long last = lastOverflowWarning.get();
        if (now - last > OVERFLOW_WARNING_NANOS && lastOverflowWarning.compareAndSet(last, now)) {
            // At most one line a minute: a flood of new classes must not flood the log.
            String example = requestClass.length() > 64 ? requestClass.substring(0, 64) + "…" : requestClass;
            LOG.warn("ResumeLB classBudget spent: requests of classes in no résumé (such as '{}') go to the least busy worker as {},"
                    + " teaching nobody ({} such requests so far)", example, Pool.OVERFLOW, metrics.classOverflows());
        }
    }

    private Lease lease(String requestClass, PoolWorker worker, int retries) {
        Lease lease = new Lease(this, requestClass, worker, retries);
        inFlight.add(lease);
        return lease;
    }

    /**
     * Called once per lease, by the lease.
     *
     * @param counted whether the request reached the worker (then its outcome is counted)
     * @param failure null for a success
     */
    void ended(Lease lease, boolean counted, Failure failure, String reason) {
        inFlight.remove(lease);
        PoolWorker worker = lease.worker();
        pool.release(worker);
        if (!counted) {
            return;
        }
        metrics.request(worker.url(), outcome(failure));
        if (failure == Failure.CONNECTION) {
            directory.eject(worker.url(), reason);
        }
    }

    static ProxyMetrics.Outcome outcome(Failure failure) {
        if (failure == null) {
            return ProxyMetrics.Outcome.SUCCESS;
        }
        return switch (failure) {
            case CLIENT -> ProxyMetrics.Outcome.CLIENT_FAILURE;
            case TIMEOUT -> ProxyMetrics.Outcome.TIMEOUT;
            case CONNECTION, OTHER -> ProxyMetrics.Outcome.WORKER_FAILURE;
        };
    }

    /** Leases not yet ended. */
    public int inFlight() {
        return inFlight.size();
    }

    /** Worker URL to the start (System.nanoTime) of its oldest request in flight. */
    public Map<String, Long> oldestInFlight() {
        Map<String, Long> oldest = new HashMap<>();
        for (Lease lease : inFlight) {
            oldest.merge(lease.worker().url(), lease.startNanos(), Math::min);
        }
        return oldest;
    }
}
