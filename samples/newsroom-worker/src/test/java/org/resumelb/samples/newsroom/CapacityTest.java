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
        Capacity oneCore = Capacity.of(1, 50_000);
        Newsroom n = warm(oneCore);
        long ms = concurrently(n, 4);
        assertTrue(ms >= 200, "4 requests x 50 ms on 1 core take at least 200 ms: " + ms + " ms");
        assertEquals(5, n.requests());
        // The 2nd, 3rd and 4th waited about 50, 100 and 150 ms for the core.
        assertTrue(oneCore.waitedMicros() >= 250_000, "waited " + oneCore.waitedMicros() + " us");
    }

    @Test
    void twoCoresServeTwoAtATime() throws Exception {
        Capacity twoCores = Capacity.of(2, 50_000);
        long ms = concurrently(warm(twoCores), 4);
        assertTrue(ms >= 100, "4 requests x 50 ms on 2 cores take at least 100 ms: " + ms + " ms");
        // Two rounds of 50 ms; a third round would mean a core was lost. Generous for a loaded machine.
        assertTrue(ms < 1_000, "two at a time, not one: " + ms + " ms");
        assertTrue(twoCores.waitedMicros() >= 2 * 45_000, "two of them waited a round: " + twoCores.waitedMicros() + " us");
    }

    @Test
    void theDatabaseWaitHoldsNoCore() throws Exception {
        // Each request misses once (10 ms of database wait; a cache of 0 objects) and then holds the one core 20 ms.
        Capacity oneCore = Capacity.of(1, 20_000);
        Newsroom n = new Newsroom(1, 1, 1, 0, 10_000, 0, oneCore);
        long ms = concurrently(n, 4);
        assertTrue(ms >= 80, "the core is the bottleneck: " + ms + " ms");
        // Were the database wait inside the core, it would take 4 x 30 = 120 ms at least; here 10 + 4 x 20 = 90 ms.
        assertTrue(oneCore.waitedMicros() < 4 * 70_000, "waited " + oneCore.waitedMicros() + " us");
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
