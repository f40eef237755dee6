package org.resumelb.samples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The demo's flags, with defaults sized for about two minutes on 2 cores. */
public record DemoOptions(int workers, int sites, int objectsPerSite, int objectsPerRequest, long cacheObjects,
                          long missMicros, double zipf, int concurrency, Duration warmup, Duration duration,
                          List<String> policies) {

    public static final List<String> ALL_POLICIES = List.of("round-robin", "least-backlog", "consistent-hash", "resume");

    public static DemoOptions defaults() {
        return new DemoOptions(4, 200, 500, 10, 6_000, 1_000, 1.0, 16, Duration.ofSeconds(10), Duration.ofSeconds(15),
                ALL_POLICIES);
    }

    static final String USAGE = """
            usage: Demo [--workers N] [--sites N] [--objects-per-site N] [--objects-per-request N] [--cache N]
                        [--miss-us N] [--zipf S] [--concurrency N] [--warmup SECONDS] [--duration SECONDS]
                        [--policies p1,p2,...]
              defaults: --workers 4 --sites 200 --objects-per-site 500 --objects-per-request 10 --cache 6000
                        --miss-us 1000 --zipf 1.0 --concurrency 16 --warmup 10 --duration 15
                        --policies round-robin,least-backlog,consistent-hash,resume
            """;

    public static DemoOptions parse(String... args) {
        DemoOptions o = defaults();
        List<String> a = new ArrayList<>();
        for (String arg : args) {
            if (!arg.isBlank()) {
                a.addAll(List.of(arg.trim().split("\\s+")));
            }
        }
        int workers = o.workers, sites = o.sites, objectsPerSite = o.objectsPerSite, objectsPerRequest = o.objectsPerRequest;
        int concurrency = o.concurrency;
        long cache = o.cacheObjects, missMicros = o.missMicros;
        double zipf = o.zipf;
        Duration warmup = o.warmup, duration = o.duration;
        List<String> policies = o.policies;
        for (int i = 0; i < a.size(); i++) {
            String flag = a.get(i);
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= a.size()) {
                throw new IllegalArgumentException("missing value after " + flag + "\n" + USAGE);
            }
            String v = a.get(++i);
            try {
                switch (flag) {
                    case "--workers" -> workers = positive(flag, Integer.parseInt(v));
                    case "--sites" -> sites = positive(flag, Integer.parseInt(v));
                    case "--objects-per-site" -> objectsPerSite = positive(flag, Integer.parseInt(v));
                    case "--objects-per-request" -> objectsPerRequest = positive(flag, Integer.parseInt(v));
                    case "--cache" -> cache = positive(flag, Integer.parseInt(v));
                    case "--miss-us" -> missMicros = Math.max(0, Long.parseLong(v));
                    case "--zipf" -> zipf = Double.parseDouble(v);
                    case "--concurrency" -> concurrency = positive(flag, Integer.parseInt(v));
                    case "--warmup" -> warmup = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
                    case "--duration" -> duration = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
                    case "--policies" -> {
                        policies = List.of(v.toLowerCase(Locale.ROOT).split(","));
                        for (String p : policies) {
                            if (!ALL_POLICIES.contains(p)) {
                                throw new IllegalArgumentException("unknown policy " + p + "; accepted: " + ALL_POLICIES);
                            }
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown flag " + flag + "\n" + USAGE);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number after " + flag + ": " + v);
            }
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        return new DemoOptions(workers, sites, objectsPerSite, objectsPerRequest, cache, missMicros, zipf, concurrency,
                warmup, duration, policies);
    }

    private static int positive(String flag, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + " must be at least 1, got " + v);
        }
        return v;
    }
}
