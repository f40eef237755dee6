package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hot path's contract: once every class has its workers, acquire and
 * release allocate nothing. Measured with the JVM's per-thread allocation
 * counter over many calls, so a single byte per call would show.
 */
class PoolAllocationTest {

    private static final int WORKERS = 64;
    private static final int CLASSES = 10_000;
    private static final int CALLS = 200_000;

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void acquireAndReleaseAllocateNothing(String policy) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        Pool pool = Pools.create(policy, PoolSettings.DEFAULTS);
        String[] classes = new String[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            classes[c] = "site-" + c;
            classes[c].hashCode(); // String caches it; the classifier's strings would be fresh, but this measures the pool
        }
        for (int w = 0; w < WORKERS; w++) {
            Map<String, Double> skills = new HashMap<>();
            for (int c = w; c < CLASSES; c += WORKERS) {
                skills.put(classes[c], 1.0 + w % 7);
            }
            pool.update("http://10.0.0." + w + ":8080/app", null, skills);
        }
        PoolWorker held = pool.acquire(classes[0]); // a little load, so backlogs are not all zero
        cycle(pool, classes); // warm up (and let the JIT compile)
        long tid = Thread.currentThread().getId();
        threads.getThreadAllocatedBytes(tid);
        long before = threads.getThreadAllocatedBytes(tid);
        cycle(pool, classes);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        pool.release(held);
        // Far below one byte per call; the slack covers the counter's own bookkeeping.
        assertTrue(allocated < 16 * 1024, policy + " allocated " + allocated + " bytes in " + CALLS + " calls");
    }

    private static void cycle(Pool pool, String[] classes) {
        for (int i = 0; i < CALLS; i++) {
            pool.release(pool.acquire(classes[i % classes.length]));
        }
    }
}
