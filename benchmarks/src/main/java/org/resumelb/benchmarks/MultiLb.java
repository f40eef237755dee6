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
 * Several load balancers as one (issue 12): the locality benchmark's workload
 * ({@link Locality}: 8 newsroom workers, 400 sites of 500 objects, Zipf 1.0, 10
 * objects per request, 10,000 objects cached per worker, 32 closed-loop clients)
 * in front of 1 load balancer and of 3 that share the load (the load generator
 * sends its requests to the three in turn, round robin; every worker pushes to
 * all three), each with and without the workers' in-band load report
 * ({@code workerLoadReport}). Every case starts from cold caches, warms up,
 * then is measured; the cases run side by side in one run, in the order given.
 *
 * <p>Flags: {@code --warmup S --duration S --regimes 10000 --hot 0,0.3 --policy resume
 * --cases 1:true,3:true,3:false,1:false} (a case: load balancers, then whether reports count).
 */
public final class MultiLb {

    record Case(int loadBalancers, boolean report) {
        String label() {
            return loadBalancers + (loadBalancers == 1 ? " LB" : " LBs") + (report ? ", load report" : ", no report");
        }
    }

    record Measured(Case c, LoadGenerator.Run run, double proxyCpuMicrosPerRequest, int workers) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        double warmup = Double.parseDouble(flags.getOrDefault("warmup", "15"));
        double duration = Double.parseDouble(flags.getOrDefault("duration", "25"));
        List<Long> regimes = ProxyOverhead.list(flags, "regimes", "10000", Long::parseLong);
        List<Double> hots = ProxyOverhead.list(flags, "hot", "0,0.3", Double::parseDouble);
        String policy = flags.getOrDefault("policy", "resume");
        List<Case> cases = new ArrayList<>();
        for (String c : flags.getOrDefault("cases", "1:true,3:true,3:false,1:false").split(",")) {
            String[] parts = c.trim().split(":");
            cases.add(new Case(Integer.parseInt(parts[0]), Boolean.parseBoolean(parts[1])));
        }
        Path wars = BenchSetup.wars();
        Path out = BenchSetup.out("benchmarks/target");

        HttpClient client = BenchSetup.client(256);
        StringBuilder md = new StringBuilder();
        try {
            md.append(String.format(Locale.ROOT, "Several load balancers benchmark, %s, Java %s, %d cores; policy %s; %.0f s warm-up and %.0f s"
                            + " measured per case, each from cold caches; 3 LBs: the load generator's requests go to the three in turn.%n",
                    java.time.LocalDate.now(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), policy,
                    warmup, duration));
            for (long missMicros : regimes) {
                for (double hot : hots) {
                    DemoOptions o = new DemoOptions(8, 400, 500, 10, 10_000, missMicros, 1.0, 32,
                            Duration.ofMillis(Math.round(warmup * 1000)), Duration.ofMillis(Math.round(duration * 1000)), List.of(policy));
                    String regime = String.format(Locale.ROOT, "%s ms per miss%s", missMicros / 1000.0,
                            hot > 0 ? String.format(Locale.ROOT, ", hot site %.0f%%", hot * 100) : "");
                    System.out.println();
                    System.out.println("== " + regime);
                    List<Measured> rows = new ArrayList<>();
                    for (Case c : cases) {
                        rows.add(measure(client, wars, o, policy, c, hot, regime));
                    }
                    md.append(table(regime, rows));
                    System.out.print(table(regime, rows));
                }
            }
        } finally {
            client.stop();
        }
        BenchSetup.write(out, "multi-lb-results.md", md);
    }

    static Measured measure(HttpClient client, Path wars, DemoOptions o, String policy, Case c, double hot, String regime) throws Exception {
        try (DemoCluster cluster = new DemoCluster(wars, policy, o, Map.of("workerLoadReport", Boolean.toString(c.report())), Map.of(),
                c.loadBalancers())) {
            cluster.awaitWorkers(30_000);
            String targets = String.join(",", cluster.proxyUrls());
            LoadGenerator load = new LoadGenerator(client, targets, new Zipf(o.sites(), o.zipf()), o.concurrency(), hot);
            LoadGenerator.Run warm = load.run(o.warmup(), Long.MAX_VALUE, 1);
            long cpu0 = cluster.proxyCpuNanos();
            LoadGenerator.Run run = load.run(o.duration(), Long.MAX_VALUE, 2);
            long cpu = cluster.proxyCpuNanos() - cpu0;
            double cpuPerRequest = run.requests() == 0 ? 0 : cpu / 1000.0 / run.requests();
            System.out.printf(Locale.ROOT, "[%s] %-24s warm-up %d req (hit %.1f%%); measured %d req, %.0f req/s, hit %.1f%%, p50 %.1f ms,"
                            + " p99 %.1f ms, proxies' CPU %.0f us/req, %d errors, per worker %s%n",
                    regime, c.label(), warm.requests(), 100 * warm.hitRate(), run.requests(), run.requestsPerSecond(), 100 * run.hitRate(),
                    run.latencyMicros().getValueAtPercentile(50) / 1000.0, run.latencyMicros().getValueAtPercentile(99) / 1000.0,
                    cpuPerRequest, run.errors(), run.byWorker());
            return new Measured(c, run, cpuPerRequest, o.workers());
        }
    }

    static String table(String regime, List<Measured> rows) {
        StringBuilder t = new StringBuilder();
        t.append("\n### ").append(regime).append("\n\n");
        t.append("| case | req/s | p50 ms | p99 ms | hit rate | db loads/req | max share | proxies' CPU µs/req | req/s vs 1 LB | hit rate vs 1 LB | p99 vs 1 LB | errors |\n");
        t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Measured base = rows.stream().filter(r -> r.c().loadBalancers() == 1 && r.c().report()).findFirst()
                .orElse(rows.stream().filter(r -> r.c().loadBalancers() == 1).findFirst().orElse(null));
        for (Measured m : rows) {
            LoadGenerator.Run r = m.run();
            double p99 = r.latencyMicros().getValueAtPercentile(99) / 1000.0;
            t.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.1f%% | %.2f | %.2f | %.0f | %s | %s | %s | %d |%n",
                    m.c().label(), r.requestsPerSecond(), r.latencyMicros().getValueAtPercentile(50) / 1000.0, p99, 100 * r.hitRate(),
                    r.loadsPerRequest(), r.maxShare(m.workers()), m.proxyCpuMicrosPerRequest(),
                    base == null ? "-" : String.format(Locale.ROOT, "%.3fx", r.requestsPerSecond() / base.run().requestsPerSecond()),
                    base == null || base.run().hitRate() == 0 ? "-" : String.format(Locale.ROOT, "%.3fx", r.hitRate() / base.run().hitRate()),
                    base == null ? "-" : String.format(Locale.ROOT, "%.2fx", p99 / (base.run().latencyMicros().getValueAtPercentile(99) / 1000.0)),
                    r.errors()));
        }
        return t.toString();
    }
}
