package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * An ejected worker comes back only once the load balancer reaches it: its
 * pushed résumés wait until a real HTTP server answers on its address (the
 * connector of a stopping container is closed while its push thread still
 * pushes), and a worker that drains meanwhile stays out.
 */
class ReadmissionTest {

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final Readmission readmission = new Readmission(new WorkerProbe(Duration.ofMillis(500), WorkerTls.jvmDefault()), timer, Duration.ofMinutes(1));
    final AtomicLong seq = new AtomicLong();
    final TestWorkers servers = new TestWorkers();
    final int port = TestWorkers.freePort();
    final String url = "http://127.0.0.1:" + port;

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

    Resume resume(boolean draining) {
        return new Resume(url, url + "#1", "1", seq.incrementAndGet(), System.currentTimeMillis(), draining, Map.of("site", 2.0));
    }

    /** A real HTTP server on the worker's port answering every request with {@code status}. */
    void serve(int status) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        servers.start(server, connector, status, "http");
    }

    void stopServing() throws Exception {
        servers.close();
    }

    @Test
    void anEjectedWorkerIsBackOnlyOnceItAnswers() throws Exception {
        directory.accept(resume(false));
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state(url));
        assertTrue(directory.eject(url, "connection refused"));

        // Its connector is closed, its push thread still pushes: it stays out, however many résumés come.
        for (int i = 0; i < 5; i++) {
            directory.accept(resume(false));
            Thread.sleep(100);
        }
        assertEquals(WorkerDirectory.State.EJECTED, directory.state(url));
        assertEquals(0, pool.size());
        assertEquals(1, readmission.waiting());
        assertTrue(directory.probing(url));
        assertEquals(1, directory.probing());

        // A container that answers 503 (its webapp unavailable) does not count either.
        serve(503);
        Thread.sleep(1_500);
        assertEquals(WorkerDirectory.State.EJECTED, directory.state(url));
        stopServing();

        // It answers: its latest résumé is applied without another push.
        serve(200);
        TestWorkers.await(() -> directory.state(url) == WorkerDirectory.State.ACTIVE, "the worker is back");
        assertEquals(1, pool.size());
        assertEquals(0, readmission.waiting());
        assertFalse(directory.probing(url));
        assertEquals(seq.get(), directory.live().get(url).seq(), "the latest résumé pushed is the one applied");
    }

    @Test
    void aWorkerThatDrainsWhileEjectedStaysOut() throws Exception {
        directory.accept(resume(false));
        directory.eject(url, "connection refused");
        directory.accept(resume(false));
        assertEquals(1, readmission.waiting());
        directory.accept(resume(true));
        assertEquals(0, readmission.waiting());
        serve(200);
        Thread.sleep(1_000);
        assertEquals(WorkerDirectory.State.DRAINING, directory.state(url));
        assertEquals(0, pool.size());
    }

    @Test
    void aHeldResumeIsStillReplayChecked() throws Exception {
        directory.accept(resume(false));
        directory.eject(url, "connection refused");
        Resume held = resume(false);
        directory.accept(held);
        assertThrows(ResumeException.class, () -> directory.accept(held));
        assertEquals(WorkerDirectory.State.EJECTED, directory.state(url));
    }

    @Test
    void aStaticWorkerThatAnswersAPullIsBackAtOnce() throws Exception {
        directory.pulled(url, resume(false));
        directory.eject(url, "connection refused");
        directory.pulled(url, resume(false));
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state(url));
        assertEquals(0, readmission.waiting());
    }

    @Test
    void pushesEjectionsAndProbesUnderContentionEndInOneConsistentState() throws Exception {
        serve(200);
        directory.accept(resume(false));
        AtomicInteger joins = new AtomicInteger();
        directory.onJoin(joins::incrementAndGet);
        TestWorkers.concurrently(6, 300, (me, i) -> {
            if (me % 2 == 0) {
                directory.eject(url, "contention test");
            } else {
                try {
                    directory.accept(resume(false));
                } catch (ResumeException e) {
                    // Two threads may take sequence numbers in one order and arrive in the other: a replay refusal.
                }
            }
        });
        // The last word is a push by a worker that answers: whatever was in flight, it ends in the pool, once.
        directory.accept(resume(false));
        TestWorkers.await(() -> directory.state(url) == WorkerDirectory.State.ACTIVE && readmission.waiting() == 0, "the worker is back");
        Thread.sleep(300); // any probe still in flight completes and must change nothing
        assertEquals(WorkerDirectory.State.ACTIVE, directory.state(url));
        assertEquals(1, pool.size());
        assertEquals(1, directory.live().size());
        assertFalse(directory.departed().containsKey(url));
        assertTrue(joins.get() >= 1 && joins.get() <= directory.ejections(),
                "every rejoin followed an ejection: " + joins + " joins, " + directory.ejections() + " ejections");
    }
}
