package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many request threads against résumé and membership churn: no lease is lost,
 * no backlog drifts. Bounded in work, not in time; no timing assertions.
 */
class PoolContentionTest {

    private static final int THREADS = 8;
    private static final int ITERATIONS = 20_000;
    private static final int WORKERS = 16;
    private static final int CLASSES = 200;

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void backlogsReturnToZeroAndNoLeaseIsLostUnderChurn(String policy) throws Exception {
        Pool pool = Pools.create(policy, PoolSettings.DEFAULTS);
        for (int i = 0; i < WORKERS; i++) {
            pool.update(url(i), "1", resume(new SplittableRandom(i)));
        }
        AtomicLong acquired = new AtomicLong();
        AtomicLong released = new AtomicLong();
        AtomicLong nulls = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Set<PoolWorker>> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean requestsDone = new AtomicBoolean();
        CountDownLatch churning = new CountDownLatch(1);
        AtomicLong churnRounds = new AtomicLong();

        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = 1000 + t;
            threads.add(new Thread(() -> {
                Set<PoolWorker> mine = Collections.newSetFromMap(new IdentityHashMap<>());
                Contention.Leases leases = new Contention.Leases(pool, acquired, released);
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    churning.await(); // so the churn overlaps the requests
                    for (int i = 0; i < ITERATIONS; i++) {
                        PoolWorker w = pool.acquire("c" + random.nextInt(CLASSES));
                        if (w == null) {
                            nulls.incrementAndGet(); // never: churn keeps >= 15 workers
                            continue;
                        }
                        mine.add(w);
                        leases.hold(w, random, 5);
                    }
                    leases.releaseAll();
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    seen.add(mine);
                }
            }, "request-" + t));
        }
        Thread churn = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(7);
            try {
                // Until the request threads finish (at most a bounded number of rounds):
                // re-résumé, reset, or remove and re-add one worker at a time, and check
                // the invariant on snapshots.
                for (int round = 0; round < 200_000 && !requestsDone.get(); round++) {
                    int i = random.nextInt(WORKERS);
                    switch (random.nextInt(4)) {
                        case 0 -> pool.update(url(i), "2", resume(random));
                        case 1 -> pool.resetSkills(url(i));
                        case 2 -> {
                            pool.remove(url(i));
                            pool.update(url(i), "1", resume(random));
                        }
                        default -> Contention.checkBacklogs(pool);
                    }
                    churnRounds.incrementAndGet();
                    churning.countDown();
                    if (round % 64 == 0) {
                        Thread.yield();
                    }
                }
            } catch (Throwable e) {
                failures.add(e);
            } finally {
                churning.countDown(); // never leave the request threads waiting
            }
        }, "churn");
        Contention.run(threads, churn, requestsDone);

        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(0, nulls.get(), "acquire returned null while workers existed");
        assertEquals((long) THREADS * ITERATIONS, acquired.get());
        assertEquals(acquired.get(), released.get());
        assertEquals(0, pool.backlog());
        assertEquals(WORKERS, pool.size());
        pool.snapshot().workers().forEach(w -> assertEquals(0, w.backlog(), w.url()));
        int handles = 0;
        for (Set<PoolWorker> mine : seen) {
            for (PoolWorker w : mine) {
                assertEquals(0, w.backlog(), w.url());
                handles++;
            }
        }
        assertTrue(handles >= WORKERS);
        assertTrue(churnRounds.get() > 0);
    }

    private static String url(int i) {
        return "http://10.0.0." + i + ":8080/app";
    }

    private static Map<String, Double> resume(SplittableRandom random) {
        Map<String, Double> skills = new HashMap<>();
        for (int k = 0; k < 20; k++) {
            skills.put("c" + random.nextInt(CLASSES), random.nextDouble(0, 50));
        }
        return skills;
    }
}
