package org.resumelb.agent.load;

/**
 * A worker's own load, as its filter counts it: the requests in flight through
 * it (from every load balancer together, and direct clients) and their decayed
 * mean ({@link DecayedBacklog}, over about {@code 2 * history} arrivals and
 * departures), reported to the load balancers in
 * {@link org.resumelb.agent.protocol.Protocol#LOAD_HEADER}.
 *
 * <p>{@link #enter} counts a request that starts and, when asked, returns the report to add
 * to its response at once (built only for a response that carries one), before the application can commit it: the requests
 * in flight when this one arrived, itself included, and the mean after that
 * arrival. {@link #exit} counts it done. The number is thus as of the request's
 * arrival; the load balancer reads it when the response arrives (see
 * docs/protocol.md).
 *
 * <p>Thread-safe: one short monitor around an increment and one decayed update;
 * the header text is built outside it.
 */
public final class WorkerLoad {

    /** Events the filter's mean remembers about twice over (a worker does not know the load balancers' backlogHistory). */
    public static final int HISTORY = 20;

    private final Object lock = new Object();
    private final double decay;
    // Guarded by lock.
    private final DecayedBacklog mean = new DecayedBacklog();
    private int inFlight;

    public WorkerLoad() {
        this(HISTORY);
    }

    public WorkerLoad(int history) {
        if (history < 1) {
            throw new IllegalArgumentException("history must be >= 1, got " + history);
        }
        this.decay = DecayedBacklog.decay(history);
    }

    /** A request starts, counted; its report ({@link LoadReport#format(int, double)}) when {@code report}, else null. */
    public String enter(boolean report) {
        int n;
        double m;
        synchronized (lock) {
            n = ++inFlight;
            mean.record(n, decay);
            m = mean.mean();
        }
        return report ? LoadReport.format(n, m) : null;
    }

    /** A request that {@link #enter} counted has ended. */
    public void exit() {
        synchronized (lock) {
            if (inFlight <= 0) {
                throw new IllegalStateException("WorkerLoad: exit without enter");
            }
            inFlight--;
            mean.record(inFlight, decay);
        }
    }

    /** Requests in flight now. */
    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    /** Their decayed mean now. */
    public double mean() {
        synchronized (lock) {
            return mean.mean();
        }
    }
}
