package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.PoolSnapshot;
import org.resumelb.proxy.pool.SwitchablePool;

/** Single-version mode through the directory, as résumés of a rolling upgrade arrive. */
class SingleVersionTest {

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC(), true);
    final AtomicLong seq = new AtomicLong();

    @AfterEach
    void close() {
        directory.close();
    }

    void push(String worker, String version, boolean draining) throws Exception {
        directory.accept(new Resume("http://" + worker, worker + "#1", version, seq.incrementAndGet(), System.currentTimeMillis(),
                draining, Map.of("site-" + worker, 5.0)));
    }

    Set<String> inPool() {
        Set<String> urls = new TreeSet<>();
        for (PoolSnapshot.WorkerStatus w : pool.snapshot().workers()) {
            urls.add(w.url().substring("http://".length()));
        }
        return urls;
    }

    @Test
    void theMajorityVersionTakesThePoolAsANewVersionRollsOut() throws Exception {
        assertNull(directory.activeVersion());
        push("a", "1.9", false);
        push("b", "1.9", false);
        push("c", "1.9", false);
        assertEquals("1.9", directory.activeVersion());
        assertEquals(Set.of("a", "b", "c"), inPool());

        push("d", "1.10", false);
        push("e", "1.10", false);
        assertEquals("1.9", directory.activeVersion(), "2 of 5 is no majority");
        assertEquals(Set.of("a", "b", "c"), inPool());
        assertEquals(WorkerDirectory.State.STANDBY, directory.state("http://d"));
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state("http://a"));

        push("a", "1.9", true); // a drains for its upgrade: 2 against 2, a tie keeps the version in force
        assertEquals("1.9", directory.activeVersion());
        assertEquals(Set.of("b", "c"), inPool());

        push("a", "1.10", false); // a is back on the new version: 3 against 2
        assertEquals("1.10", directory.activeVersion());
        assertEquals(Set.of("a", "d", "e"), inPool(), "only the new version routes");
        assertEquals(Map.of("site-d", 5.0), pool.snapshot().worker("http://d").skills(), "standby workers keep their résumés");
        assertEquals(WorkerDirectory.State.STANDBY, directory.state("http://b"));

        directory.eject("http://d", "test");
        directory.eject("http://e", "test");
        assertEquals("1.9", directory.activeVersion(), "1 against 2: back to the majority");
        assertEquals(Set.of("b", "c"), inPool());
    }

    @Test
    void aTieBetweenNewcomersGoesToTheHighestVersionNumerically() {
        assertTrue(VersionElection.compare("1.10", "1.9") > 0);
        assertTrue(VersionElection.compare("2.0-rc1", "2.0-rc2") < 0);
        assertTrue(VersionElection.compare(null, "1") < 0);
        assertEquals(0, VersionElection.compare("3.1", "3.1"));
    }

    @Test
    void withoutSingleVersionEveryVersionRoutes() throws Exception {
        SwitchablePool p = new SwitchablePool("resume", PoolSettings.DEFAULTS);
        try (WorkerDirectory d = new WorkerDirectory(p, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC(), false)) {
            d.accept(new Resume("http://x", "x#1", "1", 1, System.currentTimeMillis(), false, Map.of()));
            d.accept(new Resume("http://y", "y#1", "2", 1, System.currentTimeMillis(), false, Map.of()));
            assertEquals(2, p.size());
            assertNull(d.activeVersion());
        }
    }
}
