package org.resumelb.proxy.pool;

/**
 * The "round-robin" policy: every request goes to the least recently used
 * worker, which cycles through the workers in turn. It ignores request classes,
 * résumés (kept only for the snapshot) and backlogs; it is the baseline the
 * other policies are measured against. A joining worker enters at the
 * least-recently-used end, so it is next.
 *
 * <p>Concurrency contract: {@link AbstractPool}'s. {@code acquire} reads the
 * head of the LRU list and moves it to the tail: constant time, no allocation.
 */
public final class RoundRobinPool extends AbstractPool {

    static final String POLICY = "round-robin";

    public RoundRobinPool() {
        this(PoolSettings.DEFAULTS);
    }

    public RoundRobinPool(PoolSettings settings) {
        super(POLICY, settings);
    }

    @Override
    PoolWorker choose(String requestClass) {
        return lruFirst;
    }
}
