package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.resumelb.proxy.pool.PoolState.assertPool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The résumé pool's story, chapter by chapter: its specification. Each test
 * replays the story up to its chapter (by calling the previous chapter) and
 * then checks the pool as zc.resumelb's {@code pool.test} prints it.
 *
 * <p>The story is zc.resumelb's {@code pool.test} (commit 075a9b1) with one
 * change of rule, where ResumeLB departs from zc.resumelb: a class that none of
 * its skilled workers may take goes to the first worker in the class's own
 * <em>rendezvous order</em> (workers ranked by a hash of class and worker URL)
 * that is not too busy by the same backlog rule, rather than to the
 * least-recently-used worker. So a new class lands where a hash would put it,
 * the same in every load balancer and after every restart, and a class that
 * overflows spreads to the same next workers in its order, on as few as its
 * load needs. In the story the orders are: foo w2, w5, w3, w1, w4; bar w2,
 * w3, w5, w1, w4; baz w2, w4, w5 (of those three). The chapters up to the
 * first overflow read as zc.resumelb's; from there, workers differ where
 * the rule does, and the backlogs and decayed means follow. Where the 2012
 * doctest released a worker more often than it had requests in flight, we do
 * not: this pool rejects an extra release, because its backlog is always the
 * sum over its workers.
 */
class ResumePoolStoryTest {

    private ResumePool pool;
    private final Map<String, PoolWorker> handles = new HashMap<>();

    @BeforeEach
    void variance15BacklogHistory2UnskilledScoreHalf() {
        pool = new ResumePool(new PoolSettings(1.5, 0.5, 2, 1.25));
    }

    private List<String> get(String requestClass, int times) {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            PoolWorker w = pool.acquire(requestClass);
            handles.put(w.url(), w);
            urls.add(w.url());
        }
        return urls;
    }

    private String get(String requestClass) {
        return get(requestClass, 1).get(0);
    }

    private void put(String url, int times) {
        for (int i = 0; i < times; i++) {
            pool.release(handles.get(url));
        }
    }

    private void newResume(String url, Map<String, Double> resume) {
        pool.update(url, null, resume);
    }

    @Test
    void anEmptyPoolHasNoWorkerToGive() {
        assertNull(pool.acquire("foo"));
    }

    @Test
    void theOnlyWorkerGetsTheRequest() {
        newResume("w1", Map.of());
        assertEquals("w1", get("foo"));
    }

    @Test
    void aClassSticksToTheWorkerThatHasItAndANewClassGoesToItsFirstWorkerInRendezvousOrder() {
        theOnlyWorkerGetsTheRequest();
        newResume("w2", Map.of());
        assertEquals("w1", get("foo")); // w1 is good at foo now
        assertEquals("w2", get("bar")); // bar's order starts with w2
        // Both learned their class at the unskilled score, 0.5.
        assertPool(pool, """
                Request classes:
                  bar: w2(0.5,1.0)
                  foo: w1(0.5,1.57...)
                Backlogs:
                  overall backlog: 3 Decayed: 2.08... Avg: 1.04...
                  1: [w2]
                  2: [w1]
                """);
    }

    @Test
    void aSkilledWorkerKeepsItsClassWhileItsBacklogStaysWithinVarianceTimesTheMean() {
        aClassSticksToTheWorkerThatHasItAndANewClassGoesToItsFirstWorkerInRendezvousOrder();
        newResume("w3", Map.of());
        // w3 is idle, yet foo stays with w1: w1 has not reached its maximum backlog.
        assertEquals(List.of("w1", "w1"), get("foo", 2));
        assertPool(pool, """
                Request classes:
                  bar: w2(0.5,1.0)
                  foo: w1(0.5,2.85...)
                Backlogs:
                  overall backlog: 5 Decayed: 3.21... Avg: 1.07...
                  0: [w3]
                  1: [w2]
                  4: [w1]
                """);
    }

    @Test
    void aBacklogOverTheMaximumSendsTheClassToItsNextWorkerInRendezvousOrderWhichGainsIt() {
        aSkilledWorkerKeepsItsClassWhileItsBacklogStaysWithinVarianceTimesTheMean();
        // w1 has reached its maximum, so foo goes to the first worker of its order that is
        // not too busy: w2 (one request in flight, within the bound), not the idle w3. Then
        // back and forth: foo stays on two workers, and w3 never learns it.
        assertEquals(List.of("w2", "w2", "w2", "w1", "w2", "w1", "w2", "w1", "w2", "w1"),
                get("foo", 10));
        assertPool(pool, """
                Request classes:
                  bar: w2(0.5,5.07...)
                  foo: w1(0.5,5.89...), w2(0.5,5.07...)
                Backlogs:
                  overall backlog: 15 Decayed: 9.61... Avg: 3.20...
                  0: [w3]
                  7: [w2]
                  8: [w1]
                """);
    }

    @Test
    void aNewWorkerTakesTheClassesWhoseOrderPutsItFirst() {
        aBacklogOverTheMaximumSendsTheClassToItsNextWorkerInRendezvousOrderWhichGainsIt();
        newResume("w4", Map.of());
        newResume("w5", Map.of());
        // More workers lower the mean per worker; the pool's decayed mean is untouched.
        assertPool(pool, """
                Request classes:
                  bar: w2(0.5,5.07...)
                  foo: w1(0.5,5.89...), w2(0.5,5.07...)
                Backlogs:
                  overall backlog: 15 Decayed: 9.61... Avg: 1.92...
                  0: [w3, w4, w5]
                  7: [w2]
                  8: [w1]
                """);
        // w1 and w2 are now too busy for the lower mean: foo goes to w5, next in its order
        // (before w3), which then keeps it: skilled and hardly busy.
        assertEquals(List.of("w5", "w5"), get("foo", 2));
    }

    @Test
    void releasingLowersTheBacklogsAndDecaysTheirMeans() {
        aNewWorkerTakesTheClassesWhoseOrderPutsItFirst();
        put("w1", 8);
        put("w2", 7);
        assertPool(pool, """
                Request classes:
                  bar: w2(0.5,2.29...)
                  foo: w1(0.5,2.45...), w2(0.5,2.29...), w5(0.5,1.57...)
                Backlogs:
                  overall backlog: 2 Decayed: 8.92... Avg: 1.78...
                  0: [w1, w2, w3, w4]
                  2: [w5]
                """);
        assertEquals("w1", get("foo")); // equal scores: the worker that has had the class longest
    }

    @Test
    void aNewResumeReplacesTheSkillsAndKeepsThePlaceAndBacklog() {
        releasingLowersTheBacklogsAndDecaysTheirMeans();
        newResume("w1", Map.of("foo", 5.9));
        newResume("w2", Map.of("bar", 2.0, "foo", 2.0));
        newResume("w3", Map.of("foo", 3.8));
        assertPool(pool, """
                Request classes:
                  bar: w2(2.0,2.29...)
                  foo: w1(5.9,2.08...), w3(3.8,0.0), w2(2.0,2.29...), w5(0.5,1.57...)
                Backlogs:
                  overall backlog: 3 Decayed: 8.54... Avg: 1.70...
                  0: [w2, w3, w4]
                  1: [w1]
                  2: [w5]
                """);
    }

    @Test
    void scoresAreDividedByBacklogOnceAWorkerHasMoreThanOneRequest() {
        aNewResumeReplacesTheSkillsAndKeepsThePlaceAndBacklog();
        assertEquals("w1", get("foo")); // 5.9 beats 3.8
        assertEquals("w3", get("foo")); // 5.9 / 2 < 3.8
        assertEquals("w3", get("foo")); // w3's first request costs it nothing: 3.8 > 5.9 / 2
        assertPool(pool, """
                Request classes:
                  bar: w2(2.0,2.29...)
                  foo: w1(5.9,2.06...), w3(3.8,1.57...), w2(2.0,2.29...), w5(0.5,1.57...)
                Backlogs:
                  overall backlog: 6 Decayed: 7.92... Avg: 1.58...
                  0: [w2, w4]
                  2: [w1, w3, w5]
                """);
        // 5.9 / 2 beats 2.0 and 3.8 / 2; then 2.0 beats 5.9 / 3, and w2's first request is free.
        assertEquals(List.of("w1", "w2", "w2"), get("foo", 3));
        put("w1", 1);
        put("w3", 2);
        assertPool(pool, """
                Request classes:
                  bar: w2(2.0,1.97...)
                  foo: w1(5.9,2.22...), w3(3.8,0.84...), w2(2.0,1.97...), w5(0.5,1.57...)
                Backlogs:
                  overall backlog: 6 Decayed: 7.78... Avg: 1.55...
                  0: [w3, w4]
                  2: [w1, w2, w5]
                """);
        assertEquals(List.of("w3", "w3", "w1", "w1", "w3"), get("foo", 5));
    }

    @Test
    void removingWorkersTakesTheirBacklogAndSkillsAndRedistributesTheirClasses() {
        scoresAreDividedByBacklogOnceAWorkerHasMoreThanOneRequest();
        PoolWorker w1 = handles.get("w1");
        PoolWorker w3 = handles.get("w3");
        assertEquals(4, w1.backlog());
        assertEquals(3, w3.backlog());
        pool.remove("w1");
        pool.remove("w3");
        // 11 - 4 - 3 requests remain; the decayed mean took one step per removal.
        assertPool(pool, """
                Request classes:
                  bar: w2(2.0,1.97...)
                  foo: w2(2.0,1.97...), w5(0.5,1.57...)
                Backlogs:
                  overall backlog: 4 Decayed: 7.82... Avg: 2.60...
                  0: [w4]
                  2: [w2, w5]
                """);
        // The requests still running on the removed workers end later: only their own
        // backlogs go down.
        put("w1", 4);
        put("w3", 3);
        assertEquals(0, w1.backlog());
        assertEquals(0, w3.backlog());
        assertEquals(4, pool.backlog());
        // foo now goes to the best remaining skilled worker.
        assertEquals(List.of("w2", "w2", "w2"), get("foo", 3));
        // A class nobody has goes to the first worker of its order that is not too busy:
        // w2, with five requests in flight, is within the bound.
        assertEquals("w2", get("baz"));
    }

    @Test
    void underHeavyLoadANewWorkerIsUsedAtOnce() {
        pool.settings(PoolSettings.DEFAULTS); // variance 1: work spreads, new workers get used
        newResume("w1", Map.of("bar", 2.0));
        newResume("w2", Map.of("bar", 2.0));
        newResume("w3", Map.of("bar", 2.0));
        get("bar", 30);
        assertPool(pool, """
                Request classes:
                  bar: w1(2.0,5.96898355541), w2(2.0,5.96898355541), w3(2.0,5.96898355541)
                Backlogs:
                  overall backlog: 30 Decayed: 16.8930595654 Avg: 5.63101985512
                  10: [w1, w2, w3]
                """);
        newResume("w6", Map.of());
        assertEquals("w6", get("bar"));
    }

    // Slow start: how a worker that joins a warm pool gets its share, under light load as under heavy load.
    // zc.resumelb never solved it ("under light load, new workers may not get work"): a class stays on its
    // skilled workers while they are not too busy, so under light load nothing ever reached a newcomer but
    // classes nobody had. ResumeLB hands it the classes that hash to it, over slowStart, and keeps them there.

    private static final long SECOND = 1_000_000_000L;
    private final long[] now = {0};
    private final List<String> warm = List.of("http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080");
    private final String newcomer = "http://10.0.0.4:8080";
    private final List<String> classes = new ArrayList<>();

    /** Light load: one request at a time, released at once. */
    private String served(String requestClass) {
        PoolWorker w = pool.acquire(requestClass);
        pool.release(w);
        return w.url();
    }

    /** The newcomer's rank in the class's rendezvous order over all four workers: 1 for first. */
    private int rankOfNewcomer(String requestClass) {
        List<String> all = new ArrayList<>(warm);
        all.add(newcomer);
        return ResumePlacementTest.order(requestClass, all).indexOf(newcomer) + 1;
    }

    private String holder(String requestClass) {
        return ResumePlacementTest.order(requestClass, warm).get(0);
    }

    /** The classes the newcomer served in one round of one request per class. */
    private final List<String> its = new ArrayList<>();

    @Test
    void threeWarmWorkersHoldEveryClassWithHighScores() {
        pool.settings(PoolSettings.DEFAULTS);
        pool.nanoClock = () -> now[0];
        pool.slowStart(java.time.Duration.ofSeconds(20));
        Map<String, Map<String, Double>> resumes = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            String c = "site" + i;
            classes.add(c);
            resumes.computeIfAbsent(holder(c), k -> new HashMap<>()).put(c, 100.0);
        }
        // Workers that join with résumés (a load balancer starting, a worker restarted with its résumé file)
        // are not newcomers: no slow start.
        for (String url : warm) {
            newResume(url, resumes.get(url));
        }
        for (String c : classes) {
            assertEquals(holder(c), served(c), c);
        }
    }

    @Test
    void underLightLoadANewcomerTakesWholeClassesAGrowingShareDuringItsSlowStart() {
        threeWarmWorkersHoldEveryClassWithHighScores();
        newResume(newcomer, Map.of()); // joins with an empty résumé at t = 0
        long ranksFirst = classes.stream().filter(c -> rankOfNewcomer(c) == 1).count();
        assertTrue(ranksFirst > 70 && ranksFirst < 130, "about a quarter of 400 classes rank it first: " + ranksFirst);
        // Rounds of one request per class, so each class has 1/400 of the requests. A class it ranks first or
        // second passes to it at the class's turn (a hash of class and worker, uniform over slowStart) if the
        // class's share fits under its target: a fair share (1/4) growing linearly over slowStart. The shares
        // are the classes' own request counts, so a class counts as soon as it is handed over; a class it ranks
        // lower never passes.
        int served = 0;
        for (long halfSeconds = 0; halfSeconds <= 50; halfSeconds += 5) {
            double t = halfSeconds / 2.0;
            now[0] = halfSeconds * SECOND / 2;
            its.clear();
            for (String c : classes) {
                String got = served(c);
                int rank = rankOfNewcomer(c);
                boolean turn = ResumePool.turn(Hashing.hash(c), Hashing.hash(newcomer)) * 20 <= t;
                if (rank > 2 || !turn) {
                    assertEquals(holder(c), got, "t=" + t + "s " + c);
                }
                if (got.equals(newcomer)) {
                    its.add(c);
                }
            }
            served = its.size();
            double target = 400 * 0.25 * Math.min(1.0, t / 20);
            assertTrue(served <= target + 1, "t=" + t + "s: the newcomer served " + served + " of 400, its target " + target);
            if (t == 10) {
                assertTrue(served >= 0.8 * target, "t=10s: it keeps up with its target: " + served + " of " + target);
            }
        }
        // 25 s after it joined, it serves close to its fair share, a quarter; under zc.resumelb's rule it would
        // serve none of these classes (see the last chapter).
        assertTrue(served >= 90 && served <= 101, "the newcomer served " + served + " of 400 requests");
        long second = its.stream().filter(c -> rankOfNewcomer(c) == 2).count();
        assertEquals(its.size(), its.stream().filter(c -> rankOfNewcomer(c) <= 2).count());
        assertTrue(second > 0 && served - second > 0, "classes it ranks first and second alike: " + second + " second");
    }

    @Test
    void theNewcomerKeepsItsClassesAgainstHigherScoresAndThroughItsOwnResumes() {
        underLightLoadANewcomerTakesWholeClassesAGrowingShareDuringItsSlowStart();
        List<String> taken = List.copyOf(its);
        // Its first résumé lists only some of them, at lower scores than the old holders' 100: it keeps all.
        Map<String, Double> partial = new HashMap<>();
        taken.subList(0, taken.size() / 2).forEach(c -> partial.put(c, 20.0));
        newResume(newcomer, partial);
        now[0] = 300 * SECOND; // long after its slow start
        for (String c : taken) {
            assertEquals(newcomer, served(c), c);
        }
        // The old holders forget the classes they no longer get; nothing moves.
        for (String url : warm) {
            Map<String, Double> rest = new HashMap<>();
            classes.stream().filter(c -> !taken.contains(c) && holder(c).equals(url)).forEach(c -> rest.put(c, 100.0));
            newResume(url, rest);
        }
        for (String c : classes) {
            assertEquals(taken.contains(c) ? newcomer : holder(c), served(c), c);
        }
    }

    @Test
    void aClassFirstSeenAfterTheHandOverWindowStaysWhereItIs() {
        threeWarmWorkersHoldEveryClassWithHighScores();
        newResume(newcomer, Map.of());
        now[0] = 40 * SECOND; // slowStart and as long again have passed without a request
        for (String c : classes) {
            assertEquals(holder(c), served(c), c);
        }
    }

    @Test
    void aBusyHeirLetsItsClassesOverflowToTheirSkilledWorkersAndALeavingHeirGivesThemBack() {
        underLightLoadANewcomerTakesWholeClassesAGrowingShareDuringItsSlowStart();
        String c = its.get(0);
        String holder = holder(c);
        // Heavy load on one class: the newcomer takes it while it is not too busy (as a cold worker in its slow
        // start, with twice the usual margin), then it spreads to the class's old holder, which is skilled at it.
        List<String> got = get(c, 30);
        assertEquals(newcomer, got.get(0));
        assertTrue(got.contains(holder), "the old holder takes the overflow: " + got);
        put(newcomer, (int) got.stream().filter(newcomer::equals).count());
        put(holder, (int) got.stream().filter(holder::equals).count());
        pool.remove(newcomer);
        assertEquals(holder, served(c));
    }

    @Test
    void withoutSlowStartANewcomerGetsNoOldClassUnderLightLoad() {
        threeWarmWorkersHoldEveryClassWithHighScores();
        pool.slowStart(java.time.Duration.ZERO);
        newResume(newcomer, Map.of());
        for (long t : new long[] {0, 10, 20, 30}) {
            now[0] = t * SECOND;
            for (String c : classes) {
                assertEquals(holder(c), served(c), "t=" + t + "s " + c);
            }
        }
    }

    @Test
    void workersThatStartTogetherShareClassesByPlacementAlone() {
        pool.settings(PoolSettings.DEFAULTS);
        pool.nanoClock = () -> now[0];
        pool.slowStart(java.time.Duration.ofSeconds(20));
        // A fleet's cold start: every worker joins empty into a pool that knows no class. Nobody is in slow
        // start; each class goes where placement puts it and stays there by the skilled rule.
        List<String> all = new ArrayList<>(warm);
        all.add(newcomer);
        for (String url : all) {
            newResume(url, Map.of());
        }
        for (int round = 0; round < 3; round++) {
            now[0] = round * 10 * SECOND;
            for (int i = 0; i < 100; i++) {
                String c = "site" + i;
                assertEquals(ResumePlacementTest.order(c, all).get(0), served(c), c);
            }
        }
        assertTrue(pool.snapshot().workers().stream().allMatch(w -> w.skills().size() > 10));
    }

    @Test
    void aLaterNewcomerTakesItsClassesFromAnEarlierOne() {
        theNewcomerKeepsItsClassesAgainstHigherScoresAndThroughItsOwnResumes();
        String fifth = "http://10.0.0.5:8080";
        List<String> all = new ArrayList<>(warm);
        all.add(newcomer);
        all.add(fifth);
        newResume(fifth, Map.of());
        long joined = now[0];
        now[0] = joined + 20 * SECOND; // its slow start is over: every class it ranks first has had its turn
        List<String> fromNewcomer = its.stream().filter(c -> ResumePlacementTest.order(c, all).get(0).equals(fifth)).toList();
        assertTrue(!fromNewcomer.isEmpty(), "some of the first newcomer's classes rank the fifth worker first");
        for (String c : fromNewcomer) {
            assertEquals(fifth, served(c), c);
            assertEquals(fifth, served(c), c + " stays");
        }
    }

    // The classifier changes. The load balancer restarts with a new classifier (here, site i was class "site<i>"
    // and is now class "<i>"). Workers' résumés of the old classifier are ignored as skills, but with the setting
    // previousClassifier they are kept as previous skills: a class nobody has yet goes to the worker best at the
    // request's class under the previous classifier, where the data of its requests is, instead of where its new
    // name hashes (another worker two times in three here, whose cache holds nothing of it).

    /** Light load, a request whose class under the previous classifier is {@code previousClass}. */
    private String served(String requestClass, String previousClass) {
        Pool.Acquired acquired = new Pool.Acquired().previousClass(previousClass);
        PoolWorker w = pool.acquire(requestClass, acquired);
        pool.release(w);
        return w.url() + (acquired.followed() ? "" : " (placed)");
    }

    @Test
    void afterAClassifierChangeEachNewClassFollowsItsDataToTheWorkerSkilledUnderThePreviousClassifier() {
        Map<String, Map<String, Double>> resumes = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            String c = "site" + i;
            classes.add(c);
            resumes.computeIfAbsent(holder(c), k -> new HashMap<>()).put(c, 100.0);
        }
        pool.settings(PoolSettings.DEFAULTS);
        pool.nanoClock = () -> now[0];
        pool.slowStart(java.time.Duration.ofSeconds(20));
        for (String url : warm) {
            newResume(url, Map.of()); // their résumés' skills were learned under another classifier
            assertTrue(pool.previousSkills(url, resumes.get(url)));
        }
        int elsewhere = 0;
        for (int i = 0; i < 400; i++) {
            String renamed = Integer.toString(i);
            assertEquals(holder("site" + i), served(renamed, "site" + i), renamed);
            if (!ResumePlacementTest.order(renamed, warm).get(0).equals(holder("site" + i))) {
                elsewhere++;
            }
            // It learnt the class: the next request goes there by skill, with or without its previous class.
            assertEquals(holder("site" + i) + " (placed)", served(renamed, null), renamed);
        }
        assertTrue(elsewhere > 200, "placement alone would have sent " + elsewhere + " of 400 classes elsewhere");
        // A class that no previous skill names is placed as any new class.
        assertEquals(ResumePlacementTest.order("x", warm).get(0) + " (placed)", served("x", "site-unknown"));
        assertEquals(400 + 1, pool.snapshot().classes().size());
    }

    @Test
    void previousSkillsOutliveTheWorkersNewResumesAndLeaveWithTheWorker() {
        afterAClassifierChangeEachNewClassFollowsItsDataToTheWorkerSkilledUnderThePreviousClassifier();
        // The workers' résumés now come from the new classifier, and list some classes: previous skills stay.
        for (String url : warm) {
            newResume(url, Map.of("0", 50.0));
        }
        String gone = holder("site7");
        String c = classes.stream().filter(k -> holder(k).equals(gone)).skip(3).findFirst().orElseThrow();
        assertEquals(gone, served("again-" + c, c));
        // A worker that leaves takes its previous skills with it: its classes are placed as any new class.
        pool.remove(gone);
        List<String> rest = warm.stream().filter(u -> !u.equals(gone)).toList();
        assertEquals(ResumePlacementTest.order("once-more-" + c, rest).get(0) + " (placed)", served("once-more-" + c, c));
    }

    @Test
    void aBusyPreviousHolderDoesNotTakeTheNewClassPlacementDoes() {
        afterAClassifierChangeEachNewClassFollowsItsDataToTheWorkerSkilledUnderThePreviousClassifier();
        String c = classes.get(5);
        List<PoolWorker> held = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // its sessions' requests pile up on the previous holder (sticky routes)
            held.add(pool.acquireRoute(RouteId.of(holder(c)), "5", null));
        }
        String got = served("hot-" + c, c);
        assertEquals(ResumePlacementTest.order("hot-" + c, warm).stream().filter(u -> !u.equals(holder(c))).findFirst().orElseThrow()
                + " (placed)", got, "a too busy previous holder is passed over");
        held.forEach(pool::release);
    }
}
