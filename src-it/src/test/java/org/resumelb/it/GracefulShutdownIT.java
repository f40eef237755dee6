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
 * A worker shut down gracefully (SIGTERM: its container stops, its webapp is
 * undeployed) under steady load: its {@code draining} résumé reaches the load
 * balancer, the requests it had in flight finish, and no client sees an error.
 */
class GracefulShutdownIT {

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
    void gracefulShutdownDrainsFinishesInFlightRequestsAndCostsNoError() throws Exception {
        for (int i = 1; i <= 3; i++) {
            workers.add(WorkerProcess.start("g" + i, 0, List.of(proxy.url())));
        }
        proxy.awaitWorkers(Set.of(workers.get(0).url(), workers.get(1).url(), workers.get(2).url()), 30_000);
        String victimName = get("leaving.news").getHeaders().get("X-Worker");
        WorkerProcess victim = workers.stream().filter(w -> w.name.equals(victimName)).findFirst().orElseThrow();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new ArrayList<>();
        long end = System.currentTimeMillis() + 60_000;
        for (int t = 0; t < 4; t++) {
            int thread = t;
            loops.add(load.submit(() -> {
                int i = 0;
                while (running.get() && System.currentTimeMillis() < end && i < 50_000) {
                    String site = i % 3 == 0 ? "leaving.news" : "site-" + ((i * 4 + thread) % 30) + ".news";
                    try {
                        ContentResponse r = get(site);
                        if (r.getStatus() != 200) {
                            errors.incrementAndGet();
                            System.out.println("error: " + site + " " + r.getStatus() + " " + r.getContentAsString());
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        System.out.println("error: " + site + " " + e);
                    }
                    i++;
                    sent.incrementAndGet();
                }
                return null;
            }));
        }
        It.sleep(1_500);
        List<CompletableFuture<ContentResponse>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(new CompletableResponseListener(client.POST(proxy.url() + "/comments?delay=2000")
                    .headers(h -> h.put(HttpHeader.HOST, "leaving.news"))
                    .body(new StringRequestContent("comment=" + i))
                    .timeout(30, TimeUnit.SECONDS)).send());
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
        running.set(false);
        for (Future<?> f : loops) {
            f.get(60, TimeUnit.SECONDS);
        }
        load.shutdownNow();
        System.out.printf("graceful shutdown of %s under load: %d GETs, %d errors; in-flight slow POSTs answered %s;"
                + " the worker stopped %d ms after SIGTERM; departed: %s%n", victim.name, sent.get(), errors.get(), slowStatus,
                stoppedMillis, proxy.departed());
        assertEquals("DRAINING", proxy.departed().get(victim.url()), "the draining résumé reached the load balancer");
        assertEquals(List.of(200, 200), slowStatus, "in-flight requests finished");
        assertEquals(0, errors.get(), "no client saw an error");
        assertTrue(sent.get() > 200, "load ran: " + sent.get());
        assertEquals(0, proxy.settledBacklog());
    }
}
