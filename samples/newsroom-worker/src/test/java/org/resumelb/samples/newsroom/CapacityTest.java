package org.resumelb.samples.newsroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class CapacityTest {

    /** Runs {@code n} requests at once on a newsroom whose objects are all cached (no database wait); returns the wall time in ms. */
    private static long concurrently(Newsroom newsroom, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int seed = i;
                done.add(pool.submit(() -> {
                    go.await();
                    newsroom.serve("site", new Random(seed));
                    return null;
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One object per site, cached before the timing: the requests' only cost is the capacity bound. */
    private static Newsroom warm(Capacity capacity) {
        Newsroom n = new Newsroom(1, 1, 1, 100, 0, 0, capacity);
        n.serve("site", new Random(0));
        return n;
    }

    @Test
    void oneCoreServesConcurrentRequestsOneAtATime() throws Exception {
        Newsroom n = warm(Capacity.of(1, 50_000));
        long ms = concurrently(n, 4);
        // Only a lower bound on wall time: a loaded machine can only make it longer.
        assertTrue(ms >= 200, "4 requests x 50 ms on 1 core take at least 200 ms: " + ms + " ms");
        assertEquals(5, n.requests());
    }

    @Test
    void twoCoresServeTwoAtATime() throws Exception {
        long ms = concurrently(warm(Capacity.of(2, 50_000)), 4);
        assertTrue(ms >= 100, "4 requests x 50 ms on 2 cores take at least 100 ms: " + ms + " ms");
        // Two requests of 300 ms on 2 cores run side by side: neither waits for a core, where one at a time the second
        // would wait about 300 ms for the first's. Measured as the time waited for a core (under half of that), not as
        // wall time (under 600 ms), which a busy machine stretches anywhere in the run.
        Capacity two = Capacity.of(2, 300_000);
        ms = concurrently(warm(two), 2);
        assertTrue(ms >= 300, "each holds a core 300 ms: " + ms + " ms");
        assertTrue(two.waitedMicros() < 150_000, "two at a time, not one: waited " + two.waitedMicros() + " us for a core");
    }

    @Test
    void theDatabaseWaitHoldsNoCore() throws Exception {
        // Each request misses once (300 ms of database wait; a cache of 0 objects), then holds the one core 10 ms:
        // about 300 + 4 x 10 = 340 ms. Were the core held through the database wait, 4 x 310 = 1240 ms at least.
        // Measured as the time waited for the core (a few 10 ms turns; 310 + 620 + 930 ms were the wait held on it),
        // not as wall time, which a busy machine stretches.
        Capacity core = Capacity.of(1, 10_000);
        Newsroom n = new Newsroom(1, 1, 1, 0, 300_000, 0, core);
        long ms = concurrently(n, 4);
        assertTrue(ms >= 340, "the waits and the core's turns: " + ms + " ms");
        assertTrue(core.waitedMicros() < 600_000, "the database wait holds no core: waited " + core.waitedMicros() + " us for it");
        assertEquals(4, n.misses());
    }

    @Test
    void noBoundByDefault() throws Exception {
        assertSame(Capacity.NONE, Capacity.parse(null, " "));
        assertSame(Capacity.NONE, Capacity.of(0, 0));
        assertFalse(Capacity.NONE.bounded());
        Newsroom n = warm(Capacity.NONE);
        long ms = concurrently(n, 8);
        assertTrue(ms < 1_000, "nothing held: " + ms + " ms");
        assertEquals(0, Capacity.NONE.waitedMicros());
    }

    @Test
    void invalidSettingsNameTheSettingTheValueAndWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Capacity.parse("two", "4000"));
        assertEquals("newsroom setting 'cores' = 'two': accepted: a whole number of cores from 0 (no bound, the default) to 1024", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Capacity.parse("-1", "4000"));
        assertTrue(e.getMessage().startsWith("newsroom setting 'cores' = '-1': accepted:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Capacity.parse("1", "4ms"));
        assertEquals("newsroom setting 'cpuMicros' = '4ms': accepted: a whole number of microseconds from 0 (no bound, the default) to 10000000",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Capacity.parse("1", "20000000"));
        assertTrue(e.getMessage().contains("'cpuMicros' = '20000000'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Capacity.parse("1", "0"));
        assertTrue(e.getMessage().contains("'cpuMicros' is unset while 'cores' = '1'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Capacity.parse("", "4000"));
        assertTrue(e.getMessage().contains("'cores' is unset while 'cpuMicros' = '4000'"), e.getMessage());
        assertEquals("1 cores x 4000 us per request", Capacity.parse(" 1 ", "4000").toString());
    }
}
