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
 * A worker process killed with SIGKILL under steady GET load: no client sees an
 * error, the worker leaves the pool at once, POSTs in flight get the 502 page
 * in bounded time, and the worker rejoins when restarted.
 */
class WorkerKilledIT {

    Fleet fleet;

    @BeforeEach
    void start() throws Exception {
        fleet = Fleet.start("w", 3, 64);
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void sigkillUnderLoadCostsNoFailedGetAndInFlightPostsGet502() throws Exception {
        ProxyNode proxy = fleet.proxy();
        WorkerProcess victim = fleet.serving("victim.news");
        // Two slow POSTs of the victim's class, in flight when it dies: sent while the pool is idle (so the class's
        // worker takes them) and received by the victim before the load starts.
        List<CompletableFuture<ContentResponse>> posts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            posts.add(fleet.post("/comments?delay=10000", "victim.news", "comment=" + i));
        }
        assertEquals(2, fleet.awaitAtWorker(victim.url(), 2, 10_000), "both POSTs reached the victim");
        Fleet.Load load = fleet.load(4, 60_000, 50_000, (thread, i) -> "site-" + ((i * 4 + thread) % 30) + ".news");
        It.sleep(1_500);
        long killedAt = System.nanoTime();
        victim.kill();
        long removedMillis = -1;
        while (System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(10)) {
            if (!proxy.liveWorkers().contains(victim.url())) {
                removedMillis = (System.nanoTime() - killedAt) / 1_000_000;
                break;
            }
            It.sleep(5);
        }
        List<Integer> postStatus = new ArrayList<>();
        long postsStart = System.nanoTime();
        for (CompletableFuture<ContentResponse> p : posts) {
            ContentResponse r = p.get(20, TimeUnit.SECONDS);
            postStatus.add(r.getStatus());
            assertTrue(r.getContentAsString().contains("502 Bad Gateway"), r.getContentAsString());
        }
        long postsMillis = (System.nanoTime() - postsStart) / 1_000_000;
        It.sleep(1_000);
        long restartAt = System.nanoTime();
        fleet.restart(victim);
        fleet.awaitWorkers();
        long rejoinMillis = (System.nanoTime() - restartAt) / 1_000_000;
        It.sleep(1_000);
        load.stop();
        System.out.printf("SIGKILL of %s under load: %s; removed from the pool %d ms after the kill;"
                        + " in-flight POSTs answered %s within %d ms; restarted worker rejoined %d ms after its start command; departed: %s%n",
                victim.name, load.summary(), removedMillis, postStatus, postsMillis, rejoinMillis, proxy.departed());
        assertEquals(0, load.errors(), "no GET failed");
        assertTrue(load.requests() > 200, "load ran: " + load.requests());
        // At once: the first request that finds it dead ejects it (a few hundred ms here; the bound allows a loaded machine).
        assertTrue(removedMillis >= 0 && removedMillis < 3_000, "left the pool at once: " + removedMillis + " ms");
        assertEquals(List.of(502, 502), postStatus);
        assertEquals(0, proxy.settledBacklog(), "no in-flight count left");
    }
}
