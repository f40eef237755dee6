package org.resumelb.agent.load;

/**
 * A backlog's decayed mean: zc.resumelb's {@code _decay_backlog}, the one
 * place this formula lives. Each event (an acquire or a release) folds the
 * backlog after it into a weighted sum whose older terms fade by {@code decay}
 * per event, so the mean remembers about {@code 1/(1 - decay)} events.
 *
 * <pre>
 *   sum    = sum * decay + backlog
 *   weight = weight * decay + 1
 *   mean   = sum / weight
 * </pre>
 *
 * <p>Used by the load balancer's pool (a mean per worker and one for the pool)
 * and by the worker's filter ({@link WorkerLoad}, its own requests in flight,
 * reported in {@link org.resumelb.agent.protocol.Protocol#LOAD_HEADER}).
 *
 * <p>Not thread-safe: guarded by its owner's lock (the pool's, or
 * {@link WorkerLoad}'s). Allocation-free.
 */
public final class DecayedBacklog {

    private double sum;
    private double weight;
    private double mean;

    /**
     * The per-event decay that remembers about {@code 2 * events} events:
     * {@code 1 - 1/(2 * events)}. A worker uses {@code backlogHistory} events, the
     * pool {@code backlogHistory * workers}, as zc.resumelb does.
     */
    public static double decay(double events) {
        return 1.0 - 1.0 / (2.0 * events);
    }

    /** Folds in the backlog after one event. */
    public void record(int backlog, double decay) {
        sum = sum * decay + backlog;
        weight = weight * decay + 1;
        mean = sum / weight;
    }

    /** The decayed mean; 0 before the first event. */
    public double mean() {
        return mean;
    }
}
