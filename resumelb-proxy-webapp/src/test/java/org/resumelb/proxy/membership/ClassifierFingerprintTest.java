package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.PoolSnapshot;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * A load balancer ignores the skills of a résumé learned under another
 * classifier than its own: the worker is in the pool, as one that knows
 * nothing yet, until its résumé names this load balancer's classifier.
 */
class ClassifierFingerprintTest {

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final AtomicLong seq = new AtomicLong();

    @AfterEach
    void close() {
        directory.close();
    }

    void push(String classifier, Map<String, Double> skills) throws Exception {
        directory.accept(new Resume("http://w1", "w1#1", null, seq.incrementAndGet(), System.currentTimeMillis(), false, skills,
                classifier));
    }

    Map<String, Double> poolSkills() {
        PoolSnapshot.WorkerStatus w = pool.snapshot().workers().get(0);
        return w.skills();
    }

    @Test
    void skillsOfAnotherClassifierAreIgnoredAndCountAgainOnceTheWorkerNamesOurs() throws Exception {
        directory.classifierFingerprint("ours");
        push("theirs", Map.of("a", 5.0, "b", 6.0));
        assertEquals(1, pool.size(), "the worker is in the pool");
        assertEquals(Map.of(), poolSkills());
        assertEquals(2, directory.live().get("http://w1").ignoredSkills());
        assertEquals("theirs", directory.live().get("http://w1").classifier());

        push("ours", Map.of("c", 7.0));
        assertEquals(Map.of("c", 7.0), poolSkills());
        assertEquals(0, directory.live().get("http://w1").ignoredSkills());

        // A résumé that names no classifier (an agent from before fingerprints) is believed.
        push(null, Map.of("d", 8.0));
        assertEquals(Map.of("d", 8.0), poolSkills());
    }

    @Test
    void withoutAFingerprintEveryResumeIsBelieved() throws Exception {
        push("theirs", Map.of("a", 5.0));
        assertEquals(Map.of("a", 5.0), poolSkills());
        assertEquals(0, directory.live().get("http://w1").ignoredSkills());
    }

    @Test
    void skillsOfThePreviousClassifierPlaceNewClassesAndOutliveTheWorkersNewResumes() throws Exception {
        directory.classifierFingerprint("ours");
        directory.previousClassifierFingerprint("before");
        directory.accept(new Resume("http://w2", "w2#1", null, 1, System.currentTimeMillis(), false, Map.of("site-b", 9.0),
                "before"));
        push("before", Map.of("site-a", 5.0));
        assertEquals(Map.of(), poolSkills(), "still not skills of their own");
        assertEquals(1, directory.live().get("http://w1").ignoredSkills());
        // The worker moves on to our classifier: what it knew before still places classes nobody has.
        push("ours", Map.of("c", 7.0));
        for (String[] request : new String[][] {{"a", "site-a", "http://w1"}, {"b", "site-b", "http://w2"}}) {
            org.resumelb.proxy.pool.Pool.Acquired acquired = new org.resumelb.proxy.pool.Pool.Acquired().previousClass(request[1]);
            org.resumelb.proxy.pool.PoolWorker w = pool.acquire(request[0], acquired);
            pool.release(w);
            assertEquals(request[2], w.url(), request[0]);
            assertEquals(true, acquired.followed());
        }
        // A third classifier's skills are not previous skills: ignored, and placement decides.
        directory.accept(new Resume("http://w2", "w2#1", null, 2, System.currentTimeMillis(), false, Map.of("site-z", 9.0),
                "other"));
        org.resumelb.proxy.pool.Pool.Acquired acquired = new org.resumelb.proxy.pool.Pool.Acquired().previousClass("site-z");
        pool.release(pool.acquire("z", acquired));
        assertEquals(false, acquired.followed());
    }
}
