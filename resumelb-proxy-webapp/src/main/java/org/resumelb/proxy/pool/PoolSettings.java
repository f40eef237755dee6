package org.resumelb.proxy.pool;

/**
 * The pool's tunables; immutable, validated on construction.
 *
 * @param variance how far above the pool's mean backlog per worker (as a
 *     multiple of it, and at least one request) a skilled worker's mean backlog
 *     may rise above the least-recently-used worker's before the résumé pool
 *     looks elsewhere; finite, > 0
 * @param unskilledScore the score (requests per second) given to a worker for a
 *     class it takes without having it in its résumé; finite, > 0
 * @param backlogHistory roughly how many acquires and releases the mean backlogs
 *     remember (per worker; the pool's history is this times the number of
 *     workers); >= 1
 * @param hashBalanceFactor the consistent-hash policy's load bound: no worker
 *     takes a request that would lift its backlog above
 *     {@code ceil(factor * (total backlog + 1) / workers)}; finite, > 1
 */
public record PoolSettings(double variance, double unskilledScore, int backlogHistory,
                           double hashBalanceFactor) {

    /** variance 1.0, unskilledScore 1.0, backlogHistory 9, hashBalanceFactor 1.25. */
    public static final PoolSettings DEFAULTS = new PoolSettings(1.0, 1.0, 9, 1.25);

    public PoolSettings {
        if (!(variance > 0) || variance == Double.POSITIVE_INFINITY) {
            throw invalid("variance", String.valueOf(variance), "a finite number > 0");
        }
        if (!(unskilledScore > 0) || unskilledScore == Double.POSITIVE_INFINITY) {
            throw invalid("unskilledScore", String.valueOf(unskilledScore), "a finite number > 0");
        }
        if (backlogHistory < 1) {
            throw invalid("backlogHistory", String.valueOf(backlogHistory), "an integer >= 1");
        }
        if (!(hashBalanceFactor > 1) || hashBalanceFactor == Double.POSITIVE_INFINITY) {
            throw invalid("hashBalanceFactor", String.valueOf(hashBalanceFactor), "a finite number > 1");
        }
    }

    public static PoolSettings defaults() {
        return DEFAULTS;
    }

    public PoolSettings withVariance(double value) {
        return new PoolSettings(value, unskilledScore, backlogHistory, hashBalanceFactor);
    }

    public PoolSettings withUnskilledScore(double value) {
        return new PoolSettings(variance, value, backlogHistory, hashBalanceFactor);
    }

    public PoolSettings withBacklogHistory(int value) {
        return new PoolSettings(variance, unskilledScore, value, hashBalanceFactor);
    }

    public PoolSettings withHashBalanceFactor(double value) {
        return new PoolSettings(variance, unskilledScore, backlogHistory, value);
    }

    private static IllegalArgumentException invalid(String name, String value, String accepted) {
        return new IllegalArgumentException(
                "Invalid pool setting " + name + "=" + value + ": accepted values are " + accepted);
    }
}
