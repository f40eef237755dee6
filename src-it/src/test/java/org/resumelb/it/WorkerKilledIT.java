package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker process killed with SIGKILL under steady GET load: no client sees an
 * error, the worker leaves the pool at once, POSTs in flight get the 502 page
 * in bounded time, and the worker rejoins when restarted.
 */
class WorkerKilledIT {

    HttpClient client;
    ProxyNode proxy;
    final List<WorkerProcess> workers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(64);
        client.start();
        proxy = new ProxyNode(0, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        for (WorkerProcess w : workers) {
            w.close();
        }
        proxy.close();
        client.stop();
    }

    ContentResponse get(String host) throws Exception {
        return client.newRequest(proxy.url() + "/article").headers(h -> h.put(HttpHeader.HOST, host)).timeout(20, TimeUnit.SECONDS).send();
    }

    @Test
    void sigkillUnderLoadCostsNoFailedGetAndInFlightPostsGet502() throws Exception {
        for (int i = 1; i <= 3; i++) {
            workers.add(WorkerProcess.start("w" + i, 0, List.of(proxy.url())));
        }
        proxy.awaitWorkers(Set.of(workers.get(0).url(), workers.get(1).url(), workers.get(2).url()), 20_000);

        String victimName = get("victim.news").getHeaders().get("X-Worker");
        WorkerProcess victim = workers.stream().filter(w -> w.name.equals(victimName)).findFirst().orElseThrow();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new ArrayList<>();
        long loadEnd = System.currentTimeMillis() + 60_000;
        for (int t = 0; t < 4; t++) {
            int thread = t;
            loops.add(load.submit(() -> {
                int i = 0;
                while (running.get() && System.currentTimeMillis() < loadEnd && i < 50_000) {
                    try {
                        ContentResponse r = get("site-" + ((i++ * 4 + thread) % 30) + ".news");
                        if (r.getStatus() != 200) {
                            errors.incrementAndGet();
                            System.out.println("error: " + r.getStatus() + " " + r.getContentAsString());
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        System.out.println("error: " + e);
                    }
                    sent.incrementAndGet();
                }
                return null;
            }));
        }
        It.sleep(1_500);
        // Two slow POSTs of the victim's class, in flight when it dies.
        List<CompletableFuture<ContentResponse>> posts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            posts.add(new CompletableResponseListener(client.POST(proxy.url() + "/comments?delay=5000")
                    .headers(h -> h.put(HttpHeader.HOST, "victim.news"))
                    .body(new StringRequestContent("comment=" + i))
                    .timeout(30, TimeUnit.SECONDS)).send());
        }
        It.sleep(500);
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
        WorkerProcess again = WorkerProcess.start(victim.name, victim.port, List.of(proxy.url()));
        workers.add(again);
        proxy.awaitWorkers(Set.of(workers.get(0).url(), workers.get(1).url(), workers.get(2).url()), 30_000);
        long rejoinMillis = (System.nanoTime() - restartAt) / 1_000_000;
        It.sleep(1_000);
        running.set(false);
        for (Future<?> f : loops) {
            f.get(60, TimeUnit.SECONDS);
        }
        load.shutdownNow();
        System.out.printf("SIGKILL of %s under load: %d GETs sent, %d errors; removed from the pool %d ms after the kill;"
                        + " in-flight POSTs answered %s within %d ms; restarted worker rejoined %d ms after its start command; departed: %s%n",
                victim.name, sent.get(), errors.get(), removedMillis, postStatus, postsMillis, rejoinMillis, proxy.departed());
        assertEquals(0, errors.get(), "no GET failed");
        assertTrue(sent.get() > 200, "load ran: " + sent.get());
        assertTrue(removedMillis >= 0 && removedMillis < 1_000, "left the pool within a second: " + removedMillis + " ms");
        assertEquals(List.of(502, 502), postStatus);
        assertEquals(0, proxy.settledBacklog(), "no in-flight count left");
    }
}
