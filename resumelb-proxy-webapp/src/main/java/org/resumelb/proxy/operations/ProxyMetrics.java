package org.resumelb.proxy.operations;

import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.membership.ResumeReceiver;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolSnapshot;

/**
 * The proxy's Prometheus metrics, kept with the official Java client in a
 * registry of this servlet's own (two proxies in one JVM never mix their
 * figures), written in the Prometheus text format by the client's writer.
 *
 * <p>Counters are updated on the request path: a request's outcome counter is
 * looked up by worker URL in a concurrent map (no allocation once the worker has
 * been seen); pool figures (backlogs, workers by state) are read from the pool
 * when scraped. Thread-safe: every metric of the client is.
 */
public final class ProxyMetrics {

    /** How a proxied request ended, as the {@code outcome} label says it. */
    public enum Outcome {
        /** The worker answered and the answer was relayed (whatever its status). */
        SUCCESS("success"),
        /** The connection to the worker failed (refused, reset, closed early). */
        WORKER_FAILURE("worker_failure"),
        /** The worker did not answer within the timeout. */
        TIMEOUT("timeout"),
        /** The client went away or sent a broken request. */
        CLIENT_FAILURE("client_failure");

        final String label;

        Outcome(String label) {
            this.label = label;
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter retries;
    private final Counter noWorker;
    private final Counter classOverflow;
    private final Counter previousClassifierPlacements;
    private final Counter malformedLoadReports;
    private final CounterDataPoint stickyHits;
    private final CounterDataPoint stickyMoved;
    private final Histogram routing;
    /** Per-worker request series kept before those of departed workers are dropped. */
    static final int MAX_WORKER_SERIES = 1024;

    private final ConcurrentHashMap<String, LongAdder[]> byWorker = new ConcurrentHashMap<>();
    /** Null until {@link #admission} registers it (admission on). */
    private volatile AdmissionFigures admission;
    private final WorkerDirectory directory;
    private final LongAdder total = new LongAdder();

    public ProxyMetrics(Pool pool, WorkerDirectory directory, ResumeReceiver receiver, java.util.function.IntSupplier waiting) {
        this.directory = directory;
        CounterWithCallback.builder().name("resumelb_requests")
                .help("Proxied requests by worker and outcome (success: the worker's answer was relayed)")
                .labelNames("worker", "outcome")
                .callback(cb -> byWorker.forEach((url, counts) -> {
                    for (Outcome o : Outcome.values()) {
                        cb.call(counts[o.ordinal()].sum(), url, o.label);
                    }
                })).register(registry);
        retries = Counter.builder().name("resumelb_retries")
                .help("Requests retried on another worker after a connection failure").register(registry);
        noWorker = Counter.builder().name("resumelb_no_worker")
                .help("Requests answered 503 because no worker joined within queueTimeout").register(registry);
        classOverflow = Counter.builder().name("resumelb_class_overflow")
                .help("Requests of a class in no résumé routed by backlog, teaching nobody, because the worker that would"
                        + " have learnt it had spent its classBudget")
                .register(registry);
        previousClassifierPlacements = Counter.builder().name("resumelb_previous_classifier_placements")
                .help("Classes in no résumé placed on the worker skilled at the request's class under previousClassifier,"
                        + " where its data is")
                .register(registry);
        malformedLoadReports = Counter.builder().name("resumelb_load_reports_malformed")
                .help("Worker responses whose X-ResumeLB-Load header was malformed (ignored)").register(registry);
        Counter sticky = Counter.builder().name("resumelb_sticky")
                .help("Requests of a sticky session (their session cookie names a route) by outcome: hit (sent to the worker"
                        + " that owns the session), moved (no worker in the pool has the route: routed by class)")
                .labelNames("outcome")
                .register(registry);
        stickyHits = sticky.labelValues("hit");
        stickyMoved = sticky.labelValues("moved");
        routing = Histogram.builder().name("resumelb_routing_seconds")
                .help("Time to classify a request and pick its worker")
                .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(250e-9, 500e-9, 1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 1e-3)
                .register(registry);
        CounterWithCallback.builder().name("resumelb_ejections")
                .help("Workers ejected after a failed connection, until they answer again")
                .callback(cb -> cb.call(directory.ejections())).register(registry);
        CounterWithCallback.builder().name("resumelb_resume_pushes")
                .help("Résumé pushes received, by outcome (accepted, or the reason of the rejection)")
                .labelNames("outcome")
                .callback(cb -> {
                    cb.call(receiver.accepted(), "accepted");
                    receiver.rejected().forEach((reason, n) -> cb.call(n, reason));
                }).register(registry);
        GaugeWithCallback.builder().name("resumelb_backlog")
                .help("Requests in flight on the workers").callback(cb -> cb.call(pool.backlog())).register(registry);
        GaugeWithCallback.builder().name("resumelb_workers_probing")
                .help("Workers that keep pushing résumés and are probed before they join (https) or rejoin (ejected)")
                .callback(cb -> cb.call(directory.probing())).register(registry);
        GaugeWithCallback.builder().name("resumelb_waiting")
                .help("Requests waiting for a worker to join").callback(cb -> cb.call(waiting.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("resumelb_worker_backlog")
                .help("Requests in flight per worker: this load balancer's (stat=current), their decayed mean (stat=mean),"
                        + " what the worker last reported for every load balancer (stat=reported, -1 before a report) and"
                        + " others' load as routing counts it now (stat=others)")
                .labelNames("worker", "stat")
                .callback(cb -> {
                    for (PoolSnapshot.WorkerStatus w : pool.snapshot().workers()) {
                        cb.call(w.backlog(), w.url(), "current");
                        cb.call(w.meanBacklog(), w.url(), "mean");
                        cb.call(w.reported(), w.url(), "reported");
                        cb.call(w.others(), w.url(), "others");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("resumelb_workers")
                .help("Workers known to the load balancer by state")
                .labelNames("state")
                .callback(cb -> {
                    java.util.Map<WorkerDirectory.State, Integer> counts = new java.util.EnumMap<>(WorkerDirectory.State.class);
                    for (WorkerDirectory.State s : WorkerDirectory.State.values()) {
                        counts.put(s, 0);
                    }
                    for (String url : directory.live().keySet()) {
                        WorkerDirectory.State s = directory.state(url);
                        counts.merge(s == null ? WorkerDirectory.State.ACTIVE : s, 1, Integer::sum);
                    }
                    java.util.Map<String, WorkerDirectory.State> departed = directory.departed();
                    departed.values().forEach(s -> counts.merge(s, 1, Integer::sum));
                    for (String url : directory.probeProblems().keySet()) {
                        if (!departed.containsKey(url) && directory.state(url) == WorkerDirectory.State.JOINING) {
                            counts.merge(WorkerDirectory.State.JOINING, 1, Integer::sum);
                        }
                    }
                    counts.forEach((s, n) -> cb.call(n, s.name().toLowerCase(java.util.Locale.ROOT)));
                }).register(registry);
    }

    /**
     * Registers the admission queue's figures (once, when {@code maxBacklog} is
     * set): {@code resumelb_admission_total{priority, outcome}},
     * {@code resumelb_queued{priority}} and {@code resumelb_admission_users};
     * the status page shows them too ({@link #admission()}).
     */
    public synchronized void admission(AdmissionFigures figures) {
        if (admission != null) {
            throw new IllegalStateException("admission figures registered already");
        }
        CounterWithCallback.builder().name("resumelb_admission")
                .help("Requests by priority class and how their admission ended (maxBacklog): admitted at once, dequeued after"
                        + " waiting, too_many_queued (429), queue_full (503), timed_out (503), cancelled (the client left)")
                .labelNames("priority", "outcome")
                .callback(cb -> {
                    for (String p : figures.priorities()) {
                        for (String o : figures.outcomes()) {
                            cb.call(figures.count(p, o), p, o);
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("resumelb_queued")
                .help("Requests waiting for a worker below its maxBacklog, by priority class")
                .labelNames("priority")
                .callback(cb -> figures.priorities().forEach(p -> cb.call(figures.queued(p), p))).register(registry);
        GaugeWithCallback.builder().name("resumelb_admission_users")
                .help("Users (userKey) with requests in flight or waiting")
                .callback(cb -> cb.call(figures.users())).register(registry);
        admission = figures;
    }

    /** The admission queue's figures, or null when admission is off. */
    public AdmissionFigures admission() {
        return admission;
    }

    /**
     * Counts one proxied request's end. A worker URL that comes back keeps
     * adding to its counts, unless they were dropped meanwhile (see
     * {@link #forgetDeparted}).
     */
    public void request(String worker, Outcome outcome) {
        LongAdder[] counts = byWorker.get(worker);
        if (counts == null) {
            if (byWorker.size() >= MAX_WORKER_SERIES) {
                forgetDeparted();
            }
            counts = byWorker.computeIfAbsent(worker, w -> {
                LongAdder[] c = new LongAdder[Outcome.values().length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = new LongAdder();
                }
                return c;
            });
        }
        counts[outcome.ordinal()].increment();
        total.increment();
    }

    /**
     * Keeps the per-worker series bounded when worker URLs churn (autoscaled
     * workers on fresh addresses): past {@link #MAX_WORKER_SERIES} URLs, those
     * of workers no longer in the pool are dropped from the metrics (Prometheus
     * sees their series end) and from the status page's request counts.
     */
    private synchronized void forgetDeparted() {
        if (byWorker.size() < MAX_WORKER_SERIES) {
            return;
        }
        java.util.Set<String> live = directory.live().keySet();
        byWorker.keySet().removeIf(url -> !live.contains(url));
    }

    /** Requests to this worker so far, all outcomes. */
    public long requests(String worker) {
        LongAdder[] counts = byWorker.get(worker);
        long total = 0;
        if (counts != null) {
            for (LongAdder c : counts) {
                total += c.sum();
            }
        }
        return total;
    }

    /** Every proxied request counted so far, all workers and outcomes (dropped series included). */
    public long requestsTotal() {
        return total.sum();
    }

    public void retry() {
        retries.inc();
    }

    public long retries() {
        return (long) retries.get();
    }

    public void noWorker() {
        noWorker.inc();
    }

    /** One request sent as the overflow class (classBudget spent). */
    public void classOverflow() {
        classOverflow.inc();
    }

    /** A class in no résumé was placed by the previous classifier's skills. */
    public void placedByPreviousClassifier() {
        previousClassifierPlacements.inc();
    }

    public long previousClassifierPlacements() {
        return (long) previousClassifierPlacements.get();
    }

    /** A worker's X-ResumeLB-Load header was malformed. */
    public void malformedLoadReport() {
        malformedLoadReports.inc();
    }

    public long malformedLoadReports() {
        return (long) malformedLoadReports.get();
    }

    public long classOverflows() {
        return (long) classOverflow.get();
    }

    /**
     * One request of a sticky session: {@code hit} when it went to the worker
     * that owns the session, otherwise it was routed by class (the session moves).
     */
    public void sticky(boolean hit) {
        (hit ? stickyHits : stickyMoved).inc();
    }

    /** Sticky sessions' requests sent to the worker that owns the session. */
    public long stickyHits() {
        return stickyHits.getLongValue();
    }

    /** Sticky sessions' requests whose worker had left the pool, routed by class. */
    public long stickyMoved() {
        return stickyMoved.getLongValue();
    }

    public void routingNanos(long nanos) {
        routing.observe(nanos / 1e9);
    }

    public String contentType() {
        return writer.getContentType();
    }

    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
