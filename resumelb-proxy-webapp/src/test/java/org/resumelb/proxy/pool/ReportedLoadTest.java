package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Others' load reported by a worker ({@link Pool#reported}): how it combines
 * with this pool's own backlog, ages, and steers every policy; the backlog
 * limit stays local; under contention the totals stay consistent and the hot
 * path allocates nothing.
 */
class ReportedLoadTest {

    private static final long MS = 1_000_000L;

    private long now = 1_000 * MS;

    private <P extends AbstractPool> P stepped(P pool) {
        pool.nanoClock = () -> now;
        return pool;
    }

    private static PoolWorker worker(Pool pool, String url) {
        PoolSnapshot.WorkerStatus s = pool.snapshot().worker(url);
        assertNotNull(s, url);
        // Acquire until we hold url's handle, releasing the others.
        List<PoolWorker> others = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                PoolWorker w = pool.acquire("x");
                if (w.url().equals(url)) {
                    pool.release(w);
                    return w;
                }
                others.add(w);
            }
        } finally {
            others.forEach(pool::release);
        }
        throw new AssertionError("no handle for " + url);
    }

    @Test
    void othersLoadIsTheReportBeyondOwnBacklogAndCountsAtOnce() {
        LeastBacklogPool pool = stepped(new LeastBacklogPool());
        pool.update("http://a", "1", Map.of());
        pool.update("http://b", "1", Map.of());
        PoolWorker a = worker(pool, "http://a");
        PoolWorker b = worker(pool, "http://b");

        PoolWorker first = pool.acquire("x");
        PoolWorker onA = first == a ? first : pool.acquire("x");
        assertSame(a, onA);
        if (first != a) {
            pool.release(first);
        }
        // A has 1 of ours in flight and reports 5: others' load on A is 4, A counts 5.
        pool.reported(a, 5, 4.0);
        assertEquals(4, a.othersLoad());
        assertEquals(5, a.effectiveBacklog());
        PoolSnapshot.WorkerStatus status = pool.snapshot().worker("http://a");
        assertEquals(5, status.reported());
        assertEquals(4, status.others());
        assertEquals(1, status.backlog());
        assertEquals(-1, pool.snapshot().worker("http://b").reported());

        // B (0 + 0) and then B again (1 < 5): A's others keep it away.
        PoolWorker n1 = pool.acquire("x");
        PoolWorker n2 = pool.acquire("x");
        PoolWorker n3 = pool.acquire("x");
        assertSame(b, n1);
        assertSame(b, n2);
        assertSame(b, n3);
        // A request this pool sends to A counts at once, above others' load.
        synchronized (pool.lock) {
            assertEquals(1 + 3 + 4, pool.poolBacklog());
        }
        pool.release(n1);
        pool.release(n2);
        pool.release(n3);
        pool.release(onA);
        assertEquals(4, a.effectiveBacklog(), "our release lowers our part only");
    }

    @Test
    void aReportBelowOwnBacklogMeansNoOthers() {
        LeastBacklogPool pool = stepped(new LeastBacklogPool());
        pool.update("http://a", "1", Map.of());
        PoolWorker a = pool.acquire("x");
        pool.acquire("x");
        pool.acquire("x");
        pool.reported(a, 2, 0.5); // the worker saw 2 of our 3 so far
        assertEquals(0, a.othersLoad());
        assertEquals(3, a.effectiveBacklog());
        pool.reported(a, 7, 0.5);
        assertEquals(4, a.othersLoad(), "a later report replaces the earlier one");
    }

    @Test
    void theReportIsComparedWithOurBacklogWhenItsResponseArrives() {
        LeastBacklogPool pool = stepped(new LeastBacklogPool());
        pool.update("http://a", "1", Map.of());
        List<PoolWorker> ours = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ours.add(pool.acquire("x"));
        }
        PoolWorker a = ours.get(4);
        // Our first four ended; the fifth's response says 3 in flight as the worker started it: itself and two of
        // another load balancer's. Taken then, not when the fifth arrived behind our four.
        for (int i = 0; i < 4; i++) {
            pool.release(ours.get(i));
        }
        pool.reported(a, 3, 3.0);
        assertEquals(2, a.othersLoad(), "the other load balancer's two");
        assertEquals(3, a.effectiveBacklog());
        pool.release(a);
        assertEquals(2, a.effectiveBacklog(), "our release lowers our part only");
    }

    @Test
    void othersLoadHalvesEveryHalfLifeWithoutAReport() {
        LeastBacklogPool pool = stepped(new LeastBacklogPool());
        pool.update("http://a", "1", Map.of());
        PoolWorker a = worker(pool, "http://a");
        pool.reported(a, 8, 6.0);
        assertEquals(8, pool.snapshot().worker("http://a").others());
        now += 499 * MS;
        assertEquals(8, pool.snapshot().worker("http://a").others());
        now += 1 * MS;
        assertEquals(4, pool.snapshot().worker("http://a").others());
        now += 1000 * MS;
        assertEquals(1, pool.snapshot().worker("http://a").others());
        now += 500 * MS;
        assertEquals(0, pool.snapshot().worker("http://a").others());
        synchronized (pool.lock) {
            assertEquals(0, pool.othersTotal);
            assertEquals(0.0, pool.othersMeanTotal, 6.0 / 16 + 1e-9);
        }
        assertEquals(8, pool.snapshot().worker("http://a").reported(), "the last report stays on show");
    }

    @Test
    void aRemovedWorkerTakesOthersLoadWithItAndIgnoresLaterReports() {
        ConsistentHashPool pool = stepped(new ConsistentHashPool());
        pool.update("http://a", "1", Map.of());
        pool.update("http://b", "1", Map.of());
        PoolWorker a = worker(pool, "http://a");
        pool.reported(a, 6, 5.0);
        synchronized (pool.lock) {
            assertEquals(6, pool.poolBacklog());
        }
        pool.remove("http://a");
        pool.reported(a, 9, 9.0);
        synchronized (pool.lock) {
            assertEquals(0, pool.poolBacklog());
            assertEquals(0, pool.othersTotal);
        }
    }

    @Test
    void theBacklogLimitCountsOwnRequestsOnly() {
        LeastBacklogPool pool = stepped(new LeastBacklogPool());
        pool.backlogLimit(2, 0);
        pool.update("http://a", "1", Map.of());
        PoolWorker a = worker(pool, "http://a");
        pool.reported(a, 50, 50.0);
        Pool.Acquired acquired = new Pool.Acquired();
        assertSame(a, pool.acquire("x", acquired));
        assertSame(a, pool.acquire("x", acquired));
        assertEquals(null, pool.acquire("x", acquired));
        assertTrue(acquired.full());
    }

    @Test
    void resumePolicySendsAClassAwayFromASkilledWorkerBusyThroughOtherLoadBalancers() {
        // A is the better worker for c (score 10 against 1): without reports it gets c.
        ResumePool without = stepped(new ResumePool());
        without.update("http://a", "1", Map.of("c", 10.0));
        without.update("http://b", "1", Map.of("c", 1.0));
        PoolWorker first = without.acquire("c");
        assertEquals("http://a", first.url());
        without.release(first);

        // The same, but A reports 10 in flight (mean 9) from other load balancers: too busy, so B.
        ResumePool with = stepped(new ResumePool());
        with.update("http://a", "1", Map.of("c", 10.0));
        with.update("http://b", "1", Map.of("c", 1.0));
        PoolWorker a = worker(with, "http://a");
        with.reported(a, 10, 9.0);
        PoolWorker chosen = with.acquire("c");
        assertEquals("http://b", chosen.url());
        with.release(chosen);
        // Once the report has aged out, A is the choice again.
        now += 20 * AbstractPool.REPORT_HALF_LIFE_NANOS;
        PoolWorker later = with.acquire("c");
        assertEquals("http://a", later.url());
        with.release(later);
    }

    @Test
    void badReportsAreRefused() {
        LeastBacklogPool pool = new LeastBacklogPool();
        pool.update("http://a", "1", Map.of());
        PoolWorker a = worker(pool, "http://a");
        assertThrows(IllegalArgumentException.class, () -> pool.reported(a, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> pool.reported(a, 1, Double.NaN));
        assertEquals(-1, pool.snapshot().worker("http://a").reported());
    }

    @Test
    void switchablePoolPassesReportsToTheWorkersOwner() {
        SwitchablePool pool = new SwitchablePool("least-backlog", PoolSettings.DEFAULTS, 0, java.time.Duration.ZERO);
        pool.update("http://a", "1", Map.of());
        PoolWorker a = pool.acquire("x");
        stepped(a.owner); // the report ages on the test's clock: a stall of one half-life would halve it
        pool.reported(a, 4, 2.0);
        assertEquals(3, pool.snapshot().worker("http://a").others());
        pool.release(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "least-backlog", "consistent-hash"})
    void reportsAmidRequestsKeepTotalsConsistentAndLeaseCountsExact(String policy) throws Exception {
        AbstractPool pool = (AbstractPool) Pools.create(policy, PoolSettings.DEFAULTS);
        int workers = 8;
        for (int i = 0; i < workers; i++) {
            pool.update("http://w" + i, "1", Map.of("c" + i, 1.0 + i));
        }
        AtomicLong acquired = new AtomicLong();
        AtomicLong released = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> requesters = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            long seed = 100 + t;
            requesters.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                Contention.Leases leases = new Contention.Leases(pool, acquired, released);
                try {
                    for (int i = 0; i < 20_000; i++) {
                        PoolWorker w = pool.acquire("c" + random.nextInt(12));
                        if (random.nextInt(4) == 0) {
                            pool.reported(w, random.nextInt(0, 40), random.nextDouble(0, 30));
                        }
                        leases.hold(w, random, 6);
                    }
                    leases.releaseAll();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "requests-" + t));
        }
        Thread checker = new Thread(() -> {
            try {
                for (int round = 0; round < 100_000 && !done.get(); round++) {
                    synchronized (pool.lock) {
                        int sum = 0;
                        for (PoolWorker w = pool.lruFirst; w != null; w = w.lruNext) {
                            if (w.others < 0 || w.othersMean < 0) {
                                throw new AssertionError("negative others' load on " + w);
                            }
                            sum += w.others;
                        }
                        if (sum != pool.othersTotal) {
                            throw new AssertionError("othersTotal " + pool.othersTotal + " but workers sum to " + sum);
                        }
                    }
                    Contention.checkBacklogs(pool);
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "checker");
        Contention.run(requesters, checker, done);
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(acquired.get(), released.get());
        assertEquals(0, pool.backlog());
        for (PoolSnapshot.WorkerStatus w : pool.snapshot().workers()) {
            assertEquals(0, w.backlog(), w.url());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "least-backlog", "consistent-hash"})
    void acquireReportAndReleaseAllocateNothing(String policy) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        AbstractPool pool = (AbstractPool) Pools.create(policy, PoolSettings.DEFAULTS);
        String[] classes = new String[64];
        for (int c = 0; c < classes.length; c++) {
            classes[c] = "site-" + c;
            classes[c].hashCode();
        }
        for (int w = 0; w < 16; w++) {
            java.util.HashMap<String, Double> skills = new java.util.HashMap<>();
            for (int c = w; c < classes.length; c += 16) {
                skills.put(classes[c], 1.0 + w % 5);
            }
            pool.update("http://10.0.0." + w + ":8080/app", null, skills);
        }
        cycle(pool, classes, 200_000);
        long tid = Thread.currentThread().getId();
        threads.getThreadAllocatedBytes(tid);
        long before = threads.getThreadAllocatedBytes(tid);
        cycle(pool, classes, 200_000);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 16 * 1024, policy + " allocated " + allocated + " bytes");
    }

    private static void cycle(Pool pool, String[] classes, int calls) {
        for (int i = 0; i < calls; i++) {
            PoolWorker w = pool.acquire(classes[i % classes.length]);
            pool.reported(w, 1 + i % 7, (i % 5) * 0.5);
            pool.release(w);
        }
    }
}
