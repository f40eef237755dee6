package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.pool.PoolSnapshot;

/**
 * The worker's X-ResumeLB-Load report through the real proxy servlet and the
 * real filter: it reaches the pool for that worker, never the client; a
 * malformed value is counted and changes nothing; workerLoadReport=false
 * ignores it (and still strips it).
 */
class LoadReportServletTest extends ClusterClientTest {

    @Override
    void configure(HttpClient client) {
        client.setMaxConnectionsPerDestination(16);
    }

    private ContentResponse get(String path) throws Exception {
        return client.newRequest(cluster.proxyUrl() + path).headers(h -> h.put(HttpHeader.HOST, "www.a.example"))
                .timeout(15, TimeUnit.SECONDS).send();
    }

    private PoolSnapshot.WorkerStatus status(String url) {
        return cluster.loadBalancer().pool().snapshot().worker(url);
    }

    @Test
    void othersLoadOnAWorkerReachesThePoolAndNeverTheClient() throws Exception {
        cluster = new Cluster(Map.of("policy", "least-backlog"));
        String w1 = cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        ContentResponse quiet = get("/x");
        assertEquals(200, quiet.getStatus());
        assertNull(quiet.getHeaders().get(Protocol.LOAD_HEADER), "stripped");
        assertEquals(1, status(w1).reported(), "the worker had only this request in flight");
        assertEquals(0, status(w1).others());

        // Three requests held on the worker, sent around this proxy (as another load balancer would).
        List<CompletableFuture<ContentResponse>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return client.newRequest(w1 + "/held?hold=load-report-held").timeout(20, TimeUnit.SECONDS).send();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cluster.apps.get("w1").served() < 1 + 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            ContentResponse busy = get("/y");
            assertEquals(200, busy.getStatus());
            assertNull(busy.getHeaders().get(Protocol.LOAD_HEADER), "stripped");
            // The proxy releases its lease when Jetty reports the exchange complete, which may come just after the
            // client has the whole response: wait (bounded) for this proxy's own backlog to be back to 0.
            PoolSnapshot.WorkerStatus s = status(w1);
            assertEquals(4, s.reported(), "three held and this one");
            assertTrue(s.others() >= 1 && s.others() <= 3, "others' load is the report beyond our one request, aging: " + s.others());
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); s.backlog() != 0 && System.nanoTime() < until; ) {
                Thread.sleep(5);
                s = status(w1);
            }
            assertEquals(0, s.backlog());
        } finally {
            Cluster.release("load-report-held");
        }
        for (CompletableFuture<ContentResponse> f : held) {
            assertEquals(200, f.get(20, TimeUnit.SECONDS).getStatus());
        }
        ContentResponse status = client.newRequest(cluster.proxyUrl() + "/_resumelb/status").timeout(10, TimeUnit.SECONDS).send();
        assertTrue(status.getContentAsString().contains("\"reportedBacklog\":"), status.getContentAsString());
    }

    @Test
    void aMalformedReportIsCountedStrippedAndChangesNothing() throws Exception {
        cluster = new Cluster(Map.of());
        String w1 = cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        assertEquals(200, get("/x").getStatus());
        assertEquals(1, status(w1).reported());
        for (String bad : List.of("lots", "3;-1", "99;2;1")) {
            ContentResponse r = get("/x?loadHeader=" + java.net.URLEncoder.encode(bad, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(200, r.getStatus());
            assertNull(r.getHeaders().get(Protocol.LOAD_HEADER), "stripped");
        }
        assertEquals(3, cluster.loadBalancer().metrics().malformedLoadReports());
        assertEquals(1, status(w1).reported(), "the last good report stands");
        assertEquals(200, get("/x?loadHeader=7;2").getStatus());
        assertEquals(7, status(w1).reported());
    }

    @Test
    void workerLoadReportFalseIgnoresReportsButStillStripsThem() throws Exception {
        cluster = new Cluster(Map.of("workerLoadReport", "false"));
        String w1 = cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        ContentResponse r = get("/x?loadHeader=9;9");
        assertEquals(200, r.getStatus());
        assertNull(r.getHeaders().get(Protocol.LOAD_HEADER));
        assertEquals(-1, status(w1).reported());
        assertEquals(0, status(w1).others());
    }

    @Test
    void anInvalidWorkerLoadReportStopsDeploymentNamingTheSetting() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> new Cluster(Map.of("workerLoadReport", "sometimes")));
        String message = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(message.contains("workerLoadReport") && message.contains("sometimes"), message);
    }
}
