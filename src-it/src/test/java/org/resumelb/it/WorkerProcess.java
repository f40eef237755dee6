package org.resumelb.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A worker in its own JVM ({@link WorkerMain}), so that it can really die:
 * {@link #kill()} sends SIGKILL, {@link #terminate()} SIGTERM. Its output goes
 * to {@code target/it-logs/<name>-<pid>.log}. {@link #close()} always leaves no
 * process behind.
 */
final class WorkerProcess implements AutoCloseable {

    final String name;
    final int port;
    private final Process process;

    private WorkerProcess(String name, int port, Process process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    static WorkerProcess start(String name, int port, List<String> lbs, String... systemProperties) throws Exception {
        // Its temporary files (Jetty's unpacked WAR) under the build directory: a worker killed by SIGKILL cannot delete them.
        Path tmp = Files.createDirectories(It.logs().resolveSibling("it-tmp"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + tmp.toAbsolutePath(),
                "-Dresumelb.heartbeat=1s", "-Dresumelb.resumeInterval=200ms", "-Dresumelb.history=20",
                "-Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=warn"));
        command.addAll(List.of(systemProperties));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                Integer.toString(port), name, String.join(",", lbs), It.war("newsroom-worker").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("RESUMELB_SECRET", It.SECRET);
        Process process = builder.start();
        Path log = It.logs().resolve(name + "-" + process.pid() + ".log");
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    if (line.startsWith("READY ")) {
                        ready.complete(Integer.parseInt(line.substring(6).trim()));
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("worker " + name + " exited before it was ready; see " + log));
        }, "pump-" + name);
        pump.setDaemon(true);
        pump.start();
        try {
            int actual = ready.get(60, TimeUnit.SECONDS);
            return new WorkerProcess(name, actual, process);
        } catch (Exception e) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** SIGKILL: the worker dies at once, mid-request, without telling anyone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("worker " + name + " survived SIGKILL");
        }
    }

    /** SIGTERM: Jetty's shutdown hook stops the server gracefully. */
    void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("worker " + name + " did not stop within 20 s of SIGTERM");
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
