package org.resumelb.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw proxying (issue 14): one trivial worker process (a 128-byte answer, the
 * one of {@link ProxyOverhead}) behind nginx, HAProxy and ResumeLB (the proxy
 * WAR in its own JVM; the worker pushes it a signed résumé), all started once;
 * then {@code wrk} against each front in turn, round after round, so that the
 * proxy JVM's warm-up shows. Reports per round and front: req/s, latency and
 * the front process's CPU (utime + stime of the process and its children from
 * {@code /proc}) per request, plus the worker's.
 *
 * <p>Flags (defaults): {@code --rounds 3 --seconds 10 --threads 2 --connections 64
 * --fronts haproxy-rr,nginx-rr,resumelb-resume}.
 */
public final class PeerOverhead {

    record Result(double perSecond, long requests, double p50Millis, double p99Millis, long errors, double cpuMicros, double workerCpuMicros) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        int rounds = Integer.parseInt(flags.getOrDefault("rounds", "3"));
        int seconds = Integer.parseInt(flags.getOrDefault("seconds", "10"));
        int threads = Integer.parseInt(flags.getOrDefault("threads", "2"));
        int connections = Integer.parseInt(flags.getOrDefault("connections", "64"));
        List<PeerFronts.Front> fronts = List.of(flags.getOrDefault("fronts", "haproxy-rr,nginx-rr,resumelb-resume").split(",")).stream()
                .map(String::trim).map(PeerFronts::front).toList();
        Path wars = BenchSetup.wars();
        Path out = BenchSetup.out("benchmarks/target/peers");
        Path templates = Path.of(System.getProperty("bench.peers", "benchmarks/peers"));
        String proxyJvm = System.getProperty("bench.proxyJvm", "-Xmx1g");
        Path dir = out.resolve("overhead");
        Files.createDirectories(dir);
        String header = String.format(Locale.ROOT,
                "Peers raw-proxying benchmark, %s, %d cores, Java %s; %s; %s; %s.%n"
                        + "One trivial worker process (128-byte answer); wrk -t%d -c%d -d%ds per front and round; fronts in turn within each round.%n",
                java.time.LocalDateTime.now().withNano(0), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                PeerFronts.version("nginx", "-v"), PeerFronts.version("haproxy", "-v"), PeerFronts.version("wrk", "-v"), threads, connections, seconds);
        System.out.print(header);

        Map<PeerFronts.Front, PeerFronts.Running> running = new LinkedHashMap<>();
        Map<PeerFronts.Front, List<Result>> results = new LinkedHashMap<>();
        try {
            PeerFronts.Running lb = null;
            for (PeerFronts.Front f : fronts) {
                if (f.kind() == PeerFronts.Kind.RESUMELB) {
                    if (lb != null) {
                        throw new IllegalArgumentException("one ResumeLB front at most: the worker pushes to one load balancer");
                    }
                    lb = PeerFronts.startResumeLb(f, wars.resolve("resumelb-proxy-webapp.war"), proxyJvm, dir);
                    running.put(f, lb);
                }
            }
            List<String> workerArgs = new ArrayList<>(List.of("--name", "trivial", "--trivial", "true"));
            if (lb != null) {
                workerArgs.add("--lb");
                workerArgs.add(lb.url());
            }
            PeerProcesses.Child worker = PeerProcesses.start("trivial", PeerProcesses.java("-Xmx512m", PeerWorkerMain.class.getName(),
                    workerArgs.toArray(String[]::new)), Map.of("RESUMELB_SECRET", PeerFronts.SECRET), dir.resolve("logs").resolve("trivial.log"));
            int workerPort = PeerProcesses.awaitReady(worker, Duration.ofSeconds(60));
            if (lb != null) {
                PeerFronts.awaitWorkers(lb, 1, Duration.ofSeconds(30));
            }
            for (PeerFronts.Front f : fronts) {
                if (f.kind() != PeerFronts.Kind.RESUMELB) {
                    running.put(f, PeerFronts.startPeer(f, List.of(workerPort), templates, dir));
                }
            }
            Thread.sleep(2_000);
            for (PeerFronts.Front f : fronts) {
                results.put(f, new ArrayList<>());
            }
            for (int round = 1; round <= rounds; round++) {
                for (PeerFronts.Front f : fronts) {
                    PeerFronts.Running front = running.get(f);
                    long cpu0 = PeerProcesses.cpuTicks(front.child().pid());
                    long w0 = PeerProcesses.cpuTicks(worker.pid());
                    String wrk = wrk(front.url(), threads, connections, seconds, dir.resolve("logs").resolve("wrk-" + f.id() + "-" + round + ".txt"));
                    long cpu = PeerProcesses.cpuTicks(front.child().pid()) - cpu0;
                    long w = PeerProcesses.cpuTicks(worker.pid()) - w0;
                    Result r = parse(wrk, cpu, w);
                    results.get(f).add(r);
                    System.out.printf(Locale.ROOT, "round %d %-18s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  front CPU %6.1f us/req  worker CPU %5.1f us/req  %d errors  load average %s%n",
                            round, f.id(), r.perSecond(), r.p50Millis(), r.p99Millis(), r.cpuMicros(), r.workerCpuMicros(), r.errors(),
                            PeerLocality.loadAverage());
                }
            }
        } finally {
            running.values().forEach(r -> PeerProcesses.stop(r.child()));
            PeerProcesses.stopAll();
        }
        StringBuilder t = new StringBuilder("\n| front | ");
        StringBuilder rule = new StringBuilder("|---|");
        for (int r = 1; r <= rounds; r++) {
            t.append("round ").append(r).append(" req/s | round ").append(r).append(" CPU µs/req | ");
            rule.append("---:|---:|");
        }
        t.append("p99 ms (last round) | worker CPU µs/req (last round) | errors |\n").append(rule).append("---:|---:|---:|\n");
        for (Map.Entry<PeerFronts.Front, List<Result>> e : results.entrySet()) {
            t.append("| ").append(e.getKey().label()).append(" | ");
            long errors = 0;
            for (Result r : e.getValue()) {
                t.append(String.format(Locale.ROOT, "%.0f | %.1f | ", r.perSecond(), r.cpuMicros()));
                errors += r.errors();
            }
            Result last = e.getValue().get(e.getValue().size() - 1);
            t.append(String.format(Locale.ROOT, "%.2f | %.1f | %d |%n", last.p99Millis(), last.workerCpuMicros(), errors));
        }
        t.append("\n1-minute load average at the end: ").append(PeerLocality.loadAverage()).append('\n');
        System.out.print(t);
        Files.writeString(dir.resolve("results.md"), header + t);
        System.out.println("Written: " + dir.resolve("results.md"));
    }

    static String wrk(String url, int threads, int connections, int seconds, Path log) throws Exception {
        List<String> cmd = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "-H", "Host: site-1.news",
                url + "/item/1");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk did not finish");
        }
        Files.createDirectories(log.getParent());
        Files.writeString(log, String.join(" ", cmd) + "\n" + out);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("wrk failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
    private static final Pattern PCT = Pattern.compile("\\s(50|99)%\\s+([\\d.]+)(us|ms|s)");
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    static Result parse(String wrk, long cpuTicks, long workerTicks) {
        Matcher m = RPS.matcher(wrk);
        double rps = m.find() ? Double.parseDouble(m.group(1)) : 0;
        m = TOTAL.matcher(wrk);
        long total = m.find() ? Long.parseLong(m.group(1)) : 0;
        double p50 = 0, p99 = 0;
        m = PCT.matcher(wrk);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2));
            double ms = switch (m.group(3)) {
                case "us" -> v / 1000;
                case "s" -> v * 1000;
                default -> v;
            };
            if (m.group(1).equals("50")) {
                p50 = ms;
            } else {
                p99 = ms;
            }
        }
        long errors = 0;
        m = NON2XX.matcher(wrk);
        if (m.find()) {
            errors += Long.parseLong(m.group(1));
        }
        m = SOCKET.matcher(wrk);
        if (m.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(m.group(i));
            }
        }
        return new Result(rps, total, p50, p99, errors, PeerProcesses.ticksToMicros(cpuTicks) / Math.max(1, total),
                PeerProcesses.ticksToMicros(workerTicks) / Math.max(1, total));
    }
}
