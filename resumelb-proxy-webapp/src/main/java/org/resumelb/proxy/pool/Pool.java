package org.resumelb.proxy.pool;

import java.util.Map;

/**
 * A routing policy: picks the worker for each request and learns the workers'
 * résumés.
 *
 * <p>Shaped like Netflix concurrency-limits' {@code Limiter}: {@link #acquire}
 * returns a handle, and the caller owes exactly one {@link #release} for it,
 * whatever happens to the request (success, failure, retry elsewhere) and
 * whatever happens to the worker meanwhile (removed, replaced).
 *
 * <p>Implementations are thread-safe; {@code acquire} and {@code release} never
 * block on anything but a short internal critical section.
 */
public interface Pool {

    /**
     * The class a request is routed and named under when its own class is in no
     * résumé and the worker that would have learnt it has spent its
     * {@code classBudget} (see {@link #acquire(String, Acquired)}).
     */
    String OVERFLOW = "(overflow)";

    /**
     * What the pool tells about one {@link #acquire(String, Acquired)} besides
     * the worker. One per call, filled by the pool under its lock.
     */
    final class Acquired {
        String previousClass;
        boolean overflow;
        boolean full;
        boolean followed;

        /**
         * Gives the pool the request's class under the load balancer's previous
         * classifier ({@code previousClassifier}), before the call: should the
         * request's own class be in no résumé, the pool places it on a worker
         * skilled at this class under the previous classifier (see
         * {@link Pool#previousSkills}), where the data of such requests already
         * is. Null (the default): none.
         */
        public Acquired previousClass(String previousClass) {
            this.previousClass = previousClass;
            return this;
        }

        /**
         * Whether the request's class was in no résumé and was placed on a
         * worker skilled at its {@link #previousClass} (which thereby learns the
         * class).
         */
        public boolean followed() {
            return followed;
        }

        /**
         * Whether the request's class is in no résumé and was taught to nobody
         * because the worker that would have learnt it has spent its
         * {@code classBudget}: the worker was picked by backlog, and the caller
         * names the request {@link #OVERFLOW} (to the worker and in counts).
         */
        public boolean overflow() {
            return overflow;
        }

        /**
         * Whether the pool has workers but gave none because every one is at
         * its backlog limit for this request ({@code maxBacklog}, less
         * {@code reservedBacklog} unless the request is of the top class), or
         * because the request had to leave {@code keepFree} slots free; the
         * caller may wait for a release. Never with no limit set.
         */
        public boolean full() {
            return full;
        }
    }

    /**
     * Picks a worker for a request of class {@code requestClass} (never null;
     * {@code ""} allowed). Non-blocking.
     *
     * @return the worker, or null when the pool has no worker. The caller must
     *     call {@link #release} exactly once for each non-null result.
     */
    PoolWorker acquire(String requestClass);

    /**
     * {@link #acquire(String)}, telling in {@code acquired} whether the request
     * overflowed ({@link Acquired#overflow()}). Policies that never teach a
     * class never overflow.
     */
    default PoolWorker acquire(String requestClass, Acquired acquired) {
        return acquire(requestClass);
    }

    /**
     * The worker whose {@link PoolWorker#route() route id} is {@code route}, for
     * a request of class {@code requestClass} that belongs to a sticky session
     * it owns; null, and nothing changes, when no worker in the pool has that
     * route id (it left, was ejected or drains, or the client made the route
     * up). The worker is taken as {@link #acquire} takes one (its backlog and
     * the pool's count the request, the caller owes one {@link #release}),
     * however busy it is. {@code acquired} tells whether the request must be
     * named {@link #OVERFLOW}: its class is in no résumé and the worker has
     * spent its {@code classBudget}, so that a session cannot teach its worker
     * more classes than the budget allows. Non-blocking.
     */
    PoolWorker acquireRoute(String route, String requestClass, Acquired acquired);

    /**
     * {@link #acquire(String, Acquired)} for a request that is ({@code top}) or
     * is not of the top priority class. With a backlog limit set
     * ({@code maxBacklog}) a worker at its limit takes no request, and only a
     * top-class request may take the last {@code reservedBacklog} of it: the
     * result is null, with {@link Acquired#full()}, when no worker may take
     * the request. The other {@code acquire} methods are this one with
     * {@code top} false. Without a limit, {@code top} changes nothing.
     */
    default PoolWorker acquire(String requestClass, boolean top, Acquired acquired) {
        return acquire(requestClass, acquired);
    }

    /**
     * {@link #acquire(String, boolean, Acquired)} for a request that must leave
     * at least {@code keepFree} slots of the whole pool free: with a backlog
     * limit set, the result is null, with {@link Acquired#full()}, when the
     * workers together may take no more than {@code keepFree} further requests
     * of its priority class (for the admission queue's {@code userReserve}).
     * {@code keepFree} 0 is {@link #acquire(String, boolean, Acquired)}; without
     * a limit, {@code keepFree} changes nothing.
     *
     * @throws IllegalArgumentException if {@code keepFree} is negative
     */
    default PoolWorker acquire(String requestClass, boolean top, int keepFree, Acquired acquired) {
        if (keepFree < 0) {
            throw new IllegalArgumentException("keepFree must be >= 0, got " + keepFree);
        }
        return acquire(requestClass, top, acquired);
    }

    /**
     * The requests in flight the pool's workers may have together under the
     * backlog limit: workers × {@code maxBacklog}; 0 without a limit.
     */
    default int slots() {
        return 0;
    }

    /**
     * Ends a request started by {@link #acquire} or {@link #acquireRoute}. Releasing a worker that was
     * removed meanwhile is allowed: it only lowers that worker's own backlog,
     * never the pool's (the pool's backlog is always the sum over current
     * workers).
     *
     * @throws IllegalArgumentException if the worker came from another pool
     * @throws IllegalStateException if the worker has no request in flight (a
     *     second release of the same lease); nothing changes then
     */
    void release(PoolWorker worker);

    /**
     * The worker's own report of its load, read from the response to a request
     * this pool sent it ({@code X-ResumeLB-Load}): its requests in flight from
     * every load balancer and their decayed mean. Others' load on the worker
     * then counts in its backlog for routing (see {@link AbstractPool}); a
     * removed worker's report is ignored. Non-blocking, allocation-free.
     *
     * @throws IllegalArgumentException for {@code inFlight < 0} or a mean that is not finite and >= 0
     */
    void reported(PoolWorker worker, int inFlight, double mean);

    /**
     * {@link #update(String, String, Map, double)} with weight 1: a worker like
     * any other (what a résumé without a weight means).
     */
    default boolean update(String url, String version, Map<String, Double> skills) {
        return update(url, version, skills, 1.0);
    }

    /**
     * Adds the worker at {@code url} (at the least-recently-used end) or
     * replaces its skills and weight.
     *
     * @param version the version the worker reports; may be null
     * @param skills request class -> requests per second, all finite and >= 0
     * @param weight the worker's share of the load relative to the others, finite and > 0: every
     *     policy gives a worker of weight 3 about three times the load of one of weight 1
     *     (round-robin exactly three times the requests, the others about three times the requests
     *     in flight); only the ratios matter, and with equal weights every policy routes exactly as
     *     without weights
     * @return true when the worker is new
     * @throws IllegalArgumentException for a null class, a score that is not
     *     finite and >= 0, or a weight that is not finite and > 0; nothing changes then
     */
    boolean update(String url, String version, Map<String, Double> skills, double weight);

    /**
     * Replaces what the worker at {@code url}, already in the pool, knows under
     * the load balancer's previous classifier (setting {@code previousClassifier}):
     * the skills of its last résumé learned under it. They never route a class
     * of their own; they place a class that is in no résumé, for a request
     * whose {@link Acquired#previousClass(String) previous class} they name, on
     * the worker best at that previous class. Kept, unlike skills, when the
     * worker's résumés move on to the current classifier; forgotten when the
     * worker leaves. Policies that do not place classes ignore them.
     *
     * @return false when no worker has that URL (nothing is recorded)
     * @throws IllegalArgumentException as {@link #update}; nothing changes then
     */
    default boolean previousSkills(String url, Map<String, Double> skills) {
        return false;
    }

    /** Forgets the worker: its skills and its place. Returns false if unknown. */
    boolean remove(String url);

    /**
     * Forgets the skills of one worker but keeps it in the pool with an empty
     * résumé (the admin "reset skills"). Returns false if unknown.
     */
    boolean resetSkills(String url);

    /** {@link #resetSkills} for every worker. */
    void resetAllSkills();

    /** The number of workers. */
    int size();

    /** Requests in flight on the current workers. */
    int backlog();

    /** An immutable copy of the pool's state, for status pages. */
    PoolSnapshot snapshot();

    /** The policy name: "resume", "round-robin", "least-backlog" or "consistent-hash". */
    String policy();

    /** Changes the settings at run time; they apply to the next call. */
    void settings(PoolSettings settings);

    PoolSettings settings();
}
