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
        Fleet.Load load = fleet.load(4, 60_000, 50_000,
                (thread, i) -> i % 3 == 0 ? "leaving.news" : "site-" + ((i * 4 + thread) % 30) + ".news");
        It.sleep(1_500);
        List<CompletableFuture<ContentResponse>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(fleet.post("/comments?delay=2000", "leaving.news", "comment=" + i));
        }
        It.sleep(300);
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
