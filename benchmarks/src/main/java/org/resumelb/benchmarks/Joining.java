package org.resumelb.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;

import org.eclipse.jetty.client.HttpClient;
import org.resumelb.samples.demo.DemoCluster;
import org.resumelb.samples.demo.DemoOptions;
import org.resumelb.samples.demo.LoadGenerator;
import org.resumelb.samples.demo.Zipf;

/**
 * A worker joins a warm résumé pool (issue 15): the locality benchmark's
 * database-bound configuration (400 sites × 500 objects, Zipf 1.0, 10 objects
 * per request, 10,000 objects cached per worker, 10 ms per miss) with 7 warm
 * workers, then an eighth starts as in production (a fresh newsroom worker
 * WAR whose filter pushes its first, empty, résumé). Beside each join, the
 * same run without it: at the same moment a worker WAR is deployed in the
 * same JVM that does not push to the load balancer (the same start-up cost,
 * no join). Two loads:
 * <ul>
 * <li>heavy: 32 closed-loop clients throughout;</li>
 * <li>light: the same closed-loop warm-up, then an open loop (Poisson
 * arrivals, at most 256 outstanding, latency from the intended send time) at
 * a quarter of the heavy no-join run's requests/s.</li>
 * </ul>
 * Each run is cut into 5 s windows by completion time around the join: the
 * joining worker's share of requests and hit rate, the pool's hit rate,
 * requests/s and p99. Optionally (flag {@code --eight}) a run with 8 warm
 * workers from the start, for what a completed join is worth.
 *
 * <p>Flags: {@code --warmup S} (25) {@code --steady S} (10, recorded before the
 * join) {@code --after S} (60) {@code --loads heavy,light}
 * {@code --light-fraction 0.25} {@code --light-rate R} (requests/s, instead of
 * the fraction) {@code --eight true|false} (true) {@code --slow-start 0,20s}
 * (the proxy's {@code slowStart} setting, one run pair per value; not given:
 * the setting is not passed, the proxy's default applies) {@code --jvm-warmup S}
 * (20, a throwaway run first, see {@link #warmJvm}).
 */
public final class Joining {

    static final int WARM_WORKERS = 7;
    static final int CLIENTS = 32;
    static final int MAX_OUTSTANDING = 256;
    static final double WINDOW = 5;
    static final double FAIR_SHARE = 1.0 / (WARM_WORKERS + 1);
    /** The goal: 80 % of a fair share. */
    static final double SHARE_GOAL = 0.8 * FAIR_SHARE;

    enum Event { JOIN, DETACHED, NONE }

    /** One run: its recording, when the event happened, the new worker's name and when the load balancer listed it. */
    record Result(LoadGenerator.Recording rec, long eventNanos, String newWorker, double listedAfterSeconds, int workers) {

        LoadGenerator.Run window(double fromSeconds, double toSeconds) {
            return rec.window(eventNanos + nanos(fromSeconds), eventNanos + nanos(toSeconds));
        }
    }

    record Options(double warmup, double steady, double after) {

        double minute() {
            return Math.min(60, after);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        Options o = new Options(Double.parseDouble(flags.getOrDefault("warmup", "25")), Double.parseDouble(flags.getOrDefault("steady", "10")),
                Double.parseDouble(flags.getOrDefault("after", "60")));
        List<String> given = List.of(flags.getOrDefault("loads", "heavy,light").split(","));
        for (String l : given) {
            if (!l.equals("heavy") && !l.equals("light")) {
                throw new IllegalArgumentException("--loads: heavy and/or light, got " + l);
            }
        }
        // Heavy first: the light load's rate is measured by the heavy run.
        List<String> loads = List.of("heavy", "light").stream().filter(given::contains).toList();
        double lightFraction = Double.parseDouble(flags.getOrDefault("light-fraction", "0.25"));
        Double lightRate = flags.containsKey("light-rate") ? Double.valueOf(flags.get("light-rate")) : null;
        if (loads.contains("light") && !loads.contains("heavy") && lightRate == null) {
            throw new IllegalArgumentException("--loads light alone needs --light-rate (requests/s): the light rate is a fraction of the heavy run's");
        }
        boolean eight = Boolean.parseBoolean(flags.getOrDefault("eight", "true"));
        List<String> slowStarts = flags.containsKey("slow-start") ? List.of(flags.get("slow-start").split(",")) : java.util.Collections.singletonList(null);
        Path wars = BenchSetup.wars();
        Path out = BenchSetup.out("benchmarks/target");

        HttpClient client = BenchSetup.client(512);
        StringBuilder md = new StringBuilder();
        List<String> summary = new ArrayList<>();
        try {
            md.append(String.format(Locale.ROOT, "Joining benchmark, %s, Java %s, %d cores; %.0f s warm-up, %.0f s steady before the event, %.0f s after it;"
                            + " windows of %.0f s by completion time.%n", java.time.LocalDate.now(), System.getProperty("java.version"),
                    Runtime.getRuntime().availableProcessors(), o.warmup(), o.steady(), o.after(), WINDOW));
            warmJvm(client, wars, Double.parseDouble(flags.getOrDefault("jvm-warmup", "20")));
            Result eightWarm = null;
            // The heavy no-join run's requests/s after the event (the first one's), the base of the light load.
            double heavyRate = Double.NaN;
            for (String slowStart : slowStarts) {
                Map<String, String> proxy = slowStart == null ? Map.of() : Map.of("slowStart", slowStart);
                String label = slowStart == null ? "slowStart not set" : "slowStart=" + slowStart;
                for (String load : loads) {
                    double rate = 0;
                    if (load.equals("light")) {
                        rate = lightRate != null ? lightRate : lightFraction * heavyRate;
                    }
                    String what = load.equals("heavy") ? CLIENTS + " closed-loop clients"
                            : String.format(Locale.ROOT, "open loop at %.0f req/s", rate);
                    Result without = run(client, wars, o, WARM_WORKERS, proxy, load, rate, Event.DETACHED, label + ", " + load + ", no join");
                    if (load.equals("heavy") && lightRate == null && Double.isNaN(heavyRate)) {
                        heavyRate = without.window(0, o.minute()).requestsPerSecond();
                    }
                    Result with = run(client, wars, o, WARM_WORKERS, proxy, load, rate, Event.JOIN, label + ", " + load + ", join");
                    String title = String.format(Locale.ROOT, "%s load (%s), %s", load, what, label);
                    String table = series(title, with, without, o);
                    md.append(table);
                    System.out.print(table);
                    summary.add(summaryRow(load, label, with, without, o));
                }
                if (eight && eightWarm == null && loads.contains("heavy")) {
                    eightWarm = run(client, wars, o, WARM_WORKERS + 1, proxy, "heavy", 0, Event.NONE, label + ", heavy, 8 warm workers");
                    LoadGenerator.Run m = eightWarm.window(0, o.minute());
                    String line = String.format(Locale.ROOT, "%n8 warm workers from the start (heavy load, %s), over the same minute: %.0f req/s, hit rate %.1f%%,"
                                    + " p99 %.1f ms, max share %.2f, %d errors.%n", label, m.requestsPerSecond(), 100 * m.hitRate(), p99(m),
                            m.maxShare(WARM_WORKERS + 1), m.errors());
                    md.append(line);
                    System.out.print(line);
                }
            }
            String s = summaryTable(summary, o);
            md.append(s);
            System.out.print(s);
        } finally {
            client.stop();
        }
        BenchSetup.write(out, "joining-results.md", md);
    }

    static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(1000, wait / 1_000_000)));
        }
    }

    /**
     * A throwaway run (8 workers, heavy load, {@code seconds} long, nothing
     * reported) so that the first measured run is not also the JVM's first
     * minute: measured runs are compared with each other, and the first one
     * would otherwise run interpreted code.
     */
    static void warmJvm(HttpClient client, Path wars, double seconds) throws Exception {
        if (seconds <= 0) {
            return;
        }
        System.out.printf(Locale.ROOT, "-- warming the JVM for %.0f s (not reported)%n", seconds);
        DemoOptions d = new DemoOptions(WARM_WORKERS + 1, 400, 500, 10, 10_000, 10_000, 1.0, CLIENTS, Duration.ofSeconds(1),
                Duration.ofSeconds(1), List.of("resume"));
        try (DemoCluster cluster = new DemoCluster(wars, "resume", d)) {
            cluster.awaitWorkers(30_000);
            LoadGenerator gen = new LoadGenerator(client, cluster.proxyUrl(), new Zipf(d.sites(), d.zipf()), CLIENTS);
            gen.closedLoop(99, Duration.ofMillis(Math.round(seconds * 1000))).finish(Duration.ofMillis(Math.round(seconds * 1000) + 10_000));
            gen.openLoop(500, MAX_OUTSTANDING, 2_500, 98, Duration.ofSeconds(10)).finish(Duration.ofSeconds(20));
        }
    }

    static double p99(LoadGenerator.Run r) {
        return r.requests() == 0 ? Double.NaN : r.latencyMicros().getValueAtPercentile(99) / 1000.0;
    }

    static Result run(HttpClient client, Path wars, Options o, int workers, Map<String, String> proxy, String load, double rate,
                      Event event, String label) throws Exception {
        DemoOptions d = new DemoOptions(workers, 400, 500, 10, 10_000, 10_000, 1.0, CLIENTS, Duration.ofSeconds(1), Duration.ofSeconds(1),
                List.of("resume"));
        System.out.println("-- " + label);
        try (DemoCluster cluster = new DemoCluster(wars, "resume", d, proxy, Map.of())) {
            cluster.awaitWorkers(30_000);
            LoadGenerator gen = new LoadGenerator(client, cluster.proxyUrl(), new Zipf(d.sites(), d.zipf()), CLIENTS);
            Duration limit = Duration.ofMillis(Math.round((o.warmup() + o.steady() + o.after() + 120) * 1000));
            LoadGenerator.Session warm = null;
            LoadGenerator.Session session;
            long eventAt;
            if (load.equals("heavy")) {
                session = gen.closedLoop(1, limit);
                eventAt = session.startNanos() + nanos(o.warmup() + o.steady());
            } else {
                warm = gen.closedLoop(1, limit);
                sleepUntil(warm.startNanos() + nanos(o.warmup()));
                warm.stop();
                session = gen.openLoop(rate, MAX_OUTSTANDING, Long.MAX_VALUE, 2, limit);
                eventAt = session.startNanos() + nanos(o.steady());
            }
            sleepUntil(eventAt);
            long event0 = System.nanoTime();
            String name = switch (event) {
                case JOIN -> cluster.addWorker();
                case DETACHED -> cluster.addDetachedWorker();
                case NONE -> null;
            };
            double listed = Double.NaN;
            if (event == Event.JOIN) {
                cluster.awaitWorkers(30_000);
                listed = (System.nanoTime() - event0) / 1e9;
            }
            sleepUntil(event0 + nanos(o.after()));
            LoadGenerator.Recording rec = session.stop();
            Result r = new Result(rec, event0, name, listed, workers);
            LoadGenerator.Run m = r.window(0, o.minute());
            System.out.printf(Locale.ROOT, "   after the event: %.0f req/s, hit rate %.1f%%, p99 %.1f ms, %d errors%s; per worker %s%n",
                    m.requestsPerSecond(), 100 * m.hitRate(), p99(m), m.errors(),
                    name == null || event != Event.JOIN ? "" : String.format(Locale.ROOT, ", new worker listed after %.1f s", listed), m.byWorker());
            return r;
        }
    }

    /** The 5 s windows around the event, the join and the no-join run side by side. */
    static String series(String title, Result with, Result without, Options o) {
        StringBuilder t = new StringBuilder("\n### ").append(title).append("\n\n");
        t.append("| s after the join | new worker's share | its hit rate | hit rate | req/s | p99 ms | no join: hit rate | req/s | p99 ms |\n");
        t.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (double from = -o.steady(); from < o.after() - 1e-9; from += WINDOW) {
            double to = Math.min(from + WINDOW, o.after());
            LoadGenerator.Run w = with.window(from, to);
            LoadGenerator.Run n = without.window(from, to);
            boolean after = from >= 0;
            t.append(String.format(Locale.ROOT, "| %.0f–%.0f | %s | %s | %.1f%% | %.0f | %.1f | %.1f%% | %.0f | %.1f |%n",
                    from, to,
                    after ? String.format(Locale.ROOT, "%.1f%%", 100 * w.share(with.newWorker())) : "–",
                    after && w.byWorker().containsKey(with.newWorker()) ? String.format(Locale.ROOT, "%.1f%%", 100 * with.rec().hitRateOf(
                            with.newWorker(), with.eventNanos() + nanos(from), with.eventNanos() + nanos(to))) : "–",
                    100 * w.hitRate(), w.requestsPerSecond(), p99(w), 100 * n.hitRate(), n.requestsPerSecond(), p99(n)));
        }
        return t.toString();
    }

    /** When the new worker's share first reached 80 % of a fair share: the end of that window, in seconds after it started. */
    static Double reached(Result with, Options o) {
        for (double from = 0; from < o.after() - 1e-9; from += WINDOW) {
            double to = Math.min(from + WINDOW, o.after());
            if (with.window(from, to).share(with.newWorker()) >= SHARE_GOAL) {
                return to;
            }
        }
        return null;
    }

    /** Whether every window from {@code since} on keeps the share at 80 % of fair or more. */
    static boolean stays(Result with, double since, Options o) {
        for (double from = since - WINDOW; from < o.after() - 1e-9; from += WINDOW) {
            double to = Math.min(from + WINDOW, o.after());
            if (with.window(from, to).share(with.newWorker()) < SHARE_GOAL) {
                return false;
            }
        }
        return true;
    }

    static String summaryRow(String load, String label, Result with, Result without, Options o) {
        Double at = reached(with, o);
        LoadGenerator.Run w = with.window(0, o.minute());
        LoadGenerator.Run n = without.window(0, o.minute());
        LoadGenerator.Run steady = with.window(-o.steady(), 0);
        LoadGenerator.Run lastW = with.window(o.after() - 15, o.after());
        double points = 100 * (w.hitRate() - n.hitRate());
        double p99Ratio = p99(w) / p99(n);
        long late = with.rec().lateSends(with.eventNanos(), with.eventNanos() + nanos(o.after()), 10_000_000);
        boolean met = at != null && at <= 30 && Math.abs(points) <= 2 && p99Ratio <= 1.5;
        return String.format(Locale.ROOT, "| %s | %s | %s | %.1f%% | %.1f%% / %.1f%% (%+.1f) | %.1f / %.1f (%.2f×) | %.1f (%.2f×) | %.0f / %.0f | %d / %d | %d | %s |%n",
                load, label,
                at == null ? "not reached" : String.format(Locale.ROOT, "%.0f s%s", at, stays(with, at, o) ? "" : " (not kept)"),
                100 * lastW.share(with.newWorker()),
                100 * w.hitRate(), 100 * n.hitRate(), points,
                p99(w), p99(n), p99Ratio, p99(steady), p99(w) / p99(steady),
                w.requestsPerSecond(), n.requestsPerSecond(), w.errors(), n.errors(), late, met ? "**met**" : "missed");
    }

    static String summaryTable(List<String> rows, Options o) {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%n### Summary: the first %.0f s after the join, against the run without it%n%n", o.minute()));
        t.append("| load | proxy | 80 % of fair share (10 %) at | new worker's share, last 15 s | hit rate join / no join (points) | p99 ms join / no join (ratio)"
                + " | p99 ms before the join (ratio) | req/s join / no join | errors join / no join | sends > 10 ms late | goals |\n");
        t.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        rows.forEach(t::append);
        t.append("\nGoals (issue 15): 80 % of a fair share within 30 s, hit rate within 2 points of the run without a join, p99 at most 1.5× the"
                + " run without a join's.\n");
        return t.toString();
    }

    private Joining() {
    }
}
