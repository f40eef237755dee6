package org.resumelb.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The fronts of the peers benchmarks: nginx and HAProxy (Debian packages,
 * each run in the foreground with its own config under the output directory,
 * from the templates in {@code benchmarks/peers/}), and ResumeLB's proxy WAR
 * in its own JVM ({@link PeerProxyMain}).
 */
final class PeerFronts {

    enum Kind { NGINX, HAPROXY, RESUMELB }

    /**
     * One front and its policy. {@code balance}: nginx's upstream directive,
     * HAProxy's backend lines, or ResumeLB's {@code policy}.
     */
    record Front(String id, String label, Kind kind, String balance, int proxies, boolean loadReport) {
        Front(String id, String label, Kind kind, String balance) {
            this(id, label, kind, balance, 1, true);
        }
    }

    /**
     * A started front: its first process ({@code child}), all of its processes
     * (several ResumeLB load balancers sharing the load), and its URL, or the
     * comma-separated URLs of its load balancers (the load generator sends to
     * them in turn, workers push to all).
     */
    record Running(Front front, PeerProcesses.Child child, String url, List<PeerProcesses.Child> children) {
        Running(Front front, PeerProcesses.Child child, String url) {
            this(front, child, url, List.of(child));
        }

        /** The CPU ticks of all its processes. */
        long cpuTicks() {
            long sum = 0;
            for (PeerProcesses.Child c : children) {
                sum += PeerProcesses.cpuTicks(c.pid());
            }
            return sum;
        }
    }

    static final Map<String, Front> ALL = new LinkedHashMap<>();

    static {
        add(new Front("nginx-rr", "nginx round-robin", Kind.NGINX, ""));
        add(new Front("nginx-hash", "nginx `hash $host consistent`", Kind.NGINX, "hash $host consistent;"));
        add(new Front("nginx-leastconn", "nginx `least_conn`", Kind.NGINX, "least_conn;"));
        add(new Front("haproxy-hash", "HAProxy `hdr(host)` consistent, `hash-balance-factor 125`", Kind.HAPROXY,
                "    balance hdr(host)\n    hash-type consistent\n    hash-balance-factor 125"));
        add(new Front("haproxy-leastconn", "HAProxy `leastconn`", Kind.HAPROXY, "    balance leastconn"));
        add(new Front("haproxy-rr", "HAProxy round-robin", Kind.HAPROXY, "    balance roundrobin"));
        add(new Front("resumelb-resume", "ResumeLB `resume`", Kind.RESUMELB, "resume"));
        add(new Front("resumelb-consistent-hash", "ResumeLB `consistent-hash`", Kind.RESUMELB, "consistent-hash"));
        add(new Front("resumelb-round-robin", "ResumeLB `round-robin`", Kind.RESUMELB, "round-robin"));
        add(new Front("resumelb-least-backlog", "ResumeLB `least-backlog`", Kind.RESUMELB, "least-backlog"));
        // Several ResumeLB load balancers in front of the same workers, each in its own JVM (issue 12).
        add(new Front("resumelb-resume-3lb", "3 ResumeLB `resume`, load report", Kind.RESUMELB, "resume", 3, true));
        add(new Front("resumelb-resume-3lb-noreport", "3 ResumeLB `resume`, no load report", Kind.RESUMELB, "resume", 3, false));
    }

    private static void add(Front f) {
        ALL.put(f.id(), f);
    }

    static Front front(String id) {
        Front f = ALL.get(id);
        if (f == null) {
            throw new IllegalArgumentException("unknown front '" + id + "'; accepted: " + String.join(", ", ALL.keySet()));
        }
        return f;
    }

    static final String SECRET = "peers-benchmark-secret-0123456789";
    private static final Pattern LIVE_STATE = Pattern.compile("\"state\"\\s*:\\s*\"(?:active|standby)\"");

    /**
     * Starts ResumeLB's proxy WAR in its own JVM with {@code policy}, or {@code f.proxies()} of them (each its own
     * JVM, with {@code workerLoadReport} as the front says); workers join them by pushing.
     */
    static Running startResumeLb(Front f, Path war, String jvmOptions, Path dir) throws IOException, InterruptedException {
        List<PeerProcesses.Child> children = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        for (int i = 1; i <= f.proxies(); i++) {
            String name = f.proxies() == 1 ? f.id() : f.id() + "-" + i;
            List<String> cmd = PeerProcesses.java(jvmOptions + " -Dresumelb.policy=" + f.balance() + " -Dresumelb.workerLoadReport=" + f.loadReport(),
                    PeerProxyMain.class.getName(), war.toString(), "0");
            PeerProcesses.Child c = PeerProcesses.start(name, cmd, Map.of("RESUMELB_SECRET", SECRET), dir.resolve("logs").resolve(name + ".log"));
            children.add(c);
            urls.add("http://127.0.0.1:" + PeerProcesses.awaitReady(c, Duration.ofSeconds(60)));
        }
        return new Running(f, children.get(0), String.join(",", urls), List.copyOf(children));
    }

    /** Waits until the load balancer lists {@code workers} live workers. */
    static void awaitWorkers(Running lb, int workers, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String url : lb.url().split(",")) { // every load balancer of the front
            int known = 0;
            while (true) {
                known = (int) LIVE_STATE.matcher(PeerProcesses.get(url + "/_resumelb/status?classes=0")).results().count();
                if (workers == 0 ? known == 0 : known >= workers) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + known + " of " + workers + " workers joined " + lb.front().id() + " at " + url);
                }
                Thread.sleep(50);
            }
        }
    }

    /** Starts nginx or HAProxy in front of {@code workerPorts}, with its config from the template. */
    static Running startPeer(Front f, List<Integer> workerPorts, Path templates, Path dir) throws IOException, InterruptedException {
        Path frontDir = dir.resolve(f.id());
        Files.createDirectories(frontDir.resolve("nginx-tmp"));
        int port = PeerProcesses.freePort();
        List<String> cmd;
        if (f.kind() == Kind.NGINX) {
            String servers = workerPorts.stream().map(p -> "        server 127.0.0.1:" + p + ";").collect(Collectors.joining("\n"));
            String conf = PeerProcesses.fill(templates.resolve("nginx.conf.tmpl"),
                    Map.of("DIR", frontDir.toAbsolutePath().toString(), "PORT", Integer.toString(port), "BALANCE", f.balance(), "SERVERS", servers));
            Path file = frontDir.resolve("nginx.conf");
            Files.writeString(file, conf);
            cmd = List.of("nginx", "-e", frontDir.resolve("nginx-error.log").toAbsolutePath().toString(), "-p", frontDir.toAbsolutePath() + "/",
                    "-c", file.toAbsolutePath().toString());
        } else if (f.kind() == Kind.HAPROXY) {
            StringBuilder servers = new StringBuilder();
            for (int i = 0; i < workerPorts.size(); i++) {
                servers.append("    server w").append(i + 1).append(" 127.0.0.1:").append(workerPorts.get(i)).append('\n');
            }
            String conf = PeerProcesses.fill(templates.resolve("haproxy.cfg.tmpl"),
                    Map.of("PORT", Integer.toString(port), "BALANCE", f.balance(), "SERVERS", servers.toString()));
            Path file = frontDir.resolve("haproxy.cfg");
            Files.writeString(file, conf);
            cmd = List.of("haproxy", "-db", "-f", file.toAbsolutePath().toString());
        } else {
            throw new IllegalArgumentException(f.id() + " is not nginx or HAProxy");
        }
        PeerProcesses.Child c = PeerProcesses.start(f.id(), cmd, Map.of(), dir.resolve("logs").resolve(f.id() + ".log"));
        String url = "http://127.0.0.1:" + port;
        PeerProcesses.awaitHttp(c, url + "/_newsroom/stats", Duration.ofSeconds(20));
        return new Running(f, c, url);
    }

    /** The version line of nginx or HAProxy, for the report. */
    static String version(String command, String flag) {
        try {
            Process p = new ProcessBuilder(command, flag).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out.lines().findFirst().orElse("?");
        } catch (Exception e) {
            return command + ": not found";
        }
    }
}
