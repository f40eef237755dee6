package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Minutes of steady load while workers join and die: at the end nothing is
 * left in flight, and the proxy's heap after a full GC and its open files are
 * back near where they started. Length: {@code -Dit.soak.seconds} (default 120).
 */
class SoakIT {

    HttpClient client;
    ProxyNode proxy;
    final List<WorkerProcess> workers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(16);
        client.start();
        proxy = new ProxyNode(0, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        for (WorkerProcess w : workers) {
            w.close();
        }
        proxy.close();
        client.stop();
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            It.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void steadyLoadWithWorkersJoiningAndLeavingLeavesNothingBehind() throws Exception {
        long seconds = Long.getLong("it.soak.seconds", 120);
        for (int i = 1; i <= 3; i++) {
            workers.add(WorkerProcess.start("soak-w" + i, 0, List.of(proxy.url())));
        }
        proxy.awaitWorkers(java.util.Set.of(workers.get(0).url(), workers.get(1).url(), workers.get(2).url()), 30_000);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new ArrayList<>();
        long end = System.currentTimeMillis() + (seconds + 60) * 1000;
        for (int t = 0; t < 4; t++) {
            int thread = t;
            loops.add(load.submit(() -> {
                int i = 0;
                while (running.get() && System.currentTimeMillis() < end && i < 2_000_000) {
                    String site = "site-" + ((thread * 7919 + i * 31) % 40) + ".news";
                    try {
                        int status = client.newRequest(proxy.url() + "/article")
                                .headers(h -> h.put(HttpHeader.HOST, site))
                                .timeout(20, TimeUnit.SECONDS).send().getStatus();
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    i++;
                    requests.incrementAndGet();
                }
                return null;
            }));
        }
        It.sleep(5_000); // warm: connections, caches, JIT
        long heapStart = heapAfterGc();
        long filesStart = openFiles();
        long soakStart = System.currentTimeMillis();
        int joins = 0;
        int kills = 0;
        int next = 4;
        while (System.currentTimeMillis() - soakStart < seconds * 1000) {
            It.sleep(Math.min(10_000, Math.max(1, seconds * 1000 - (System.currentTimeMillis() - soakStart))));
            if (System.currentTimeMillis() - soakStart >= seconds * 1000) {
                break;
            }
            if (workers.stream().filter(WorkerProcess::alive).count() > 3) {
                WorkerProcess victim = workers.stream().filter(WorkerProcess::alive).skip(1).findFirst().orElseThrow();
                victim.kill();
                kills++;
            } else {
                workers.add(WorkerProcess.start("soak-w" + next++, 0, List.of(proxy.url())));
                joins++;
            }
        }
        running.set(false);
        for (Future<?> f : loops) {
            f.get(60, TimeUnit.SECONDS);
        }
        load.shutdownNow();
        It.sleep(2_000);
        long heapEnd = heapAfterGc();
        long filesEnd = openFiles();
        int backlog = proxy.settledBacklog();
        System.out.printf("soak %d s: %d requests, %d errors, %d joins, %d SIGKILLs; in flight at the end %d;"
                        + " heap after GC %.1f MB -> %.1f MB; open files %d -> %d; live workers %s%n",
                seconds, requests.get(), errors.get(), joins, kills, backlog, heapStart / 1048576.0, heapEnd / 1048576.0,
                filesStart, filesEnd, proxy.liveWorkers());
        assertEquals(0, backlog, "no in-flight count left");
        assertEquals(0, errors.get(), "no request failed while workers came and went");
        assertTrue(heapEnd <= heapStart + 32L * 1024 * 1024, "heap back near its start");
        assertTrue(filesEnd <= filesStart + 16, "open files back near their start");
        assertTrue(joins >= 1 && kills >= 1 || seconds < 20, "workers joined and left");
    }
}
