package org.resumelb.proxy.pool;

import java.util.HashMap;
import java.util.Map;

import org.resumelb.agent.load.DecayedBacklog;

/**
 * A worker as one pool sees it: the handle that {@link Pool#acquire} returns
 * and {@link Pool#release} takes back.
 *
 * <p>Each {@link Pool#update} of a new URL creates a new handle; a handle of a
 * removed worker stays valid for {@code release} but is never handed out
 * again, even if a worker with the same URL joins later.
 *
 * <p>The accessors read under the owning pool's lock, so they see a consistent
 * value; they are meant for logs and tests, not for routing decisions, which
 * belong to the pool. Equality is identity.
 */
public final class PoolWorker {

    private final String url;
    /** {@link Hashing#hash} of the URL: its place in hash-based placement, the same in every load balancer. */
    final long urlHash;
    /** {@link RouteId#of} the URL: how a sticky session's cookie names this worker. */
    final String route;
    final AbstractPool owner;

    // Everything below is guarded by owner.lock.

    String version;
    /** The résumé as reported: immutable, replaced as a whole. */
    Map<String, Double> skills = Map.of();
    /**
     * Classes the résumé pool gave this worker at the unskilled score since its
     * last résumé (zc.resumelb writes them into the résumé; the next résumé
     * replaces them). Null while there are none; never shares keys with skills.
     */
    HashMap<String, Double> gained;
    /** What its résumés said under the load balancer's previous classifier ({@link Pool#previousSkills}): immutable. */
    Map<String, Double> previousSkills = Map.of();

    /** Classes this worker may still be taught now (classBudget's token bucket); set when budgetStarted. */
    double budgetTokens;
    /** When budgetTokens was last refilled (System.nanoTime scale). */
    long budgetNanos;
    boolean budgetStarted;

    /**
     * When this worker joined with an empty résumé and began its slow start
     * (nanoClock scale); meaningful while {@code ramping}.
     */
    long rampStartNanos;
    /** Whether it joined with an empty résumé while slow start was on (see {@link ResumePool}). */
    boolean ramping;
    /**
     * In slow start: the classes handed over to it (it may since have lost some
     * to a later newcomer); their shares of requests sum to the share it has
     * taken on. Null when none, and again once its hand-over window is over.
     */
    java.util.HashSet<String> heirOf;

    int backlog;
    /** The decayed mean of backlog, over about backlogHistory acquires and releases. */
    final DecayedBacklog meanBacklog = new DecayedBacklog();

    /**
     * Others' load: what the worker last reported in flight beyond this pool's own backlog on it
     * ({@link AbstractPool#reported}), halved per {@link AbstractPool#REPORT_HALF_LIFE_NANOS}; 0 without reports.
     */
    int others;
    /** Likewise for the mean: its reported mean beyond this pool's own mean backlog, halved alike. */
    double othersMean;
    /** What it last reported in flight (all load balancers together), or -1 before its first report. */
    int reported = -1;

    /** Its share of the load relative to the other workers' (finite, > 0); 1 unless its résumé says otherwise. */
    double weight = 1.0;
    /**
     * Its weight over the pool's mean weight: exactly 1 when the weights are all equal, whatever
     * their value, so that only their ratios matter where a backlog is compared with a fixed slack
     * ({@link ResumePool}). Kept by {@link AbstractPool} with the weights.
     */
    double relativeWeight = 1.0;
    /** The smooth weighted round-robin's running credit ({@link RoundRobinPool}); 0 after any change of weights. */
    double roundRobinCredit;

    /** Neighbours in the pool's least-recently-used list; null at the ends. */
    PoolWorker lruPrev;
    PoolWorker lruNext;

    boolean removed;

    PoolWorker(AbstractPool owner, String url) {
        this.owner = owner;
        this.url = url;
        this.urlHash = Hashing.hash(url);
        this.route = RouteId.of(urlHash);
    }

    /** The base URL requests are forwarded to. */
    public String url() {
        return url;
    }

    /** The worker's route id ({@link RouteId}), the same in every load balancer. */
    public String route() {
        return route;
    }

    /** The version the worker last reported, or null. */
    public String version() {
        synchronized (owner.lock) {
            return version;
        }
    }

    /** Its share of the load relative to the other workers' (1 unless its résumé says otherwise). */
    public double weight() {
        synchronized (owner.lock) {
            return weight;
        }
    }

    /** Requests in flight on this worker. */
    public int backlog() {
        synchronized (owner.lock) {
            return backlog;
        }
    }

    /** The decayed mean of {@link #backlog()} over about backlogHistory acquires and releases. */
    public double meanBacklog() {
        synchronized (owner.lock) {
            return meanBacklog.mean();
        }
    }

    /** Requests in flight that this pool counts for routing: its own plus others' reported load ({@link AbstractPool#backlogOf}). */
    public int effectiveBacklog() {
        synchronized (owner.lock) {
            return AbstractPool.backlogOf(this);
        }
    }

    /** Others' load as this pool sees it now (0 without reports, or when they have aged out). */
    public int othersLoad() {
        synchronized (owner.lock) {
            return others;
        }
    }

    @Override
    public String toString() {
        return url;
    }
}
