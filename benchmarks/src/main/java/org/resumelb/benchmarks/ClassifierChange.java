package org.resumelb.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.client.HttpClient;
import org.resumelb.samples.demo.DemoCluster;
import org.resumelb.samples.demo.DemoOptions;
import org.resumelb.samples.demo.LoadGenerator;
import org.resumelb.samples.demo.Zipf;

/**
 * The load balancer is redeployed with another classifier while its workers
 * keep running (issue 15): the locality benchmark's database-bound
 * configuration (8 workers, 400 sites × 500 objects, Zipf 1.0, 10 objects per
 * request, 10,000 objects cached per worker, 10 ms per miss, 32 closed-loop
 * clients), steady under classifier A, then the proxy is stopped and started
 * again on the same port with classifier B ({@link DemoCluster#restartProxy});
 * the workers, their caches and their résumés stay. The load pauses during
 * the redeploy (a closed loop against a closed port would only measure
 * refused connections) and resumes once every worker has pushed to the new
 * load balancer. Cases:
 * <ul>
 * <li>{@code same}: {@code host} to {@code host}, the control (a redeploy
 * alone);</li>
 * <li>{@code rename}: {@code host} to {@code path:2}: the same grouping under
 * new names ({@code site-7.news} becomes {@code 7}), no name shared;</li>
 * <li>{@code decoy}: {@code header:X-Site-Old} to {@code host}, where every
 * request carries {@code X-Site-Old: site-<(rank + 200) mod 400>.news}: the
 * wrong classifier names each site after another one, so after the change
 * every class name the workers' résumés hold is a real class again, but of
 * another site than the one their caches hold.</li>
 * </ul>
 * Each case runs with the proxy's {@code classifierFingerprint} true and false,
 * and {@code previous}: fingerprints on and the new load balancer's
 * {@code previousClassifier} set to the classifier it replaces (settings the
 * proxy only warns about until they exist); the control runs with the first
 * value only. Every request carries the {@code X-Site-Old}
 * header, whatever the classifier.
 *
 * <p>Flags: {@code --warmup S} (25) {@code --steady S} (10, before the change)
 * {@code --after S} (60, after the load resumed) {@code --cases
 * same,rename,decoy} {@code --fingerprint true,false,previous} {@code --heartbeat S}
 * (10, the workers' filter {@code heartbeat}, in seconds) {@code --jvm-warmup S}
 * (20, a throwaway run first, see {@link Joining#warmJvm}).
 */
public final class ClassifierChange {

    static final int WORKERS = 8;
    static final int SITES = 400;
    static final int CLIENTS = 32;
    static final double WINDOW = 5;
    static final String DECOY_HEADER = "X-Site-Old";
    /** The goal: back within this many points of the steady hit rate. */
    static final double POINTS = 5;

    record Case(String name, String from, String to, String description) {
    }

    static final List<Case> CASES = List.of(
            new Case("same", "host", "host", "the control: a redeploy with the same classifier"),
            new Case("rename", "host", "path:2", "the same grouping under new names (site-7.news becomes 7)"),
            new Case("decoy", "header:" + DECOY_HEADER, "host",
                    "from a classifier naming each site after another (X-Site-Old: site (rank + 200) mod 400) to the right one"));

    /** One run: before the change, after it, and the times of the redeploy. */
    record Result(Case c, String fingerprint, LoadGenerator.Recording before, LoadGenerator.Recording after, long changeNanos,
                  long resumedNanos, double redeploySeconds, double relearnSeconds, int classesBefore, List<Integer> classesAfter) {

        /** Classes the load balancer knew at the end of the window ending {@code toSeconds} after the load resumed (-1: not read). */
        int classesAt(double toSeconds) {
            int i = (int) Math.round(toSeconds / WINDOW) - 1;
            return i >= 0 && i < classesAfter.size() ? classesAfter.get(i) : -1;
        }


        LoadGenerator.Run steady(double seconds) {
            return before.window(changeNanos - Joining.nanos(seconds), changeNanos);
        }

        LoadGenerator.Run afterWindow(double fromSeconds, double toSeconds) {
            return after.window(resumedNanos + Joining.nanos(fromSeconds), resumedNanos + Joining.nanos(toSeconds));
        }

        LoadGenerator.Run beforeWindow(double fromSeconds, double toSeconds) {
            return before.window(changeNanos + Joining.nanos(fromSeconds), changeNanos + Joining.nanos(toSeconds));
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        double warmup = Double.parseDouble(flags.getOrDefault("warmup", "25"));
        double steady = Double.parseDouble(flags.getOrDefault("steady", "10"));
        double after = Double.parseDouble(flags.getOrDefault("after", "60"));
        double heartbeat = Double.parseDouble(flags.getOrDefault("heartbeat", "10"));
        List<String> caseNames = List.of(flags.getOrDefault("cases", "same,rename,decoy").split(","));
        List<String> fingerprints = List.of(flags.getOrDefault("fingerprint", "true,false,previous").split(","));
        List<Case> cases = new ArrayList<>();
        for (String n : caseNames) {
            cases.add(CASES.stream().filter(c -> c.name().equals(n)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--cases: unknown case " + n + "; accepted: same, rename, decoy")));
        }
        Path wars = BenchSetup.wars();
        Path out = BenchSetup.out("benchmarks/target");

        HttpClient client = BenchSetup.client(256);
        StringBuilder md = new StringBuilder();
        try {
            md.append(String.format(Locale.ROOT, "Classifier change benchmark, %s, Java %s, %d cores; %.0f s warm-up under A, %.0f s steady,"
                            + " redeploy with B, %.0f s after the load resumed; windows of %.0f s by completion time; workers' heartbeat %.0f s.%n",
                    java.time.LocalDate.now(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), warmup, steady,
                    after, WINDOW, heartbeat));
            Joining.warmJvm(client, wars, Double.parseDouble(flags.getOrDefault("jvm-warmup", "20")));
            Result control = null;
            List<Result> all = new ArrayList<>();
            for (Case c : cases) {
                Map<String, Result> byFingerprint = new LinkedHashMap<>();
                for (String fp : c.name().equals("same") ? fingerprints.subList(0, 1) : fingerprints) {
                    Result r = run(client, wars, c, fp, warmup, steady, after, heartbeat);
                    byFingerprint.put(fp, r);
                    all.add(r);
                    if (c.name().equals("same") && control == null) {
                        control = r;
                    }
                }
                String table = series(c, byFingerprint, c.name().equals("same") ? null : control, steady, after);
                md.append(table);
                System.out.print(table);
            }
            String s = summary(all, steady, after, heartbeat);
            md.append(s);
            System.out.print(s);
        } finally {
            client.stop();
        }
        BenchSetup.write(out, "classifier-change-results.md", md);
    }

    private static final Pattern TOTAL_CLASSES = Pattern.compile("\"classes\":\\{\"total\":(\\d+)");

    /** The classes the load balancer knows (its status's {@code classes.total}: those of the workers' résumés and those requested). */
    static int classesKnown(DemoCluster cluster) {
        Matcher m = TOTAL_CLASSES.matcher(cluster.status("classes=0"));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    static Result run(HttpClient client, Path wars, Case c, String fingerprint, double warmup, double steady, double after, double heartbeat)
            throws Exception {
        DemoOptions d = new DemoOptions(WORKERS, SITES, 500, 10, 10_000, 10_000, 1.0, CLIENTS, Duration.ofSeconds(1), Duration.ofSeconds(1),
                List.of("resume"));
        System.out.printf(Locale.ROOT, "-- %s (%s -> %s), classifierFingerprint=%s%n", c.name(), c.from(), c.to(), fingerprint);
        // "previous": fingerprints on, and the new load balancer told the classifier it replaces (previousClassifier).
        boolean previous = fingerprint.equals("previous");
        String fp = previous ? "true" : fingerprint;
        Map<String, String> a = Map.of("classifier", c.from(), "classifierFingerprint", fp);
        Map<String, String> b = previous ? Map.of("classifier", c.to(), "classifierFingerprint", fp, "previousClassifier", c.from())
                : Map.of("classifier", c.to(), "classifierFingerprint", fp);
        String hb = java.math.BigDecimal.valueOf(heartbeat).stripTrailingZeros().toPlainString();
        try (DemoCluster cluster = new DemoCluster(wars, "resume", d, a, Map.of("heartbeat", hb))) {
            cluster.awaitWorkers(30_000);
            LoadGenerator gen = new LoadGenerator(client, cluster.proxyUrl(), new Zipf(d.sites(), d.zipf()), CLIENTS)
                    .withHeader(DECOY_HEADER, rank -> LoadGenerator.host((rank + SITES / 2) % SITES));
            Duration limit = Duration.ofMillis(Math.round((warmup + steady + after + 120) * 1000));
            LoadGenerator.Session first = gen.closedLoop(1, limit);
            Joining.sleepUntil(first.startNanos() + Joining.nanos(warmup + steady));
            LoadGenerator.Recording before = first.stop();
            int classesBefore = classesKnown(cluster);
            long change = System.nanoTime();
            cluster.restartProxy(b);
            long restarted = System.nanoTime();
            cluster.awaitWorkers(Math.round(heartbeat * 3000) + 30_000);
            long listed = System.nanoTime();
            LoadGenerator.Session second = gen.closedLoop(2, limit);
            List<Integer> classesAfter = new ArrayList<>();
            for (double to = WINDOW; to < after + WINDOW - 1e-9; to += WINDOW) {
                Joining.sleepUntil(second.startNanos() + Joining.nanos(Math.min(to, after)));
                classesAfter.add(classesKnown(cluster));
            }
            LoadGenerator.Recording afterRec = second.stop();
            int classes = classesAfter.get(classesAfter.size() - 1);
            Result r = new Result(c, fingerprint, before, afterRec, change, second.startNanos(), (restarted - change) / 1e9, (listed - restarted) / 1e9,
                    classesBefore, classesAfter);
            LoadGenerator.Run s = r.steady(steady);
            LoadGenerator.Run x = r.afterWindow(0, after);
            System.out.printf(Locale.ROOT, "   steady %.0f req/s, hit %.1f%%; redeploy %.1f s, workers back %.1f s later; after: %.0f req/s, hit %.1f%%,"
                            + " %d errors; classes known at the end: %d%n",
                    s.requestsPerSecond(), 100 * s.hitRate(), r.redeploySeconds(), r.relearnSeconds(), x.requestsPerSecond(), 100 * x.hitRate(),
                    x.errors(), classes);
            return r;
        }
    }

    static String series(Case c, Map<String, Result> byFingerprint, Result control, double steady, double after) {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%n### %s: `%s` → `%s` (%s)%n%n", c.name(), c.from(), c.to(), c.description()));
        t.append("| s |");
        StringBuilder rule = new StringBuilder("|---:|");
        for (String fp : byFingerprint.keySet()) {
            t.append(" fingerprint ").append(fp).append(": hit rate | req/s | p99 ms | classes known |");
            rule.append("---:|---:|---:|---:|");
        }
        if (control != null) {
            t.append(" same classifier: hit rate | req/s |");
            rule.append("---:|---:|");
        }
        t.append('\n').append(rule).append('\n');
        for (double from = -steady; from < after - 1e-9; from += WINDOW) {
            double f = from;
            double to = Math.min(from + WINDOW, from < 0 ? 0 : after);
            t.append(String.format(Locale.ROOT, "| %s%.0f–%.0f |", from < 0 ? "before: " : "", from, to));
            List<Result> columns = new ArrayList<>(byFingerprint.values());
            if (control != null) {
                columns.add(control);
            }
            for (int i = 0; i < columns.size(); i++) {
                Result r = columns.get(i);
                LoadGenerator.Run w = f < 0 ? r.beforeWindow(f, to) : r.afterWindow(f, to);
                boolean isControl = control != null && i == columns.size() - 1;
                int classes = f < 0 ? (to == 0 ? r.classesBefore() : -1) : r.classesAt(to);
                t.append(isControl ? String.format(Locale.ROOT, " %.1f%% | %.0f |", 100 * w.hitRate(), w.requestsPerSecond())
                        : String.format(Locale.ROOT, " %.1f%% | %.0f | %.1f | %s |", 100 * w.hitRate(), w.requestsPerSecond(), Joining.p99(w),
                        classes < 0 ? "" : Integer.toString(classes)));
            }
            t.append('\n');
        }
        t.append("\nRows \"before\" are seconds before the redeploy; the others seconds after the load resumed (every worker back in the new"
                + " load balancer's pool). \"classes known\": the load balancer's status (classes of the workers' résumés and classes requested)"
                + " at the end of the window.\n");
        return t.toString();
    }

    /** The end of the first window after the load resumed whose hit rate is within {@link #POINTS} of the steady one, or null. */
    static Double back(Result r, double steady, double after) {
        double goal = r.steady(steady).hitRate() - POINTS / 100;
        for (double from = 0; from < after - 1e-9; from += WINDOW) {
            double to = Math.min(from + WINDOW, after);
            if (r.afterWindow(from, to).hitRate() >= goal) {
                return to;
            }
        }
        return null;
    }

    static String summary(List<Result> results, double steady, double after, double heartbeat) {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%n### Summary (heartbeat %.0f s)%n%n", heartbeat));
        t.append(String.format(Locale.ROOT, "| case | classifierFingerprint | steady hit rate | steady req/s | redeploy s | workers back s |"
                + " back within 5 points: s after the load resumed | s after the redeploy began | heartbeats | hit rate, first 20 s |"
                + " hit rate, whole %.0f s | req/s, whole | errors | classes known at the end | goal (2 heartbeats after the load resumed) |%n", after));
        t.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            LoadGenerator.Run s = r.steady(steady);
            LoadGenerator.Run first = r.afterWindow(0, Math.min(20, after));
            LoadGenerator.Run whole = r.afterWindow(0, after);
            Double back = back(r, steady, after);
            double gap = (r.resumedNanos() - r.changeNanos()) / 1e9;
            t.append(String.format(Locale.ROOT, "| %s | %s | %.1f%% | %.0f | %.1f | %.1f | %s | %s | %s | %.1f%% | %.1f%% | %.0f | %d | %d | %s |%n",
                    r.c().name(), r.fingerprint(), 100 * s.hitRate(), s.requestsPerSecond(), r.redeploySeconds(), r.relearnSeconds(),
                    back == null ? "not back" : String.format(Locale.ROOT, "%.0f", back),
                    back == null ? "–" : String.format(Locale.ROOT, "%.0f", back + gap),
                    back == null ? "–" : String.format(Locale.ROOT, "%.1f", back / heartbeat),
                    100 * first.hitRate(), 100 * whole.hitRate(), whole.requestsPerSecond(), whole.errors(),
                    r.classesAfter().get(r.classesAfter().size() - 1),
                    back != null && back <= 2 * heartbeat ? "**met**" : "missed"));
        }
        t.append("\n\"back within 5 points\" is the end of the first 5 s window whose hit rate is at most 5 points below the steady hit rate (the"
                + " last " + Math.round(steady) + " s before the redeploy); its resolution is the window. Heartbeats count from the load's resumption.\n");
        return t.toString();
    }

    private ClassifierChange() {
    }
}
