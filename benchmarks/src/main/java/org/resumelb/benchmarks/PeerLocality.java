package org.resumelb.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.HttpClient;
import org.resumelb.samples.demo.LoadGenerator;
import org.resumelb.samples.demo.Zipf;

/**
 * The peers locality benchmark (issue 14): nginx, HAProxy and ResumeLB in
 * front of the same newsroom worker processes, each front from cold worker
 * caches (the workers are restarted between fronts), driven by the project's
 * closed-loop {@link LoadGenerator}. Reports per front the summary of the
 * last {@code --measure} seconds and a time series in {@code --window}
 * windows from the cold start.
 *
 * <p>Flags (defaults): {@code --fronts nginx-rr,nginx-hash,nginx-leastconn,haproxy-hash,haproxy-leastconn,resumelb-resume,resumelb-consistent-hash
 * --workers 4 --seconds 60 --measure 30 --window 5 --rounds 1 --clients 32 --sites 400 --objects-per-site 500
 * --objects-per-request 10 --cache 10000 --miss-us 10000 --zipf 1.0 --hot 0 --cores 0 --cpu-us 4000 --warm-proxy 0 --label NAME}.
 * With several {@code --rounds}, each round starts one front later than the one before. {@code --hot-via first}:
 * with several load balancers (the {@code -3lb} fronts), the hot site's requests all go to the first one, the rest
 * in turn to all three (default {@code all}: every request in turn).
 * {@code --cores C} bounds each worker to C "cores" held {@code --cpu-us} per request. {@code --warm-proxy S}
 * first runs S seconds of the load through ResumeLB's proxy to throwaway workers (its JVM's JIT warms, the
 * measured workers' caches do not), to tell placement from a cold JVM.
 * System properties: {@code bench.wars}, {@code bench.out}, {@code bench.peers} (the templates),
 * {@code bench.pids}, {@code bench.workerJvm}, {@code bench.proxyJvm}.
 */
public final class PeerLocality {

    /** What the workers' own counters said over a stretch of time. */
    record Counters(long requests, long hits, long misses) {
        Counters minus(Counters o) {
            return new Counters(requests - o.requests, hits - o.hits, misses - o.misses);
        }

        double hitRate() {
            return hits + misses == 0 ? 0 : (double) hits / (hits + misses);
        }

        double loadsPerRequest() {
            return requests == 0 ? 0 : (double) misses / requests;
        }
    }

    /** One window of the time series. */
    record Window(double from, double to, LoadGenerator.Run run, Counters workers, long cpuTicks) {
        double cpuMicrosPerRequest() {
            return run.requests() == 0 ? 0 : PeerProcesses.ticksToMicros(cpuTicks) / run.requests();
        }
    }

    /** One front's measurement: its windows, and the summary over the last ones. */
    record Measured(PeerFronts.Front front, int round, List<Window> windows, double measureSeconds, int workers, String loadAverage) {

        List<Window> last() {
            double total = windows.get(windows.size() - 1).to();
            return windows.stream().filter(w -> w.from() >= total - measureSeconds - 0.5).toList();
        }

        long requests(List<Window> ws) {
            return ws.stream().mapToLong(w -> w.run().requests()).sum();
        }

        double seconds(List<Window> ws) {
            return ws.stream().mapToDouble(w -> w.run().seconds()).sum();
        }

        double perSecond(List<Window> ws) {
            return requests(ws) / seconds(ws);
        }

        double rate() {
            return perSecond(last());
        }

        Histogram latency() {
            Histogram h = new Histogram(java.util.concurrent.TimeUnit.SECONDS.toMicros(60), 3);
            last().forEach(w -> h.add(w.run().latencyMicros()));
            return h;
        }

        Counters counters() {
            long r = 0, h = 0, m = 0;
            for (Window w : last()) {
                r += w.workers().requests();
                h += w.workers().hits();
                m += w.workers().misses();
            }
            return new Counters(r, h, m);
        }

        long errors() {
            return last().stream().mapToLong(w -> w.run().errors()).sum();
        }

        double maxShare() {
            Map<String, Long> by = new TreeMap<>();
            last().forEach(w -> w.run().byWorker().forEach((k, v) -> by.merge(k, v, Long::sum)));
            long max = by.values().stream().mapToLong(Long::longValue).max().orElse(0);
            long n = requests(last());
            return n == 0 ? 0 : max / ((double) n / workers);
        }

        double cpuMicrosPerRequest() {
            long ticks = last().stream().mapToLong(Window::cpuTicks).sum();
            return PeerProcesses.ticksToMicros(ticks) / Math.max(1, requests(last()));
        }

        /** req/s over the windows that end by 30 s. */
        double first30() {
            return perSecond(windows.stream().filter(w -> w.to() <= 30.5).toList());
        }

        /** The end of the first window at ≥ 95% of the final req/s, in seconds from the cold start; -1 if none. */
        double settledAt() {
            double target = 0.95 * rate();
            for (Window w : windows) {
                if (w.run().requestsPerSecond() >= target) {
                    return w.to();
                }
            }
            return -1;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        List<String> frontIds = List.of(flags.getOrDefault("fronts",
                "nginx-rr,nginx-hash,nginx-leastconn,haproxy-hash,haproxy-leastconn,resumelb-resume,resumelb-consistent-hash").split(","));
        List<PeerFronts.Front> fronts = frontIds.stream().map(String::trim).map(PeerFronts::front).toList();
        int workers = Integer.parseInt(flags.getOrDefault("workers", "4"));
        double seconds = Double.parseDouble(flags.getOrDefault("seconds", "60"));
        double measure = Double.parseDouble(flags.getOrDefault("measure", "30"));
        double window = Double.parseDouble(flags.getOrDefault("window", "5"));
        int rounds = Integer.parseInt(flags.getOrDefault("rounds", "1"));
        int clients = Integer.parseInt(flags.getOrDefault("clients", "32"));
        int sites = Integer.parseInt(flags.getOrDefault("sites", "400"));
        int objectsPerSite = Integer.parseInt(flags.getOrDefault("objects-per-site", "500"));
        int objectsPerRequest = Integer.parseInt(flags.getOrDefault("objects-per-request", "10"));
        long cache = Long.parseLong(flags.getOrDefault("cache", "10000"));
        long missMicros = Long.parseLong(flags.getOrDefault("miss-us", "10000"));
        double zipf = Double.parseDouble(flags.getOrDefault("zipf", "1.0"));
        double hot = Double.parseDouble(flags.getOrDefault("hot", "0"));
        String hotVia = flags.getOrDefault("hot-via", "all");
        if (!hotVia.equals("all") && !hotVia.equals("first")) {
            throw new IllegalArgumentException("--hot-via is 'all' (the hot site's requests take turns over the load balancers, as all others)"
                    + " or 'first' (they all go to the first of several load balancers), got '" + hotVia + "'");
        }
        int cores = Integer.parseInt(flags.getOrDefault("cores", "0"));
        long cpuMicros = cores > 0 ? Long.parseLong(flags.getOrDefault("cpu-us", "4000")) : 0;
        if (measure > seconds || window <= 0 || seconds < window || workers < 1 || rounds < 1) {
            throw new IllegalArgumentException("need --window > 0, --seconds >= --window, --measure <= --seconds, --workers >= 1, --rounds >= 1");
        }
        double warmProxy = Double.parseDouble(flags.getOrDefault("warm-proxy", "0"));
        String label = flags.getOrDefault("label",
                (hot > 0 ? String.format(Locale.ROOT, "hot%.0f", hot * 100) + (hotVia.equals("first") ? "-via-first" : "") : "plain") + (cores > 0 ? "-cores" + cores + "x" + cpuMicros + "us" : "")
                        + (warmProxy > 0 ? String.format(Locale.ROOT, "-warmproxy%.0f", warmProxy) : ""));
        Path wars = BenchSetup.wars();
        Path out = BenchSetup.out("benchmarks/target/peers");
        Path templates = Path.of(System.getProperty("bench.peers", "benchmarks/peers"));
        String workerJvm = System.getProperty("bench.workerJvm", "-Xmx384m -XX:+UseSerialGC");
        String proxyJvm = System.getProperty("bench.proxyJvm", "-Xmx1g");
        Path dir = out.resolve("locality-" + label);
        Files.createDirectories(dir);
        Path war = wars.resolve("newsroom-worker.war");
        Path proxyWar = wars.resolve("resumelb-proxy-webapp.war");
        for (Path p : List.of(war, proxyWar)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("missing " + p + ": build with mvn -B -q -DskipTests -pl benchmarks -am -Ppeers package");
            }
        }
        List<String> workerProps = new ArrayList<>(List.of(
                "-Dnewsroom.objectsPerSite=" + objectsPerSite, "-Dnewsroom.objectsPerRequest=" + objectsPerRequest,
                "-Dnewsroom.cacheObjects=" + cache, "-Dnewsroom.missMicros=" + missMicros));
        if (cores > 0) {
            workerProps.add("-Dnewsroom.cores=" + cores);
            workerProps.add("-Dnewsroom.cpuMicros=" + cpuMicros);
        }
        double optimum = staticOptimum(sites, zipf, hot, objectsPerSite, objectsPerSite / 4.0, workers * cache);
        String header = String.format(Locale.ROOT,
                "Peers locality benchmark, %s, %d cores, Java %s; %s; %s.%n%n"
                        + "%d worker processes (newsroom WAR in embedded Jetty, %s), %d sites x %d objects, Zipf %.1f%s, %d objects per request,"
                        + " %d objects cached per worker, %.0f ms per miss%s; %d closed-loop clients (LoadGenerator).%n"
                        + "Each front from cold caches: %.0f s from the cold start in %.0f s windows; summary over the last %.0f s."
                        + " Static-optimal hit rate of these caches (the %d most requested objects cached once, no placement can do better): %.1f%%.%n%s",
                java.time.LocalDateTime.now().withNano(0), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                PeerFronts.version("nginx", "-v"), PeerFronts.version("haproxy", "-v"),
                workers, workerJvm, sites, objectsPerSite, zipf, hot > 0 ? String.format(Locale.ROOT, ", one hot site taking %.0f%% of requests%s", hot * 100, hotVia.equals("first") ? " (through the first load balancer only, where there are several)" : "") : "",
                objectsPerRequest, cache, missMicros / 1000.0,
                cores > 0 ? String.format(Locale.ROOT, ", capacity bounded: %d core(s) held %.1f ms per request", cores, cpuMicros / 1000.0) : "",
                clients, seconds, window, measure, workers * cache, 100 * optimum,
                warmProxy > 0 ? String.format(Locale.ROOT, "ResumeLB's proxy JVM warmed first: %.0f s of the same load through it to other, throwaway"
                        + " workers, which then drained; the measured workers start cold as for every front.%n", warmProxy) : "");
        System.out.print(header);

        HttpClient client = BenchSetup.client(256);
        List<Measured> all = new ArrayList<>();
        try {
            for (int round = 1; round <= rounds; round++) {
                // Each round starts one front later, so that no front is always first (or last) on a machine
                // whose state drifts over a run.
                List<PeerFronts.Front> order = new ArrayList<>(fronts);
                java.util.Collections.rotate(order, -(round - 1));
                for (PeerFronts.Front f : order) {
                    Measured m = measure(f, round, client, war, proxyWar, templates, dir, workers, workerProps, workerJvm, proxyJvm,
                            new Zipf(sites, zipf), clients, hot, hotVia.equals("first"), seconds, measure, window, warmProxy);
                    all.add(m);
                    System.out.printf(Locale.ROOT, "[round %d] %-26s %6.0f req/s, p50 %.1f ms, p99 %.1f ms, hit %.1f%%, %.2f loads/req, max share %.2f,"
                                    + " front CPU %.0f us/req, first 30 s %.0f req/s, within 5%% at %.0f s, %d errors, load average %s%n",
                            round, f.id(), m.rate(), m.latency().getValueAtPercentile(50) / 1000.0, m.latency().getValueAtPercentile(99) / 1000.0,
                            100 * m.counters().hitRate(), m.counters().loadsPerRequest(), m.maxShare(), m.cpuMicrosPerRequest(), m.first30(),
                            m.settledAt(), m.errors(), m.loadAverage());
                }
            }
        } finally {
            client.stop();
            PeerProcesses.stopAll();
        }
        String md = header + report(all, fronts, rounds);
        Files.writeString(dir.resolve("results.md"), md);
        writeCsv(dir.resolve("series.csv"), all);
        System.out.println();
        System.out.print(report(all, fronts, rounds));
        System.out.println("Written: " + dir.resolve("results.md") + " and " + dir.resolve("series.csv"));
    }

    static Measured measure(PeerFronts.Front f, int round, HttpClient client, Path war, Path proxyWar, Path templates, Path dir, int n,
                            List<String> workerProps, String workerJvm, String proxyJvm, Zipf zipf, int clients, double hot,
                            boolean hotThroughFirst, double seconds, double measure, double window, double warmProxy) throws Exception {
        PeerFronts.Running lb = null;
        List<PeerProcesses.Child> workers = new ArrayList<>();
        PeerFronts.Running front = null;
        try {
            if (f.kind() == PeerFronts.Kind.RESUMELB) {
                lb = PeerFronts.startResumeLb(f, proxyWar, proxyJvm, dir);
                if (warmProxy > 0) {
                    warmProxy(lb, f, client, war, dir, n, workerProps, workerJvm, zipf, clients, hot, warmProxy);
                }
            }
            workers.addAll(startWorkers("w", n, lb, f, war, dir, workerProps, workerJvm));
            List<String> workerUrls = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            for (PeerProcesses.Child w : workers) {
                int port = PeerProcesses.awaitReady(w, Duration.ofSeconds(60));
                ports.add(port);
                workerUrls.add("http://127.0.0.1:" + port);
            }
            if (lb != null) {
                PeerFronts.awaitWorkers(lb, n, Duration.ofSeconds(30));
                front = lb;
            } else {
                front = PeerFronts.startPeer(f, ports, templates, dir);
            }
            // Let the JVMs' start-up compilation settle, so that every front starts from the same idle machine.
            Thread.sleep(2_000);
            LoadGenerator load = new LoadGenerator(client, front.url(), zipf, clients, hot);
            if (hotThroughFirst) {
                load = load.withHotThroughFirst();
            }
            List<Window> windows = new ArrayList<>();
            Counters before = counters(workerUrls);
            long cpuBefore = front.cpuTicks();
            long start = System.nanoTime();
            int count = (int) Math.round(seconds / window);
            for (int i = 0; i < count; i++) {
                double from = (System.nanoTime() - start) / 1e9;
                LoadGenerator.Run run = load.run(Duration.ofMillis(Math.round(window * 1000)), Long.MAX_VALUE, 1000L * round + i);
                long cpu = front.cpuTicks();
                Counters now = counters(workerUrls);
                double to = (System.nanoTime() - start) / 1e9;
                Window w = new Window(from, to, run, now.minus(before), cpu - cpuBefore);
                windows.add(w);
                before = now;
                cpuBefore = cpu;
                long headerTouched = run.hits() + run.misses();
                if (headerTouched != w.workers().hits() + w.workers().misses() && run.errors() == 0) {
                    System.out.printf(Locale.ROOT, "  note: %s window %d: the responses' X-Hits/X-Misses (%d) differ from the workers' counters (%d)%n",
                            f.id(), i, headerTouched, w.workers().hits() + w.workers().misses());
                }
            }
            for (PeerProcesses.Child c : front.children()) {
                if (!c.process().isAlive()) {
                    throw new IllegalStateException(f.id() + " died during the run; its log: " + c.log());
                }
            }
            return new Measured(f, round, windows, measure, n, loadAverage());
        } finally {
            if (front != null && front != lb) {
                PeerProcesses.stop(front.child());
            }
            for (PeerProcesses.Child w : workers) {
                PeerProcesses.stop(w);
            }
            if (lb != null) {
                lb.children().forEach(PeerProcesses::stop);
            }
        }
    }

    /**
     * Starts {@code n} worker processes named {@code prefix}1… ({@code PeerWorkerMain}); with a load balancer
     * they push their résumés to it. Their logs go to {@code logs/<front>-<name>.log}.
     */
    static List<PeerProcesses.Child> startWorkers(String prefix, int n, PeerFronts.Running lb, PeerFronts.Front f, Path war, Path dir,
                                                  List<String> workerProps, String workerJvm) throws java.io.IOException {
        List<PeerProcesses.Child> started = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String name = prefix + i;
            List<String> args = new ArrayList<>(List.of("--name", name, "--war", war.toString()));
            if (lb != null) {
                args.add("--lb");
                args.add(lb.url());
            }
            started.add(PeerProcesses.start(name, PeerProcesses.java(workerJvm + " " + String.join(" ", workerProps),
                    PeerWorkerMain.class.getName(), args.toArray(String[]::new)),
                    lb != null ? Map.of("RESUMELB_SECRET", PeerFronts.SECRET) : Map.of(),
                    dir.resolve("logs").resolve(f.id() + "-" + name + ".log")));
        }
        return started;
    }

    /**
     * Warms the proxy JVM (its JIT) without warming the measured workers: {@code seconds} of the same load through
     * the proxy to {@code n} throwaway workers, which are then stopped (they drain) before the measured ones start.
     */
    static void warmProxy(PeerFronts.Running lb, PeerFronts.Front f, HttpClient client, Path war, Path dir, int n, List<String> workerProps,
                          String workerJvm, Zipf zipf, int clients, double hot, double seconds) throws Exception {
        List<PeerProcesses.Child> throwaway = new ArrayList<>();
        try {
            throwaway.addAll(startWorkers("x", n, lb, f, war, dir, workerProps, workerJvm));
            for (PeerProcesses.Child w : throwaway) {
                PeerProcesses.awaitReady(w, Duration.ofSeconds(60));
            }
            PeerFronts.awaitWorkers(lb, n, Duration.ofSeconds(30));
            long cpu = lb.cpuTicks();
            LoadGenerator.Run run = new LoadGenerator(client, lb.url(), zipf, clients, hot)
                    .run(Duration.ofMillis(Math.round(seconds * 1000)), Long.MAX_VALUE, 999_999L);
            System.out.printf(Locale.ROOT, "  %s: proxy warmed with %d requests in %.0f s (%.0f req/s, %d errors), %.1f s of its CPU%n",
                    f.id(), run.requests(), seconds, run.requests() / seconds, run.errors(),
                    PeerProcesses.ticksToMicros(lb.cpuTicks() - cpu) / 1e6);
        } finally {
            for (PeerProcesses.Child w : throwaway) {
                PeerProcesses.stop(w);
            }
        }
        PeerFronts.awaitWorkers(lb, 0, Duration.ofSeconds(30));
    }

    /** The machine's 1-minute load average (other work on it shows here), from /proc/loadavg. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    private static final Pattern NUM = Pattern.compile("\"(requests|hits|misses)\":(\\d+)");

    /** The workers' own counters ({@code GET /_newsroom/stats} of each, directly), summed. */
    static Counters counters(List<String> workerUrls) throws Exception {
        long r = 0, h = 0, m = 0;
        for (String url : workerUrls) {
            Matcher x = NUM.matcher(PeerProcesses.get(url + "/_newsroom/stats"));
            while (x.find()) {
                long v = Long.parseLong(x.group(2));
                switch (x.group(1)) {
                    case "requests" -> r += v;
                    case "hits" -> h += v;
                    default -> m += v;
                }
            }
        }
        return new Counters(r, h, m);
    }

    static String report(List<Measured> all, List<PeerFronts.Front> fronts, int rounds) {
        StringBuilder t = new StringBuilder();
        for (int round = 1; round <= rounds; round++) {
            int r = round;
            List<Measured> rows = all.stream().filter(m -> m.round() == r).toList();
            if (rows.isEmpty()) {
                continue;
            }
            Measured any = rows.get(0);
            t.append(String.format(Locale.ROOT, "%n%sSummary over the last %.0f s of %.0f s from cold caches:%n%n", rounds > 1 ? "Round " + round + ". " : "",
                    any.measureSeconds(), any.windows().get(any.windows().size() - 1).to()));
            t.append("| front, policy | req/s | p50 ms | p99 ms | hit rate | db loads/req | max share | front CPU µs/req | first 30 s req/s | within 5 % of final at | errors | load avg |\n");
            t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Measured m : rows) {
                Histogram h = m.latency();
                t.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.1f%% | %.2f | %.2f | %.0f | %.0f | %s | %d | %s |%n",
                        m.front().label(), m.rate(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                        100 * m.counters().hitRate(), m.counters().loadsPerRequest(), m.maxShare(), m.cpuMicrosPerRequest(), m.first30(),
                        m.settledAt() < 0 ? "-" : String.format(Locale.ROOT, "%.0f s", m.settledAt()), m.errors(), m.loadAverage()));
            }
            // The time series: req/s and hit rate per window.
            int windows = rows.stream().mapToInt(m -> m.windows().size()).max().orElse(0);
            StringBuilder head = new StringBuilder("| front, policy |");
            StringBuilder rule = new StringBuilder("|---|");
            for (int i = 0; i < windows; i++) {
                head.append(String.format(Locale.ROOT, " %.0f s |", any.windows().get(Math.min(i, any.windows().size() - 1)).to()));
                rule.append("---:|");
            }
            t.append("\nTime series from the cold start, req/s per window (column: the window's end):\n\n").append(head).append('\n').append(rule).append('\n');
            for (Measured m : rows) {
                t.append("| ").append(m.front().label()).append(" |");
                m.windows().forEach(w -> t.append(String.format(Locale.ROOT, " %.0f |", w.run().requestsPerSecond())));
                t.append('\n');
            }
            t.append("\nHit rate per window (the workers' own counters):\n\n").append(head).append('\n').append(rule).append('\n');
            for (Measured m : rows) {
                t.append("| ").append(m.front().label()).append(" |");
                m.windows().forEach(w -> t.append(String.format(Locale.ROOT, " %.0f%% |", 100 * w.workers().hitRate())));
                t.append('\n');
            }
            t.append("\nFront CPU µs per request per window:\n\n").append(head).append('\n').append(rule).append('\n');
            for (Measured m : rows) {
                t.append("| ").append(m.front().label()).append(" |");
                m.windows().forEach(w -> t.append(String.format(Locale.ROOT, " %.0f |", w.cpuMicrosPerRequest())));
                t.append('\n');
            }
        }
        if (rounds > 1) {
            t.append(String.format(Locale.ROOT, "%nMedians of %d rounds:%n%n", rounds));
            t.append("| front, policy | req/s | p99 ms | hit rate | front CPU µs/req | first 30 s req/s |\n|---|---:|---:|---:|---:|---:|\n");
            for (PeerFronts.Front f : fronts) {
                List<Measured> ms = all.stream().filter(m -> m.front().equals(f)).toList();
                if (ms.isEmpty()) {
                    continue;
                }
                t.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f%% | %.0f | %.0f |%n", f.label(),
                        ProxyOverhead.median(ms.stream().mapToDouble(Measured::rate).toArray()),
                        ProxyOverhead.median(ms.stream().mapToDouble(m -> m.latency().getValueAtPercentile(99) / 1000.0).toArray()),
                        100 * ProxyOverhead.median(ms.stream().mapToDouble(m -> m.counters().hitRate()).toArray()),
                        ProxyOverhead.median(ms.stream().mapToDouble(Measured::cpuMicrosPerRequest).toArray()),
                        ProxyOverhead.median(ms.stream().mapToDouble(Measured::first30).toArray())));
            }
        }
        return t.toString();
    }

    static void writeCsv(Path file, List<Measured> all) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        lines.add("front,round,window_from_s,window_to_s,requests,req_per_s,p50_ms,p99_ms,hit_rate,db_loads_per_req,front_cpu_us_per_req,errors");
        for (Measured m : all) {
            for (Window w : m.windows()) {
                lines.add(String.format(Locale.ROOT, "%s,%d,%.2f,%.2f,%d,%.1f,%.2f,%.2f,%.4f,%.3f,%.1f,%d", m.front().id(), m.round(), w.from(), w.to(),
                        w.run().requests(), w.run().requestsPerSecond(), w.run().latencyMicros().getValueAtPercentile(50) / 1000.0,
                        w.run().latencyMicros().getValueAtPercentile(99) / 1000.0, w.workers().hitRate(), w.workers().loadsPerRequest(),
                        w.cpuMicrosPerRequest(), w.run().errors()));
            }
        }
        PeerProcesses.writeLines(file, lines.stream());
    }

    /**
     * The static-optimal hit rate: the share of object touches that fall on the
     * {@code capacity} most probable objects (each cached once, nothing else);
     * {@link PlacementLimit} computes it from the workload's distribution.
     */
    static double staticOptimum(int sites, double s, double hot, int objectsPerSite, double spread, long capacity) {
        return PlacementLimit.globalHitRate(PlacementLimit.siteShares(sites, s, hot), PlacementLimit.objectShares(objectsPerSite, spread),
                capacity);
    }
}
