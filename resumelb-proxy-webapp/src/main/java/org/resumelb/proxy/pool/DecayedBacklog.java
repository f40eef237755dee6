package org.resumelb.proxy.pool;

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
 * <p>Not thread-safe: guarded by the owning pool's lock, like every other
 * piece of pool state. Allocation-free.
 */
final class DecayedBacklog {

    private double sum;
    private double weight;
    private double mean;

    /**
     * The per-event decay that remembers about {@code 2 * events} events:
     * {@code 1 - 1/(2 * events)}. A worker uses {@code backlogHistory} events, the
     * pool {@code backlogHistory * workers}, as zc.resumelb does.
     */
    static double decay(double events) {
        return 1.0 - 1.0 / (2.0 * events);
    }

    /** Folds in the backlog after one event. */
    void record(int backlog, double decay) {
        sum = sum * decay + backlog;
        weight = weight * decay + 1;
        mean = sum / weight;
    }

    /** The decayed mean; 0 before the first event. */
    double mean() {
        return mean;
    }
}
