package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.membership.ResumeReceiver;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.operations.ClassCounts;
import org.resumelb.proxy.operations.ProxyMetrics;
import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.RouteId;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * The router with sticky sessions: a session's requests go to its worker while
 * that worker is in the pool, by class once it has left (and retries always by
 * class), counted as hits and moves; under contention no lease is lost.
 */
class StickyRoutingTest {

    static final List<String> WORKERS = List.of("http://w1", "http://w2", "http://w3");
    static final StickyCookie STICKY = StickyCookie.parse("cookie:JSESSIONID");

    final SwitchablePool pool = new SwitchablePool("round-robin", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final ResumeReceiver receiver = new ResumeReceiver(new ResumeCodec(ResumeLimits.DEFAULT), null, true, directory);
    final ProxyMetrics metrics = new ProxyMetrics(pool, directory, receiver, () -> 0);
    final Router router = new Router(RequestClasses.parse("host"), pool, directory, metrics, new ClassCounts(100),
            new RetryPolicy(Set.of("GET"), 2), STICKY);

    @AfterEach
    void stop() {
        directory.close();
    }

    static void join(WorkerDirectory directory, String url, Map<String, Double> skills) {
        directory.pulled(url, new Resume(url, url, "1", 1, System.currentTimeMillis(), false, skills));
    }

    static String session(String url) {
        return "theme=dark; JSESSIONID=node0abc.node0." + RouteId.of(url);
    }

    @Test
    void aSessionsRequestsGoToItsWorkerWhateverTheirClass() {
        WORKERS.forEach(u -> join(directory, u, Map.of()));
        for (int i = 0; i < 60; i++) {
            Lease lease = router.route(Requests.get("site-" + i + ".example", session("http://w2")));
            assertEquals("http://w2", lease.worker().url());
            assertEquals("site-" + i + ".example", lease.requestClass(), "sent under its own class");
            lease.success();
        }
        Set<String> others = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            Lease lease = router.route(Requests.get("site-" + i + ".example", i % 2 == 0 ? null : "theme=dark"));
            others.add(lease.worker().url());
            lease.success();
        }
        assertEquals(Set.copyOf(WORKERS), others, "requests of no session go by policy (round-robin here)");
        assertEquals(60, metrics.stickyHits());
        assertEquals(0, metrics.stickyMoved());
        assertEquals(0, pool.backlog());
    }

    @Test
    void whenTheWorkerHasLeftTheSessionIsRoutedByClassAndCountedAsMoved() {
        WORKERS.forEach(u -> join(directory, u, Map.of()));
        assertTrue(directory.eject("http://w2", "test"));
        Set<String> served = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            Lease lease = router.route(Requests.get("site.example", session("http://w2")));
            served.add(lease.worker().url());
            lease.success();
        }
        assertEquals(Set.of("http://w1", "http://w3"), served);
        assertEquals(6, metrics.stickyMoved());
        assertEquals(0, metrics.stickyHits());
        join(directory, "http://w2", Map.of());
        Lease back = router.route(Requests.get("site.example", session("http://w2")));
        assertEquals("http://w2", back.worker().url(), "the route holds again once the worker is back in the pool");
        back.success();
        assertEquals(1, metrics.stickyHits());
    }

    @Test
    void aClientsGarbageSuffixIsNoSession() {
        WORKERS.forEach(u -> join(directory, u, Map.of()));
        Set<String> served = new HashSet<>();
        for (String cookie : List.of("JSESSIONID=abc.garbage", "JSESSIONID=abc", "JSESSIONID=abc.http://w2", "JSESSIONID=abc.w2")) {
            Lease lease = router.route(Requests.get("site.example", cookie));
            served.add(lease.worker().url());
            lease.success();
        }
        assertEquals(0, metrics.stickyHits() + metrics.stickyMoved());
        assertTrue(served.size() > 1, "routed by policy: " + served);
    }

    @Test
    void aRetryAfterAConnectionFailureGoesByClass() {
        WORKERS.forEach(u -> join(directory, u, Map.of()));
        Lease first = router.route(Requests.get("site.example", session("http://w2")));
        assertEquals("http://w2", first.worker().url());
        Lease retry = router.retry(first, Failure.CONNECTION, "refused", "GET", false, false);
        assertNotNull(retry);
        assertNotEquals("http://w2", retry.worker().url());
        assertEquals("site.example", retry.requestClass());
        retry.success();
        assertFalse(pool.snapshot().workers().stream().anyMatch(w -> w.url().equals("http://w2")), "ejected");
        assertEquals(1, metrics.stickyHits(), "the retry is not a sticky request");
        Lease next = router.route(Requests.get("site.example", session("http://w2")));
        assertNotEquals("http://w2", next.worker().url());
        next.success();
        assertEquals(1, metrics.stickyMoved());
        assertEquals(0, pool.backlog());
    }

    @Test
    void withoutTheSettingCookiesDoNotRoute() {
        Router plain = new Router(RequestClasses.parse("host"), pool, directory, metrics, new ClassCounts(100),
                new RetryPolicy(Set.of("GET"), 2));
        WORKERS.forEach(u -> join(directory, u, Map.of()));
        Set<String> served = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            Lease lease = plain.route(Requests.get("site.example", session("http://w2")));
            served.add(lease.worker().url());
            lease.success();
        }
        assertEquals(Set.copyOf(WORKERS), served);
        assertEquals(0, metrics.stickyHits() + metrics.stickyMoved());
    }

    @Test
    void aSessionCannotOutrunTheClassBudget() {
        SwitchablePool budgeted = new SwitchablePool("resume", PoolSettings.DEFAULTS, 2);
        try (WorkerDirectory d = new WorkerDirectory(budgeted, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC())) {
            ProxyMetrics m = new ProxyMetrics(budgeted, d, receiver, () -> 0);
            ClassCounts counts = new ClassCounts(100);
            Router r = new Router(RequestClasses.parse("host"), budgeted, d, m, counts, new RetryPolicy(Set.of("GET"), 1), STICKY);
            join(d, "http://w1", Map.of("real.example", 4.0));
            join(d, "http://w2", Map.of());
            List<String> classes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Lease lease = r.route(Requests.get("junk-" + i + ".example", session("http://w2")));
                assertEquals("http://w2", lease.worker().url());
                classes.add(lease.requestClass());
                lease.success();
            }
            assertEquals(List.of("junk-0.example", "junk-1.example", Pool.OVERFLOW, Pool.OVERFLOW, Pool.OVERFLOW, Pool.OVERFLOW), classes);
            assertEquals(4, m.classOverflows());
            assertEquals(6, m.stickyHits());
            assertFalse(counts.names().contains("junk-2.example"), "the status page counts no junk name beyond the budget");
            Lease real = r.route(Requests.get("real.example", session("http://w2")));
            assertEquals("real.example", real.requestClass(), "a class in a résumé is unaffected");
            assertEquals("http://w2", real.worker().url());
            real.success();
        }
    }

    @Test
    void sessionsAndOtherRequestsUnderWorkerChurnLoseNoLease() throws Exception {
        WORKERS.forEach(u -> join(directory, u, Map.of()));
        int threads = 6;
        int perThread = 5_000;
        AtomicLong stickyRequests = new AtomicLong();
        AtomicLong noWorker = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch churning = new CountDownLatch(1);
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = 40 + t;
            clients.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                List<Lease> held = new ArrayList<>();
                try {
                    churning.await();
                    for (int i = 0; i < perThread; i++) {
                        boolean sticky = random.nextBoolean();
                        String owner = WORKERS.get(random.nextInt(WORKERS.size()));
                        Lease lease = router.route(Requests.get("site-" + random.nextInt(20) + ".example", sticky ? session(owner) : null));
                        if (lease == null) {
                            noWorker.incrementAndGet(); // never: the churn ejects one worker of three at a time
                            continue;
                        }
                        if (sticky) {
                            stickyRequests.incrementAndGet();
                        }
                        held.add(lease);
                        if (held.size() > random.nextInt(1, 4)) {
                            Lease end = held.remove(0);
                            if (random.nextInt(10) == 0) {
                                end.release();
                            } else {
                                end.success();
                            }
                        }
                    }
                    held.forEach(Lease::success);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "client-" + t));
        }
        Thread churn = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(5);
            try {
                // At most 500 ejections and returns (each one is logged), while the clients run.
                for (int round = 0; round < 500 && !done.get(); round++) {
                    String url = WORKERS.get(random.nextInt(WORKERS.size()));
                    directory.eject(url, "churn");
                    join(directory, url, Map.of());
                    churning.countDown();
                    Thread.sleep(1);
                }
            } catch (Throwable e) {
                failures.add(e);
            } finally {
                churning.countDown();
            }
        }, "churn");
        clients.forEach(Thread::start);
        churn.start();
        for (Thread t : clients) {
            t.join(TimeUnit.MINUTES.toMillis(2));
            assertFalse(t.isAlive(), t.getName() + " finished");
        }
        done.set(true);
        churn.join(TimeUnit.MINUTES.toMillis(1));
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(0, noWorker.get());
        assertEquals(stickyRequests.get(), metrics.stickyHits() + metrics.stickyMoved(), "every session's request counted once");
        assertTrue(metrics.stickyHits() > 0, "hits: " + metrics.stickyHits());
        assertEquals(0, router.inFlight());
        assertEquals(0, pool.backlog());
        assertEquals(WORKERS.size(), pool.size());
    }
}
