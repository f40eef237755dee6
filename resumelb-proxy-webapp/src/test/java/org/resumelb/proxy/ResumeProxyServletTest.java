package org.resumelb.proxy;

import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.membership.WorkerDirectory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/** The proxy with several real workers running the real filter, all on loopback. */
class ResumeProxyServletTest extends ClusterClientTest {

    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);

    @Override
    void configure(HttpClient client) {
        client.setMaxConnectionsPerDestination(64);
    }

    ContentResponse get(String host, String path) throws Exception {
        return client.newRequest(cluster.proxyUrl() + path)
                .headers(h -> h.put(HttpHeader.HOST, host))
                .timeout(15, TimeUnit.SECONDS)
                .send();
    }

    ContentResponse push(byte[] body, String signature) throws Exception {
        var request = client.POST(cluster.proxyUrl() + "/_resumelb/resumes")
                .body(new BytesRequestContent("application/json", body))
                .timeout(10, TimeUnit.SECONDS);
        if (signature != null) {
            request.headers(h -> h.put(Protocol.SIGNATURE_HEADER, signature));
        }
        return request.send();
    }

    static String sign(byte[] body) {
        return Protocol.sign(Cluster.SECRET.getBytes(StandardCharsets.UTF_8), body);
    }

    @Test
    void requestsOfAClassConvergeOnOneWorker() throws Exception {
        cluster = new Cluster(Map.of());
        for (String name : List.of("w1", "w2", "w3")) {
            cluster.startWorker(name, Map.of());
        }
        cluster.awaitWorkers(3);
        // Twelve classes: each lands on a worker hashed from its name and the workers' (random, ephemeral) ports, so
        // all of them on one worker happens once in 3^11 = 177,147 runs (with six it was once in 243).
        List<String> sites = List.of("alpha.example", "beta.example", "gamma.example", "delta.example", "epsilon.example", "zeta.example",
                "eta.example", "theta.example", "iota.example", "kappa.example", "lambda.example", "mu.example");
        Map<String, Map<String, Integer>> lateWorkers = new HashMap<>();
        int rounds = 30;
        for (int round = 0; round < rounds; round++) {
            for (String site : sites) {
                ContentResponse r = get("www." + site, "/page/" + round);
                assertEquals(200, r.getStatus(), r.getContentAsString());
                assertTrue(r.getContentAsString().contains("host=www." + site), "Host is preserved: " + r.getContentAsString());
                if (round >= rounds / 2) {
                    lateWorkers.computeIfAbsent(site, s -> new HashMap<>()).merge(r.getHeaders().get("X-Worker"), 1, Integer::sum);
                }
            }
        }
        System.out.println("second half, worker counts per class: " + lateWorkers);
        for (var e : lateWorkers.entrySet()) {
            int top = e.getValue().values().stream().mapToInt(Integer::intValue).max().orElse(0);
            assertTrue(top >= (rounds / 2) * 0.9, e.getKey() + " should stick to one worker: " + e.getValue());
        }
        long workersUsed = lateWorkers.values().stream()
                .map(m -> m.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey()).distinct().count();
        assertTrue(workersUsed >= 2, "classes spread over workers: " + lateWorkers);
    }

    @Test
    void clientSuppliedInternalHeadersNeverReachWorkers() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        ContentResponse r = client.newRequest(cluster.proxyUrl() + "/x")
                .headers(h -> h.put(HttpHeader.HOST, "www.real.example")
                        .put("X-ResumeLB-Class", "evil")
                        .put("X-ResumeLB-Classifier", "evil")
                        .put("x-resumelb-signature", "v1=00")
                        .put("X-ResumeLB-Anything", "spoofed"))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, r.getStatus());
        assertEquals(List.of("real.example"), r.getHeaders().getValuesList("X-Seen-Class"), "only the proxy's own class header");
        assertEquals(List.of(Protocol.fingerprint("host")), r.getHeaders().getValuesList("X-Seen-Classifier"),
                "and the fingerprint of its own classifier");
        assertNull(r.getHeaders().get("X-Seen-Signature"));
        assertNull(r.getHeaders().get("X-Seen-Anything"));
    }

    /**
     * A signed résumé for a worker that is not listening: its connections are refused. Port 1, where nothing listens
     * (a port just closed could be taken again meanwhile); one path per class, so that each call is another worker.
     */
    String pushDeadWorker(String requestClass) throws Exception {
        String url = "http://127.0.0.1:1/" + requestClass;
        byte[] body = CODEC.encode(new Resume(url, "dead#" + requestClass, null, 1, System.currentTimeMillis(), false,
                Map.of(requestClass, 1e6)));
        assertEquals(204, push(body, sign(body)).getStatus());
        return url;
    }

    @Test
    void aDeadWorkerCostsNoFailedGetAndItsPostGets502() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        String dead = pushDeadWorker("victim.example");
        cluster.awaitWorkers(2);
        ContentResponse r = get("victim.example", "/retry-me");
        assertEquals(200, r.getStatus(), "the GET was retried on a live worker");
        assertEquals("w1", r.getHeaders().get("X-Worker"));
        assertTrue(cluster.directory().departed().get(dead) == WorkerDirectory.State.EJECTED, "dead worker ejected");
        assertEquals(1, cluster.directory().pool().size());

        pushDeadWorker("post.example");
        cluster.awaitWorkers(2);
        ContentResponse post = client.POST(cluster.proxyUrl() + "/form")
                .headers(h -> h.put(HttpHeader.HOST, "post.example"))
                .body(new StringRequestContent("a=1"))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(502, post.getStatus());
        assertTrue(post.getContentAsString().contains("502 Bad Gateway") && post.getContentAsString().contains("try again"), post.getContentAsString());
        assertEquals(0, cluster.directory().pool().backlog(), "every acquire was released");
    }

    @Test
    void aWorkerStoppedMidRunCostsNoFailedGetWhileItsInFlightPostGets502() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.startWorker("w2", Map.of());
        cluster.awaitWorkers(2);
        // Find which worker serves "victim.example" and hold a POST on it until the test is over: it is still in flight
        // when the worker stops, however slow the machine.
        String victim = get("victim.example", "/warm").getHeaders().get("X-Worker");
        String hold = UUID.randomUUID().toString();
        var listener = new org.eclipse.jetty.client.CompletableResponseListener(client.POST(cluster.proxyUrl() + "/upload?hold=" + hold)
                .headers(h -> h.put(HttpHeader.HOST, "victim.example"))
                .body(new StringRequestContent("payload"))
                .timeout(15, TimeUnit.SECONDS));
        CompletableFuture<ContentResponse> post = listener.send();
        try {
            stopMidRun(victim, post);
        } finally {
            Cluster.release(hold);
        }
    }

    private void stopMidRun(String victim, CompletableFuture<ContentResponse> post) throws Exception {
        // The POST has reached the victim's application (counted after the warm-up GET) before any load starts: only
        // it can have arrived there since.
        Await.value("the requests (the warm-up GET and the held POST) that reached the victim", Duration.ofSeconds(10),
                () -> cluster.apps.get(victim).served(), 2);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new ArrayList<>();
        long end = System.currentTimeMillis() + 2_500;
        for (int t = 0; t < 4; t++) {
            int thread = t;
            loops.add(load.submit(() -> {
                int i = 0;
                while (System.currentTimeMillis() < end && i < 2_000) {
                    ContentResponse r = get(i % 2 == 0 ? "victim.example" : "other" + thread + ".example", "/g" + i++);
                    if (r.getStatus() != 200) {
                        failures.incrementAndGet();
                    } else {
                        served.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Thread.sleep(700);
        cluster.workersByName.get(victim).stop();
        for (Future<?> f : loops) {
            f.get(30, TimeUnit.SECONDS);
        }
        load.shutdownNow();
        ContentResponse postResponse = post.get(20, TimeUnit.SECONDS);
        System.out.printf("worker %s stopped mid-run: %d GETs served, %d failed; in-flight POST got %d%n",
                victim, served.get(), failures.get(), postResponse.getStatus());
        assertEquals(0, failures.get(), "no GET failed");
        assertTrue(served.get() > 20, "load ran: " + served.get());
        assertEquals(502, postResponse.getStatus(), postResponse.getContentAsString());
    }

    @Test
    void noWorkerAtAllWaitsForOneThenAnswers503WithRetryAfter() throws Exception {
        cluster = new Cluster(Map.of("queueTimeout", "300ms"));
        long start = System.nanoTime();
        ContentResponse r = get("nobody.example", "/");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(503, r.getStatus());
        assertEquals("5", r.getHeaders().get("Retry-After"));
        assertTrue(millis >= 250, "waited for queueTimeout first: " + millis + " ms");
        assertTrue(r.getContentAsString().contains("503 Service Unavailable"));
    }

    @Test
    void aWaitingRequestIsServedWhenAWorkerJoins() throws Exception {
        cluster = new Cluster(Map.of("queueTimeout", "10s"));
        CompletableFuture<ContentResponse> waiting = new org.eclipse.jetty.client.CompletableResponseListener(
                client.newRequest(cluster.proxyUrl() + "/early").headers(h -> h.put(HttpHeader.HOST, "early.example"))
                        .timeout(15, TimeUnit.SECONDS)).send();
        Thread.sleep(300);
        assertTrue(!waiting.isDone(), "still waiting with no worker");
        cluster.startWorker("late", Map.of());
        ContentResponse r = waiting.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.getStatus());
        assertEquals("late", r.getHeaders().get("X-Worker"));
    }

    @Test
    void badPushesAreRejectedAndLeaveThePoolUnchanged() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        String url = "http://127.0.0.1:9/app";
        byte[] good = CODEC.encode(new Resume(url, "pusher#1", "1.0", 5, System.currentTimeMillis(), false, Map.of("x", 2.0)));
        assertEquals(204, push(good, sign(good)).getStatus());
        cluster.awaitWorkers(2);
        var before = cluster.directory().pool().snapshot();

        byte[] other = CODEC.encode(new Resume(url, "pusher#1", "1.0", 6, System.currentTimeMillis(), false, Map.of("evil", 99.0)));
        assertEquals(401, push(other, null).getStatus(), "unsigned");
        assertEquals(401, push(other, Protocol.sign("another-secret-0123456789".getBytes(StandardCharsets.UTF_8), other)).getStatus(), "forged");
        byte[] flipped = other.clone();
        flipped[flipped.length - 5] ^= 1;
        assertEquals(401, push(flipped, sign(other)).getStatus(), "tampered");
        assertEquals(409, push(good, sign(good)).getStatus(), "replayed");
        byte[] malformed = "{\"v\":1,\"worker\":".getBytes(StandardCharsets.UTF_8);
        ContentResponse bad = push(malformed, sign(malformed));
        assertEquals(400, bad.getStatus());
        byte[] nan = "{\"v\":1,\"worker\":\"http://127.0.0.1:9/app\",\"id\":\"pusher#1\",\"seq\":7,\"sentAt\":1,\"draining\":false,\"skills\":{\"x\":-1}}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(400, push(nan, sign(nan)).getStatus(), "negative score");
        byte[] huge = new byte[2 * 1024 * 1024];
        assertEquals(413, push(huge, sign(huge)).getStatus(), "too large");
        ContentResponse wrongMethod = client.newRequest(cluster.proxyUrl() + "/_resumelb/resumes").timeout(5, TimeUnit.SECONDS).send();
        assertEquals(405, wrongMethod.getStatus());

        assertEquals(before, cluster.directory().pool().snapshot(), "rejected pushes changed nothing");
        System.out.println("rejections by reason: " + cluster.receiver().rejected());
    }

    @Test
    void drainingRemovesAWorkerAtOnce() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.startWorker("w2", Map.of());
        cluster.awaitWorkers(2);
        cluster.workersByName.get("w2").stop();
        assertEquals(1, cluster.directory().pool().size(), "gone as soon as its filter was destroyed");
        assertEquals(WorkerDirectory.State.DRAINING, cluster.directory().departed().values().iterator().next());
        for (int i = 0; i < 10; i++) {
            assertEquals("w1", get("s" + i + ".example", "/").getHeaders().get("X-Worker"));
        }
    }

    @Test
    void silentWorkersAreForgottenAfterWorkerTtl() throws Exception {
        // 2 s: long enough that a busy machine does not let the worker expire before the test has seen it join.
        cluster = new Cluster(Map.of("workerTtl", "2s"));
        byte[] body = CODEC.encode(new Resume("http://127.0.0.1:9/silent", "silent#1", null, 1, System.currentTimeMillis(), false, Map.of()));
        assertEquals(204, push(body, sign(body)).getStatus());
        cluster.awaitWorkers(1);
        cluster.awaitWorkers(0); // within 10 s
        assertEquals(WorkerDirectory.State.EXPIRED, cluster.directory().departed().get("http://127.0.0.1:9/silent"));
    }

    @Test
    void staticWorkersArePulledWhenTheyCannotPush() throws Exception {
        // Workers that push to nobody: the proxy learns them from its static list.
        org.eclipse.jetty.server.Server w1 = Cluster.worker("pulled1", Map.of("history", "5"));
        org.eclipse.jetty.server.Server w2 = Cluster.worker("pulled2", Map.of("history", "5"));
        try {
            cluster = new Cluster(Map.of("workers", Cluster.baseUrl(w1) + ", " + Cluster.baseUrl(w2), "pullInterval", "200ms"));
            cluster.awaitWorkers(2);
            Map<String, Integer> served = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                ContentResponse r = get("site" + i + ".example", "/p");
                assertEquals(200, r.getStatus());
                served.merge(r.getHeaders().get("X-Worker"), 1, Integer::sum);
            }
            assertEquals(2, served.size(), "both pulled workers serve: " + served);
            // The pulled résumés carry the skills the filters measured.
            long deadline = System.currentTimeMillis() + 5_000;
            while (cluster.directory().pool().snapshot().classes().keySet().stream().noneMatch(c -> c.startsWith("site"))
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(cluster.directory().pool().snapshot().workers().stream().anyMatch(w -> !w.skills().isEmpty()),
                    "skills pulled: " + cluster.directory().pool().snapshot());
            // A pulled worker that goes away is ejected on its first refused connection, and GETs are retried.
            w2.stop();
            for (int i = 0; i < 20; i++) {
                ContentResponse r = get("site" + i + ".example", "/p");
                assertEquals(200, r.getStatus());
                assertEquals("pulled1", r.getHeaders().get("X-Worker"));
            }
        } finally {
            w1.stop();
            w2.stop();
        }
    }

    @Test
    void invalidSettingsStopDeploymentNamingTheSetting() {
        Exception e = assertThrows(Exception.class, () -> new Cluster(Map.of("policy", "fastest")));
        String all = messages(e);
        assertTrue(all.contains("'policy' = 'fastest'") && all.contains("round-robin"), all);
        e = assertThrows(Exception.class, () -> new Cluster(Map.of("maxRetries", "-1")));
        all = messages(e);
        assertTrue(all.contains("'maxRetries' = '-1'"), all);
    }

    static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append(" | ");
        }
        return b.toString();
    }
}
