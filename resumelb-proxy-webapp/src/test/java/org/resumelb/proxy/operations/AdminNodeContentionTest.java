package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * Admin calls and settings-node changes ({@link Admin#fromNode}) from several
 * threads at once: every change is whole (a policy always with its own
 * variance, in force, in the pool and in settingsFile), refused node contents
 * change nothing, and the last change and refusal are recorded.
 */
class AdminNodeContentionTest {

    static final byte[] KEY = "admin-node-contention-0123456789".getBytes(StandardCharsets.UTF_8);
    static final String SETTINGS = "/_resumelb/admin/settings";
    /** Each policy goes with one variance: a mix would show a torn change. */
    static final Map<String, Double> PAIRS = Map.of("resume", 1.5, "round-robin", 2.5, "least-backlog", 3.5, "consistent-hash", 4.5);

    final SwitchablePool pool = new SwitchablePool("resume", RuntimeSettings.DEFAULTS.pool());
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());

    @AfterEach
    void close() {
        directory.close();
    }

    static String pair(String policy) {
        return "\"policy\":\"" + policy + "\",\"variance\":" + PAIRS.get(policy);
    }

    @Test
    void adminCallsAndNodeChangesAtOnceApplyWholeChangesOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("settings.json");
        Admin admin = new Admin(KEY, Duration.ofMinutes(5), Clock.systemUTC(), pool, directory, file,
                RuntimeSettings.DEFAULTS.with(Map.of("variance", 1.5)));
        List<String> policies = List.copyOf(PAIRS.keySet());
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> torn = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(5);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            done.add(threads.submit(() -> {
                go.await();
                for (int i = 0; i < 150; i++) {
                    String policy = policies.get((i + thread) % policies.size());
                    Admin.Answer a;
                    if (thread % 2 == 0) {
                        byte[] body = ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID()
                                + "\",\"settings\":{" + pair(policy) + "}}").getBytes(StandardCharsets.UTF_8);
                        a = admin.handle(SETTINGS, "/settings", body, Admin.sign(KEY, SETTINGS, body));
                    } else if (i % 5 == 0) {
                        a = admin.fromNode(("{\"policy\":\"" + policy + "\",\"variance\":-1}").getBytes(StandardCharsets.UTF_8), "node");
                        assertEquals(400, a.status(), a.body());
                        continue;
                    } else {
                        a = admin.fromNode(("{" + pair(policy) + "}").getBytes(StandardCharsets.UTF_8), "node");
                    }
                    assertEquals(200, a.status(), a.body());
                }
                return null;
            }));
        }
        done.add(threads.submit(() -> {
            go.await();
            while (running.get()) {
                RuntimeSettings now = admin.inForce();
                if (PAIRS.get(now.policy()) != now.pool().variance()) {
                    torn.add(now.asMap().toString());
                }
            }
            return null;
        }));
        go.countDown();
        for (int i = 0; i < 4; i++) {
            done.get(i).get(60, TimeUnit.SECONDS);
        }
        running.set(false);
        done.get(4).get(10, TimeUnit.SECONDS);
        threads.shutdown();

        assertEquals(List.of(), torn, "a policy seen with another's variance");
        RuntimeSettings last = admin.inForce();
        assertEquals(PAIRS.get(last.policy()), last.pool().variance());
        assertEquals(last.policy(), pool.policy(), "the pool has the settings in force");
        assertEquals(last, RuntimeSettings.DEFAULTS.load(file), "settingsFile has the settings in force");
        assertNotNull(admin.lastChange().source());
        assertTrue(admin.lastChange().lastError().startsWith("node: ResumeLB setting 'variance' = '-1'"), admin.lastChange().lastError());
    }
}
