package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SwitchablePoolTest {

    @Test
    void aSwitchKeepsEveryWorkerAndRésuméAndTheNewPolicyRoutes() {
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS.withVariance(2));
        pool.update("http://a", "1", Map.of("site-a", 10.0));
        pool.update("http://b", "1", Map.of("site-b", 10.0));
        assertEquals("http://a", lease(pool, "site-a"));

        assertTrue(pool.switchTo("round-robin"));
        assertEquals("round-robin", pool.policy());
        assertEquals(2.0, pool.settings().variance(), "settings carried over");
        PoolSnapshot s = pool.snapshot();
        assertEquals(Map.of("site-a", 10.0), s.worker("http://a").skills());
        assertEquals(Map.of("site-b", 10.0), s.worker("http://b").skills());
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picks.add(lease(pool, "site-a"));
        }
        assertEquals(2, picks.stream().filter("http://a"::equals).count(), "round-robin alternates: " + picks);
        assertFalse(pool.switchTo("round-robin"), "already in force");
        assertThrows(IllegalArgumentException.class, () -> pool.switchTo("random"));
        assertEquals("round-robin", pool.policy());
    }

    @Test
    void leasesTakenBeforeASwitchAreReleasedIntoTheirOwnPoolAndCountedUntilThen() {
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
        pool.update("http://a", null, Map.of("x", 1.0));
        PoolWorker before = pool.acquire("x");
        PoolWorker before2 = pool.acquire("x");
        pool.switchTo("least-backlog");
        PoolWorker after = pool.acquire("x");
        assertEquals(3, pool.backlog(), "old leases and the new one");
        assertEquals(1, pool.snapshot().backlog(), "the new pool sees only its own");
        pool.release(before);
        pool.release(after);
        assertEquals(1, pool.backlog());
        assertThrows(IllegalStateException.class, () -> pool.release(after), "a second release is refused");
        pool.remove("http://a");
        pool.release(before2);
        assertEquals(0, pool.backlog());
        assertEquals(0, pool.size());
    }

    @Test
    void updatesDuringSwitchesAreNeverLostAndBacklogsReturnToZero() throws Exception {
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
        for (int i = 0; i < 8; i++) {
            pool.update("http://w" + i, "1", Map.of("c" + i, 5.0));
        }
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong requests = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long seed = t;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                ArrayDeque<PoolWorker> leases = new ArrayDeque<>();
                try {
                    for (int i = 0; i < 50_000; i++) {
                        PoolWorker w = pool.acquire("c" + random.nextInt(16));
                        assertNotNull(w);
                        leases.add(w);
                        if (leases.size() > random.nextInt(1, 6)) {
                            pool.release(leases.poll());
                        }
                        requests.incrementAndGet();
                    }
                    leases.forEach(pool::release);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        // Résumés keep arriving while the policy changes under the requests.
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        Thread updater = new Thread(() -> {
            while (!done.get()) {
                int round = rounds.getAndIncrement();
                int i = round % 8;
                pool.update("http://w" + i, "1", Map.of("c" + i, 5.0 + round, "c" + (i + 8), 1.0));
            }
        });
        threads.forEach(Thread::start);
        updater.start();
        String[] policies = Pools.POLICIES.toArray(String[]::new);
        int switches = 0;
        while (threads.stream().anyMatch(Thread::isAlive) && switches < 2_000) {
            pool.switchTo(policies[switches++ % policies.length]);
            Thread.onSpinWait();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        // On a busy machine the updater may not have been scheduled yet: every worker gets at least one update.
        for (long deadline = System.currentTimeMillis() + 10_000; rounds.get() < 16 && System.currentTimeMillis() < deadline; ) {
            Thread.sleep(1);
        }
        done.set(true);
        updater.join(10_000);
        assertTrue(failures.isEmpty(), () -> "failures: " + failures.peek());
        assertEquals(200_000, requests.get());
        assertEquals(0, pool.backlog(), "every lease came back, in whichever pool it was taken");
        assertEquals(8, pool.size(), "no worker lost across " + switches + " switches");
        for (int i = 0; i < 8; i++) {
            assertTrue(pool.snapshot().worker("http://w" + i).skills().containsKey("c" + (i + 8)),
                    "the latest résumé of w" + i + " is in the current pool");
        }
    }

    private static String lease(Pool pool, String c) {
        PoolWorker w = pool.acquire(c);
        pool.release(w);
        assertSame(w, w);
        return w.url();
    }
}
