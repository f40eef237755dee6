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
 * The locality benchmark: the demo's engine (real proxy WAR, real newsroom
 * worker WARs, embedded Jetty on loopback, one JVM) in the fixed configuration
 * of issue 7: 8 workers; 400 sites of 500 objects, Zipf 1.0; 10 objects per
 * request, half-normal around each site's first objects (standard deviation
 * 125); 10,000 objects cached per worker; 32 closed-loop clients. Two regimes:
 * 10 ms per miss (database-bound) and 1 ms (CPU-bound on 2 cores), each with
 * Zipf popularity alone and with one hot site taking 30% of requests. Every
 * policy starts cold, warms up, then is measured. (A worker joining a warm
 * pool is measured by {@link Joining}.)
 *
 * <p>Flags: {@code --warmup S --duration S --regimes 10000,1000 --hot 0,0.3
 * --policies ...}.
 */
public final class Locality {

    record Measured(String regime, String policy, LoadGenerator.Run run, double proxyCpuMicrosPerRequest, int workers) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        double warmup = Double.parseDouble(flags.getOrDefault("warmup", "20"));
        double duration = Double.parseDouble(flags.getOrDefault("duration", "30"));
        List<Long> regimes = ProxyOverhead.list(flags, "regimes", "10000,1000", Long::parseLong);
        List<Double> hots = ProxyOverhead.list(flags, "hot", "0,0.3", Double::parseDouble);
        List<String> policies = List.of(flags.getOrDefault("policies", "round-robin,least-backlog,consistent-hash,resume").split(","));
        Path wars = BenchSetup.wars();
        Path out = BenchSetup.out("benchmarks/target");

        HttpClient client = BenchSetup.client(256);
        StringBuilder md = new StringBuilder();
        try {
            md.append(String.format(Locale.ROOT, "Locality benchmark, %s, Java %s, %d cores; %.0f s warm-up and %.0f s measured per policy, each from cold caches.%n",
                    java.time.LocalDate.now(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), warmup, duration));
            for (long missMicros : regimes) {
                for (double hot : hots) {
                    DemoOptions o = new DemoOptions(8, 400, 500, 10, 10_000, missMicros, 1.0, 32,
                            Duration.ofMillis(Math.round(warmup * 1000)), Duration.ofMillis(Math.round(duration * 1000)), policies);
                    String regime = String.format(Locale.ROOT, "%s ms per miss%s", missMicros / 1000.0, hot > 0 ? String.format(Locale.ROOT, ", hot site %.0f%%", hot * 100) : "");
                    System.out.println();
                    System.out.println("== " + regime);
                    List<Measured> rows = new ArrayList<>();
                    for (String policy : policies) {
                        rows.add(measure(client, wars, o, policy, hot, regime));
                    }
                    md.append(table(regime, rows));
                    System.out.print(table(regime, rows));
                }
            }
        } finally {
            client.stop();
        }
        BenchSetup.write(out, "locality-results.md", md);
    }

    static Measured measure(HttpClient client, Path wars, DemoOptions o, String policy, double hot, String regime) throws Exception {
        try (DemoCluster cluster = new DemoCluster(wars, policy, o)) {
            cluster.awaitWorkers(30_000);
            LoadGenerator load = new LoadGenerator(client, cluster.proxyUrl(), new Zipf(o.sites(), o.zipf()), o.concurrency(), hot);
            LoadGenerator.Run warm = load.run(o.warmup(), Long.MAX_VALUE, 1);
            long cpu0 = cluster.proxyCpuNanos();
            LoadGenerator.Run run = load.run(o.duration(), Long.MAX_VALUE, 2);
            long cpu = cluster.proxyCpuNanos() - cpu0;
            double cpuPerRequest = run.requests() == 0 ? 0 : cpu / 1000.0 / run.requests();
            System.out.printf(Locale.ROOT, "[%s] %-15s warm-up %d req (hit %.1f%%); measured %d req, %.0f req/s, hit %.1f%%, %.2f loads/req, p99 %.1f ms,"
                            + " proxy CPU %.0f us/req, %d errors, per worker %s%n",
                    regime, policy, warm.requests(), 100 * warm.hitRate(), run.requests(), run.requestsPerSecond(), 100 * run.hitRate(),
                    run.loadsPerRequest(), run.latencyMicros().getValueAtPercentile(99) / 1000.0, cpuPerRequest, run.errors(), run.byWorker());
            return new Measured(regime, policy, run, cpuPerRequest, o.workers());
        }
    }

    static String table(String regime, List<Measured> rows) {
        StringBuilder t = new StringBuilder();
        t.append("\n### ").append(regime).append("\n\n");
        t.append("| policy | req/s | p50 ms | p99 ms | hit rate | db loads/req | max share | proxy CPU µs/req | req/s vs RR | loads vs RR | errors |\n");
        t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Measured base = rows.stream().filter(r -> r.policy().equals("round-robin")).findFirst().orElse(null);
        for (Measured m : rows) {
            LoadGenerator.Run r = m.run();
            t.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.1f%% | %.2f | %.2f | %.0f | %s | %s | %d |%n",
                    m.policy(), r.requestsPerSecond(), r.latencyMicros().getValueAtPercentile(50) / 1000.0,
                    r.latencyMicros().getValueAtPercentile(99) / 1000.0, 100 * r.hitRate(), r.loadsPerRequest(), r.maxShare(m.workers()),
                    m.proxyCpuMicrosPerRequest(),
                    base == null ? "-" : String.format(Locale.ROOT, "%.2fx", r.requestsPerSecond() / base.run().requestsPerSecond()),
                    base == null || base.run().loadsPerRequest() == 0 ? "-" : String.format(Locale.ROOT, "%.3fx", r.loadsPerRequest() / base.run().loadsPerRequest()),
                    r.errors()));
        }
        return t.toString();
    }
}
