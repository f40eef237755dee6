package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three load balancers in front of the same two worker JVMs (each worker pushes
 * to all three). A worker held busy by requests through load balancer A is seen
 * busy by B, which reads the worker's in-band load report, so B's least-backlog
 * routing keeps away from it; C, with {@code workerLoadReport=false}, sees only
 * its own requests and alternates between the two as if both were idle. Then
 * clients spread round robin over the three: every request served, and each
 * load balancer that reads reports holds one for every worker.
 */
class MultiLbIT {

    static final int HELD = 6;
    static final int PROBES = 20;

    Fleet fleet;

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aWorkerBusyThroughOneLoadBalancerIsSeenBusyByAnotherOnlyWithTheReport() throws Exception {
        fleet = new Fleet("mlb-w", 64);
        // A: the résumé policy with a variance so large that a site stays on its worker however busy it is.
        ProxyNode a = fleet.addProxy(0, Map.of("policy", "resume", "variance", "1000"));
        ProxyNode b = fleet.addProxy(0, Map.of("policy", "least-backlog"));
        ProxyNode c = fleet.addProxy(0, Map.of("policy", "least-backlog", "workerLoadReport", "false"));
        fleet.addWorker();
        fleet.addWorker();
        fleet.awaitWorkers();

        String hot = "www.held.news";
        String busy = fleet.serving(hot).url(); // through A, which now routes the site there
        List<CompletableFuture<ContentResponse>> held = new ArrayList<>();
        long holdStart = System.nanoTime(); // the held requests end no sooner than 9 s after this
        for (int i = 0; i < HELD; i++) {
            held.add(fleet.post("/comments?delay=9000", hot, "held " + i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (ProxyStatus.read(a.url()).backlog() < HELD && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(HELD, ProxyStatus.read(a.url()).perWorker("backlog").get(busy).intValue(), "A holds the worker busy");
        // A counts a request when it forwards it; the worker, when it arrives: wait until all have reached it.
        assertEquals(HELD, fleet.awaitAtWorker(busy, HELD, 10_000), "the held requests reached the worker");

        long start = System.nanoTime();
        Map<String, Integer> viaB = probe(b);
        double secondsB = (System.nanoTime() - start) / 1e9;
        Map<String, Integer> viaC = probe(c);
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        double heldSeconds = (end - holdStart) / 1e9;
        ProxyStatus statusB = ProxyStatus.read(b.url());
        ProxyStatus statusC = ProxyStatus.read(c.url());
        System.out.printf("probes in %.1f s (via B %.1f s), ending %.1f s after the held requests were sent, while %d requests"
                + " held on %s: via B (report) %s, via C (no report) %s%n", seconds, secondsB, heldSeconds, HELD, busy, viaB, viaC);
        // The held requests were sent after holdStart and take 9 s on the worker: the probes that end within 8.5 s of it
        // all ran while the worker was busy.
        assertTrue(heldSeconds < 8.5, "the probes ran while the requests were held (9 s): they ended " + heldSeconds
                + " s after the held requests were sent");
        int toBusyViaB = viaB.getOrDefault(busy, 0);
        int toBusyViaC = viaC.getOrDefault(busy, 0);
        // B learns the load from the first answer of the busy worker, then keeps away from it until the report ages
        // (others' load 6, halving every 500 ms: 6, 3, 1, 0, so gone 1-1.5 s after the answer that brought it): the
        // first request, then at most one more per second of B's probes, each renewing the report (the last second
        // counted whole). On a quiet machine B's 20 probes take 1-3 s: 3-5 of them at most. C alternates: about half.
        assertTrue(toBusyViaB <= 2 + (long) secondsB, "B keeps away from the busy worker: " + viaB + " in " + secondsB + " s");
        assertTrue(toBusyViaC >= PROBES / 2 - 2, "C, blind to the others' load, alternates: " + viaC);
        assertTrue(statusB.perWorker("reportedBacklog").get(busy) >= HELD + 1, "B shows the report: " + statusB);
        assertEquals(-1.0, statusC.perWorker("reportedBacklog").get(busy), "C reads no report");

        for (CompletableFuture<ContentResponse> f : held) {
            assertEquals(200, f.get(30, TimeUnit.SECONDS).getStatus());
        }

        // Clients round robin over the three load balancers: every request answered, reports everywhere they are read.
        // Every request names a site of its own, so that each load balancer places 60 sites by rendezvous order and
        // sends some to each worker (with 5 sites each, A placed all on one worker once in 16 runs and never heard
        // from the other).
        ProxyNode[] all = {a, b, c};
        int errors = 0;
        for (int i = 0; i < 180; i++) {
            ContentResponse r = fleet.get(all[i % 3], "site-" + i + ".news");
            if (r.getStatus() != 200) {
                errors++;
            }
        }
        assertEquals(0, errors);
        for (ProxyNode reading : List.of(a, b)) {
            Map<String, Double> reported = ProxyStatus.read(reading.url()).perWorker("reportedBacklog");
            assertEquals(fleet.aliveUrls(), reported.keySet());
            reported.forEach((url, n) -> assertTrue(n >= 1, reading.url() + " holds a report of " + url + ": " + reported));
        }
    }

    /** {@link #PROBES} quick GETs one after another through {@code via}: how many each worker served. */
    private Map<String, Integer> probe(ProxyNode via) throws Exception {
        Map<String, Integer> byWorker = new TreeMap<>();
        for (int i = 0; i < PROBES; i++) {
            ContentResponse r = fleet.get(via, "probe-" + i + ".news");
            assertEquals(200, r.getStatus());
            String name = r.getHeaders().get("X-Worker");
            String url = fleet.workers().stream().filter(w -> w.name.equals(name)).findFirst().orElseThrow().url();
            byWorker.merge(url, 1, Integer::sum);
        }
        return byWorker;
    }
}
