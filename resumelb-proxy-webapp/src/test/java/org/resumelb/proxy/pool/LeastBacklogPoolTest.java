package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** zc.resumelb's {@code classlesspool.test}, then a few more loads. */
class LeastBacklogPoolTest {

    private final LeastBacklogPool pool = new LeastBacklogPool();
    private final Map<String, PoolWorker> handles = new HashMap<>();

    private String get(String requestClass) {
        PoolWorker w = pool.acquire(requestClass);
        handles.put(w.url(), w);
        return w.url();
    }

    private void put(String url, int times) {
        for (int i = 0; i < times; i++) {
            pool.release(handles.get(url));
        }
    }

    private int backlog(String url) {
        return pool.snapshot().worker(url).backlog();
    }

    @Test
    void picksTheLeastBusyWorkerAndAmongEqualsTheLeastRecentlyUsed() {
        assertNull(pool.acquire("foo"));
        pool.update("w1", null, Map.of());
        assertEquals("w1", get("foo"));
        // A new worker has a backlog of 0 while w1 has 1.
        pool.update("w2", null, Map.of());
        assertEquals("w2", get("foo"));
        // Equal backlogs: w1 waited longer.
        assertEquals("w1", get("foo"));
        assertEquals("w2", get("foo"));
        // The class does not matter.
        assertEquals("w1", get("bar"));
        assertEquals("w2", get("bar"));
        assertEquals(6, pool.backlog());
        assertEquals(3, backlog("w1"));
        assertEquals(3, backlog("w2"));

        put("w2", 2);
        assertEquals(4, pool.backlog());
        assertEquals(1, backlog("w2"));
        // w2 is preferred until its backlog catches up.
        assertEquals("w2", get("bar"));
        assertEquals("w2", get("bar"));
        assertEquals("w1", get("bar"));
    }

    @Test
    void removedWorkersTakeTheirBacklogWithThem() {
        picksTheLeastBusyWorkerAndAmongEqualsTheLeastRecentlyUsed();
        pool.remove("w1");
        put("w1", 4);
        assertEquals(3, pool.backlog());
        assertEquals(1, pool.size());
        pool.remove("w2");
        put("w2", 3);
        assertEquals(0, pool.backlog());
        assertEquals(0, pool.size());
    }

    @Test
    void heldLeasesSteerNewRequestsToTheLeastLoaded() {
        for (String url : List.of("a", "b", "c", "d")) {
            pool.update(url, null, Map.of());
        }
        List<PoolWorker> held = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            held.add(pool.acquire("x" + i));
        }
        for (String url : List.of("a", "b", "c", "d")) {
            assertEquals(3, backlog(url));
        }
        // Free two of c's requests: c is the least loaded now.
        held.stream().filter(w -> w.url().equals("c")).limit(2).toList().forEach(w -> {
            held.remove(w);
            pool.release(w);
        });
        assertEquals("c", get("y"));
        assertEquals("c", get("y"));
        held.add(handles.get("c"));
        held.add(handles.get("c"));
        // All at 3 again: the least recently used of them goes first.
        String next = get("y");
        assertEquals(4, backlog(next));
        held.add(handles.get(next));
        held.forEach(pool::release);
        assertEquals(0, pool.backlog());
    }
}
