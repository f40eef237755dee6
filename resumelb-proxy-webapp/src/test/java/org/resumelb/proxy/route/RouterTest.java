package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.classify.RequestView;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.membership.ResumeReceiver;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.operations.ClassCounts;
import org.resumelb.proxy.operations.ProxyMetrics;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

/** Leases: one end each, whatever path ends them; outcomes, ejections and retries. */
class RouterTest {

    final SwitchablePool pool = new SwitchablePool("round-robin", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final ResumeReceiver receiver = new ResumeReceiver(new ResumeCodec(ResumeLimits.DEFAULT), null, true, directory);
    final ProxyMetrics metrics = new ProxyMetrics(pool, directory, receiver, () -> 0);
    final Router router = new Router(RequestClasses.parse("host"), pool, directory, metrics, new ClassCounts(100),
            new RetryPolicy(Set.of("GET"), 1));
    final ExecutorService threads = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        threads.shutdownNow();
        directory.close();
    }

    void join(String url) {
        directory.pulled(url, new Resume(url, "w", "1", 1, System.currentTimeMillis(), false, Map.of()));
    }

    static RequestView get(String host) {
        return Requests.get(host, null);
    }

    @Test
    void noWorkerNoLease() {
        assertNull(router.route(get("a.example")));
    }

    @Test
    void aLeaseCarriesItsClassAndEndsOnceWhateverEndsIt() {
        join("http://w1");
        Lease lease = router.route(get("a.example"));
        assertNotNull(lease);
        assertEquals("a.example", lease.requestClass());
        assertEquals(1, pool.backlog());
        assertEquals(1, router.inFlight());
        assertTrue(router.oldestInFlight().containsKey("http://w1"));
        lease.success();
        lease.success();
        lease.failed(Failure.CONNECTION, "late");
        lease.release();
        assertEquals(0, pool.backlog(), "released exactly once");
        assertEquals(0, router.inFlight());
        assertEquals(1, metrics.requests("http://w1"), "one outcome counted");
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state("http://w1"), "the late failure did not eject it");
    }

    @Test
    void aConnectionFailureEjectsTheWorkerAndATimeoutKeepsIt() {
        join("http://w1");
        join("http://w2");
        Lease slow = router.route(get("a"));
        String slowWorker = slow.worker().url();
        slow.failed(Failure.TIMEOUT, "timeout");
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state(slowWorker));
        Lease dead = router.route(get("a"));
        String deadWorker = dead.worker().url();
        dead.failed(Failure.CONNECTION, "Connection refused");
        assertEquals(WorkerDirectory.State.EJECTED, directory.state(deadWorker));
        assertEquals(1, pool.size());
        assertEquals(1, directory.ejections());
    }

    @Test
    void aRetryEndsTheFailedLeaseAndLeasesAnotherWorkerForTheSameClass() {
        join("http://w1");
        join("http://w2");
        Lease first = router.route(get("a.example"));
        Lease second = router.retry(first, Failure.CONNECTION, "reset", "GET", false, false);
        assertNotNull(second);
        assertTrue(first.ended());
        assertNotEquals(first.worker().url(), second.worker().url(), "the failed worker was ejected first");
        assertEquals("a.example", second.requestClass());
        assertEquals(1, second.retries());
        assertEquals(1, metrics.retries());
        assertNull(router.retry(second, Failure.CONNECTION, "reset", "GET", false, false), "maxRetries=1");
        assertEquals(0, pool.backlog());
        assertEquals(0, router.inFlight());
    }

    @Test
    void noRetryWithoutAWorkerLeft() {
        join("http://w1");
        Lease only = router.route(get("a"));
        assertNull(router.retry(only, Failure.CONNECTION, new IOException("reset").toString(), "GET", false, false));
        assertEquals(0, pool.size());
        assertEquals(0, router.inFlight());
    }

    @Test
    void leasesEndedConcurrentlyFromSeveralPathsAreReleasedOnceEach() throws Exception {
        join("http://w1");
        join("http://w2");
        int n = 20_000;
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leases.add(router.route(get("c" + (i % 50))));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> enders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int kind = t;
            enders.add(threads.submit(() -> {
                go.await();
                for (Lease l : leases) {
                    switch (kind) {
                        case 0 -> l.success();
                        case 1 -> l.release();
                        case 2 -> l.failed(Failure.TIMEOUT, "t");
                        default -> l.failed(Failure.CLIENT, "c");
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : enders) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertEquals(0, pool.backlog());
        assertEquals(0, router.inFlight());
        assertEquals(2, pool.size(), "no ejection: no connection failure");
    }

    @Test
    void classificationUsesTheConfiguredClassifier() throws TimeoutException {
        join("http://w1");
        Lease lease = router.route(get("Shop.Example:8080"));
        assertEquals(RequestClasses.classify(RequestClasses.parse("host"), get("Shop.Example:8080")), lease.requestClass());
        lease.release();
    }

    @Test
    void aRequestOfAClassNobodyMayBeTaughtGoesAsTheOverflowClass() {
        SwitchablePool budgeted = new SwitchablePool("resume", PoolSettings.DEFAULTS, 2);
        try (WorkerDirectory d = new WorkerDirectory(budgeted, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC())) {
            ProxyMetrics m = new ProxyMetrics(budgeted, d, receiver, () -> 0);
            ClassCounts counts = new ClassCounts(100);
            Router r = new Router(RequestClasses.parse("host"), budgeted, d, m, counts, new RetryPolicy(Set.of("GET"), 1));
            d.pulled("http://w1", new Resume("http://w1", "w", "1", 1, System.currentTimeMillis(), false, Map.of("real.example", 4.0)));
            List<String> classes = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Lease lease = r.route(get("junk-" + i + ".example"));
                classes.add(lease.requestClass());
                lease.success();
            }
            assertEquals(List.of("junk-0.example", "junk-1.example", org.resumelb.proxy.pool.Pool.OVERFLOW,
                    org.resumelb.proxy.pool.Pool.OVERFLOW), classes.subList(0, 4), "two taught, then the overflow class");
            assertEquals(8, m.classOverflows());
            assertEquals(Set.of("junk-0.example", "junk-1.example", org.resumelb.proxy.pool.Pool.OVERFLOW), Set.copyOf(counts.names()),
                    "the status page counts no junk name beyond the budget");
            Lease real = r.route(get("real.example"));
            assertEquals("real.example", real.requestClass(), "a class in a résumé is unaffected");
            real.success();
        }
    }
}
