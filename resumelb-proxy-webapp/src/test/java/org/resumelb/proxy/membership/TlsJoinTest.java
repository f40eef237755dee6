package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.proxy.LogCapture;
import org.resumelb.proxy.TestCertificates;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * A worker announcing an {@code https://} URL joins only once the load
 * balancer has reached it over TLS: until then its pushed résumés wait
 * ({@code JOINING}), so one whose certificate is not trusted never joins,
 * however often it pushes. The servers are real (embedded Jetty serving TLS on
 * loopback with keytool-made certificates, {@link TestCertificates}).
 */
class TlsJoinTest {

    static final TestCertificates CERTS = TestCertificates.get();

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC(),
            false, 3, 100);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final WorkerTls tls = WorkerTls.load(CERTS.trustStore, CERTS.trustStorePassword.toCharArray());
    /** Probes wait 10 s: a first TLS handshake on a busy machine must fail as untrusted, not time out. */
    final Readmission readmission = new Readmission(new WorkerProbe(Duration.ofSeconds(10), tls), timer, Duration.ofMinutes(1));
    final AtomicLong seq = new AtomicLong();
    final TestWorkers servers = new TestWorkers();

    {
        directory.readmitThrough(readmission);
    }

    @AfterEach
    void close() throws Exception {
        servers.close();
        readmission.close();
        directory.close();
        timer.shutdownNow();
    }

    Resume resume(String url, boolean draining) {
        return new Resume(url, url + "#1", "1", seq.incrementAndGet(), System.currentTimeMillis(), draining, Map.of("site", 2.0));
    }

    /** A TLS server on {@code port} (0: any) with the certificate of {@code keyStore}; returns its https URL. */
    String serve(Path keyStore, int port) throws Exception {
        return servers.https(CERTS, keyStore, port);
    }

    @Test
    void anHttpsWorkerJoinsOnlyOnceItIsReachedOverTls() throws Exception {
        try (LogCapture log = new LogCapture()) {
            joinsOnceReached(log);
        }
    }

    private void joinsOnceReached(LogCapture log) throws Exception {
        int port = TestWorkers.freePort();
        String url = "https://127.0.0.1:" + port;
        directory.accept(resume(url, false));
        directory.accept(resume(url, false));
        assertEquals(WorkerDirectory.State.JOINING, directory.state(url));
        assertEquals(0, pool.size());
        assertTrue(directory.probing(url));
        TestWorkers.await(() -> !directory.probeProblems().getOrDefault(url, "").isEmpty(), "a failed probe");
        assertTrue(directory.probeProblems().get(url).contains("ConnectException"), directory.probeProblems().toString());

        serve(CERTS.worker, port);
        TestWorkers.await(() -> directory.state(url) == WorkerDirectory.State.ACTIVE, "the worker joins");
        assertEquals(1, pool.size());
        assertFalse(directory.probing(url));
        assertEquals(seq.get(), directory.live().get(url).seq(), "the latest résumé pushed is the one applied");
        // Joined, it renews like any worker, without a probe.
        directory.accept(resume(url, false));
        assertEquals(0, readmission.waiting());
        assertEquals(List.of(), log.lines("ResumeLB worker " + url + " does not join"),
                "a worker still starting (refused for less than " + Readmission.WARN_AFTER_MILLIS + " ms) is not warned about");
        assertEquals(1, log.lines("ResumeLB worker " + url + " answered over TLS and joined").size());
    }

    @Test
    void aWorkerThatCannotBeReachedForLongIsWarnedAboutOnce() throws Exception {
        try (LogCapture log = new LogCapture();
             Readmission quick = new Readmission(new WorkerProbe(Duration.ofSeconds(2), tls), timer, Duration.ofMinutes(1),
                     Duration.ofMillis(300))) {
            WorkerDirectory other = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
            other.readmitThrough(quick);
            String url = "https://127.0.0.1:" + TestWorkers.freePort();
            String warning = "ResumeLB worker " + url + " does not join: java.net.ConnectException";
            other.accept(resume(url, false));
            TestWorkers.await(() -> !log.lines(warning).isEmpty(), "the warning, once refused for 300 ms");
            for (int i = 0; i < 5; i++) {
                other.accept(resume(url, false));
                Thread.sleep(200);
            }
            assertEquals(1, log.lines(warning).size(), "once, not per push or probe: " + log.lines(url));
            assertEquals(WorkerDirectory.State.JOINING, other.state(url));
            other.close();
        }
    }

    @Test
    void anUntrustedWorkerNeverJoinsHoweverOftenItPushes() throws Exception {
        try (LogCapture log = new LogCapture()) {
            neverJoins(log);
        }
    }

    private void neverJoins(LogCapture log) throws Exception {
        String url = serve(CERTS.untrusted, 0);
        for (int i = 0; i < 5; i++) {
            directory.accept(resume(url, false));
            Thread.sleep(200);
        }
        // Awaited as such: a probe that failed otherwise first (a timeout) is retried, and the TLS failure follows.
        TestWorkers.await(() -> directory.probeProblems().getOrDefault(url, "")
                .startsWith("TLS handshake failed: certificate not trusted by workerTrustStore"), "a probe failed as untrusted");
        assertEquals(WorkerDirectory.State.JOINING, directory.state(url));
        assertEquals(0, pool.size());
        assertNull(directory.live().get(url));
        // Logged by the probe's thread just after it recorded the problem; at once, not after WARN_AFTER_MILLIS.
        String warning = "ResumeLB worker " + url + " does not join: TLS handshake failed: certificate not trusted";
        long failed = System.nanoTime();
        TestWorkers.await(() -> !log.lines(warning).isEmpty()
                || System.nanoTime() - failed > Readmission.WARN_AFTER_MILLIS / 2 * 1_000_000, "the warning");
        assertEquals(1, log.lines(warning).size(), "at once (it will not pass by itself), and once: " + log.lines(url));
    }

    @Test
    void aJoiningWorkerThatDrainsStaysOutAndIsProbedAgainWhenItPushesAgain() throws Exception {
        String url = serve(CERTS.untrusted, 0);
        directory.accept(resume(url, false));
        assertEquals(WorkerDirectory.State.JOINING, directory.state(url));
        directory.accept(resume(url, true));
        assertEquals(WorkerDirectory.State.DRAINING, directory.state(url));
        assertEquals(0, readmission.waiting());
        directory.accept(resume(url, false));
        assertEquals(WorkerDirectory.State.JOINING, directory.state(url), "back, and probed again");
        assertFalse(directory.departed().containsKey(url));
    }

    @Test
    void joiningWorkersAreBoundedByMaxWorkers() throws Exception {
        for (int i = 0; i < 3; i++) {
            directory.accept(resume("https://127.0.0.1:" + TestWorkers.freePort(), false));
        }
        String fourth = "https://127.0.0.1:" + TestWorkers.freePort();
        WorkerDirectory.Full full = assertThrows(WorkerDirectory.Full.class, () -> directory.accept(resume(fourth, false)));
        assertTrue(full.getMessage().contains("maxWorkers=3"), full.getMessage());
        assertEquals(3, readmission.waiting());
        assertNull(directory.state(fourth));
    }

    @Test
    void pushesAndDrainsOfHttpsWorkersUnderContentionEndInOneConsistentState() throws Exception {
        String good = serve(CERTS.worker, 0);
        String rogue = serve(CERTS.untrusted, 0);
        AtomicInteger joins = new AtomicInteger();
        AtomicInteger goodDrains = new AtomicInteger();
        AtomicInteger rogueLive = new AtomicInteger();
        directory.onJoin(() -> {
            joins.incrementAndGet();
            if (directory.live().containsKey(rogue)) {
                rogueLive.incrementAndGet();
            }
        });
        TestWorkers.concurrently(6, 200, (me, i) -> {
            String url = me % 2 == 0 ? good : rogue;
            boolean draining = me % 3 == 0 && i % 7 == 0;
            try {
                directory.accept(resume(url, draining));
                if (draining && url.equals(good)) {
                    goodDrains.incrementAndGet();
                }
            } catch (ResumeException e) {
                // Two threads may take sequence numbers in one order and arrive in the other: a replay refusal.
            }
        });
        // The last word of each is a push: the trusted worker ends in the pool, once; the untrusted one never gets there.
        directory.accept(resume(good, false));
        directory.accept(resume(rogue, false));
        TestWorkers.await(() -> directory.state(good) == WorkerDirectory.State.ACTIVE, "the trusted worker joins");
        TestWorkers.await(() -> !directory.probeProblems().getOrDefault(rogue, "").isEmpty(), "the untrusted worker's probe fails");
        Thread.sleep(300); // any probe still in flight completes and must change nothing
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state(good));
        assertEquals(WorkerDirectory.State.JOINING, directory.state(rogue));
        assertEquals(1, pool.size());
        assertEquals(java.util.Set.of(good), directory.live().keySet());
        assertEquals(1, readmission.waiting(), "only the untrusted worker is held");
        assertEquals(0, rogueLive.get(), "the untrusted worker was never live");
        assertTrue(joins.get() >= 1 && joins.get() <= goodDrains.get() + 1,
                "the trusted worker joined once, then once after each drain at most: " + joins + " joins, " + goodDrains + " drains");
    }
}
