package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every policy honours the workers' weights: round-robin in proportion,
 * least-backlog by backlog per unit of weight, consistent-hash in its bound,
 * the résumé policy in its skilled choice, its "too busy" rule and its
 * placement; equal weights, whatever their value, route exactly as weights of 1.
 * All deterministic: no clock, no randomness but seeded.
 */
class WeightedPoolsTest {

    static final String LIGHT = "http://10.0.0.1:8080";
    static final String HEAVY = "http://10.0.0.2:8080";

    static <P extends Pool> P withWorkers(P pool, Object... urlsAndWeights) {
        for (int i = 0; i < urlsAndWeights.length; i += 2) {
            pool.update((String) urlsAndWeights[i], null, Map.of(), ((Number) urlsAndWeights[i + 1]).doubleValue());
        }
        return pool;
    }

    static int backlog(Pool pool, String url) {
        return pool.snapshot().worker(url).backlog();
    }

    @Test
    void roundRobinGivesWeightsOneAndThreeExactlyAQuarterAndThreeQuartersInterleaved() {
        RoundRobinPool pool = withWorkers(new RoundRobinPool(), LIGHT, 1, HEAVY, 3);
        List<String> order = new ArrayList<>();
        List<PoolWorker> held = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            PoolWorker w = pool.acquire("any-" + i % 7);
            order.add(w.url());
            if (i % 3 == 0) {
                held.add(w); // held or not, the turns are the same
            } else {
                pool.release(w);
            }
        }
        assertEquals(2_500, order.stream().filter(LIGHT::equals).count());
        assertEquals(7_500, order.stream().filter(HEAVY::equals).count());
        for (int i = 0; i + 4 <= order.size(); i += 4) {
            assertEquals(1, order.subList(i, i + 4).stream().filter(LIGHT::equals).count(), "smooth: one in every four, at " + i);
        }
        held.forEach(pool::release);
        assertEquals(0, pool.backlog());

        // Equal weights again: plain turns.
        pool.update(HEAVY, null, Map.of(), 1);
        String previous = ResumePoolTest.acquireAndRelease(pool, "x");
        for (int i = 0; i < 10; i++) {
            String next = ResumePoolTest.acquireAndRelease(pool, "x");
            assertNotEquals(previous, next);
            previous = next;
        }
    }

    @Test
    void roundRobinSharesFollowAnyWeights() {
        RoundRobinPool pool = withWorkers(new RoundRobinPool(), "a", 0.5, "b", 1.5, "c", 2, "d", 4);
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < 8_000; i++) {
            counts.merge(ResumePoolTest.acquireAndRelease(pool, "x"), 1, Integer::sum);
        }
        assertEquals(Map.of("a", 500, "b", 1_500, "c", 2_000, "d", 4_000), counts);
    }

    @Test
    void leastBacklogHoldsRequestsInFlightInProportionToWeight() {
        // The heavy worker joins first, so the light one is the least recently used: the tie rule would favour it.
        LeastBacklogPool pool = withWorkers(new LeastBacklogPool(), HEAVY, 3, LIGHT, 1);
        assertEquals(HEAVY, pool.acquire("x").url(), "idle: (0 + 1) / 3 beats (0 + 1) / 1");
        for (int k = 1; k <= 100; k++) {
            for (int i = (k == 1 ? 1 : 0); i < 4; i++) {
                pool.acquire("x");
            }
            assertEquals(k, backlog(pool, LIGHT), "after " + 4 * k + " requests");
            assertEquals(3 * k, backlog(pool, HEAVY), "after " + 4 * k + " requests");
        }
        // Equal loads per unit of weight once the next request is taken, (1 + 1) / 1 = (5 + 1) / 3: the least recently used.
        LeastBacklogPool tie = withWorkers(new LeastBacklogPool(), LIGHT, 1, HEAVY, 3);
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            first.add(tie.acquire("x").url());
        }
        // (0+1)/3 < (0+1)/1, 2/3 < 1, then 3/3 = 1/1: a tie, and the light worker was used longer ago; then 4/3, 5/3, 6/3 < 2/1.
        assertEquals(List.of(HEAVY, HEAVY, LIGHT, HEAVY, HEAVY, HEAVY), first);
        assertEquals(LIGHT, tie.acquire("x").url(), "a tie at 2: the light worker was used longer ago");
    }

    @Test
    void consistentHashBoundsEachWorkerInProportionToItsWeight() {
        ConsistentHashPool pool = withWorkers(new ConsistentHashPool(),
                "http://10.0.0.1:8080/app", 1, "http://10.0.0.2:8080/app", 1, "http://10.0.0.3:8080/app", 1, "http://10.0.0.4:8080/app", 3);
        double factor = pool.settings().hashBalanceFactor();
        List<PoolWorker> held = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 1; i <= 600; i++) {
            // Mostly one hot class, so that bounds are reached.
            held.add(pool.acquire(random.nextInt(4) == 0 ? "site-" + random.nextInt(20) : "hot"));
            int total = i;
            pool.snapshot().workers().forEach(w -> {
                double weight = w.url().endsWith(".4:8080/app") ? 3 : 1;
                long bound = (long) Math.ceil(factor * total * weight / 6);
                assertTrue(w.backlog() <= bound, w.url() + " holds " + w.backlog() + " > its bound " + bound + " at " + total);
            });
        }
        int heavy = backlog(pool, "http://10.0.0.4:8080/app");
        // The light workers may hold at most ceil(1.25 * 600 / 6) = 125 each: the heavy one holds the rest, more
        // than the bound of a pool without weights, ceil(1.25 * 600 / 4) = 188.
        assertTrue(heavy > 188, "heavy holds " + heavy);
        held.forEach(pool::release);
        assertEquals(0, pool.backlog());
    }

    @Test
    void theResumePolicySendsAClassBothHaveToTheHeavierWorkerThreeTimesAsOften() {
        ResumePool pool = new ResumePool();
        pool.update(LIGHT, null, Map.of("x", 10.0), 1);
        pool.update(HEAVY, null, Map.of("x", 10.0), 3);
        PoolWorker first = pool.acquire("x");
        assertEquals(HEAVY, first.url(), "idle: score 10 x 1.5 beats 10 x 0.5");
        pool.release(first);
        // Keep 40 requests in flight, releasing the oldest as each new one comes (with only a few in flight, zc.resumelb's
        // "score alone while the backlog is at most 1" favours the light worker: a rule kept as it was).
        java.util.ArrayDeque<PoolWorker> window = new java.util.ArrayDeque<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < 4_000; i++) {
            PoolWorker w = pool.acquire("x");
            counts.merge(w.url(), 1, Integer::sum);
            window.add(w);
            if (window.size() > 40) {
                pool.release(window.poll());
            }
        }
        window.forEach(pool::release);
        double heavyShare = counts.get(HEAVY) / 4_000.0;
        assertTrue(heavyShare > 0.70 && heavyShare < 0.80, "heavy's share " + heavyShare + " of " + counts);
        assertEquals(Map.of("x", 10.0), pool.snapshot().worker(LIGHT).skills(), "nobody had to learn anything");
    }

    @Test
    void aSkilledHeavierWorkerHoldsMoreBeforeItIsTooBusy() {
        assertTrue(heldBeforeOverflow(3) > 2 * heldBeforeOverflow(1),
                heldBeforeOverflow(3) + " requests held at weight 3 (beside weight 1), " + heldBeforeOverflow(1) + " at weight 1");
    }

    /** Requests of a class only {@code skilled} has, held, until one goes elsewhere. */
    static int heldBeforeOverflow(double weight) {
        ResumePool pool = new ResumePool();
        pool.update("skilled", null, Map.of("x", 10.0), weight);
        pool.update("other", null, Map.of(), 1);
        for (int held = 0; held < 1_000; held++) {
            if (!pool.acquire("x").url().equals("skilled")) {
                return held;
            }
        }
        throw new AssertionError("never overflowed");
    }

    @Test
    void aHotClassOverflowsToTheHeavierWorkerFirst() {
        String a = "http://10.0.0.1:8080";
        String b = "http://10.0.0.2:8080";
        String c = "http://10.0.0.3:8080";
        // A class whose unweighted rendezvous order puts b before c, while weights 1 and 3 put c first.
        String hot = null;
        for (int i = 0; hot == null; i++) {
            String candidate = "hot-" + i;
            long h = Hashing.hash(candidate);
            long rb = Hashing.rendezvous(h, Hashing.hash(b));
            long rc = Hashing.rendezvous(h, Hashing.hash(c));
            if (Long.compareUnsigned(rb, rc) > 0 && Hashing.weightedRendezvous(rc, 3) > Hashing.weightedRendezvous(rb, 1)) {
                hot = candidate;
            }
        }
        assertEquals(c, firstOverflow(hot, 3), hot + " overflows from a to c, of weight 3");
        assertEquals(b, firstOverflow(hot, 1), hot + " overflows from a to b when c's weight is 1 too");
    }

    /** Where {@code hot}, which only a (weight 1) has, goes first when a is too busy; b has weight 1, c {@code weightOfC}. */
    static String firstOverflow(String hot, double weightOfC) {
        ResumePool pool = new ResumePool();
        pool.update("http://10.0.0.1:8080", null, Map.of(hot, 10.0), 1);
        pool.update("http://10.0.0.2:8080", null, Map.of(), 1);
        pool.update("http://10.0.0.3:8080", null, Map.of(), weightOfC);
        for (int i = 0; i < 1_000; i++) {
            String url = pool.acquire(hot).url();
            if (!url.equals("http://10.0.0.1:8080")) {
                return url;
            }
        }
        throw new AssertionError("never overflowed");
    }

    @Test
    void hotClassesOverflowToTheHeavierWorkerFirstThreeTimesInFour() {
        int toHeavy = 0;
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            if (firstOverflow("site-" + i, 3).equals("http://10.0.0.3:8080")) {
                toHeavy++;
            }
        }
        double share = toHeavy / (double) n;
        assertTrue(share > 0.72 && share < 0.78, "weight 3 beside weight 1 is first for " + share + " of the overflowing classes");
    }

    @Test
    void weightedPlacementGivesEachWorkerClassesInProportionToItsWeightByTheWeightedRendezvousOrder() {
        Map<String, Double> weights = Map.of("http://10.0.0.1:8080", 1.0, "http://10.0.0.2:8080", 1.0, "http://10.0.0.3:8080", 3.0);
        ResumePool pool = new ResumePool();
        weights.forEach((url, w) -> pool.update(url, null, Map.of(), w));
        Map<String, Integer> counts = new TreeMap<>();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            String requestClass = "site-" + i;
            String placed = ResumePoolTest.acquireAndRelease(pool, requestClass);
            counts.merge(placed, 1, Integer::sum);
            // By the definition: the highest -weight / ln(u).
            long h = Hashing.hash(requestClass);
            String expected = null;
            double best = -1;
            for (Map.Entry<String, Double> e : weights.entrySet()) {
                double score = Hashing.weightedRendezvous(Hashing.rendezvous(h, Hashing.hash(e.getKey())), e.getValue());
                if (score > best) {
                    best = score;
                    expected = e.getKey();
                }
            }
            assertEquals(expected, placed, requestClass);
        }
        weights.forEach((url, w) -> {
            double share = counts.get(url) / (double) n;
            assertEquals(w / 5.0, share, 0.015, url + " of weight " + w + ": " + counts);
        });
    }

    @Test
    void theWeightedScoreOrdersLikeTheRankForOneWeight() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            long x = random.nextLong();
            long y = random.nextLong();
            for (double w : new double[] {0.01, 1, 3, 1000}) {
                if (Long.compareUnsigned(x, y) > 0) {
                    assertTrue(Hashing.weightedRendezvous(x, w) >= Hashing.weightedRendezvous(y, w));
                }
                assertTrue(Double.isFinite(Hashing.weightedRendezvous(x, w)) && Hashing.weightedRendezvous(x, w) > 0);
            }
        }
        for (double w : new double[] {0.01, 1, 1000}) {
            assertTrue(Double.isFinite(Hashing.weightedRendezvous(0, w)) && Hashing.weightedRendezvous(0, w) > 0);
            assertTrue(Double.isFinite(Hashing.weightedRendezvous(-1L, w)));
        }
    }

    /**
     * Equal weights, whatever their value (4: {@code weight=processors} on a fleet of alike machines),
     * route exactly as weights of 1, which route as before weights existed (the other pool tests).
     */
    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void equalWeightsWhateverTheirValueRouteExactlyAsWeightsOfOne(String policy) {
        List<String> ones = run(policy, 1.0);
        for (double w : new double[] {4.0, 0.5, 3.0, 0.7}) {
            assertEquals(ones, run(policy, w), "all weights " + w);
        }
    }

    /** A seeded workload with held leases, joins, leaves and new résumés; the URL each acquire got. */
    static List<String> run(String policy, double weight) {
        Pool pool = Pools.create(policy, PoolSettings.DEFAULTS);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 6; i++) {
            pool.update("http://w" + i, null, Map.of("site-" + i, 10.0 + i), weight);
        }
        List<String> got = new ArrayList<>();
        List<PoolWorker> held = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            int r = random.nextInt(100);
            if (r < 55) {
                PoolWorker w = pool.acquire("site-" + random.nextInt(40));
                got.add(w.url());
                held.add(w);
            } else if (r < 97) {
                if (!held.isEmpty()) {
                    pool.release(held.remove(random.nextInt(held.size())));
                }
            } else if (r < 98) {
                int i = random.nextInt(8);
                pool.remove("http://w" + i);
            } else {
                int i = random.nextInt(8);
                pool.update("http://w" + i, null, Map.of("site-" + random.nextInt(40), random.nextDouble(1, 50)), weight);
            }
        }
        held.forEach(pool::release);
        return got;
    }

    @Test
    void aPolicySwitchKeepsTheWeights() {
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
        pool.update(LIGHT, null, Map.of(), 1);
        pool.update(HEAVY, null, Map.of(), 3);
        pool.switchTo("round-robin");
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < 400; i++) {
            counts.merge(ResumePoolTest.acquireAndRelease(pool, "x"), 1, Integer::sum);
        }
        assertEquals(Map.of(LIGHT, 100, HEAVY, 300), counts);
    }

    @Test
    void anInvalidWeightIsRefusedAndChangesNothing() {
        RoundRobinPool pool = withWorkers(new RoundRobinPool(), LIGHT, 1, HEAVY, 3);
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pool.update(HEAVY, null, Map.of("x", 1.0), bad));
            assertTrue(e.getMessage().contains("Weight of worker " + HEAVY + " is " + bad), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pool.update("new", null, Map.of(), bad));
        }
        assertEquals(2, pool.size());
        PoolWorker heavy = pool.acquire("x");
        assertEquals(HEAVY, heavy.url());
        assertEquals(3.0, heavy.weight());
        assertEquals(Map.of(), pool.snapshot().worker(HEAVY).skills());
        pool.release(heavy);
    }

    /**
     * Request threads against weight changes: no lease is lost, and with the weights
     * fixed, round-robin's turns stay exact whatever the interleaving. Bounded in work.
     */
    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void weightsChangingUnderContentionLoseNoLease(String policy) throws Exception {
        Pool pool = Pools.create(policy, PoolSettings.DEFAULTS);
        for (int i = 0; i < 6; i++) {
            pool.update("http://w" + i, null, Map.of("c" + i, 5.0), 1 + i);
        }
        AtomicLong acquired = new AtomicLong();
        AtomicLong released = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long seed = t;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                Contention.Leases leases = new Contention.Leases(pool, acquired, released);
                try {
                    for (int i = 0; i < 20_000; i++) {
                        leases.hold(pool.acquire("c" + random.nextInt(30)), random, 4);
                    }
                    leases.releaseAll();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "request-" + t));
        }
        Thread churn = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(99);
            try {
                for (int round = 0; round < 1_000_000 && !done.get(); round++) {
                    int i = random.nextInt(6);
                    pool.update("http://w" + i, null, Map.of("c" + i, 5.0), random.nextDouble(0.5, 4));
                    if (round % 16 == 0) {
                        Thread.yield();
                    }
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "churn");
        Contention.run(threads, churn, done);
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(4 * 20_000L, acquired.get());
        assertEquals(acquired.get(), released.get());
        assertEquals(0, pool.backlog());
        pool.snapshot().workers().forEach(w -> assertEquals(0, w.backlog(), w.url()));
    }

    @Test
    void roundRobinTurnsStayExactUnderContention() throws Exception {
        RoundRobinPool pool = withWorkers(new RoundRobinPool(), LIGHT, 1, HEAVY, 3);
        AtomicLong light = new AtomicLong();
        AtomicLong heavy = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 25_000; i++) {
                        PoolWorker w = pool.acquire("x");
                        (w.url().equals(LIGHT) ? light : heavy).incrementAndGet();
                        pool.release(w);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(1));
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(25_000, light.get());
        assertEquals(75_000, heavy.get());
    }
}
