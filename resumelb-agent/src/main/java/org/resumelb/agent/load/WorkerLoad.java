package org.resumelb.agent.load;

/**
 * A worker's own load, as its filter counts it: the requests in flight through
 * it (from every load balancer together, and direct clients) and their decayed
 * mean ({@link DecayedBacklog}, over about {@code 2 * history} arrivals and
 * departures), reported to the load balancers in
 * {@link org.resumelb.agent.protocol.Protocol#LOAD_HEADER}.
 *
 * <p>{@link #enter} counts a request that starts, {@link #exit} counts it
 * done, and {@link #report} gives the report as of now: the requests in flight,
 * the one being answered included (it has not exited), and their mean. The
 * filter asks for it as late as it can, when the application starts its
 * response ({@code LoadReportingResponse}), so that the number is as of about
 * the moment the load balancer reads it, not as of the request's arrival a
 * whole request's time earlier (see docs/protocol.md).
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

    /** A request starts: counted until {@link #exit}. */
    public void enter() {
        synchronized (lock) {
            inFlight++;
            mean.record(inFlight, decay);
        }
    }

    /** The report as of now ({@link LoadReport#format(int, double)}): requests in flight and their decayed mean. */
    public String report() {
        int n;
        double m;
        synchronized (lock) {
            n = inFlight;
            m = mean.mean();
        }
        return LoadReport.format(n, m);
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
