package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The résumé pool's behaviours beyond the zc.resumelb story. */
class ResumePoolTest {

    private static final double EPS = 1e-12;

    @Test
    void decayedMeansFollowTheFormulasAfterThreeAcquiresAndARelease() {
        ResumePool pool = new ResumePool(); // backlogHistory 9
        pool.update("a", null, Map.of());
        pool.update("b", null, Map.of()); // b joins at the LRU end: x goes to b, and stays
        PoolWorker w1 = pool.acquire("x");
        PoolWorker w2 = pool.acquire("x");
        PoolWorker w3 = pool.acquire("x");
        assertSame(w1, w2);
        assertSame(w1, w3);
        assertEquals("b", w1.url());

        // By hand: D = D*decay + backlog, N = N*decay + 1, mean = D/N, once per event.
        double wd = 1 - 1.0 / (2 * 9);      // worker decay
        double pd = 1 - 1.0 / (2 * 9 * 2);  // pool decay, 2 workers
        double wD = 1;
        double wN = 1;                      // after backlog 1
        wD = wD * wd + 2;
        wN = wN * wd + 1;                   // backlog 2
        wD = wD * wd + 3;
        wN = wN * wd + 1;                   // backlog 3
        double pD = 1;
        double pN = 1;
        pD = pD * pd + 2;
        pN = pN * pd + 1;
        pD = pD * pd + 3;
        pN = pN * pd + 1;
        assertEquals(3, w1.backlog());
        assertEquals(wD / wN, w1.meanBacklog(), EPS);
        assertEquals(3, pool.backlog());
        assertEquals(pD / pN, pool.snapshot().meanBacklog(), EPS);
        assertEquals(0.0, pool.snapshot().worker("a").meanBacklog(), EPS);

        pool.release(w1);
        wD = wD * wd + 2;
        wN = wN * wd + 1;
        pD = pD * pd + 2;
        pN = pN * pd + 1;
        assertEquals(2, w1.backlog());
        assertEquals(wD / wN, w1.meanBacklog(), EPS);
        assertEquals(pD / pN, pool.snapshot().meanBacklog(), EPS);
    }

    @Test
    void backlogHistoryChangedAtRunTimeChangesTheDecayOfTheNextEvents() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of());
        pool.settings(PoolSettings.DEFAULTS.withBacklogHistory(6));
        PoolWorker a = pool.acquire("x");
        pool.acquire("x");
        double d = 1 - 1.0 / 12;
        assertEquals((1 * d + 2) / (1 * d + 1), a.meanBacklog(), EPS);
        assertEquals(6, pool.settings().backlogHistory());
    }

    @Test
    void theUnskilledScoreIsWhatAWorkerGetsForAClassItTakesWithoutAResume() {
        ResumePool pool = new ResumePool(PoolSettings.DEFAULTS.withUnskilledScore(0.25));
        pool.update("a", "1.0", Map.of("x", 3.0));
        pool.release(pool.acquire("y"));
        PoolSnapshot snap = pool.snapshot();
        assertEquals(Map.of("x", 3.0, "y", 0.25), snap.worker("a").skills());
        assertEquals(List.of(new PoolSnapshot.SkilledWorker("a", 0.25)), snap.classes().get("y"));
        assertEquals("1.0", snap.worker("a").version());
    }

    @Test
    void theNextResumeReplacesClassesGainedWithoutOne() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of());
        pool.release(pool.acquire("y"));
        assertTrue(pool.snapshot().classes().containsKey("y"));
        assertFalse(pool.update("a", null, Map.of("x", 2.0)));
        assertEquals(Map.of("x", 2.0), pool.snapshot().worker("a").skills());
        assertEquals(List.of("x"), List.copyOf(pool.snapshot().classes().keySet()));
    }

    @Test
    void updateReplacesSkillsSoAClassFollowsTheNewResumes() {
        ResumePool pool = new ResumePool();
        assertTrue(pool.update("a", null, Map.of("x", 1.0)));
        assertTrue(pool.update("b", null, Map.of("x", 5.0)));
        assertEquals("b", acquireAndRelease(pool, "x"));
        assertFalse(pool.update("b", "2", Map.of("y", 5.0)));
        assertEquals("a", acquireAndRelease(pool, "x"));
        assertEquals("b", acquireAndRelease(pool, "y"));
        assertFalse(pool.update("a", null, Map.of("x", 9.0, "y", 7.0)));
        assertEquals("a", acquireAndRelease(pool, "y")); // 7 > 5
        assertEquals(2, pool.size());
        assertEquals("2", pool.snapshot().worker("b").version());
    }

    @Test
    void aWorkerSkilledAtScoreZeroIsNeverPreferredButKeepsItsZero() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("x", 0.0));
        pool.update("b", null, Map.of());
        // a has x at 0: nobody is better than 0, so x is placed as a class nobody has, on a worker
        // not skilled at it: b, which learns it; a keeps its 0.
        assertEquals("b", acquireAndRelease(pool, "x"));
        assertEquals("b", acquireAndRelease(pool, "x"));
        assertEquals(Map.of("x", 0.0), pool.snapshot().worker("a").skills());
    }

    @Test
    void resetSkillsForgetsOneResumeButKeepsTheWorker() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("x", 5.0));
        pool.update("b", null, Map.of("x", 1.0));
        assertEquals("a", acquireAndRelease(pool, "x"));
        assertTrue(pool.resetSkills("a"));
        assertEquals(2, pool.size());
        assertEquals(Map.of(), pool.snapshot().worker("a").skills());
        assertEquals("b", acquireAndRelease(pool, "x"));
        assertFalse(pool.resetSkills("nobody"));
    }

    @Test
    void resetAllSkillsEmptiesEveryResume() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("x", 5.0));
        pool.update("b", null, Map.of("y", 1.0));
        pool.resetAllSkills();
        PoolSnapshot snap = pool.snapshot();
        assertEquals(2, snap.size());
        assertTrue(snap.classes().isEmpty());
        snap.workers().forEach(w -> assertEquals(Map.of(), w.skills()));
    }

    @Test
    void releasingARemovedWorkerLowersOnlyItsOwnBacklog() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("x", 1.0));
        pool.update("b", null, Map.of("y", 1.0));
        PoolWorker a1 = pool.acquire("x");
        PoolWorker a2 = pool.acquire("x");
        PoolWorker b = pool.acquire("y");
        assertEquals(3, pool.backlog());
        assertTrue(pool.remove("a"));
        assertEquals(1, pool.backlog()); // a took its 2 with it
        pool.release(a1);
        assertEquals(1, a1.backlog());
        assertEquals(1, pool.backlog());
        // A worker with the same URL that joins meanwhile is a new handle with its own count.
        assertTrue(pool.update("a", null, Map.of("x", 1.0)));
        PoolWorker aNew = pool.acquire("x");
        assertNotSame(a1, aNew);
        pool.release(a2);
        assertEquals(0, a2.backlog());
        assertEquals(1, aNew.backlog());
        assertEquals(2, pool.backlog());
        pool.release(aNew);
        pool.release(b);
        assertEquals(0, pool.backlog());
        assertFalse(pool.remove("nobody"));
    }

    @Test
    void releasingMoreOftenThanAcquiredIsRejectedAndChangesNothing() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of());
        PoolWorker a = pool.acquire("x");
        pool.release(a);
        double mean = a.meanBacklog();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.release(a));
        assertTrue(e.getMessage().contains("a"), e.getMessage());
        assertEquals(0, pool.backlog());
        assertEquals(mean, a.meanBacklog());
    }

    @Test
    void aWorkerOfAnotherPoolIsRejected() {
        ResumePool one = new ResumePool();
        ResumePool other = new ResumePool();
        one.update("a", null, Map.of());
        other.update("a", null, Map.of());
        PoolWorker a = one.acquire("x");
        assertThrows(IllegalArgumentException.class, () -> other.release(a));
        assertEquals(1, one.backlog());
        assertEquals(0, other.backlog());
    }

    @Test
    void anInvalidResumeIsRejectedAndChangesNothing() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("x", 1.0));
        Map<String, Double> negative = Map.of("x", 2.0, "y", -1.0);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> pool.update("a", null, negative));
        assertTrue(e.getMessage().contains("'y'") && e.getMessage().contains("-1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> pool.update("b", null, Map.of("x", Double.NaN)));
        assertThrows(IllegalArgumentException.class,
                () -> pool.update("b", null, Map.of("x", Double.POSITIVE_INFINITY)));
        Map<String, Double> nullClass = new HashMap<>();
        nullClass.put(null, 1.0);
        assertThrows(IllegalArgumentException.class, () -> pool.update("b", null, nullClass));
        assertEquals(1, pool.size());
        assertEquals(Map.of("x", 1.0), pool.snapshot().worker("a").skills());
    }

    @Test
    void theEmptyClassIsAClassLikeAnyOther() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("", 3.0));
        pool.update("b", null, Map.of());
        assertEquals("a", acquireAndRelease(pool, ""));
    }

    @Test
    void removingTheLastWorkerLeavesAnEmptyPoolThatAcceptsNewWorkers() {
        ResumePool pool = new ResumePool();
        pool.update("a", null, Map.of("x", 1.0));
        PoolWorker a = pool.acquire("x");
        pool.remove("a");
        assertEquals(0, pool.size());
        assertEquals(0, pool.backlog());
        assertEquals(null, pool.acquire("x"));
        pool.release(a);
        pool.update("b", null, Map.of());
        assertEquals("b", acquireAndRelease(pool, "x"));
        assertEquals(0, pool.backlog());
    }

    @Test
    void theSnapshotListsWorkersByUrlAndSkilledWorkersBestFirst() {
        ResumePool pool = new ResumePool();
        pool.update("c", null, Map.of("x", 1.0));
        pool.update("a", null, Map.of("x", 3.0));
        pool.update("b", null, Map.of("x", 2.0));
        PoolWorker held = pool.acquire("x");
        PoolSnapshot snap = pool.snapshot();
        assertEquals("resume", snap.policy());
        assertEquals(PoolSettings.DEFAULTS, snap.settings());
        assertEquals(List.of("a", "b", "c"), snap.workers().stream().map(w -> w.url()).toList());
        assertEquals(List.of("a", "b", "c"),
                snap.classes().get("x").stream().map(s -> s.url()).toList());
        assertEquals(1, snap.backlog());
        assertEquals(1, snap.worker(held.url()).backlog());
        assertThrows(UnsupportedOperationException.class, () -> snap.classes().clear());
        pool.release(held);
        assertEquals(1, snap.backlog()); // a copy, not a view
    }

    static String acquireAndRelease(Pool pool, String requestClass) {
        PoolWorker w = pool.acquire(requestClass);
        pool.release(w);
        return w.url();
    }
}
