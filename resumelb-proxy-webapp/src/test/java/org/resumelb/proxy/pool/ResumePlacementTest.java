package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Where the résumé pool puts a class nobody is skilled at, and where a busy
 * class spreads: deterministically, by the class's rendezvous order over the
 * workers, so that every load balancer and every restart agree, a cold start
 * partitions classes as a hash would, and overflow copies a class onto as few
 * workers as its load needs.
 */
class ResumePlacementTest {

    static List<String> workers(int n) {
        List<String> urls = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            urls.add("http://10.0.0." + i + ":8080");
        }
        return urls;
    }

    /** The class's rendezvous order over {@code urls}, computed here from the definition. */
    static List<String> order(String requestClass, List<String> urls) {
        long c = Hashing.hash(requestClass);
        List<String> sorted = new ArrayList<>(urls);
        sorted.sort(Comparator.comparing((String u) -> Hashing.rendezvous(c, Hashing.hash(u)), Long::compareUnsigned).reversed());
        return sorted;
    }

    static ResumePool pool(List<String> urls) {
        ResumePool pool = new ResumePool();
        for (String u : urls) {
            pool.update(u, null, Map.of());
        }
        return pool;
    }

    static String placeIdle(Pool pool, String requestClass) {
        PoolWorker w = pool.acquire(requestClass);
        pool.release(w);
        return w.url();
    }

    @Test
    void onAnIdlePoolANewClassGoesToTheFirstWorkerOfItsOrderWhateverTheJoinOrder() {
        List<String> urls = workers(8);
        List<String> shuffled = new ArrayList<>(urls);
        Collections.shuffle(shuffled, new Random(7));
        ResumePool a = pool(urls);
        ResumePool b = pool(shuffled);
        // Different histories too: b has already served other classes.
        for (int i = 0; i < 100; i++) {
            placeIdle(b, "warm-" + i);
        }
        for (int i = 0; i < 2_000; i++) {
            String c = "site-" + i + ".example";
            String first = order(c, urls).get(0);
            assertEquals(first, placeIdle(a, c), c);
            assertEquals(first, placeIdle(b, c), c);
        }
    }

    @Test
    void aColdStartPartitionsClassesEvenlyAsAHashWould() {
        List<String> urls = workers(8);
        ResumePool pool = pool(urls);
        Map<String, Integer> classesPerWorker = new HashMap<>();
        int classes = 8_000;
        for (int i = 0; i < classes; i++) {
            classesPerWorker.merge(placeIdle(pool, "site-" + i), 1, Integer::sum);
        }
        assertEquals(8, classesPerWorker.size());
        for (Map.Entry<String, Integer> e : classesPerWorker.entrySet()) {
            double share = e.getValue() / (classes / 8.0);
            assertTrue(share > 0.9 && share < 1.1, e + " holds " + share + " of a fair share of classes");
        }
    }

    @Test
    void aJoiningWorkerTakesOnlyTheNewClassesItComesFirstFor() {
        List<String> eight = workers(8);
        List<String> nine = workers(9);
        ResumePool before = pool(eight);
        ResumePool after = pool(nine);
        String newcomer = nine.get(8);
        int moved = 0;
        int classes = 9_000;
        for (int i = 0; i < classes; i++) {
            String c = "site-" + i;
            String was = placeIdle(before, c);
            String is = placeIdle(after, c);
            if (!is.equals(was)) {
                assertEquals(newcomer, is, c + " moved, but not to the newcomer");
                moved++;
            }
        }
        double share = moved / (double) classes;
        assertTrue(share > 0.09 && share < 0.13, "the newcomer comes first for about 1/9 of the classes: " + share);
    }

    @Test
    void aBusyClassSpreadsAlongItsOrderOntoAsFewWorkersAsItsLoadNeeds() {
        List<String> urls = workers(8);
        ResumePool pool = pool(urls);
        List<String> order = order("hot", urls);
        List<PoolWorker> inFlight = new ArrayList<>();
        // A background of other classes keeps the pool's mean backlog realistic.
        for (int i = 0; i < 16; i++) {
            inFlight.add(pool.acquire("bg-" + i));
        }
        for (int i = 0; i < 40; i++) {
            inFlight.add(pool.acquire("hot"));
        }
        List<String> skilled = pool.snapshot().classes().get("hot").stream().map(PoolSnapshot.SkilledWorker::url).toList();
        assertTrue(skilled.size() >= 2 && skilled.size() < 8, "hot spread, but not everywhere: " + skilled);
        assertEquals(order.subList(0, skilled.size()), skilled.stream().sorted(Comparator.comparingInt(order::indexOf)).toList(),
                "the workers that learned hot are the first of its order: " + skilled + " of " + order);
        for (PoolWorker w : inFlight) {
            pool.release(w);
        }
        assertEquals(0, pool.backlog());
    }
}
