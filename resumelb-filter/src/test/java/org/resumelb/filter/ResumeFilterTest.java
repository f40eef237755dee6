package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.load.LoadReport;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/** The filter inside a real embedded Jetty, pushing to a real local HTTP receiver. */
class ResumeFilterTest {

    static final String SECRET = "filter-test-secret-0123456789";
    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);

    /** What {@code ?until=early} and {@code ?until=held} wait for (at most 20 s), instead of a time; new for each test. */
    static volatile java.util.concurrent.CountDownLatch early;
    static volatile java.util.concurrent.CountDownLatch heldBack;

    /**
     * Answers after {@code ?sleep=<ms>} or, with {@code ?until=early|held}, once the test releases that latch;
     * under /async/ it answers from another thread.
     */
    static final class AppServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            long sleep = req.getParameter("sleep") == null ? 0 : Long.parseLong(req.getParameter("sleep"));
            java.util.concurrent.CountDownLatch until = "early".equals(req.getParameter("until")) ? early
                    : "held".equals(req.getParameter("until")) ? heldBack : null;
            if (req.getRequestURI().contains("/async/")) {
                // Under /async/passed/ the application writes through the response it was given (the filter's), as
                // frameworks do; otherwise through the container's own (startAsync() without arguments).
                boolean passed = req.getRequestURI().contains("/passed/");
                AsyncContext async = passed ? req.startAsync(req, resp) : req.startAsync();
                CompletableFuture.delayedExecutor(sleep, TimeUnit.MILLISECONDS).execute(() -> {
                    try {
                        await(until);
                        async.getResponse().getWriter().write("async done");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    async.complete();
                });
                return;
            }
            if (req.getRequestURI().endsWith("/error")) {
                resp.sendError(404, "no such page");
                return;
            }
            if (req.getRequestURI().endsWith("/empty")) {
                resp.setStatus(204);
                return;
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            await(until);
            resp.getWriter().write("ok " + req.getHeader("Host"));
        }
    }

    Server server;
    HttpClient client;
    PushReceiver receiver;
    FilterHolder filter;

    @BeforeEach
    void start() throws Exception {
        early = new java.util.concurrent.CountDownLatch(1);
        heldBack = new java.util.concurrent.CountDownLatch(1);
        client = new HttpClient();
        client.start();
        receiver = new PushReceiver();
    }

    static void await(java.util.concurrent.CountDownLatch latch) {
        if (latch == null) {
            return;
        }
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the request");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() throws Exception {
        early.countDown();
        heldBack.countDown();
        if (server != null) {
            server.stop();
        }
        client.stop();
        receiver.close();
    }

    void startWorker(Map<String, String> params) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/app");
        ServletHolder app = new ServletHolder(new AppServlet());
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        filter = new FilterHolder(ResumeFilter.class);
        filter.setAsyncSupported(true);
        filter.setInitParameters(params);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/app";
    }

    ResumeFilter resumeFilter() {
        return (ResumeFilter) filter.getFilter();
    }

    ContentResponse get(String path, String host, String requestClass) throws Exception {
        var request = client.newRequest(base() + path).timeout(10, TimeUnit.SECONDS);
        if (host != null) {
            request.headers(h -> h.put(HttpHeader.HOST, host));
        }
        if (requestClass != null) {
            request.headers(h -> h.put(Protocol.CLASS_HEADER, requestClass));
        }
        ContentResponse r = request.send();
        assertEquals(200, r.getStatus(), r.getContentAsString());
        return r;
    }

    static Map<String, String> pushing(String lbs) {
        return Map.of("lb", lbs, "workerUrl", "http://127.0.0.1:8080${contextPath}", "secret", SECRET,
                "history", "5", "resumeInterval", "200ms", "heartbeat", "400ms", "pushTimeout", "10s");
    }

    @Test
    void everyForwardedResponseCarriesTheWorkersLoadAsOfItsResponseNotItsArrival() throws Exception {
        startWorker(pushing(receiver.url()));
        // Alone when it arrives (1 in flight), answered after five more have come in: it reports 6, not 1.
        CompletableFuture<ContentResponse> first = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/x?until=early", null, "early");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (resumeFilter().load().inFlight() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        int slow = 5;
        List<CompletableFuture<ContentResponse>> held = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(slow);
        for (int i = 0; i < slow; i++) {
            String path = i < 3 ? "/async/passed/held?until=held" : "/async/held?until=held";
            held.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return client.newRequest(base() + path).timeout(20, TimeUnit.SECONDS)
                            .headers(h -> h.put(Protocol.CLASS_HEADER, "held")).send();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, senders));
        }
        while (resumeFilter().load().inFlight() < slow + 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(slow + 1, resumeFilter().load().inFlight(), "the early request and the held ones are in flight");
        early.countDown();
        LoadReport late = LoadReport.parse(first.get(20, TimeUnit.SECONDS).getHeaders().get(Protocol.LOAD_HEADER));
        assertNotNull(late);
        assertEquals(slow + 1, late.inFlight(), "as of its response: itself and the five that came in since");
        // A request forwarded by a load balancer (it names a class) while five are held: six in flight, itself included.
        LoadReport report = LoadReport.parse(get("/x", null, "quick").getHeaders().get(Protocol.LOAD_HEADER));
        assertNotNull(report);
        assertEquals(slow + 1, report.inFlight());
        assertTrue(report.mean() > 1 && report.mean() < slow + 1, "a decayed mean between the loads seen: " + report.mean());
        // A request that names no class (not from a load balancer) is counted but not told.
        assertEquals(null, get("/x", null, null).getHeaders().get(Protocol.LOAD_HEADER));
        heldBack.countDown();
        for (int i = 0; i < slow; i++) {
            ContentResponse r = held.get(i).get(20, TimeUnit.SECONDS);
            assertEquals(200, r.getStatus());
            String header = r.getHeaders().get(Protocol.LOAD_HEADER);
            if (i < 3) {
                // Written through the filter's response: as of then, with the held ones that had not yet answered.
                LoadReport held1 = LoadReport.parse(header);
                assertNotNull(held1, "an asynchronous response written through the response it was given reports");
                assertTrue(held1.inFlight() >= 1 && held1.inFlight() <= slow, "at most the held ones: " + held1.inFlight());
            } else {
                assertEquals(null, header, "written through the container's own response: no report, rather than a stale one");
            }
        }
        senders.shutdown();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (resumeFilter().load().inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, resumeFilter().load().inFlight(), "every request, sync and async, counted out");
        get("/_resumelb/resume", null, "quick");
        assertEquals(0, resumeFilter().load().inFlight());
    }

    @Test
    void aResponseWithoutABodyReportsWhenTheChainReturnsAndAnErrorWhenItIsSent() throws Exception {
        startWorker(pushing(receiver.url()));
        ContentResponse notFound = client.newRequest(base() + "/error").timeout(10, TimeUnit.SECONDS)
                .headers(h -> h.put(Protocol.CLASS_HEADER, "e")).send();
        assertEquals(404, notFound.getStatus());
        assertEquals(1, LoadReport.parse(notFound.getHeaders().get(Protocol.LOAD_HEADER)).inFlight());
        ContentResponse empty = client.newRequest(base() + "/empty").timeout(10, TimeUnit.SECONDS)
                .headers(h -> h.put(Protocol.CLASS_HEADER, "e")).send();
        assertEquals(204, empty.getStatus());
        assertEquals(1, LoadReport.parse(empty.getHeaders().get(Protocol.LOAD_HEADER)).inFlight());
    }

    @Test
    void timesSyncAndAsyncRequestsPerClassAndServesTheResume() throws Exception {
        startWorker(pushing(receiver.url()));
        for (int i = 0; i < 4; i++) {
            get("/news/" + i, "www.site-a.com", null);         // host classifier: site-a.com
            get("/x?sleep=200", null, "from-lb");               // class given by the load balancer
        }
        for (int i = 0; i < 3; i++) {
            get("/async/x?sleep=100", null, "slow-async");
        }
        ContentResponse r = get("/_resumelb/resume", null, null);
        assertEquals("application/json", r.getMediaType());
        Resume resume = CODEC.decode(r.getContent());
        assertEquals("http://127.0.0.1:8080/app", resume.worker(), "workerUrl placeholders resolved");
        assertEquals(Map.of("site-a.com", true, "from-lb", true, "slow-async", true),
                Map.of("site-a.com", resume.skills().containsKey("site-a.com"),
                        "from-lb", resume.skills().containsKey("from-lb"),
                        "slow-async", resume.skills().containsKey("slow-async")));
        double asyncSkill = resume.skills().get("slow-async");
        assertTrue(asyncSkill <= 10.5 && asyncSkill > 3, "async requests are timed to completion (100 ms each): " + asyncSkill);
        double sleepy = resume.skills().get("from-lb");
        assertTrue(sleepy <= 5.05 && sleepy > 0.5, "200 ms requests: about 5 req/s or less: " + sleepy);
        // The fast requests take next to nothing: only a stall of some 460 ms (the decayed weights of four requests
        // times 200 ms) on their path could bring their score down to the sleepy ones'.
        assertTrue(resume.skills().get("site-a.com") > sleepy, "fast requests score higher");
        assertEquals(11, resumeFilter().tracker().generation(), "the résumé request itself is not counted");
    }

    @Test
    void pushesSignedResumesWithIncreasingSeqAndHeartbeats() throws Exception {
        startWorker(pushing(receiver.url()));
        for (int i = 0; i < 10; i++) {
            get("/p", null, "c" + (i % 2));
        }
        long generation = resumeFilter().tracker().generation();
        List<PushReceiver.Push> pushes = receiver.awaitPushes(6, 10_000);
        assertTrue(pushes.size() >= 6, "got " + pushes.size());
        long lastSeq = -1;
        String id = null;
        for (PushReceiver.Push p : pushes) {
            assertTrue(Protocol.verify(SECRET.getBytes(StandardCharsets.UTF_8), p.body(), p.signature()), "signed");
            Resume r = CODEC.decode(p.body());
            assertTrue(r.seq() > lastSeq, "seq strictly increasing");
            lastSeq = r.seq();
            id = id == null ? r.id() : id;
            assertEquals(id, r.id(), "one id per process");
            assertFalse(r.draining());
        }
        Resume last = CODEC.decode(pushes.get(pushes.size() - 1).body());
        assertEquals(Map.of("c0", true, "c1", true), Map.of("c0", last.skills().containsKey("c0"), "c1", last.skills().containsKey("c1")));
        // With no traffic at all, heartbeats keep coming (every 400 ms).
        int before = receiver.pushes().size();
        List<PushReceiver.Push> later = receiver.awaitPushes(before + 3, 5_000);
        assertTrue(later.size() >= before + 3, "heartbeats without traffic");
        assertEquals(generation, resumeFilter().tracker().generation());
    }

    @Test
    void backsOffFromADownBalancerWithoutHoldingUpTheOthers() throws Exception {
        // Port 1: nothing listens there (a port just closed could be taken again, or self-connected to, meanwhile).
        int closedPort = 1;
        try (PushReceiver down = new PushReceiver()) {
            down.down(true);
            // A generous timeout: a healthy balancer's answer slowed by a busy machine must not count as a failure here.
            Map<String, String> params = new java.util.HashMap<>(pushing(receiver.url() + ",http://127.0.0.1:" + closedPort + "," + down.url()));
            params.put("pushTimeout", "5s");
            startWorker(params);
            long start = System.nanoTime();
            Thread.sleep(3_500);
            int healthy = receiver.pushes().size();
            int refused = down.refusedWhileDown();
            long[] closed = resumeFilter().publisher().pushCounts().get(java.net.URI.create("http://127.0.0.1:" + closedPort));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("backoff over %.1f s: healthy LB got %d pushes, 503 LB %d attempts, closed port %d failures%n",
                    seconds, healthy, refused, closed[1]);
            assertTrue(healthy >= 6, "the healthy balancer keeps getting heartbeats: " + healthy);
            // Backoff 1 s, 2 s, 4 s...: at t=0, ~1, ~3 -> at most 3 attempts in 3.5 s (a heartbeat each 400 ms would be 9).
            assertTrue(refused >= 1 && refused <= 3, "503 balancer attempts: " + refused);
            assertTrue(closed[1] >= 1 && closed[1] <= 3, "refused connections: " + closed[1]);
            assertEquals(1, closed[2], "marked failing");
            // The balancer comes back: it gets a résumé again once its backoff ends.
            down.down(false);
            List<PushReceiver.Push> recovered = down.awaitPushes(1, 6_000);
            assertEquals(1, Math.min(1, recovered.size()), "recovered balancer gets pushes again");
        }
    }

    @Test
    void sendsDrainingWhenDestroyed() throws Exception {
        startWorker(pushing(receiver.url()));
        get("/p", null, "c");
        receiver.awaitPushes(1, 5_000);
        server.stop();
        server = null;
        // Stopping waits (up to pushTimeout) for the draining push's answer, so it has been recorded by now. A regular
        // push still in flight when the filter stopped may be recorded after it: the draining push is the newest by
        // seq, not necessarily the last to arrive.
        List<PushReceiver.Push> pushes = receiver.pushes();
        PushReceiver.Push newest = null;
        long newestSeq = -1;
        for (PushReceiver.Push p : pushes) {
            long seq = CODEC.decode(p.body()).seq();
            if (seq > newestSeq) {
                newest = p;
                newestSeq = seq;
            }
        }
        assertNotNull(newest);
        assertTrue(CODEC.decode(newest.body()).draining(), "the push with the highest seq says draining");
        assertTrue(Protocol.verify(SECRET.getBytes(StandardCharsets.UTF_8), newest.body(), newest.signature()));
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("resumelb-publisher") && t.isAlive()),
                "publisher thread stopped");
    }

    @Test
    void invalidSettingsStopTheFilterWithTheSettingNamed() {
        Exception e = assertThrows(Exception.class, () -> startWorker(Map.of("lb", "http://127.0.0.1:1", "workerUrl", "http://w:1", "secret", SECRET, "history", "many")));
        assertNotNull(e);
        String message = rootMessage(e);
        assertTrue(message.contains("'history' = 'many'"), message);
        e = assertThrows(Exception.class, () -> {
            server.stop();
            startWorker(Map.of("lb", "http://127.0.0.1:1", "workerUrl", "http://w:1"));
        });
        message = rootMessage(e);
        assertTrue(message.contains("'secret'") && message.contains("insecure=true"), message);
    }

    static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    /** A request as a load balancer sends it: its class, and the fingerprint of the classifier that named it. */
    void fromLoadBalancer(String requestClass, String fingerprint) throws Exception {
        ContentResponse r = client.newRequest(base() + "/x").timeout(10, TimeUnit.SECONDS)
                .headers(h -> h.put(Protocol.CLASS_HEADER, requestClass).put(Protocol.CLASSIFIER_HEADER, fingerprint))
                .send();
        assertEquals(200, r.getStatus());
    }

    Resume served() throws Exception {
        return CODEC.decode(get("/_resumelb/resume", null, null).getContent());
    }

    @Test
    void anotherClassifierFingerprintStartsTheResumeAfreshAndTheResumeSaysWhichClassifier() throws Exception {
        startWorker(pushing(receiver.url()));
        for (int i = 0; i < 4; i++) {
            fromLoadBalancer("old-" + (i % 2), "aaaa1111");
        }
        Resume before = served();
        assertEquals("aaaa1111", before.classifier());
        assertEquals(java.util.Set.of("old-0", "old-1"), before.skills().keySet());
        fromLoadBalancer("new-0", "bbbb2222");
        Resume after = served();
        assertEquals("bbbb2222", after.classifier());
        assertEquals(java.util.Set.of("new-0"), after.skills().keySet(), "the old classifier's classes are forgotten");
        // The load balancer hears of it soon: a push names the new classifier with the new classes only.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Resume pushed = null;
        while (System.nanoTime() < deadline && (pushed == null || !"bbbb2222".equals(pushed.classifier()))) {
            List<PushReceiver.Push> pushes = receiver.awaitPushes(1, 1_000);
            pushed = pushes.isEmpty() ? null : CODEC.decode(pushes.get(pushes.size() - 1).body());
        }
        assertNotNull(pushed);
        assertEquals("bbbb2222", pushed.classifier());
        assertFalse(pushed.skills().containsKey("old-0"));
    }

    @Test
    void aWorkerRestartedWithAResumeFileOfAnotherClassifierStartsAfreshAndOneWithoutAFingerprintKeepsIt(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("resume.json");
        org.resumelb.agent.resume.ResumeFile.save(file, CODEC,
                new Resume("http://127.0.0.1:8080/app", "old-process", null, 7, 1_700_000_000_000L, false,
                        Map.of("old-class", 50.0), "aaaa1111"));
        Map<String, String> params = new java.util.HashMap<>(pushing(receiver.url()));
        params.put("resumeFile", file.toString());
        startWorker(params);
        Resume restored = served();
        assertEquals("aaaa1111", restored.classifier());
        assertTrue(restored.skills().containsKey("old-class"));
        fromLoadBalancer("new-class", "bbbb2222");
        Resume fresh = served();
        assertEquals("bbbb2222", fresh.classifier());
        assertEquals(java.util.Set.of("new-class"), fresh.skills().keySet());
        server.stop();
        server = null;

        // A file written before fingerprints existed names no classifier: its skills are taken to be the
        // load balancer's classifier's, and kept.
        org.resumelb.agent.resume.ResumeFile.save(file, CODEC,
                new Resume("http://127.0.0.1:8080/app", "older-process", null, 7, 1_700_000_000_000L, false,
                        Map.of("old-class", 50.0)));
        startWorker(params);
        fromLoadBalancer("new-class", "bbbb2222");
        Resume kept = served();
        assertEquals("bbbb2222", kept.classifier());
        assertEquals(java.util.Set.of("old-class", "new-class"), kept.skills().keySet());
    }

    @Test
    void aFingerprintFromSomeoneNotALoadBalancerChangesNothing() throws Exception {
        // Trusted load balancers: only 10.9.9.9, so this test's requests (from 127.0.0.1) are clients.
        Map<String, String> params = new java.util.HashMap<>(pushing("http://10.9.9.9:1"));
        params.put("pushTimeout", "200ms");
        startWorker(params);
        for (int i = 0; i < 3; i++) {
            get("/n", "www.site-a.com", null);
        }
        fromLoadBalancer("forged", "cccc3333");
        Resume r = served();
        assertEquals(null, r.classifier());
        assertTrue(r.skills().containsKey("site-a.com"));
        assertFalse(r.skills().containsKey("forged"));
    }
}
