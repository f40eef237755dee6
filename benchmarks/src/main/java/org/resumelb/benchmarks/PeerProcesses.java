package org.resumelb.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The peers benchmarks' child processes (workers, the ResumeLB proxy JVM,
 * nginx, HAProxy): started with their output in a log file, their pid
 * appended to a pid file (so that the calling script's EXIT trap can stop
 * whatever survives this JVM), stopped with SIGTERM then SIGKILL, and all of
 * them stopped by a shutdown hook. Also: free loopback ports, config
 * templates, and a process tree's CPU time read from {@code /proc}.
 */
final class PeerProcesses {

    /** A child process. */
    record Child(String name, Process process, Path log) {
        long pid() {
            return process.pid();
        }
    }

    private static final List<Child> LIVE = new ArrayList<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern READY = Pattern.compile("READY (\\d+)");
    /** Clock ticks per second of /proc's utime and stime ({@code getconf CLK_TCK}; 100 on Linux). */
    static final long CLK_TCK = clockTicks();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PeerProcesses::stopAll, "peers-stop"));
    }

    private PeerProcesses() {
    }

    static Path pidFile() {
        String p = System.getProperty("bench.pids");
        return p == null || p.isBlank() ? null : Path.of(p);
    }

    /** Starts {@code command} with its output (both streams) appended to {@code log}. */
    static Child start(String name, List<String> command, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        Child c = new Child(name, p, log);
        synchronized (LIVE) {
            LIVE.add(c);
        }
        Path pids = pidFile();
        if (pids != null) {
            Files.writeString(pids, p.pid() + " " + name + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return c;
    }

    /** The Java command line that runs {@code mainClass} of this class path with {@code jvmOptions}. */
    static List<String> java(String jvmOptions, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Temporary files (Jetty's unpacked WARs) under the build directory, not /tmp: a child stopped by SIGKILL
        // cannot delete its own.
        Path tmp = BenchSetup.out("benchmarks/target/peers").resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cmd.add("-Djava.io.tmpdir=" + tmp.toAbsolutePath());
        for (String o : jvmOptions.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Waits for a Java child's {@code READY <port>} line; returns the port. */
    static int awaitReady(Child c, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(c.log())) {
                Matcher m = READY.matcher(Files.readString(c.log(), StandardCharsets.UTF_8));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!c.process().isAlive()) {
                throw new IllegalStateException(c.name() + " exited with " + c.process().exitValue() + " before it was ready; its log: " + c.log()
                        + "\n" + tail(c.log()));
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(c.name() + " not ready within " + timeout + "; its log: " + c.log() + "\n" + tail(c.log()));
    }

    /** Waits until {@code url} answers 200. */
    static void awaitHttp(Child c, String url, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!c.process().isAlive()) {
                throw new IllegalStateException(c.name() + " exited with " + c.process().exitValue() + "; its log: " + c.log() + "\n" + tail(c.log()));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(c.name() + ": " + url + " did not answer 200 within " + timeout + " (last: " + last + ")");
    }

    static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode());
        }
        return r.body();
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops {@code c} (SIGTERM, then SIGKILL after 10 s) with its descendants. */
    static void stop(Child c) {
        if (c == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        c.process().toHandle().descendants().forEach(tree::add);
        c.process().destroy();
        try {
            if (!c.process().waitFor(10, TimeUnit.SECONDS)) {
                c.process().destroyForcibly();
                c.process().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            c.process().destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        synchronized (LIVE) {
            LIVE.remove(c);
        }
    }

    static void stopAll() {
        List<Child> all;
        synchronized (LIVE) {
            all = new ArrayList<>(LIVE);
        }
        all.forEach(PeerProcesses::stop);
    }

    /** A free TCP port on loopback (bound and released: the caller binds it at once). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** {@code template} with each {@code ${KEY}} replaced. */
    static String fill(Path template, Map<String, String> values) throws IOException {
        String s = Files.readString(template, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> e : values.entrySet()) {
            s = s.replace("${" + e.getKey() + "}", e.getValue());
        }
        if (s.contains("${")) {
            throw new IllegalStateException(template + ": placeholder left unfilled: " + s.substring(s.indexOf("${"), Math.min(s.length(), s.indexOf("${") + 30)));
        }
        return s;
    }

    /**
     * CPU time (user + system) of the process {@code pid} and its live
     * descendants (nginx's workers), in clock ticks, from {@code /proc/<pid>/stat}:
     * a process's line counts all its threads.
     */
    static long cpuTicks(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        long total = 0;
        for (long p : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // After "pid (comm) ": field 3 (state) is f[0]; utime is field 14, stime field 15.
                total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                // exited in the meantime
            }
        }
        return total;
    }

    static double ticksToMicros(long ticks) {
        return ticks * 1e6 / CLK_TCK;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }

    static void writeLines(Path file, Stream<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, (Iterable<String>) lines::iterator, StandardCharsets.UTF_8);
    }
}
