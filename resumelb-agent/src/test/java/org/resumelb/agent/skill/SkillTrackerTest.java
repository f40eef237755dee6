package org.resumelb.agent.skill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class SkillTrackerTest {

    @Test
    void skillIsDecayedCountOverDecayedTimeComputedByHand() {
        // history 4 -> decay 0.75
        SkillTracker t = new SkillTracker(4, 40, 100);
        t.record("a", 1.0);                 // gen 1: a = (1, 1.0, 1)
        t.record("b", 2.0);                 // gen 2: b = (2, 2.0, 1)
        assertEquals(1.0, t.skills().get("a"), 1e-12);
        assertEquals(0.5, t.skills().get("b"), 1e-12);
        t.record("a", 0.5);                 // gen 3: d = 0.75^2 = 0.5625
        double time = 1.0 * 0.5625 + 0.5;   // 1.0625
        double count = 1.0 * 0.5625 + 1;    // 1.5625
        assertEquals(1.4705882352941178, t.skills().get("a"), 1e-12);
        t.record("a", 0.25);                // gen 4: d = 0.75
        double time4 = time * 0.75 + 0.25;
        double count4 = count * 0.75 + 1;
        assertEquals(count4 / time4, t.skills().get("a"), 1e-12);
        assertTrue(t.skills().get("a") > 2, "faster requests raise the skill above 2 req/s");
    }

    @Test
    void zeroDurationCountsAsOneNanosecond() {
        SkillTracker t = new SkillTracker(10, 100, 10);
        t.record("fast", 0.0);
        assertEquals(1e9, t.skills().get("fast"), 1e-3);
    }

    @Test
    void recordSaysPublishEveryHistoryRequests() {
        SkillTracker t = new SkillTracker(3, 30, 10);
        assertFalse(t.record("a", 0.1));
        assertFalse(t.record("a", 0.1));
        assertTrue(t.record("a", 0.1));
        assertFalse(t.record("b", 0.1));
        assertFalse(t.record("b", 0.1));
        assertTrue(t.record("b", 0.1));
        assertEquals(6, t.generation());
    }

    @Test
    void classesNotHitForMaxSkillAgeAreDroppedAtTheNextWindow() {
        SkillTracker t = new SkillTracker(2, 3, 10);
        t.record("old", 0.1);      // gen 1
        for (int i = 0; i < 4; i++) {
            t.record("new", 0.1);  // gens 2..5; prune at gen 2 (min 0) and 4 (min 1): 1 < 1 is false
        }
        assertTrue(t.skills().containsKey("old"), "kept while younger than maxSkillAge");
        t.record("new", 0.1);      // gen 6: prune with min gen 3: 1 < 3 -> dropped
        assertFalse(t.skills().containsKey("old"));
        assertTrue(t.skills().containsKey("new"));
    }

    @Test
    void atMostMaxClassesAreTrackedAndTheLeastRecentlyHitGoes() {
        SkillTracker t = new SkillTracker(1000, 10_000, 3);
        t.record("a", 0.1);
        t.record("b", 0.1);
        t.record("c", 0.1);
        t.record("a", 0.1);   // a is now more recent than b
        t.record("d", 0.1);   // evicts b, the least recently hit
        assertEquals(3, t.size());
        assertEquals(Map.of("a", true, "c", true, "d", true),
                Map.of("a", t.skills().containsKey("a"), "c", t.skills().containsKey("c"), "d", t.skills().containsKey("d")));
        assertFalse(t.skills().containsKey("b"));
        for (int i = 0; i < 1000; i++) {
            t.record("flood-" + i, 0.1);
        }
        assertEquals(3, t.size());
    }

    @Test
    void restoredSkillsWeighAsMuchAsOneHistoryAndAgeFromGenerationZero() {
        SkillTracker t = new SkillTracker(10, 20, 100);
        t.restore(Map.of("a", 4.0, "bad", Double.NaN, "zero", 0.0));
        assertEquals(Map.of("a", 4.0), t.skills());
        // one request of a at 1 s: d = 0.9^1; time = 10/4*0.9 + 1 = 3.25; count = 10*0.9 + 1 = 10
        t.record("a", 1.0);
        assertEquals(10.0 / 3.25, t.skills().get("a"), 1e-12);
        SkillTracker aging = new SkillTracker(10, 20, 100);
        aging.restore(Map.of("stale", 4.0));
        for (int i = 0; i < 30; i++) {
            aging.record("x", 0.1);
        }
        assertFalse(aging.skills().containsKey("stale"), "a restored class that is never hit ages out");
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> new SkillTracker(1, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new SkillTracker(10, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new SkillTracker(10, 10, 0));
    }

    @Test
    void manyThreadsOnOneClassLoseNoCount() throws Exception {
        int history = 1_000_000;
        int threads = 8;
        int perThread = 25_000;
        SkillTracker t = new SkillTracker(history, 10L * history, 10);
        runConcurrently(threads, i -> {
            for (int n = 0; n < perThread; n++) {
                t.record("hot", 0.001);
            }
        });
        int total = threads * perThread;
        assertEquals(total, t.generation());
        // In any interleaving the decayed count is sum over g of decay^(G-g) = (1 - decay^G) / (1 - decay).
        double decay = 1.0 - 1.0 / history;
        double expected = (1 - Math.pow(decay, total)) / (1 - decay);
        assertEquals(expected, t.decayedCount("hot"), expected * 1e-9);
        assertEquals(1000.0, t.skills().get("hot"), 1e-6);
    }

    @Test
    void manyThreadsOnManyClassesWithPruningAndEvictionStayConsistent() throws Exception {
        int threads = 8;
        int perThread = 20_000;
        SkillTracker t = new SkillTracker(50, 500, 64);
        runConcurrently(threads, i -> {
            for (int n = 0; n < perThread; n++) {
                t.record("c" + ((n * 7 + i) % 100), 0.002);
            }
        });
        assertEquals((long) threads * perThread, t.generation());
        assertTrue(t.size() <= 64 + threads, "bounded: " + t.size());
        for (double skill : t.skills().values()) {
            assertEquals(500.0, skill, 1e-6);
        }
    }

    interface Body {
        void run(int thread) throws Exception;
    }

    static void runConcurrently(int threads, Body body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int id = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    body.run(id);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anotherClassifierForgetsEveryClassAnUnknownOneKeepsThem() {
        SkillTracker t = new SkillTracker(10, 100, 100);
        t.restore(Map.of("a", 5.0, "b", 7.0));
        assertEquals(null, t.classifier());
        assertEquals(0, t.adopt("fp1"), "unknown before: the classes are taken to be fp1's");
        assertEquals(Map.of("a", 5.0, "b", 7.0).keySet(), t.skills().keySet());
        assertEquals(-1, t.adopt("fp1"));
        assertEquals(2, t.adopt("fp2"));
        assertEquals(Map.of(), t.skills());
        t.record("c", 0.1);
        assertEquals(new SkillTracker.Snapshot("fp2", Map.of("c", 10.0)), t.snapshot());
    }

    @Test
    void aSnapshotNeverLabelsOneClassifiersClassesWithAnothersFingerprint() throws Exception {
        SkillTracker t = new SkillTracker(10, 1_000_000, 10_000);
        t.adopt("fp0");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> tasks = new ArrayList<>();
            // Two recorders record classes named after the fingerprint they saw, as the filter does.
            for (int r = 0; r < 2; r++) {
                tasks.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 20_000; i++) {
                        String fp = t.classifier();
                        t.record(fp + "/c" + (i % 50), 0.001);
                    }
                    return null;
                }));
            }
            tasks.add(pool.submit(() -> {
                go.await();
                for (int i = 1; i <= 200; i++) {
                    t.adopt("fp" + i);
                }
                return null;
            }));
            List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
            tasks.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 2_000; i++) {
                    SkillTracker.Snapshot s = t.snapshot();
                    long foreign = s.skills().keySet().stream().filter(c -> !c.startsWith(s.classifier() + "/")).count();
                    // A recorder that read the fingerprint just before a change may land one class of the old one.
                    if (foreign > 2) {
                        violations.add(s.classifier() + " " + s.skills().keySet());
                    }
                }
                return null;
            }));
            go.countDown();
            for (Future<?> f : tasks) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(List.of(), violations);
            assertEquals("fp200", t.classifier());
        } finally {
            pool.shutdownNow();
        }
    }
}
