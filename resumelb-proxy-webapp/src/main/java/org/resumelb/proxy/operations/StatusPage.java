package org.resumelb.proxy.operations;

import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.membership.ResumeReceiver;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonGenerator;

import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolSnapshot;
import org.resumelb.proxy.pool.RouteId;

/**
 * {@code GET <prefix>/status}: what the load balancer knows and does, as JSON.
 *
 * <pre>
 * {"policy":"resume", "time":…, "uptimeSeconds":…,
 *  "backlog":3, "meanBacklog":2.4, "waiting":0, "requests":12345, "retries":2, "ejections":1,
 *  "sticky":{"hits":900, "moved":3},
 *  "admission":{"queued":{"normal":5, "high":0}, "users":40,            (only with maxBacklog)
 *               "outcomes":{"normal":{"admitted":…, "dequeued":…, "too_many_queued":…, "queue_full":…,
 *                                     "timed_out":…, "cancelled":…}, "high":{…}}},
 *  "singleVersion":false, "activeVersion":null,
 *  "pushes":{"accepted":812, "rejected":{"bad_signature":3}},
 *  "workers":[{"url":…, "route":"kV3…", "version":…, "state":"active", "weight":1.0, "backlog":1, "meanBacklog":0.8, "reportedBacklog":3, "othersBacklog":2,
 *              "oldestRequestSeconds":0.004, "skills":12, "lastResumeSecondsAgo":0.7, "requests":4000}, …],
 *  "classes":{"total":200, "shown":[{"name":"site-1", "requests":900,
 *                                    "workers":[{"url":…, "score":512.5}, …]}, …]},
 *  "settings":{…in force, secrets hidden…}}
 * </pre>
 *
 * Departed workers are listed with their state (draining, ejected, expired) and
 * no figures, and so are workers that push but are not in the pool until the
 * load balancer reaches them ({@code "state":"joining"}: an https worker
 * before its first probe over TLS succeeds); a worker being probed has
 * {@code "probing":true} and, once a probe failed, {@code "probeProblem"}
 * (why, e.g. its certificate is not trusted). Classes are the busiest first, at most {@code classes} of them
 * (the query parameter; default 50), each with its skilled workers, best
 * score first. Reads only snapshots and counters: safe from any thread.
 */
public final class StatusPage {

    private static final com.fasterxml.jackson.core.JsonFactory JSON = com.fasterxml.jackson.core.JsonFactory.builder().build();

    private final Pool pool;
    private final WorkerDirectory directory;
    private final ProxyMetrics metrics;
    private final ClassCounts classCounts;
    private final ResumeReceiver receiver;
    private final Supplier<Map<String, Long>> oldestStartNanos;
    private final Supplier<Map<String, Object>> settings;
    private final IntSupplier waiting;
    private final Clock clock;
    private final long startedNanos = System.nanoTime();

    public StatusPage(Pool pool, WorkerDirectory directory, ProxyMetrics metrics, ClassCounts classCounts, ResumeReceiver receiver,
                      Supplier<Map<String, Long>> oldestStartNanos, Supplier<Map<String, Object>> settings, IntSupplier waiting,
                      Clock clock) {
        this.pool = pool;
        this.directory = directory;
        this.metrics = metrics;
        this.classCounts = classCounts;
        this.receiver = receiver;
        this.oldestStartNanos = oldestStartNanos;
        this.settings = settings;
        this.waiting = waiting;
        this.clock = clock;
    }

    /**
     * Writes the status JSON.
     *
     * @param maxClasses how many of the busiest classes to show
     * @param resumes whether each worker in the pool shows its résumé as the pool holds it ({@code "resume"})
     */
    public void write(OutputStream out, int maxClasses, boolean resumes) throws IOException {
        PoolSnapshot snapshot = pool.snapshot();
        long nowNanos = System.nanoTime();
        long nowMillis = clock.millis();
        Map<String, Long> oldest = oldestStartNanos.get();
        Map<String, WorkerDirectory.Live> live = directory.live();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("policy", snapshot.policy());
            g.writeNumberField("time", nowMillis);
            g.writeNumberField("uptimeSeconds", round((nowNanos - startedNanos) / 1e9));
            g.writeNumberField("backlog", pool.backlog());
            g.writeNumberField("meanBacklog", round(snapshot.meanBacklog()));
            g.writeNumberField("waiting", waiting.getAsInt());
            g.writeNumberField("requests", metrics.requestsTotal());
            g.writeNumberField("retries", metrics.retries());
            g.writeNumberField("ejections", directory.ejections());
            g.writeObjectFieldStart("sticky");
            g.writeNumberField("hits", metrics.stickyHits());
            g.writeNumberField("moved", metrics.stickyMoved());
            g.writeEndObject();
            AdmissionFigures admission = metrics.admission();
            if (admission != null) {
                g.writeObjectFieldStart("admission");
                g.writeObjectFieldStart("queued");
                for (String p : admission.priorities()) {
                    g.writeNumberField(p, admission.queued(p));
                }
                g.writeEndObject();
                g.writeNumberField("users", admission.users());
                g.writeObjectFieldStart("outcomes");
                for (String p : admission.priorities()) {
                    g.writeObjectFieldStart(p);
                    for (String o : admission.outcomes()) {
                        g.writeNumberField(o, admission.count(p, o));
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeBooleanField("singleVersion", directory.singleVersion());
            g.writeStringField("activeVersion", directory.activeVersion());
            g.writeObjectFieldStart("pushes");
            g.writeNumberField("accepted", receiver.accepted());
            g.writeObjectFieldStart("rejected");
            for (Map.Entry<String, Long> e : receiver.rejected().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();

            g.writeArrayFieldStart("workers");
            Map<String, PoolSnapshot.WorkerStatus> inPool = new HashMap<>();
            for (PoolSnapshot.WorkerStatus w : snapshot.workers()) {
                inPool.put(w.url(), w);
            }
            TreeMap<String, WorkerDirectory.Live> known = new TreeMap<>(live);
            for (WorkerDirectory.Live l : known.values()) {
                PoolSnapshot.WorkerStatus w = inPool.get(l.url());
                WorkerDirectory.State state = directory.state(l.url());
                g.writeStartObject();
                g.writeStringField("url", l.url());
                g.writeStringField("route", RouteId.of(l.url()));
                g.writeStringField("version", l.version());
                g.writeStringField("state", lower(state == null ? WorkerDirectory.State.ACTIVE : state));
                g.writeNumberField("weight", l.weight());
                g.writeNumberField("backlog", w == null ? 0 : w.backlog());
                g.writeNumberField("meanBacklog", w == null ? 0 : round(w.meanBacklog()));
                g.writeNumberField("reportedBacklog", w == null ? -1 : w.reported());
                g.writeNumberField("othersBacklog", w == null ? 0 : w.others());
                Long start = oldest.get(l.url());
                if (start == null) {
                    g.writeNullField("oldestRequestSeconds");
                } else {
                    g.writeNumberField("oldestRequestSeconds", round((nowNanos - start) / 1e9));
                }
                g.writeNumberField("skills", w == null ? l.skills() : w.skills().size());
                g.writeStringField("classifier", l.classifier());
                g.writeNumberField("ignoredSkills", l.ignoredSkills());
                g.writeNumberField("lastResumeSecondsAgo", round(Math.max(0, nowMillis - l.lastResumeMillis()) / 1e3));
                g.writeNumberField("requests", metrics.requests(l.url()));
                if (resumes && w != null) {
                    g.writeObjectFieldStart("resume");
                    for (Map.Entry<String, Double> e : w.skills().entrySet()) {
                        g.writeNumberField(e.getKey(), e.getValue());
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            Map<String, String> probed = directory.probeProblems();
            Map<String, WorkerDirectory.State> away = new TreeMap<>(directory.departed());
            for (String url : probed.keySet()) {
                away.putIfAbsent(url, WorkerDirectory.State.JOINING);
            }
            for (Map.Entry<String, WorkerDirectory.State> e : away.entrySet()) {
                if (known.containsKey(e.getKey())) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("url", e.getKey());
                g.writeStringField("state", lower(e.getValue()));
                String problem = probed.get(e.getKey());
                if (problem != null) {
                    g.writeBooleanField("probing", true);
                    if (!problem.isEmpty()) {
                        g.writeStringField("probeProblem", problem);
                    }
                }
                g.writeNumberField("requests", metrics.requests(e.getKey()));
                g.writeEndObject();
            }
            g.writeEndArray();

            g.writeObjectFieldStart("classes");
            Map<String, List<PoolSnapshot.SkilledWorker>> skilled = snapshot.classes();
            java.util.LinkedHashMap<String, Long> shown = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Long> e : classCounts.busiest(maxClasses)) {
                shown.put(e.getKey(), e.getValue());
            }
            // Classes in résumés that no request has reached yet fill the rest, in name order.
            for (String c : skilled.keySet()) {
                if (shown.size() >= maxClasses) {
                    break;
                }
                shown.putIfAbsent(c, 0L);
            }
            java.util.Set<String> all = new java.util.HashSet<>(skilled.keySet());
            all.addAll(classCounts.names());
            g.writeNumberField("total", all.size());
            g.writeArrayFieldStart("shown");
            for (Map.Entry<String, Long> e : shown.entrySet()) {
                g.writeStartObject();
                g.writeStringField("name", e.getKey());
                g.writeNumberField("requests", e.getValue());
                g.writeArrayFieldStart("workers");
                for (PoolSnapshot.SkilledWorker s : skilled.getOrDefault(e.getKey(), List.of())) {
                    g.writeStartObject();
                    g.writeStringField("url", s.url());
                    g.writeNumberField("score", round(s.score()));
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();

            g.writeObjectFieldStart("settings");
            for (Map.Entry<String, Object> e : settings.get().entrySet()) {
                Object v = e.getValue();
                if (v instanceof Number n) {
                    g.writeNumberField(e.getKey(), n.doubleValue());
                } else if (v instanceof Boolean b) {
                    g.writeBooleanField(e.getKey(), b);
                } else {
                    g.writeStringField(e.getKey(), v == null ? null : v.toString());
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    private static String lower(WorkerDirectory.State s) {
        return s.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
