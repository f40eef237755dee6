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
import org.resumelb.agent.load.LoadReport;
import org.resumelb.agent.protocol.Protocol;
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
 * <p>With a per-worker limit ({@code maxBacklog}) requests are admitted
 * through the {@link AdmissionQueue} ({@link #admission()}): a request the
 * pool has no room for waits there, and every lease's end offers its slot to
 * the next waiting request. Without it, {@link #route} is the whole story.
 *
 * <p><b>Concurrency contract.</b> Thread-safe and non-blocking: the pool's own
 * short critical section, a concurrent set of the leases in flight, and
 * lock-free counters. No lock of its own (the admission queue has its own, see
 * there).
 */
public final class Router {

    private static final Log LOG = Log.get(Router.class);

    private final RequestClassifier classifier;
    /** The previous classifier ({@code previousClassifier}); null: none. Set once, before the first request. */
    private volatile RequestClassifier previousClassifier;
    private final Pool pool;
    private final WorkerDirectory directory;
    private final ProxyMetrics metrics;
    private final ClassCounts classCounts;
    private final RetryPolicy retryPolicy;
    /** Null: no sticky sessions. */
    private final StickyCookie sticky;
    private final Set<Lease> inFlight = ConcurrentHashMap.newKeySet();
    /** Null when admission is off (no maxBacklog). */
    private final AdmissionQueue admission;
    /** At most one warning a minute about requests sent as the overflow class. */
    private static final long OVERFLOW_WARNING_NANOS = 60_000_000_000L;
    private final AtomicLong lastOverflowWarning = new AtomicLong(System.nanoTime() - OVERFLOW_WARNING_NANOS - 1);

    public Router(RequestClassifier classifier, Pool pool, WorkerDirectory directory, ProxyMetrics metrics,
                  ClassCounts classCounts, RetryPolicy retryPolicy) {
        this(classifier, pool, directory, metrics, classCounts, retryPolicy, null, null, null);
    }

    /**
     * @param sticky the session cookie whose route suffix sends a request to the worker that owns its session;
     *     null: no sticky sessions
     */
    public Router(RequestClassifier classifier, Pool pool, WorkerDirectory directory, ProxyMetrics metrics,
                  ClassCounts classCounts, RetryPolicy retryPolicy, StickyCookie sticky) {
        this(classifier, pool, directory, metrics, classCounts, retryPolicy, sticky, null, null);
    }

    /** A router without sticky sessions that admits requests through an {@link AdmissionQueue} (see below). */
    public Router(RequestClassifier classifier, Pool pool, WorkerDirectory directory, ProxyMetrics metrics,
                  ClassCounts classCounts, RetryPolicy retryPolicy, AdmissionQueue.Limits admission,
                  java.util.concurrent.ScheduledExecutorService timer) {
        this(classifier, pool, directory, metrics, classCounts, retryPolicy, null, admission, timer);
    }

    /**
     * A router with sticky sessions ({@code sticky}, null: none) that admits
     * requests through an {@link AdmissionQueue} of these limits (null:
     * admission off), timed on {@code timer}. The pool's own limit
     * ({@code backlogLimit}) is the caller's to set. The two do not go
     * together (settings refuse it): admission routes every request by class.
     */
    public Router(RequestClassifier classifier, Pool pool, WorkerDirectory directory, ProxyMetrics metrics,
                  ClassCounts classCounts, RetryPolicy retryPolicy, StickyCookie sticky, AdmissionQueue.Limits admission,
                  java.util.concurrent.ScheduledExecutorService timer) {
        this.sticky = sticky;
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.classCounts = Objects.requireNonNull(classCounts, "classCounts");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        this.admission = admission == null ? null : new AdmissionQueue(admission, timer, new AdmissionQueue.Seats() {
            @Override
            public Lease take(AdmissionQueue.Ask ask, int retries, int keepFree) {
                return seat(ask, retries, keepFree);
            }

            @Override
            public int slots() {
                return pool.slots();
            }
        });
    }

    /**
     * Classifies every request under {@code previous} too, the classifier the
     * load balancer used before its own (setting {@code previousClassifier}),
     * so that the pool places a class nobody has yet where the previous
     * classifier's skills say its data is ({@link Pool.Acquired#previousClass}).
     * Called once, before the first request.
     */
    public void previousClassifier(RequestClassifier previous) {
        this.previousClassifier = previous;
    }

    /** The request's class under the previous classifier, or null when there is none. */
    private String previousClass(RequestView request) {
        RequestClassifier previous = previousClassifier;
        return previous == null ? null : RequestClasses.classify(previous, request);
    }

    /** The admission queue, or null when admission is off (no {@code maxBacklog}). */
    public AdmissionQueue admission() {
        return admission;
    }

    /** What admission needs of a request: its class (classified now), its user and its priority class. */
    public AdmissionQueue.Ask ask(RequestView request, String user, Priority priority) {
        return new AdmissionQueue.Ask(RequestClasses.classify(classifier, request), user, priority, previousClass(request));
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
        Pool.Acquired acquired = new Pool.Acquired().previousClass(previousClass(request));
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
        return worker == null ? null : firstLease(requestClass, worker, acquired, null, Priority.NORMAL);
    }

    /**
     * The admission queue's {@link AdmissionQueue.Seats}: a lease when the pool
     * has room for the request (its choice of worker), else null. Called
     * under the queue's lock; calls nothing back.
     */
    private Lease seat(AdmissionQueue.Ask ask, int retries, int keepFree) {
        long start = System.nanoTime();
        Pool.Acquired acquired = new Pool.Acquired().previousClass(ask.previousClass());
        PoolWorker worker = pool.acquire(ask.requestClass(), ask.priority().top(), keepFree, acquired);
        if (worker == null) {
            return null; // no room: not a routing decision (the queue asks again when a slot frees)
        }
        metrics.routingNanos(System.nanoTime() - start);
        return retries == 0 ? firstLease(ask.requestClass(), worker, acquired, ask.user(), ask.priority())
                : lease(ask.requestClass(), worker, retries, ask.user(), ask.priority());
    }

    /** A request's first lease: named {@link Pool#OVERFLOW} when the pool said so, and counted under its class. */
    private Lease firstLease(String requestClass, PoolWorker worker, Pool.Acquired acquired, String user, Priority priority) {
        if (acquired.overflow()) {
            overflowed(requestClass);
            requestClass = Pool.OVERFLOW;
        } else if (acquired.followed()) {
            metrics.placedByPreviousClassifier();
        }
        classCounts.count(requestClass);
        return lease(requestClass, worker, 0, user, priority);
    }

    /**
     * Ends {@code failed} with {@code failure} and, when {@link RetryPolicy} allows
     * it and a worker is left, returns a lease on another worker for the same
     * class (by class, even for a sticky session's request); otherwise null.
     * With admission on, a retry takes a worker with room (of its priority
     * class) if there is one now, without queueing again.
     */
    public Lease retry(Lease failed, Failure failure, String reason, String method, boolean hasBody, boolean committed) {
        failed.failed(failure, reason);
        if (!retryPolicy.retry(method, hasBody, failure, failed.retries(), committed)) {
            return null;
        }
        Lease next;
        if (failed.user() != null && admission != null) {
            next = admission.retry(new AdmissionQueue.Ask(failed.requestClass(), failed.user(), failed.priority()), failed.retries() + 1);
        } else {
            PoolWorker worker = pool.acquire(failed.requestClass());
            next = worker == null ? null : lease(failed.requestClass(), worker, failed.retries() + 1, null, Priority.NORMAL);
        }
        if (next == null) {
            return null;
        }
        metrics.retry();
        return next;
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

    private Lease lease(String requestClass, PoolWorker worker, int retries, String user, Priority priority) {
        Lease lease = new Lease(this, requestClass, worker, retries, user, priority);
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
        if (counted) {
            metrics.request(worker.url(), outcome(failure));
            if (failure == Failure.CONNECTION) {
                directory.eject(worker.url(), reason);
            }
        }
        if (lease.user() != null && admission != null) {
            admission.ended(lease.user()); // after an ejection, so that the slot is not offered on the failed worker
        }
    }

    /**
     * The worker of {@code lease} answered with its load report
     * ({@link org.resumelb.agent.protocol.Protocol#LOAD_HEADER}, {@code value}):
     * the pool counts others' load on that worker, and only on it. A malformed
     * value changes nothing and is counted (and logged once).
     */
    public void reported(Lease lease, String value) {
        LoadReport report = LoadReport.parse(value);
        if (report == null) {
            metrics.malformedLoadReport();
            if (metrics.malformedLoadReports() == 1) {
                LOG.warn("ResumeLB ignored a malformed {} header from {}: '{}' (accepted: <in-flight>;<mean>, e.g. 3;2.41)."
                        + " Logged once; counted in resumelb_load_reports_malformed", Protocol.LOAD_HEADER, lease.worker(),
                        value == null ? "" : value.length() > 40 ? value.substring(0, 40) + "…" : value);
            }
            return;
        }
        pool.reported(lease.worker(), report.inFlight(), report.mean());
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
