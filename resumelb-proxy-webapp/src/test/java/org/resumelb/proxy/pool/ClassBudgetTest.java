package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The résumé pool's class budget: classes in no résumé taught at most
 * {@code classBudget} per worker per minute; beyond, such requests go by
 * backlog, teach nobody and report an overflow. Real classes never notice.
 */
class ClassBudgetTest {

    long now = 1_000_000_000L;
    final ResumePool pool = new ResumePool(PoolSettings.DEFAULTS);

    ClassBudgetTest() {
        pool.classBudget(3);
        pool.nanoClock = () -> now;
    }

    /** Acquires and releases one request of the class; returns whether it overflowed. */
    boolean request(String requestClass) {
        Pool.Acquired acquired = new Pool.Acquired();
        PoolWorker w = pool.acquire(requestClass, acquired);
        pool.release(w);
        return acquired.overflow();
    }

    int gained(String url) {
        synchronized (pool.lock) {
            for (PoolWorker w = pool.lruFirst; w != null; w = w.lruNext) {
                if (w.url().equals(url)) {
                    return w.gained == null ? 0 : w.gained.size();
                }
            }
        }
        throw new AssertionError(url);
    }

    @Test
    void beyondTheBudgetNeverSeenClassesTeachNobody() {
        pool.update("w1", null, Map.of("real", 5.0));
        for (int i = 0; i < 3; i++) {
            assertFalse(request("junk-" + i), "within the budget: taught");
        }
        assertEquals(3, gained("w1"));
        for (int i = 3; i < 1000; i++) {
            assertTrue(request("junk-" + i), "junk-" + i);
        }
        assertEquals(3, gained("w1"), "a refusal adds nothing to the worker's gained classes");
        assertEquals(4, pool.snapshot().classes().size(), "nor to the skilled sets: real and junk-0..2");
        assertFalse(request("real"), "a class in a résumé is never refused");
        assertFalse(request("junk-1"), "nor one taught before");

        now += TimeUnit.SECONDS.toNanos(20); // a third of a minute: one token back
        assertFalse(request("junk-new-1"));
        assertTrue(request("junk-new-2"));
        now += TimeUnit.MINUTES.toNanos(10); // the bucket refills to the budget, no more
        for (int i = 0; i < 3; i++) {
            assertFalse(request("later-" + i));
        }
        assertTrue(request("later-3"));

        pool.update("w1", null, Map.of("real", 5.0)); // the next résumé forgets what was taught
        assertEquals(0, gained("w1"));
        assertEquals(Map.of("real", 1), sizes(pool.snapshot()));
    }

    static Map<String, Integer> sizes(PoolSnapshot s) {
        Map<String, Integer> out = new HashMap<>();
        s.classes().forEach((c, workers) -> out.put(c, workers.size()));
        return out;
    }

    @Test
    void eachWorkerHasItsOwnBudgetAndOverflowGoesToTheLeastBusy() {
        pool.update("w1", null, Map.of());
        pool.update("w2", null, Map.of());
        int taught = 0;
        for (int i = 0; i < 20; i++) {
            taught += request("junk-" + i) ? 0 : 1;
        }
        assertEquals(6, taught, "3 per worker");
        PoolWorker busy = pool.acquire("held"); // w? gets a request in flight
        Pool.Acquired acquired = new Pool.Acquired();
        PoolWorker idle = pool.acquire("junk-x", acquired);
        assertTrue(acquired.overflow());
        assertTrue(idle != busy, "by backlog: the idle worker");
        pool.release(idle);
        pool.release(busy);
    }

    @Test
    void aSkilledClassStillSpreadsWhenTheBudgetIsSpent() {
        pool.update("w1", null, Map.of("hot", 10.0));
        pool.update("w2", null, Map.of());
        for (int i = 0; i < 50; i++) {
            request("junk-" + i); // spends both budgets
        }
        // w1 is busy with "hot": the next "hot" request goes to the least recently used worker, which learns it.
        PoolWorker[] held = new PoolWorker[20];
        for (int i = 0; i < held.length; i++) {
            held[i] = pool.acquire("hot");
        }
        assertEquals(2, pool.snapshot().classes().get("hot").size(), "hot spread to w2 with no budget left");
        for (PoolWorker w : held) {
            pool.release(w);
        }
    }

    @Test
    void zeroIsNoLimitAndOtherPoliciesNeverOverflow() {
        pool.classBudget(0);
        pool.update("w1", null, Map.of());
        for (int i = 0; i < 100; i++) {
            assertFalse(request("c" + i));
        }
        assertEquals(100, gained("w1"), "zc.resumelb's behaviour");
        Pool.Acquired acquired = new Pool.Acquired();
        LeastBacklogPool lb = new LeastBacklogPool();
        lb.classBudget(1);
        lb.update("w1", null, Map.of());
        for (int i = 0; i < 10; i++) {
            lb.release(lb.acquire("c" + i, acquired));
        }
        assertFalse(acquired.overflow());
    }

    @Test
    void aPolicySwitchKeepsTheBudget() {
        SwitchablePool switchable = new SwitchablePool("round-robin", PoolSettings.DEFAULTS, 2);
        switchable.update("w1", null, Map.of());
        assertTrue(switchable.switchTo("resume"));
        int overflowed = 0;
        for (int i = 0; i < 10; i++) {
            Pool.Acquired acquired = new Pool.Acquired();
            switchable.release(switchable.acquire("c" + i, acquired));
            overflowed += acquired.overflow() ? 1 : 0;
        }
        assertEquals(8, overflowed);
        assertSame(null, new SwitchablePool("resume", PoolSettings.DEFAULTS).acquire("x"), "empty");
    }

    @Test
    void theOverflowPathAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        for (int w = 0; w < 16; w++) {
            pool.update("http://10.0.0." + w + ":8080", null, Map.of("real-" + w, 2.0));
        }
        String[] junk = new String[10_000];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = "junk-" + i;
            junk[i].hashCode();
        }
        Pool.Acquired acquired = new Pool.Acquired();
        for (int i = 0; i < 200_000; i++) { // spends every budget, warms up
            pool.release(pool.acquire(junk[i % junk.length], acquired));
        }
        long tid = Thread.currentThread().getId();
        threads.getThreadAllocatedBytes(tid);
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 200_000; i++) {
            pool.release(pool.acquire(junk[i % junk.length], acquired));
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(acquired.overflow());
        assertTrue(allocated < 16 * 1024, "overflow path allocated " + allocated + " bytes in 200000 calls");
    }
}
