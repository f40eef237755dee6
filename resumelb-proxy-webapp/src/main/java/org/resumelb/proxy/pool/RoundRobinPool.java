package org.resumelb.proxy.pool;

/**
 * The "round-robin" policy: every request goes to the least recently used
 * worker, which cycles through the workers in turn. It ignores request classes,
 * résumés (kept only for the snapshot) and backlogs; it is the baseline the
 * other policies are measured against. A joining worker enters at the
 * least-recently-used end, so it is next.
 *
 * <p><b>Weights.</b> When the workers' weights differ, the turns are nginx's
 * smooth weighted round-robin: at each request every worker's credit grows by
 * its weight, the worker of the highest credit (among equals the least recently
 * used) takes the request and its credit drops by the sum of the weights. Over
 * any run of requests a worker's share is its weight over the sum (weights 1
 * and 3: exactly one request in four and three in four, interleaved as
 * {@code b a b b}, not in bursts). Credits restart at 0 whenever a worker joins
 * or leaves or a weight changes. With equal weights this is exactly the
 * least-recently-used cycle above, which is what runs then.
 *
 * <p>Concurrency contract: {@link AbstractPool}'s. {@code acquire} reads the
 * head of the LRU list and moves it to the tail: constant time, no allocation;
 * with differing weights, one pass over the workers, no allocation.
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
        if (!weighted) {
            return lruFirst;
        }
        PoolWorker best = null;
        double bestCredit = 0;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            double credit = w.roundRobinCredit + w.weight;
            w.roundRobinCredit = credit;
            if (best == null || credit > bestCredit) {
                best = w;
                bestCredit = credit;
            }
        }
        best.roundRobinCredit -= totalWeight;
        return best;
    }

    @Override
    void weightsChanged() {
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            w.roundRobinCredit = 0;
        }
    }
}
