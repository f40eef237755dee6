package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

/** A signed push cannot register workers without bound, nor anywhere; a refused push changes nothing. */
class DirectoryBoundsTest {

    static final byte[] KEY = "bounds-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC(), false, 3, 2);
    final ResumeReceiver receiver = new ResumeReceiver(CODEC, KEY, false, directory, WorkerAllow.DEFAULT);
    long seq;

    @AfterEach
    void close() {
        directory.close();
    }

    ResumeReceiver.Answer push(String url, boolean draining) {
        byte[] body = CODEC.encode(new Resume(url, url + "#1", "1", ++seq, System.currentTimeMillis(), draining, Map.of("site", 2.0)));
        return receiver.receive(body, Protocol.sign(KEY, body), "127.0.0.1", 8080);
    }

    @Test
    void aPushBeyondMaxWorkersIsRefusedWith429AndChangesNothing() throws Exception {
        for (int i = 1; i <= 3; i++) {
            assertEquals(204, push("http://10.0.0." + i + ":8080", false).status());
        }
        var before = pool.snapshot();
        Resume fourth = new Resume("http://10.0.0.4:8080", "w4#1", "1", 1, System.currentTimeMillis(), false, Map.of("evil", 1e6));
        byte[] body = CODEC.encode(fourth);
        ResumeReceiver.Answer full = receiver.receive(body, Protocol.sign(KEY, body), "127.0.0.1", 8080);
        assertEquals(429, full.status());
        assertEquals("too_many_workers", full.reason());
        assertTrue(full.message().contains("setting maxWorkers") && full.message().contains("maxWorkers=3"), full.message());
        assertEquals(before.workers(), pool.snapshot().workers());
        assertEquals(before.classes(), pool.snapshot().classes());
        assertEquals(3, directory.live().size());
        assertEquals(Map.of("too_many_workers", 1L), receiver.rejected());

        assertEquals(204, push("http://10.0.0.2:8080", false).status(), "live workers keep renewing");
        assertEquals(204, push("http://10.0.0.1:8080", true).status(), "a worker drains: a place is free");
        assertEquals(204, receiver.receive(body, Protocol.sign(KEY, body), "127.0.0.1", 8080).status(),
                "the refused push's seq was not recorded: the same body is now accepted");
        assertEquals(3, pool.size());
        directory.pulled("http://10.0.0.9:8080", new Resume("http://10.0.0.9:8080", "s#1", "1", 1, System.currentTimeMillis(), false,
                Map.of()));
        assertEquals(4, pool.size(), "a statically listed worker is never refused");
    }

    @Test
    void concurrentNewWorkersNeverExceedMaxWorkers() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String url = "http://10.0.1." + i + ":8080";
                byte[] body = CODEC.encode(new Resume(url, "c" + i + "#1", "1", 1, System.currentTimeMillis(), false, Map.of()));
                answers.add(threads.submit(() -> {
                    go.await();
                    return receiver.receive(body, Protocol.sign(KEY, body), "127.0.0.1", 8080).status();
                }));
            }
            go.countDown();
            int accepted = 0;
            for (Future<Integer> f : answers) {
                int status = f.get();
                assertTrue(status == 204 || status == 429, "status " + status);
                accepted += status == 204 ? 1 : 0;
            }
            assertEquals(3, accepted);
            assertEquals(3, directory.live().size());
            assertEquals(3, pool.size());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void departedWorkersAreForgottenOldestFirst() {
        for (int i = 1; i <= 3; i++) {
            assertEquals(204, push("http://10.0.0." + i + ":8080", false).status());
        }
        assertEquals(204, push("http://10.0.0.1:8080", true).status());
        assertEquals(204, push("http://10.0.0.2:8080", true).status());
        directory.eject("http://10.0.0.3:8080", "test");
        assertEquals(Map.of("http://10.0.0.2:8080", WorkerDirectory.State.DRAINING, "http://10.0.0.3:8080", WorkerDirectory.State.EJECTED),
                directory.departed(), "maxDeparted=2: the first to leave is forgotten");
        assertNull(directory.state("http://10.0.0.1:8080"));
        for (int i = 0; i < 50; i++) {
            assertEquals(204, push("http://10.0.2." + i + ":8080", true).status(), "a draining push of a stranger");
        }
        assertEquals(2, directory.departed().size());
        assertEquals(0, pool.size());
    }

    @Test
    void aDisallowedWorkerUrlIsRefusedWith403AndChangesNothing() {
        assertEquals(204, push("http://10.0.0.1:8080", false).status());
        var before = pool.snapshot();
        for (String url : List.of("http://169.254.169.254", "http://[fe80::1]:8080", "http://127.0.0.1:8080", "http://localhost:8080/app")) {
            ResumeReceiver.Answer a = push(url, false);
            assertEquals(403, a.status(), url);
            assertEquals("worker_not_allowed", a.reason());
            assertTrue(a.message().startsWith("worker URL " + url + " is not allowed: ") && a.message().endsWith("(setting workerAllow)"),
                    a.message());
        }
        assertEquals(before.workers(), pool.snapshot().workers());
        assertEquals(Map.of("worker_not_allowed", 4L), receiver.rejected());
        assertEquals(1, directory.live().size());
        assertEquals(Map.of(), directory.departed());

        ResumeReceiver listed = new ResumeReceiver(CODEC, KEY, false, directory, WorkerAllow.parse("10.0.0.0/8"));
        byte[] body = CODEC.encode(new Resume("http://192.168.0.9:8080", "x#1", "1", 1, System.currentTimeMillis(), false, Map.of()));
        ResumeReceiver.Answer a = listed.receive(body, Protocol.sign(KEY, body), "127.0.0.1", 8080);
        assertEquals(403, a.status());
        assertEquals("worker URL http://192.168.0.9:8080 is not allowed: address 192.168.0.9 is not allowed (setting workerAllow)",
                a.message());
        assertTrue(!a.message().contains("10.0.0.0"), "the list is not shown");
    }
}
