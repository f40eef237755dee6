package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker shut down gracefully (SIGTERM: its container stops, its webapp is
 * undeployed) under steady load: its {@code draining} résumé reaches the load
 * balancer, the requests it had in flight finish, and no client sees an error.
 */
class GracefulShutdownIT {

    /**
     * How long each slow POST takes on the worker. SIGTERM comes {@value #LOAD_BEFORE_STOP_MILLIS} ms (and the time
     * to see them arrive) after they reached it, so they have at most 3.5 s left: within the worker's 5 s stopTimeout
     * ({@link WorkerMain}), and long enough to still be in flight on a slow machine.
     */
    static final long SLOW_POST_MILLIS = 5_000;
    /** How long the load runs before SIGTERM. */
    static final long LOAD_BEFORE_STOP_MILLIS = 1_500;

    Fleet fleet;

    @BeforeEach
    void start() throws Exception {
        fleet = Fleet.start("g", 3, 64);
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void gracefulShutdownDrainsFinishesInFlightRequestsAndCostsNoError() throws Exception {
        WorkerProcess victim = fleet.serving("leaving.news");
        // The slow POSTs first, and SIGTERM only once the victim itself counts them in flight: a POST is never retried,
        // so one the load balancer had not yet forwarded when the victim's connector closed would get 502.
        List<CompletableFuture<ContentResponse>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(fleet.post("/comments?delay=" + SLOW_POST_MILLIS, "leaving.news", "comment=" + i));
        }
        assertEquals(2, fleet.awaitAtWorker(victim.url(), 2, 4_000), "both slow POSTs reached the victim");
        Fleet.Load load = fleet.load(4, 60_000, 50_000,
                (thread, i) -> i % 3 == 0 ? "leaving.news" : "site-" + ((i * 4 + thread) % 30) + ".news");
        It.sleep(LOAD_BEFORE_STOP_MILLIS);
        assertTrue(slow.stream().noneMatch(CompletableFuture::isDone), "the slow POSTs were still in flight at SIGTERM");
        long stopAt = System.nanoTime();
        victim.terminate();
        long stoppedMillis = (System.nanoTime() - stopAt) / 1_000_000;
        List<Integer> slowStatus = new ArrayList<>();
        for (CompletableFuture<ContentResponse> f : slow) {
            slowStatus.add(f.get(30, TimeUnit.SECONDS).getStatus());
        }
        It.sleep(1_000);
        load.stop();
        ProxyNode proxy = fleet.proxy();
        System.out.printf("graceful shutdown of %s under load: %s; in-flight slow POSTs answered %s;"
                + " the worker stopped %d ms after SIGTERM; departed: %s%n", victim.name, load.summary(), slowStatus,
                stoppedMillis, proxy.departed());
        assertEquals("DRAINING", proxy.departed().get(victim.url()), "the draining résumé reached the load balancer");
        assertEquals(List.of(200, 200), slowStatus, "in-flight requests finished");
        assertEquals(0, load.errors(), "no client saw an error");
        assertTrue(load.requests() > 200, "load ran: " + load.requests());
        assertEquals(0, proxy.settledBacklog());
    }
}
