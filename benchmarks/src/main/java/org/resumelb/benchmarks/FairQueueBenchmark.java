package org.resumelb.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Admission under load with real processes (issue 13): 2 newsroom worker JVMs
 * whose capacity is bounded ({@code newsroom.cores} × {@code newsroom.cpuMicros}
 * per request, slept), behind ResumeLB proxy JVMs (the unmodified WAR,
 * {@link PeerProxyMain}) that differ only in their admission settings, all with
 * {@code maxBacklog} = the workers' cores and the {@code least-backlog} policy
 * (so that only admission differs). Load is open loop (Poisson arrivals, latency
 * from the intended send time, so a stalled proxy cannot hide its queue), except
 * the low-priority flood, which keeps a fixed number of requests outstanding.
 *
 * <ol>
 * <li><b>Fairness.</b> 20 light users at {@code --light-rate} each (together 75%
 * of capacity), alone, then with one heavy user sending 10 times as much (the
 * total 112% of capacity), through a proxy with {@code userKey=header:X-User}
 * and {@code maxQueuedPerUser}, through one that adds {@code userReserve} (one
 * proxy per value of {@code --user-reserve}), then through one without
 * {@code userKey} (first come, first served). Prints the light users' p50/p99 in
 * each case and what the heavy user got (served, per second too, 429, 503).
 * Then the heavy user alone, keeping {@code maxQueuedPerUser} requests outstanding,
 * through the proxy without and each with a reserve: the capacity a reserve
 * keeps idle when nobody else comes.</li>
 * <li><b>Priorities.</b> High-priority requests ({@code X-Priority: high},
 * {@code priority=header:X-Priority}) at {@code --high-rate}, alone, then under a
 * flood of {@code --flood} outstanding low-priority requests: with priorities
 * and no reserve, with {@code reservedBacklog=1}, and with no priority at all.</li>
 * </ol>
 *
 * <p>Run (a few minutes; see BENCHMARKS.md):
 * {@code flock /tmp/bench.lock mvn -o -B -q -DskipTests -pl benchmarks -am -Pfairqueue package}
 * with flags in {@code -Dbench.args="--rounds 3"}: {@code --rounds} of all cases side
 * by side (default 3; medians are reported), {@code --seconds} measured per case and
 * round (10), {@code --warm} before it (2), {@code --warm-proxies} of load through
 * each proxy JVM first (6), {@code --cores} (4) and
 * {@code --cpu-us} (40000) per worker, {@code --light-rate} per light user (7.5/s),
 * {@code --max-queued-per-user} (50), {@code --user-reserve} (comma-separated values, 1,2),
 * {@code --high-rate} (20/s), {@code --flood} (64), {@code --cases} ({@code all},
 * {@code fairness} or {@code priorities}).
 * Writes {@code target/fairqueue/results.md}.
 */
public final class FairQueueBenchmark {

    private FairQueueBenchmark() {
    }

    /** What one group of requests got in one case. */
    static final class Group {
        final String name;
        final Recorder micros = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
        final LongAdder ok = new LongAdder();
        final LongAdder tooMany = new LongAdder();
        final LongAdder unavailable = new LongAdder();
        final LongAdder other = new LongAdder();
        Histogram latency;

        Group(String name) {
            this.name = name;
        }

        double p(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        long errors() {
            return unavailable.sum() + other.sum();
        }
    }

    /** One user sending open loop: Poisson arrivals at {@code rate} per second. */
    record Open(Group group, String user, boolean high, double rate) {
    }

    /** Requests kept outstanding by one group, each sent again as soon as it is answered. */
    record Closed(Group group, String user, boolean high, int outstanding) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        double seconds = Double.parseDouble(flags.getOrDefault("seconds", "10"));
        double warm = Double.parseDouble(flags.getOrDefault("warm", "2"));
        double warmProxies = Double.parseDouble(flags.getOrDefault("warm-proxies", "6"));
        int rounds = Integer.parseInt(flags.getOrDefault("rounds", "3"));
        int cores = Integer.parseInt(flags.getOrDefault("cores", "4"));
        long cpuMicros = Long.parseLong(flags.getOrDefault("cpu-us", "40000"));
        double lightRate = Double.parseDouble(flags.getOrDefault("light-rate", "7.5"));
        int perUser = Integer.parseInt(flags.getOrDefault("max-queued-per-user", "50"));
        double highRate = Double.parseDouble(flags.getOrDefault("high-rate", "20"));
        int flood = Integer.parseInt(flags.getOrDefault("flood", "64"));
        List<Integer> reserves = java.util.Arrays.stream(flags.getOrDefault("user-reserve", "1,2").split(","))
                .map(String::trim).map(Integer::valueOf).toList();
        String cases = flags.getOrDefault("cases", "all");
        if (!List.of("all", "fairness", "priorities").contains(cases)) {
            throw new IllegalArgumentException("--cases is all, fairness or priorities; got " + cases);
        }
        boolean doFairness = !cases.equals("priorities");
        boolean doPriorities = !cases.equals("fairness");
        int workers = 2;
        double capacity = workers * cores * 1e6 / cpuMicros;
        Path wars = Path.of(System.getProperty("bench.wars", "benchmarks/target/wars"));
        Path dir = Path.of(System.getProperty("bench.out", "benchmarks/target")).resolve("fairqueue");
        Files.createDirectories(dir);
        Path war = wars.resolve("newsroom-worker.war");
        Path proxyWar = wars.resolve("resumelb-proxy-webapp.war");
        for (Path p : List.of(war, proxyWar)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("missing " + p + ": run through mvn -pl benchmarks -am -Pfairqueue package");
            }
        }
        String common = "-Xmx512m -Dresumelb.policy=least-backlog -Dresumelb.queueTimeout=5s -Dresumelb.maxBacklog=" + cores;
        Map<String, String> proxies = new LinkedHashMap<>();
        String fairSettings = common + " -Dresumelb.userKey=header:X-User -Dresumelb.maxQueuedPerUser=" + perUser;
        if (doFairness) {
            proxies.put("fair", fairSettings);
            for (int r : reserves) {
                proxies.put("fair-reserve-" + r, fairSettings + " -Dresumelb.userReserve=" + r);
            }
        }
        proxies.put("fifo", common);
        if (doPriorities) {
            proxies.put("priority", common + " -Dresumelb.priority=header:X-Priority");
            proxies.put("reserved", common + " -Dresumelb.priority=header:X-Priority -Dresumelb.reservedBacklog=1");
        }

        String header = String.format(Locale.ROOT,
                "Fair queue benchmark, %s, %d cores, Java %s.%n"
                        + "%d newsroom worker JVMs, each %d cores x %.0f ms per request (capacity %.0f req/s in all); ResumeLB proxy JVMs"
                        + " with maxBacklog=%d, policy least-backlog, queueTimeout 5 s; %.0f s measured per case after %.0f s, %d rounds.%n",
                java.time.LocalDateTime.now().withNano(0), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                workers, cores, cpuMicros / 1000.0, capacity, cores, seconds, warm, rounds);
        System.out.print(header);

        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(4096);
        client.setMaxRequestsQueuedPerDestination(16384);
        client.setFollowRedirects(false);
        client.start();
        Map<String, String> urls = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder(header).append('\n');
        try {
            List<PeerProcesses.Child> started = new ArrayList<>();
            for (Map.Entry<String, String> p : proxies.entrySet()) {
                PeerProcesses.Child c = PeerProcesses.start("proxy-" + p.getKey(), PeerProcesses.java(p.getValue(),
                        PeerProxyMain.class.getName(), proxyWar.toString(), "0"), Map.of("RESUMELB_SECRET", PeerFronts.SECRET),
                        dir.resolve("logs").resolve("proxy-" + p.getKey() + ".log"));
                started.add(c);
            }
            int i = 0;
            for (String name : proxies.keySet()) {
                urls.put(name, "http://127.0.0.1:" + PeerProcesses.awaitReady(started.get(i++), Duration.ofSeconds(60)));
            }
            List<PeerProcesses.Child> workerProcesses = new ArrayList<>();
            for (int w = 1; w <= workers; w++) {
                workerProcesses.add(PeerProcesses.start("w" + w, PeerProcesses.java("-Xmx384m -XX:+UseSerialGC -Dresumelb.heartbeat=1s"
                                + " -Dnewsroom.cores=" + cores + " -Dnewsroom.cpuMicros=" + cpuMicros, PeerWorkerMain.class.getName(),
                                "--name", "w" + w, "--war", war.toString(), "--lb", String.join(",", urls.values())),
                        Map.of("RESUMELB_SECRET", PeerFronts.SECRET), dir.resolve("logs").resolve("w" + w + ".log")));
            }
            for (PeerProcesses.Child w : workerProcesses) {
                PeerProcesses.awaitReady(w, Duration.ofSeconds(60));
            }
            i = 0;
            for (Map.Entry<String, String> u : urls.entrySet()) {
                PeerFronts.awaitWorkers(new PeerFronts.Running(new PeerFronts.Front(u.getKey(), u.getKey(), PeerFronts.Kind.RESUMELB,
                        "least-backlog"), started.get(i++), u.getValue()), workers, Duration.ofSeconds(60));
            }

            // Every proxy JVM compiles its hot paths before anything is measured (the first case would pay for it).
            System.out.printf(Locale.ROOT, "Warming the proxy JVMs: %.0f s of the light users' load through each.%n", warmProxies);
            for (String url : urls.values()) {
                fairness(client, url, lightRate, false, 0, warmProxies);
            }

            String fairTitle = String.format(Locale.ROOT, "Fairness: 20 light users at %.1f req/s each (%.0f%% of capacity), one heavy user at"
                    + " %.0f req/s (10x; the total %.0f%% of capacity); maxQueuedPerUser=%d with userKey.", lightRate,
                    100 * 20 * lightRate / capacity, 10 * lightRate, 100 * 30 * lightRate / capacity, perUser);
            String prioTitle = String.format(Locale.ROOT, "Priorities: high-priority requests at %.0f req/s (4 users, X-Priority: high),"
                    + " a flood of %d low-priority requests kept outstanding.", highRate, flood);
            List<String> fairProxies = new ArrayList<>(List.of("fair", "fair"));
            List<String> fairLabelList = new ArrayList<>(List.of("light users alone", "+ heavy user, userKey=header:X-User"));
            for (int r : reserves) {
                fairProxies.add("fair-reserve-" + r);
                fairLabelList.add("+ heavy user, userKey, userReserve=" + r);
            }
            fairProxies.add("fifo");
            fairLabelList.add("+ heavy user, no userKey (first come, first served)");
            String[] fairLabels = fairLabelList.toArray(String[]::new);
            List<String> aloneProxies = new ArrayList<>(List.of("fair"));
            List<String> aloneLabelList = new ArrayList<>(List.of("heavy user alone, userKey, no userReserve"));
            for (int r : reserves) {
                aloneProxies.add("fair-reserve-" + r);
                aloneLabelList.add("heavy user alone, userKey, userReserve=" + r);
            }
            String[] aloneLabels = aloneLabelList.toArray(String[]::new);
            // As many outstanding as may wait (some are in flight): the heavy user never meets a 429 it would resend at once.
            String aloneTitle = String.format(Locale.ROOT, "Capacity a reserve keeps idle: the heavy user alone keeping %d requests"
                    + " outstanding (maxQueuedPerUser; capacity %.0f req/s).", perUser, capacity);
            String[] prioLabels = {"high alone (priority=header:X-Priority)", "+ low flood, priority, reservedBacklog=0",
                "+ low flood, priority, reservedBacklog=1", "+ low flood, no priority setting"};
            List<List<Group[]>> fair = new ArrayList<>();
            List<List<Group[]>> prio = new ArrayList<>();
            List<List<Group>> alone = new ArrayList<>();
            for (int c = 0; c < fairLabels.length; c++) {
                fair.add(new ArrayList<>());
            }
            for (int c = 0; c < aloneLabels.length; c++) {
                alone.add(new ArrayList<>());
            }
            for (int c = 0; c < prioLabels.length; c++) {
                prio.add(new ArrayList<>());
            }
            // Rounds of every case side by side: the machine's hiccups spread over all of them, and medians damp them.
            for (int round = 1; round <= rounds; round++) {
                System.out.printf(Locale.ROOT, "%nRound %d of %d.%n", round, rounds);
                if (doFairness) {
                    System.out.println(fairTitle);
                    for (int c = 0; c < fairLabels.length; c++) {
                        fair.get(c).add(fairRow(fairLabels[c], fairness(client, urls.get(fairProxies.get(c)), lightRate, c > 0, warm, seconds)));
                    }
                    System.out.println(aloneTitle);
                    for (int c = 0; c < aloneLabels.length; c++) {
                        alone.get(c).add(aloneRow(aloneLabels[c], heavyAlone(client, urls.get(aloneProxies.get(c)), perUser, warm, seconds),
                                seconds));
                    }
                }
                if (!doPriorities) {
                    continue;
                }
                System.out.println(prioTitle);
                prio.get(0).add(prioRow(prioLabels[0], priority(client, urls.get("priority"), highRate, 0, warm, seconds)));
                prio.get(1).add(prioRow(prioLabels[1], priority(client, urls.get("priority"), highRate, flood, warm, seconds)));
                prio.get(2).add(prioRow(prioLabels[2], priority(client, urls.get("reserved"), highRate, flood, warm, seconds)));
                prio.get(3).add(prioRow(prioLabels[3], priority(client, urls.get("fifo"), highRate, flood, warm, seconds)));
            }
            StringBuilder out = new StringBuilder();
            if (doFairness) {
                String fairTable = table(new String[] {"case", "light p50 ms", "light p99 ms", "light p99 / alone", "light p99 by round",
                    "light 200", "light 429 / 503 / other", "heavy 200", "heavy 429 / 503 / other", "heavy 200/s"}, fairLabels, fair,
                        seconds);
                out.append(fairTitle).append("\n\n").append(fairTable).append('\n').append(aloneTitle).append("\n\n")
                        .append(aloneTable(aloneLabels, alone, seconds)).append('\n');
            }
            if (doPriorities) {
                String prioTable = table(new String[] {"case", "high p50 ms", "high p99 ms", "high p99 / alone", "high p99 by round",
                    "high 200", "high 429 / 503 / other", "low 200", "low 429 / 503 / other", "low 200/s"}, prioLabels, prio, seconds);
                out.append(prioTitle).append("\n\n").append(prioTable);
            }
            System.out.printf(Locale.ROOT, "%nMedians of %d rounds.%n%s", rounds, out);
            md.append("Medians of ").append(rounds).append(" rounds.\n\n").append(out);
            Files.writeString(dir.resolve("results.md"), md.toString());
            System.out.println("Written: " + dir.resolve("results.md"));
        } finally {
            client.stop();
            PeerProcesses.stopAll();
        }
    }

    /** Light users (and the heavy one): returns {light, heavy}. */
    static Group[] fairness(HttpClient client, String url, double lightRate, boolean heavy, double warm, double seconds) throws Exception {
        Group light = new Group("light");
        Group heavyGroup = new Group("heavy");
        List<Open> open = new ArrayList<>();
        for (int u = 1; u <= 20; u++) {
            open.add(new Open(light, "light-" + u, false, lightRate));
        }
        if (heavy) {
            open.add(new Open(heavyGroup, "heavy", false, 10 * lightRate));
        }
        run(client, url, open, List.of(), warm, seconds);
        return new Group[] {light, heavyGroup};
    }

    /** The heavy user alone, keeping {@code flood} requests outstanding. */
    static Group heavyAlone(HttpClient client, String url, int flood, double warm, double seconds) throws Exception {
        Group heavy = new Group("heavy");
        run(client, url, List.of(), List.of(new Closed(heavy, "heavy", false, flood)), warm, seconds);
        return heavy;
    }

    /** High-priority users and a low-priority flood: returns {high, low}. */
    static Group[] priority(HttpClient client, String url, double highRate, int flood, double warm, double seconds) throws Exception {
        Group high = new Group("high");
        Group low = new Group("low");
        List<Open> open = new ArrayList<>();
        for (int u = 1; u <= 4; u++) {
            open.add(new Open(high, "checkout-" + u, true, highRate / 4));
        }
        run(client, url, open, flood > 0 ? List.of(new Closed(low, "batch", false, flood)) : List.of(), warm, seconds);
        return new Group[] {high, low};
    }

    /**
     * Runs the streams for {@code warm + seconds}, recording what was sent in the last {@code seconds}, then
     * waits (60 s at most) until every request sent has been answered.
     */
    static void run(HttpClient client, String url, List<Open> open, List<Closed> closed, double warm, double seconds) throws Exception {
        long start = System.nanoTime();
        long measureFrom = start + (long) (warm * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        AtomicInteger outstanding = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        for (Closed c : closed) {
            for (int k = 0; k < c.outstanding(); k++) {
                keepSending(client, url, c, k, outstanding, running, measureFrom, end);
            }
        }
        record Next(long at, int stream) {
        }
        SplittableRandom random = new SplittableRandom(13);
        PriorityQueue<Next> arrivals = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        for (int s = 0; s < open.size(); s++) {
            arrivals.add(new Next(start + interval(random, open.get(s).rate()), s));
        }
        while (!arrivals.isEmpty()) {
            Next next = arrivals.poll();
            if (next.at() >= end) {
                break;
            }
            long wait = next.at() - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Open o = open.get(next.stream());
            send(client, url, o.group(), o.user(), o.high(), next.at(), next.at() >= measureFrom, outstanding, null);
            arrivals.add(new Next(next.at() + interval(random, o.rate()), next.stream()));
        }
        for (long left; (left = end - System.nanoTime()) > 0; ) { // closed streams alone: they run until the end too
            LockSupport.parkNanos(left);
        }
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (outstanding.get() > 0) {
            System.out.println("  (" + outstanding.get() + " requests still unanswered after 60 s)");
        }
        java.util.Set<Group> groups = new java.util.LinkedHashSet<>();
        open.forEach(o -> groups.add(o.group()));
        closed.forEach(c -> groups.add(c.group()));
        for (Group g : groups) {
            g.latency = g.micros.getIntervalHistogram(); // once per group: the interval restarts at each call
        }
        Thread.sleep(1_000); // the workers' cores settle before the next case
    }

    private static long interval(SplittableRandom random, double rate) {
        return (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
    }

    private static void keepSending(HttpClient client, String url, Closed c, int k, AtomicInteger outstanding, AtomicBoolean running,
                                    long measureFrom, long end) {
        if (!running.get()) {
            return;
        }
        long now = System.nanoTime();
        // The next one from the client's executor, never from inside the callback's stack.
        send(client, url, c.group(), c.user(), c.high(), now, now >= measureFrom && now < end, outstanding,
                () -> client.getExecutor().execute(() -> keepSending(client, url, c, k, outstanding, running, measureFrom, end)));
    }

    private static void send(HttpClient client, String url, Group group, String user, boolean high, long intendedNanos, boolean record,
                             AtomicInteger outstanding, Runnable then) {
        outstanding.incrementAndGet();
        Request request = client.newRequest(url + "/article")
                .headers(h -> {
                    h.put(HttpHeader.HOST, "site-" + Math.floorMod(user.hashCode(), 10) + ".news").put("X-User", user);
                    if (high) {
                        h.put("X-Priority", "high");
                    }
                })
                .timeout(30, TimeUnit.SECONDS);
        request.send(result -> {
            if (record) {
                int status = result.getResponse() == null ? -1 : result.getResponse().getStatus();
                if (result.isFailed()) {
                    group.other.increment();
                } else if (status == 200) {
                    group.ok.increment();
                    group.micros.recordValue(Math.min(TimeUnit.SECONDS.toMicros(120), Math.max(1, (System.nanoTime() - intendedNanos) / 1000)));
                } else if (status == 429) {
                    group.tooMany.increment();
                } else if (status == 503) {
                    group.unavailable.increment();
                } else {
                    group.other.increment();
                }
            }
            outstanding.decrementAndGet();
            if (then != null) {
                then.run();
            }
        });
    }

    private static Group[] fairRow(String label, Group[] g) {
        System.out.printf(Locale.ROOT, "  %-52s light p50 %.1f ms, p99 %.1f ms (%d ok, %s); heavy %d ok, %s%n",
                label, g[0].p(50), g[0].p(99), g[0].ok.sum(), refusals(g[0]) + " 429/503/other", g[1].ok.sum(), refusals(g[1]) + " 429/503/other");
        return g;
    }

    private static Group aloneRow(String label, Group g, double seconds) {
        System.out.printf(Locale.ROOT, "  %-52s heavy %.1f req/s served, p50 %.1f ms (%d ok, %s)%n",
                label, g.ok.sum() / seconds, g.p(50), g.ok.sum(), refusals(g) + " 429/503/other");
        return g;
    }

    /** The heavy user alone: its median served requests per second and p50 over the rounds. */
    private static String aloneTable(String[] labels, List<List<Group>> cases, double seconds) {
        StringBuilder t = new StringBuilder("| case | heavy 200/s | heavy 200/s by round | heavy p50 ms | heavy 429 / 503 / other |\n"
                + "|---|---:|---:|---:|---:|\n");
        for (int c = 0; c < labels.length; c++) {
            List<Group> runs = cases.get(c);
            double rate = median(runs.stream().map(g -> g.ok.sum() / seconds).toList());
            String byRound = String.join(" / ", runs.stream().map(g -> num(g.ok.sum() / seconds)).toList());
            double p50 = median(runs.stream().map(g -> g.p(50)).toList());
            long tooMany = runs.stream().mapToLong(g -> g.tooMany.sum()).sum();
            long unavailable = runs.stream().mapToLong(g -> g.unavailable.sum()).sum();
            long other = runs.stream().mapToLong(g -> g.other.sum()).sum();
            t.append("| ").append(String.join(" | ", labels[c], num(rate), byRound, num(p50), tooMany + " / " + unavailable + " / " + other))
                    .append(" |\n");
        }
        return t.toString();
    }

    private static Group[] prioRow(String label, Group[] g) {
        System.out.printf(Locale.ROOT, "  %-52s high p50 %.1f ms, p99 %.1f ms (%d ok, %s); low %d ok, %s%n",
                label, g[0].p(50), g[0].p(99), g[0].ok.sum(), refusals(g[0]) + " 429/503/other", g[1].ok.sum(), refusals(g[1]) + " 429/503/other");
        return g;
    }

    private static String refusals(Group g) {
        return g.tooMany.sum() + " / " + g.unavailable.sum() + " / " + g.other.sum();
    }

    private static double median(List<Double> values) {
        List<Double> v = values.stream().filter(d -> !Double.isNaN(d)).sorted().toList();
        if (v.isEmpty()) {
            return Double.NaN;
        }
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /**
     * A Markdown table, one row per case: the first group's median p50 and p99 over the rounds, that p99 over the first
     * case's, the p99 of each round, both groups' answers summed over the rounds, and the second group's median
     * served requests per second.
     */
    private static String table(String[] head, String[] labels, List<List<Group[]>> cases, double seconds) {
        StringBuilder t = new StringBuilder("| ").append(String.join(" | ", head)).append(" |\n|");
        for (int i = 0; i < head.length; i++) {
            t.append(i == 0 ? "---|" : "---:|");
        }
        t.append('\n');
        double base = median(cases.get(0).stream().map(g -> g[0].p(99)).toList());
        for (int c = 0; c < labels.length; c++) {
            List<Group[]> runs = cases.get(c);
            double p50 = median(runs.stream().map(g -> g[0].p(50)).toList());
            double p99 = median(runs.stream().map(g -> g[0].p(99)).toList());
            String byRound = String.join(" / ", runs.stream().map(g -> num(g[0].p(99))).toList());
            long[] sums = new long[8];
            for (Group[] g : runs) {
                for (int k = 0; k < 2; k++) {
                    sums[4 * k] += g[k].ok.sum();
                    sums[4 * k + 1] += g[k].tooMany.sum();
                    sums[4 * k + 2] += g[k].unavailable.sum();
                    sums[4 * k + 3] += g[k].other.sum();
                }
            }
            double secondRate = median(runs.stream().map(g -> g[1].ok.sum() / seconds).toList());
            String ratio = Double.isNaN(p99) || Double.isNaN(base) ? "-" : String.format(Locale.ROOT, "%.2fx", p99 / base);
            t.append("| ").append(String.join(" | ", labels[c], num(p50), num(p99), ratio, byRound, Long.toString(sums[0]),
                    sums[1] + " / " + sums[2] + " / " + sums[3], Long.toString(sums[4]), sums[5] + " / " + sums[6] + " / " + sums[7],
                    c == 0 ? "–" : num(secondRate)))
                    .append(" |\n");
        }
        return t.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

}
