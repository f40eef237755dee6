package org.resumelb.proxy.pool;

/**
 * The "least-backlog" policy: zc.resumelb's {@code ClasslessPool}. A request
 * goes to the worker with the fewest requests in flight; among equals, to the
 * least recently used. Request classes and résumés (kept only for the snapshot)
 * play no part. It suits applications whose working set fits every worker.
 *
 * <p>With weights, "fewest" is per unit of weight: the worker of the lowest
 * {@code (backlog + 1) / weight}, its load once it takes the request, so that
 * workers of weights 1 and 3 hold requests in flight one to three
 * ({@link AbstractPool#leastBacklog}); among equals, the least recently used.
 * With equal weights that is the fewest requests in flight.
 *
 * <p>Concurrency contract: {@link AbstractPool}'s. {@code acquire} walks the LRU
 * list from its least-recently-used end and stops at the first idle worker (of
 * the largest weight), so it is linear in the number of workers only when all
 * are busy; it allocates nothing.
 */
public final class LeastBacklogPool extends AbstractPool {

    static final String POLICY = "least-backlog";

    public LeastBacklogPool() {
        this(PoolSettings.DEFAULTS);
    }

    public LeastBacklogPool(PoolSettings settings) {
        super(POLICY, settings);
    }

    @Override
    PoolWorker choose(String requestClass) {
        return leastBacklog();
    }
}
