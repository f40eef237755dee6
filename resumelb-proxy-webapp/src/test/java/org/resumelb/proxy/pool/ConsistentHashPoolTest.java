package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConsistentHashPoolTest {

    private static ConsistentHashPool poolOf(int workers) {
        ConsistentHashPool pool = new ConsistentHashPool();
        for (int i = 0; i < workers; i++) {
            pool.update("http://10.0.0." + i + ":8080/app", null, Map.of());
        }
        return pool;
    }

    private static Map<String, String> placement(Pool pool, int classes) {
        Map<String, String> where = new HashMap<>();
        for (int c = 0; c < classes; c++) {
            where.put("site-" + c, ResumePoolTest.acquireAndRelease(pool, "site-" + c));
        }
        return where;
    }

    @Test
    void aClassStaysOnOneWorker() {
        ConsistentHashPool pool = poolOf(8);
        Map<String, String> first = placement(pool, 300);
        for (int round = 0; round < 3; round++) {
            assertEquals(first, placement(pool, 300));
        }
        assertTrue(first.values().stream().distinct().count() == 8, "every worker gets some classes");
    }

    @Test
    void aJoiningWorkerTakesAboutOneNthOfTheClassesAndOnlyThose() {
        ConsistentHashPool pool = poolOf(9);
        Map<String, String> before = placement(pool, 1000);
        String newcomer = "http://10.0.0.9:8080/app";
        pool.update(newcomer, null, Map.of());
        Map<String, String> after = placement(pool, 1000);
        int moved = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            String now = after.get(e.getKey());
            if (!now.equals(e.getValue())) {
                moved++;
                assertEquals(newcomer, now, e.getKey() + " moved elsewhere than to the new worker");
            }
        }
        double fraction = moved / 1000.0;
        assertTrue(fraction >= 0.05 && fraction <= 0.2, "moved fraction " + fraction);
    }

    @Test
    void aLeavingWorkersClassesSpreadAndTheOthersStay() {
        ConsistentHashPool pool = poolOf(10);
        Map<String, String> before = placement(pool, 1000);
        String leaving = "http://10.0.0.3:8080/app";
        pool.remove(leaving);
        Map<String, String> after = placement(pool, 1000);
        for (Map.Entry<String, String> e : before.entrySet()) {
            if (!e.getValue().equals(leaving)) {
                assertEquals(e.getValue(), after.get(e.getKey()), e.getKey());
            }
        }
        assertTrue(after.values().stream().distinct().count() == 9);
    }

    @Test
    void theRingDependsOnTheWorkersNotOnTheOrderTheyJoined() {
        ConsistentHashPool forward = poolOf(6);
        ConsistentHashPool backward = new ConsistentHashPool();
        for (int i = 5; i >= 0; i--) {
            backward.update("http://10.0.0." + i + ":8080/app", null, Map.of());
        }
        assertEquals(placement(forward, 500), placement(backward, 500));
    }

    @Test
    void noWorkerExceedsTheBoundWhileLeasesPileUp() {
        ConsistentHashPool pool = poolOf(10);
        double factor = pool.settings().hashBalanceFactor();
        Random random = new Random(42);
        List<PoolWorker> held = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            // Half the requests are of one hot class, the rest of 50 others.
            String rclass = random.nextBoolean() ? "hot" : "site-" + random.nextInt(50);
            held.add(pool.acquire(rclass));
            assertWithinBound(pool, factor);
        }
        // The hot class spilled over: its home worker alone could not take half the load.
        PoolSnapshot snap = pool.snapshot();
        int max = snap.workers().stream().mapToInt(w -> w.backlog()).max().getAsInt();
        assertTrue(max <= Math.ceil(factor * 2000 / 10), "max " + max);
        held.forEach(pool::release);
        assertEquals(0, pool.backlog());
    }

    @Test
    void oneHotClassSpillsOverToItsRingNeighboursWithinTheBound() {
        ConsistentHashPool pool = poolOf(4);
        double factor = 1.5;
        pool.settings(pool.settings().withHashBalanceFactor(factor));
        List<PoolWorker> held = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            held.add(pool.acquire("hot"));
            assertWithinBound(pool, factor);
        }
        // One worker may hold at most about factor/4 of the load: at least 3 must share it.
        long busy = pool.snapshot().workers().stream().filter(w -> w.backlog() > 0).count();
        assertTrue(busy >= 3, busy + " busy workers");
        held.forEach(pool::release);
    }

    /** Each worker's backlog <= ceil(factor * total / workers), computed here by hand. */
    private static void assertWithinBound(Pool pool, double factor) {
        PoolSnapshot snap = pool.snapshot();
        int total = snap.workers().stream().mapToInt(w -> w.backlog()).sum();
        assertEquals(total, snap.backlog());
        long bound = (long) Math.ceil(factor * total / snap.size());
        snap.workers().forEach(w -> assertTrue(w.backlog() <= bound,
                w.url() + " has " + w.backlog() + " > bound " + bound + " at total " + total));
    }

    @Test
    void theHashIsFnv1aOverUtf16ThenMurmurFinalizerAndStableAcrossRuns() {
        // Every load balancer must place classes alike, and an upgrade must not move them:
        // golden values, computed independently of this code.
        assertEquals(0x2e5717b7305a6767L, Hashing.hash("site-1"));
        assertEquals(0xefd01f60ba992926L, Hashing.hash(""));
        assertEquals(0xaf9e6f0570d8eca8L, Hashing.hash("\u00e9"));
        long a = Hashing.hash("site-1");
        long b = Hashing.hash("site-2");
        assertTrue(Long.bitCount(a ^ b) > 16, "similar strings should differ in many bits");
    }
}
