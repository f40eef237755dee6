package org.resumelb.samples.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Level;

import org.eclipse.jetty.client.HttpClient;

/**
 * The one-command demo: for each routing policy, starts the ResumeLB proxy WAR
 * and N newsroom workers (fresh, cold caches) in embedded Jetty on loopback,
 * drives Zipf-skewed traffic through the proxy for a warm-up and then a
 * measured period, and prints one table comparing the policies against
 * round-robin. The table also goes to {@code target/demo-results.md} and a
 * chart to {@code target/demo-results.svg}.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        Path wars = Path.of(System.getProperty("demo.wars", "samples/demo/target/wars"));
        Path out = Path.of(System.getProperty("demo.out", "samples/demo/target"));
        Report report = run(options, wars, out);
        System.out.println();
        System.out.println(report.text());
        System.out.println("Written: " + out.resolve("demo-results.md") + " and " + out.resolve("demo-results.svg"));
    }

    static String describe(DemoOptions o) {
        return String.format(Locale.ROOT,
                "%d workers; %d sites x %d objects, %d objects per request, Zipf %.2f site popularity; cache %d objects per worker;"
                        + " %d us per database load; %d concurrent clients; %d s warm-up, %d s measured per policy",
                o.workers(), o.sites(), o.objectsPerSite(), o.objectsPerRequest(), o.zipf(), o.cacheObjects(), o.missMicros(),
                o.concurrency(), o.warmup().toSeconds(), o.duration().toSeconds());
    }

    static Report run(DemoOptions o, Path wars, Path out) throws Exception {
        Report report = new Report(describe(o));
        System.out.println("ResumeLB demo: " + describe(o));
        Zipf sites = new Zipf(o.sites(), o.zipf());
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(Math.max(64, o.concurrency() * 2));
        client.setFollowRedirects(false);
        client.start();
        try {
            for (String policy : o.policies()) {
                try (DemoCluster cluster = new DemoCluster(wars, policy, o)) {
                    cluster.awaitWorkers(15_000);
                    System.out.printf(Locale.ROOT, "%n[%s] proxy %s with %d workers; dashboard: %s/_resumelb/%n",
                            policy, cluster.proxyUrl(), o.workers(), cluster.proxyUrl());
                    LoadGenerator load = new LoadGenerator(client, cluster.proxyUrl(), sites, o.concurrency());
                    if (!o.warmup().isZero()) {
                        LoadGenerator.Run warm = load.run(o.warmup(), Long.MAX_VALUE, 1);
                        System.out.printf(Locale.ROOT, "[%s] warm-up: %d requests, hit rate %.1f%%%n", policy, warm.requests(), 100 * warm.hitRate());
                    }
                    LoadGenerator.Run run = load.run(o.duration(), Long.MAX_VALUE, 2);
                    System.out.printf(Locale.ROOT, "[%s] measured: %d requests, %.0f req/s, hit rate %.1f%%, %d errors, per worker %s%n",
                            policy, run.requests(), run.requestsPerSecond(), 100 * run.hitRate(), run.errors(), run.byWorker());
                    report.add(new Report.Row(policy, run, o.workers()));
                }
            }
        } finally {
            client.stop();
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("demo-results.md"), report.markdown());
        Files.writeString(out.resolve("demo-results.svg"), report.svg());
        return report;
    }

    /** For tests: a short run. */
    static Report run(DemoOptions o) throws Exception {
        return run(o, Path.of(System.getProperty("demo.wars")), Path.of(System.getProperty("demo.out", "target")));
    }

    static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }
}
