package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Pool#acquireRoute}: a sticky session's request goes to the worker of
 * its route while that worker is in the pool, counted as {@code acquire}
 * counts, and never past the class budget; under contention no lease is lost.
 */
class AcquireRouteTest {

    static final List<String> URLS = List.of("http://10.0.0.1:8080/app", "http://10.0.0.2:8080/app", "http://10.0.0.3:8080/app");

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void theRoutesWorkerIsTakenHoweverBusyAndCountedAsAcquireCounts(String policy) {
        Pool pool = new SwitchablePool(policy, PoolSettings.DEFAULTS);
        URLS.forEach(u -> pool.update(u, "1", Map.of("a", 10.0)));
        String route = RouteId.of(URLS.get(1));
        List<PoolWorker> leases = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Pool.Acquired acquired = new Pool.Acquired();
            PoolWorker w = pool.acquireRoute(route, "a", acquired);
            assertEquals(URLS.get(1), w.url());
            assertEquals(route, w.route());
            assertFalse(acquired.overflow());
            leases.add(w);
        }
        assertEquals(20, leases.get(0).backlog());
        assertEquals(20, pool.backlog());
        PoolSnapshot snapshot = pool.snapshot();
        assertEquals(20, snapshot.workers().stream().mapToInt(PoolSnapshot.WorkerStatus::backlog).sum());
        PoolWorker byClass = pool.acquire("a");
        assertEquals(21, pool.backlog());
        pool.release(byClass);
        leases.forEach(pool::release);
        assertEquals(0, pool.backlog());
        assertEquals(0, leases.get(0).backlog());
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void aRouteNoWorkerInThePoolHasTakesNothing(String policy) {
        Pool pool = new SwitchablePool(policy, PoolSettings.DEFAULTS);
        URLS.forEach(u -> pool.update(u, "1", Map.of()));
        PoolSnapshot before = pool.snapshot();
        assertNull(pool.acquireRoute(RouteId.of("http://10.0.0.9:8080/app"), "a", new Pool.Acquired()), "unknown");
        assertNull(pool.acquireRoute("garbage", "a", new Pool.Acquired()));
        assertEquals(before.workers(), pool.snapshot().workers(), "nothing changed");

        PoolWorker old = pool.acquireRoute(RouteId.of(URLS.get(0)), "a", null);
        assertTrue(pool.remove(URLS.get(0)));
        assertNull(pool.acquireRoute(RouteId.of(URLS.get(0)), "a", null), "the worker left");
        assertEquals(0, pool.backlog(), "its lease left with it");
        pool.update(URLS.get(0), "1", Map.of());
        PoolWorker back = pool.acquireRoute(RouteId.of(URLS.get(0)), "a", null);
        assertNotSame(old, back, "a worker that joins again is a new handle with the same route");
        assertEquals(old.route(), back.route());
        pool.release(old);
        pool.release(back);
        assertEquals(0, pool.backlog());
    }

    @Test
    void aSessionTeachesItsWorkerNoMoreClassesThanTheBudget() {
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS, 2);
        pool.update(URLS.get(0), "1", Map.of("known", 10.0));
        pool.update(URLS.get(1), "1", Map.of("elsewhere", 10.0));
        String route = RouteId.of(URLS.get(0));
        List<String> overflowed = new ArrayList<>();
        for (String c : List.of("known", "elsewhere", "new-1", "new-2", "new-1", "new-3", "new-2", "new-4")) {
            Pool.Acquired acquired = new Pool.Acquired();
            PoolWorker w = pool.acquireRoute(route, c, acquired);
            assertEquals(URLS.get(0), w.url(), "a sticky request stays with its worker, whatever its class");
            if (acquired.overflow()) {
                overflowed.add(c);
            }
            pool.release(w);
        }
        assertEquals(List.of("new-3", "new-4"), overflowed, "classes in résumés are free; two new ones taught, then the overflow class");
        Map<String, Double> resume = pool.snapshot().workers().stream().filter(w -> w.url().equals(URLS.get(0))).findFirst()
                .orElseThrow().skills();
        assertEquals(Map.of("known", 10.0, "new-1", 1.0, "new-2", 1.0), resume, "taught as placement teaches, at unskilledScore");
        assertFalse(pool.snapshot().classes().containsKey("new-3"), "an overflowed class is learnt by nobody");
        PoolWorker byClass = pool.acquire("new-1");
        assertEquals(URLS.get(0), byClass.url(), "a class a session taught is its worker's for everyone");
        pool.release(byClass);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void stickyAndClassRequestsUnderChurnLoseNoLease(String policy) throws Exception {
        int threads = 6;
        int iterations = 20_000;
        int workers = 8;
        SwitchablePool pool = new SwitchablePool(policy, PoolSettings.DEFAULTS, 100);
        for (int i = 0; i < workers; i++) {
            pool.update(url(i), "1", Map.of("c" + i, 5.0));
        }
        AtomicLong acquired = new AtomicLong();
        AtomicLong released = new AtomicLong();
        AtomicLong sticky = new AtomicLong();
        AtomicLong wrongRoute = new AtomicLong();
        AtomicLong nulls = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch churning = new CountDownLatch(1);
        List<Thread> requesters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = 100 + t;
            requesters.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                Contention.Leases leases = new Contention.Leases(pool, acquired, released);
                try {
                    churning.await();
                    for (int i = 0; i < iterations; i++) {
                        String c = "c" + random.nextInt(40);
                        PoolWorker w;
                        if (random.nextBoolean()) {
                            // One worker in nine is unknown: its route names no worker.
                            String route = RouteId.of(url(random.nextInt(workers + 1)));
                            w = pool.acquireRoute(route, c, new Pool.Acquired());
                            if (w != null) {
                                sticky.incrementAndGet();
                                if (!w.route().equals(route)) {
                                    wrongRoute.incrementAndGet();
                                }
                            } else {
                                w = pool.acquire(c);
                            }
                        } else {
                            w = pool.acquire(c);
                        }
                        if (w == null) {
                            nulls.incrementAndGet(); // never: the churn takes out one worker of eight at a time
                            continue;
                        }
                        leases.hold(w, random, 5);
                    }
                    leases.releaseAll();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "sticky-" + t));
        }
        Thread churn = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(9);
            try {
                for (int round = 0; round < 200_000 && !done.get(); round++) {
                    int i = random.nextInt(workers);
                    switch (random.nextInt(3)) {
                        case 0 -> {
                            pool.remove(url(i));
                            pool.update(url(i), "1", Map.of("c" + i, 5.0));
                        }
                        case 1 -> pool.update(url(i), "2", Map.of("c" + random.nextInt(40), 1.0 + random.nextInt(9)));
                        default -> Contention.checkBacklogs(pool);
                    }
                    churning.countDown();
                    if (round % 64 == 0) {
                        Thread.yield();
                    }
                }
            } catch (Throwable e) {
                failures.add(e);
            } finally {
                churning.countDown();
            }
        }, "churn");
        Contention.run(requesters, churn, done);

        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(0, nulls.get());
        assertEquals((long) threads * iterations, acquired.get());
        assertEquals(acquired.get(), released.get());
        assertTrue(sticky.get() > iterations, "the sticky path ran: " + sticky.get());
        assertEquals(0, wrongRoute.get(), "a route always gets its own worker");
        assertEquals(0, pool.backlog());
        assertEquals(workers, pool.size());
        pool.snapshot().workers().forEach(w -> assertEquals(0, w.backlog(), w.url()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void acquireRouteAllocatesNothing(String policy) {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        int workers = 64;
        Pool pool = new SwitchablePool(policy, PoolSettings.DEFAULTS, 600);
        String[] routes = new String[workers + 1];
        String[] classes = new String[workers];
        for (int w = 0; w < workers; w++) {
            classes[w] = "site-" + w;
            classes[w].hashCode(); // String caches it: this measures the pool
            pool.update(url(w), null, Map.of(classes[w], 2.0));
            routes[w] = RouteId.of(url(w));
        }
        routes[workers] = RouteId.of("http://gone:8080/app"); // a route no worker has: the whole pool is searched
        Pool.Acquired acquired = new Pool.Acquired();
        for (int round = 0; round < 2; round++) { // warm up (and let the JIT compile), then measure
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 200_000; i++) {
                PoolWorker w = pool.acquireRoute(routes[i % routes.length], classes[(i / 7) % workers], acquired);
                if (w != null) {
                    pool.release(w);
                }
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            if (round == 1) {
                // Far below one byte per call; the slack covers the counter's own bookkeeping.
                assertTrue(allocated < 16 * 1024, policy + " allocated " + allocated + " bytes in 200000 calls");
            }
        }
        assertEquals(0, pool.backlog());
    }

    @Test
    void aPolicySwitchKeepsRoutes() {
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
        URLS.forEach(u -> pool.update(u, "1", Map.of()));
        PoolWorker before = pool.acquireRoute(RouteId.of(URLS.get(2)), "a", null);
        assertTrue(pool.switchTo("least-backlog"));
        PoolWorker after = pool.acquireRoute(RouteId.of(URLS.get(2)), "a", null);
        assertEquals(URLS.get(2), after.url());
        pool.release(before);
        pool.release(after);
        assertEquals(0, pool.backlog());
    }

    private static String url(int i) {
        return "http://10.0.1." + i + ":8080/app";
    }
}
