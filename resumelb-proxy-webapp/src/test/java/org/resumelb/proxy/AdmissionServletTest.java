package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.proxy.route.AdmissionQueue;

/**
 * Admission as deployed: the servlet suspends a request no worker has room
 * for, resumes it when a slot frees, answers 429 and 503 at the bounds,
 * forgets a request whose client left, and never tells the worker who the
 * user is. Requests are held at the worker until the test lets them go, so
 * nothing depends on timing.
 */
class AdmissionServletTest {

    HttpClient client;
    Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(32);
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        client.stop();
    }

    void startWithOneWorker(Map<String, String> params) throws Exception {
        cluster = new Cluster(params);
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
    }

    AdmissionQueue queue() {
        return cluster.loadBalancer().router().admission();
    }

    CompletableFuture<ContentResponse> send(String pathAndQuery, String user, long timeoutMillis) {
        return new CompletableResponseListener(client.newRequest(cluster.proxyUrl() + pathAndQuery)
                .headers(h -> h.put(HttpHeader.HOST, "site.example").put("X-User", user))
                .timeout(timeoutMillis, TimeUnit.MILLISECONDS)).send();
    }

    static void await(String what, IntSupplier value, int expected) throws InterruptedException {
        Await.value(what, Duration.ofSeconds(10), value, expected);
    }

    JsonNode admissionStatus() throws Exception {
        ContentResponse r = client.GET(cluster.proxyUrl() + "/_resumelb/status?classes=0");
        return new ObjectMapper().readTree(r.getContentAsString()).get("admission");
    }

    @Test
    void aRequestWaitsForAFreeSlotAndAUserOverItsShareGets429() throws Exception {
        startWithOneWorker(Map.of("maxBacklog", "1", "userKey", "header:X-User", "maxQueuedPerUser", "1", "queueTimeout", "20s"));
        String hold = UUID.randomUUID().toString();
        CompletableFuture<ContentResponse> first = send("/held?hold=" + hold, "alice", 20_000);
        await("backlog", () -> cluster.loadBalancer().pool().backlog(), 1);
        CompletableFuture<ContentResponse> waiting = send("/waits", "bob", 20_000);
        await("waiting", queue()::waiting, 1);
        ContentResponse refused = send("/refused", "bob", 20_000).get(20, TimeUnit.SECONDS);
        assertEquals(429, refused.getStatus(), "bob has maxQueuedPerUser=1 waiting already");
        assertEquals("5", refused.getHeaders().get("Retry-After"));
        assertTrue(refused.getContentAsString().contains("429 Too Many Requests"), refused.getContentAsString());
        CompletableFuture<ContentResponse> carol = send("/carol", "carol", 20_000);
        await("waiting", queue()::waiting, 2); // the bound is per user
        Cluster.release(hold);
        assertEquals(200, first.get(20, TimeUnit.SECONDS).getStatus());
        ContentResponse served = waiting.get(20, TimeUnit.SECONDS);
        assertEquals(200, served.getStatus(), "admitted when the slot freed, then proxied");
        assertTrue(served.getContentAsString().startsWith("w1 GET /app/waits"), served.getContentAsString());
        assertEquals(List.of("site.example"), served.getHeaders().getValuesList("X-Seen-Class"),
                "the worker hears the class from the load balancer, and nothing about the user");
        assertEquals(java.util.Set.of("X-Seen-Class", "X-Seen-Classifier"), served.getHeaders().stream()
                .map(f -> f.getName()).filter(n -> n.startsWith("X-Seen-")).collect(java.util.stream.Collectors.toSet()),
                "the class and its classifier's fingerprint, nothing else");
        assertEquals(200, carol.get(20, TimeUnit.SECONDS).getStatus());
        await("backlog", () -> cluster.loadBalancer().pool().backlog(), 0);
        JsonNode admission = admissionStatus();
        assertEquals(1, admission.at("/outcomes/normal/too_many_queued").asInt());
        assertEquals(2, admission.at("/outcomes/normal/dequeued").asInt());
        assertEquals(1, admission.at("/outcomes/normal/admitted").asInt());
        assertEquals(0, admission.at("/queued/normal").asInt());
        String metrics = client.GET(cluster.proxyUrl() + "/_resumelb/metrics").getContentAsString();
        assertTrue(metrics.contains("resumelb_admission_total{outcome=\"too_many_queued\",priority=\"normal\"} 1.0")
                || metrics.contains("resumelb_admission_total{priority=\"normal\",outcome=\"too_many_queued\"} 1.0"), metrics);
        assertTrue(metrics.contains("resumelb_queued{priority=\"high\"} 0.0"), metrics);
    }

    @Test
    void aRequestWaitingQueueTimeoutGets503() throws Exception {
        startWithOneWorker(Map.of("maxBacklog", "1", "queueTimeout", "300ms"));
        String hold = UUID.randomUUID().toString();
        CompletableFuture<ContentResponse> first = send("/held?hold=" + hold, "alice", 20_000);
        await("backlog", () -> cluster.loadBalancer().pool().backlog(), 1);
        ContentResponse late = send("/late", "bob", 20_000).get(20, TimeUnit.SECONDS);
        assertEquals(503, late.getStatus(), "no slot within queueTimeout");
        assertEquals("5", late.getHeaders().get("Retry-After"));
        assertEquals(1, queue().count("normal", "timed_out"));
        Cluster.release(hold);
        assertEquals(200, first.get(20, TimeUnit.SECONDS).getStatus());
    }

    /**
     * Jetty 12 does not tell a suspended HTTP/1.1 request that its client closed the connection (no
     * AsyncListener.onError, not even at the idle timeout; a reset HTTP/2 stream would): such a request
     * keeps its place until it is admitted or times out. Admitted, it is proxied, its answer goes nowhere,
     * and its slot comes back.
     */
    @Test
    void aRequestWhoseClientLeftWhileWaitingCostsNoSlot() throws Exception {
        startWithOneWorker(Map.of("maxBacklog", "1", "queueTimeout", "20s"));
        String hold = UUID.randomUUID().toString();
        CompletableFuture<ContentResponse> first = send("/held?hold=" + hold, "alice", 20_000);
        await("backlog", () -> cluster.loadBalancer().pool().backlog(), 1);
        // Bob gives up once his request waits in the queue (not after a fixed time, which a busy machine could spend
        // before the request even got there): the client aborts it, closing its connection.
        Request bobs = client.newRequest(cluster.proxyUrl() + "/impatient")
                .headers(h -> h.put(HttpHeader.HOST, "site.example").put("X-User", "bob"))
                .timeout(20, TimeUnit.SECONDS);
        CompletableFuture<ContentResponse> impatient = new CompletableResponseListener(bobs).send();
        await("waiting", queue()::waiting, 1);
        bobs.abort(new CancellationException("bob gave up"));
        assertTrue(impatient.handle((r, e) -> e != null).get(20, TimeUnit.SECONDS), "the client gave up");
        Cluster.release(hold);
        assertEquals(200, first.get(20, TimeUnit.SECONDS).getStatus());
        await("waiting", queue()::waiting, 0);
        await("backlog", () -> cluster.loadBalancer().pool().backlog(), 0);
        assertEquals(200, send("/next", "carol", 20_000).get(20, TimeUnit.SECONDS).getStatus(), "no slot was lost");
        await("users", queue()::users, 0);
        assertEquals(1, queue().count("normal", "dequeued") + queue().count("normal", "cancelled"),
                "bob's wait ended once: admitted (or cancelled, where the container reports the close)");
        assertEquals(2, queue().count("normal", "admitted"), "alice's and carol's at once");
    }
}
