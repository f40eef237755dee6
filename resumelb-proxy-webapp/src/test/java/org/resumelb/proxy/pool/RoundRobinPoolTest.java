package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RoundRobinPoolTest {

    @Test
    void spreadsRequestsEvenlyWhateverTheClass() {
        RoundRobinPool pool = new RoundRobinPool();
        for (int i = 0; i < 7; i++) {
            pool.update("w" + i, null, Map.of("c" + i, 10.0)); // skills play no part
        }
        Map<String, Integer> counts = new TreeMap<>();
        List<PoolWorker> held = new ArrayList<>();
        for (int i = 0; i < 7 * 11; i++) {
            PoolWorker w = pool.acquire(i % 3 == 0 ? "c0" : "other" + i);
            counts.merge(w.url(), 1, Integer::sum);
            if (i % 2 == 0) {
                held.add(w); // held or not, the turn comes round
            } else {
                pool.release(w);
            }
        }
        assertEquals(7, counts.size());
        counts.values().forEach(n -> assertEquals(11, n, counts.toString()));
        held.forEach(pool::release);
        assertEquals(0, pool.backlog());
    }

    @Test
    void countsDifferByAtMostOneAfterAnyNumberOfRequests() {
        RoundRobinPool pool = new RoundRobinPool();
        for (int i = 0; i < 5; i++) {
            pool.update("w" + i, null, Map.of());
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < 5 * 4 + 3; i++) {
            counts.merge(ResumePoolTest.acquireAndRelease(pool, "x"), 1, Integer::sum);
            int min = counts.size() < 5 ? 0 : counts.values().stream().min(Integer::compare).get();
            int max = counts.values().stream().max(Integer::compare).get();
            assertTrue(max - min <= 1, counts.toString());
        }
    }

    @Test
    void aNewWorkerIsNextInTurn() {
        RoundRobinPool pool = new RoundRobinPool();
        pool.update("a", null, Map.of());
        pool.update("b", null, Map.of());
        ResumePoolTest.acquireAndRelease(pool, "x");
        pool.update("c", null, Map.of());
        assertEquals("c", ResumePoolTest.acquireAndRelease(pool, "x"));
        assertEquals("round-robin", pool.policy());
    }
}
