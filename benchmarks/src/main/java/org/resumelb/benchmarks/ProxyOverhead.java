package org.resumelb.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.ResumeProxyServlet;
import org.resumelb.samples.demo.DemoCluster;

/**
 * What routing costs: the same trivial worker reached (a) directly, (b) through
 * a plain Jetty {@code ProxyServlet.Transparent} with a fixed target, and (c)
 * through ResumeLB ({@link ResumeProxyServlet} with its defaults, one worker
 * known by a signed résumé, 50 request classes by Host). All in this JVM on
 * loopback, measured in one run and interleaved (a, b, c, a, b, c, …) so that
 * the machine's drift hits all three alike.
 *
 * <p>Two measures: throughput with a closed loop of {@code users} clients
 * (CPU-bound on 2 cores: the load generator, proxy and worker share them), and
 * latency with an open loop at a fixed rate well below saturation.
 *
 * <p>Flags: {@code --users N --seconds S --rounds R --rate R --only abc} (a subset of
 * the paths, for profiling one).
 */
public final class ProxyOverhead {

    static final String SECRET = "overhead-benchmark-secret-0123456789";

    /** The trivial worker: a 128-byte answer, nothing else. */
    public static final class Trivial extends HttpServlet {
        private static final byte[] BODY = ("x".repeat(127) + "\n").getBytes(StandardCharsets.US_ASCII);

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.setContentLength(BODY.length);
            resp.getOutputStream().write(BODY);
        }
    }

    static String url(Server server) {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = flags(args);
        int users = Integer.parseInt(flags.getOrDefault("users", "16"));
        int seconds = Integer.parseInt(flags.getOrDefault("seconds", "10"));
        int rounds = Integer.parseInt(flags.getOrDefault("rounds", "3"));
        double rate = Double.parseDouble(flags.getOrDefault("rate", "2000"));
        String only = flags.getOrDefault("only", "abc");

        Server worker = DemoCluster.server("worker", 200);
        ServletContextHandler workerApp = new ServletContextHandler("/");
        workerApp.addServlet(new ServletHolder(new Trivial()), "/*");
        worker.setHandler(workerApp);
        worker.start();
        String workerUrl = url(worker);

        Server plain = DemoCluster.server("plain", 200);
        ServletContextHandler plainApp = new ServletContextHandler("/");
        ServletHolder transparent = new ServletHolder(ProxyServlet.Transparent.class);
        transparent.setInitParameter("proxyTo", workerUrl);
        transparent.setInitParameter("preserveHost", "true");
        transparent.setInitParameter("maxConnections", "256");
        transparent.setAsyncSupported(true);
        plainApp.addServlet(transparent, "/*");
        plain.setHandler(plainApp);
        plain.start();

        Server resumelb = DemoCluster.server("resumelb", 200);
        ServletContextHandler lbApp = new ServletContextHandler("/");
        ServletHolder lb = new ServletHolder(ResumeProxyServlet.class);
        lb.setInitParameter("secret", SECRET);
        lb.setInitParameter("workerTtl", "1h");
        lb.setAsyncSupported(true);
        lb.setInitOrder(1);
        lbApp.addServlet(lb, "/*");
        resumelb.setHandler(lbApp);
        resumelb.start();

        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(512);
        client.start();
        try {
            Map<String, Double> skills = new LinkedHashMap<>();
            for (int i = 0; i < 50; i++) {
                skills.put("site-" + i + ".news", 100.0);
            }
            ResumeCodec codec = new ResumeCodec(ResumeLimits.DEFAULT);
            byte[] body = codec.encode(new Resume(workerUrl, "bench#1", "1", 1, System.currentTimeMillis(), false, skills));
            int pushed = client.POST(url(resumelb) + Protocol.resumesPath(Protocol.DEFAULT_PREFIX))
                    .headers(h -> h.put(Protocol.SIGNATURE_HEADER, Protocol.sign(SECRET.getBytes(StandardCharsets.UTF_8), body)))
                    .body(new BytesRequestContent("application/json", body)).send().getStatus();
            if (pushed != 204) {
                throw new IllegalStateException("the résumé push was answered " + pushed);
            }

            Map<String, String> targets = new LinkedHashMap<>();
            if (only.contains("a")) {
                targets.put("a direct", workerUrl);
            }
            if (only.contains("b")) {
                targets.put("b plain ProxyServlet", url(plain));
            }
            if (only.contains("c")) {
                targets.put("c ResumeLB", url(resumelb));
            }
            System.out.printf(Locale.ROOT, "Proxy overhead: %d closed-loop users x %d s, open loop at %.0f req/s x %d s, %d interleaved rounds, Java %s, %d cores%n",
                    users, seconds, rate, seconds, rounds, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

            Map<String, String> pools = Map.of("a direct", "worker-", "b plain ProxyServlet", "plain-", "c ResumeLB", "resumelb-");
            Map<String, List<Double>> cpu = new LinkedHashMap<>();
            Map<String, List<Load.Result>> closed = new LinkedHashMap<>();
            Map<String, List<Load.Result>> open = new LinkedHashMap<>();
            for (Map.Entry<String, String> t : targets.entrySet()) {
                Load load = load(client, t.getValue());
                load.closed(users, Duration.ofSeconds(3), Long.MAX_VALUE); // warm-up: JIT, connections
                closed.put(t.getKey(), new ArrayList<>());
                cpu.put(t.getKey(), new ArrayList<>());
                open.put(t.getKey(), new ArrayList<>());
            }
            for (int r = 1; r <= rounds; r++) {
                for (Map.Entry<String, String> t : targets.entrySet()) {
                    Load load = load(client, t.getValue());
                    long cpu0 = DemoCluster.cpuNanos(pools.get(t.getKey()));
                    Load.Result c = load.closed(users, Duration.ofSeconds(seconds), 10_000_000);
                    double cpuMicros = (DemoCluster.cpuNanos(pools.get(t.getKey())) - cpu0) / 1000.0 / c.requests();
                    cpu.get(t.getKey()).add(cpuMicros);
                    Load.Result o = load.open(rate, Duration.ofSeconds(seconds));
                    closed.get(t.getKey()).add(c);
                    open.get(t.getKey()).add(o);
                    System.out.printf(Locale.ROOT, "round %d %-22s closed: %7.0f req/s p50 %6.2f ms p99 %6.2f ms (%d errors), front server CPU %.1f us/req"
                                    + " | open %.0f/s: p50 %6.2f ms p99 %6.2f ms (%d errors)%n",
                            r, t.getKey(), c.perSecond(), c.p50Millis(), c.p99Millis(), c.errors(), cpuMicros, rate, o.p50Millis(), o.p99Millis(), o.errors());
                }
            }
            StringBuilder md = new StringBuilder();
            md.append("| path | req/s (closed loop, ").append(users).append(" users) | p50 ms | p99 ms | CPU µs/req of the server in front | p50 ms at ")
                    .append((int) rate).append(" req/s | p99 ms at ").append((int) rate).append(" req/s |\n|---|---:|---:|---:|---:|---:|---:|\n");
            // Medians over the rounds: a shared 2-core machine has outlier rounds, and a median ignores one.
            Map<String, double[]> means = new LinkedHashMap<>();
            for (String t : targets.keySet()) {
                double[] m = {
                        median(closed.get(t).stream().mapToDouble(Load.Result::perSecond).toArray()),
                        median(closed.get(t).stream().mapToDouble(Load.Result::p50Millis).toArray()),
                        median(closed.get(t).stream().mapToDouble(Load.Result::p99Millis).toArray()),
                        median(open.get(t).stream().mapToDouble(Load.Result::p50Millis).toArray()),
                        median(open.get(t).stream().mapToDouble(Load.Result::p99Millis).toArray()),
                        median(cpu.get(t).stream().mapToDouble(Double::doubleValue).toArray())};
                means.put(t, m);
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.1f | %.2f | %.2f |%n", t, m[0], m[1], m[2], m[5], m[3], m[4]));
            }
            if (means.size() < 3) {
                System.out.print(md);
                return;
            }
            double[] a = means.get("a direct");
            double[] b = means.get("b plain ProxyServlet");
            double[] c = means.get("c ResumeLB");
            // Ratios within each round (side by side), then their median.
            List<Load.Result> cb = closed.get("b plain ProxyServlet");
            List<Load.Result> cc = closed.get("c ResumeLB");
            List<Load.Result> ob = open.get("b plain ProxyServlet");
            List<Load.Result> oc = open.get("c ResumeLB");
            double[] throughput = new double[rounds];
            double[] cpuRatio = new double[rounds];
            double[] addedP99 = new double[rounds];
            double[] addedP50 = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                throughput[r] = cc.get(r).perSecond() / cb.get(r).perSecond();
                cpuRatio[r] = cpu.get("c ResumeLB").get(r) / cpu.get("b plain ProxyServlet").get(r);
                addedP99[r] = oc.get(r).p99Millis() - ob.get(r).p99Millis();
                addedP50[r] = oc.get(r).p50Millis() - ob.get(r).p50Millis();
            }
            md.append(String.format(Locale.ROOT, "%nMedians of %d rounds. Per round, side by side: c/b throughput %s (median %.3f; target >= 0.9);"
                            + " CPU per request c/b %s (median %.3f); p99 added over the plain proxy at %d req/s %s ms (median %.2f; target <= 1 ms);"
                            + " p50 added %s ms (median %.2f). c/a throughput %.3f.%n",
                    rounds, list(throughput, "%.2f"), median(throughput), list(cpuRatio, "%.2f"), median(cpuRatio), (int) rate,
                    list(addedP99, "%.2f"), median(addedP99), list(addedP50, "%.2f"), median(addedP50), c[0] / a[0]));
            System.out.println();
            System.out.print(md);
            Path out = BenchSetup.out("target");
            BenchSetup.write(out, "overhead-results.md", md);
        } finally {
            client.stop();
            resumelb.stop();
            plain.stop();
            worker.stop();
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static String list(double[] values, String format) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, format, values[i]));
        }
        return sb.append(']').toString();
    }

    static Load load(HttpClient client, String base) {
        return new Load(client, i -> client.newRequest(base + "/item/" + (i & 1023))
                .headers(h -> h.put(HttpHeader.HOST, "site-" + (i % 50) + ".news")));
    }

    /** A comma-separated flag, {@code byDefault} when absent, each item parsed by {@code parse}. */
    static <T> List<T> list(Map<String, String> flags, String name, String byDefault, java.util.function.Function<String, T> parse) {
        return List.of(flags.getOrDefault(name, byDefault).split(",")).stream().map(String::trim).map(parse).toList();
    }

    static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        List<String> a = new ArrayList<>();
        for (String arg : args) {
            if (!arg.isBlank()) {
                a.addAll(List.of(arg.trim().split("\\s+")));
            }
        }
        for (int i = 0; i < a.size(); i++) {
            String f = a.get(i);
            if (!f.startsWith("--") || i + 1 >= a.size()) {
                throw new IllegalArgumentException("flags are --name value pairs; got " + a);
            }
            flags.put(f.substring(2), a.get(++i));
        }
        return flags;
    }
}
