package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that joins a warm pool under light load (one client, one request
 * at a time: nothing ever overflows) gets work within its slow start: whole
 * classes that the other workers had, which then stay with it. Under
 * zc.resumelb's rule it would get none of them.
 */
class SlowStartIT {

    static final int SITES = 40;
    static final long SLOW_START_MILLIS = 4_000;

    Fleet fleet;

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** One GET of each site, in turn, for at most {@code millis}; site to the workers that served it. */
    Map<String, Set<String>> rounds(long millis, int maxRounds) throws Exception {
        Map<String, Set<String>> servedBy = new TreeMap<>();
        long end = System.currentTimeMillis() + millis;
        for (int round = 0; round < maxRounds && System.currentTimeMillis() < end; round++) {
            for (int s = 0; s < SITES; s++) {
                String site = "site-" + s + ".news";
                ContentResponse r = fleet.get(site);
                assertEquals(200, r.getStatus(), r.getContentAsString());
                servedBy.computeIfAbsent(site, k -> new TreeSet<>()).add(r.getHeaders().get("X-Worker"));
            }
        }
        return servedBy;
    }

    @Test
    void aWorkerJoiningUnderLightLoadTakesWholeClassesWithinItsSlowStart() throws Exception {
        fleet = new Fleet("w", 64);
        fleet.addProxy(0, Map.of("slowStart", SLOW_START_MILLIS + "ms"));
        for (int i = 0; i < 3; i++) {
            fleet.addWorker();
        }
        fleet.awaitWorkers();
        rounds(20_000, 5); // every site learned by one of the three

        WorkerProcess newcomer = fleet.addWorker();
        fleet.awaitWorkers();
        long joined = System.nanoTime();
        // Its slow start, and as long again for the classes it took to settle.
        rounds(2 * SLOW_START_MILLIS, 1_000);
        double seconds = (System.nanoTime() - joined) / 1e9;

        // Then, still under light load: the classes it took are its own, whole.
        Map<String, Set<String>> last = rounds(30_000, 3);
        Set<String> its = new HashSet<>();
        Map<String, Integer> perWorker = new HashMap<>();
        last.forEach((site, workers) -> {
            workers.forEach(w -> perWorker.merge(w, 1, Integer::sum));
            if (workers.contains(newcomer.name)) {
                its.add(site);
            }
        });
        System.out.printf("slow start: %.1f s after joining, %s serves %d of %d sites, each alone: %s; sites per worker %s%n",
                seconds, newcomer.name, its.size(), SITES, its, perWorker);
        assertTrue(its.size() >= 4, "the newcomer took whole classes under light load: " + its);
        for (String site : its) {
            assertEquals(Set.of(newcomer.name), last.get(site), site + " is the newcomer's alone");
        }
    }
}
