package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * Over a thousand generated bad pushes against the real proxy WAR: every one
 * is answered 4xx, none 5xx, and the pool is exactly as it was. Then the
 * pushes a signature does not make acceptable: worker URLs outside
 * {@code workerAllow} (403) and workers beyond {@code maxWorkers} (429), each
 * leaving the pool exactly as it was, and departed workers bounded by
 * {@code maxDeparted}.
 */
class BadPushMatrixIT {

    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);
    static final byte[] KEY = It.SECRET.getBytes(StandardCharsets.UTF_8);
    static final String WORKER = "http://127.0.0.1:9/app";

    Fleet fleet;
    HttpClient client;
    ProxyNode proxy;

    @BeforeEach
    void start() throws Exception {
        fleet = new Fleet();
        client = fleet.client;
        // The tests push each worker once, then compare the pool before and after hundreds of pushes: far beyond the
        // default workerTtl (30 s), so that none expires while a slow machine works through them.
        proxy = fleet.addProxy(0, Map.of("workerTtl", "10m"));
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    record Push(String kind, byte[] body, String signature) {
    }

    ContentResponse send(Push p) throws Exception {
        var request = client.POST(proxy.url() + "/_resumelb/resumes")
                .body(new BytesRequestContent("application/json", p.body()))
                .timeout(20, TimeUnit.SECONDS);
        if (p.signature() != null) {
            request.headers(h -> h.put(Protocol.SIGNATURE_HEADER, p.signature()));
        }
        return request.send();
    }

    static Push signed(String kind, byte[] body) {
        return new Push(kind, body, Protocol.sign(KEY, body));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Resume resume(long seq, long sentAt, Map<String, Double> skills) {
        return new Resume(WORKER, "matrix#1", "1.0", seq, sentAt, false, skills);
    }

    static String doc(String worker, long seq, String skills) {
        return "{\"v\":1,\"worker\":\"" + worker + "\",\"id\":\"matrix#1\",\"seq\":" + seq + ",\"sentAt\":" + System.currentTimeMillis()
                + ",\"draining\":false,\"skills\":" + skills + "}";
    }

    List<Push> generate(long lastSeq) {
        Random random = new Random(7);
        List<Push> pushes = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 100; i++) {
            byte[] body = CODEC.encode(resume(lastSeq + 1 + i, now, Map.of("evil-" + i, 1e6)));
            pushes.add(new Push("unsigned", body, null));
            pushes.add(new Push("wrong key", body, Protocol.sign(utf8("a-different-secret-" + i), body)));
            pushes.add(new Push("garbage signature", body, "v1=" + "0".repeat(64)));
        }
        for (int i = 0; i < 150; i++) {
            byte[] body = CODEC.encode(resume(lastSeq + 1 + i, now, Map.of("evil", 1e6, "x" + i, 2.0)));
            String sig = Protocol.sign(KEY, body);
            byte[] flipped = body.clone();
            flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
            pushes.add(new Push("flipped byte", flipped, sig));
        }
        for (int i = 0; i < 100; i++) {
            pushes.add(signed("replayed seq", CODEC.encode(resume(lastSeq - (i % 5), now, Map.of("evil", 1e6)))));
            long skew = (i % 2 == 0 ? -1 : 1) * (6 * 60_000L + random.nextInt(1_000_000));
            pushes.add(signed("stale or future time", CODEC.encode(resume(lastSeq + 1000 + i, now + skew, Map.of("evil", 1e6)))));
        }
        byte[] good = CODEC.encode(resume(lastSeq + 5000, now, Map.of("evil", 1e6)));
        for (int i = 0; i < 100; i++) {
            pushes.add(signed("truncated JSON", java.util.Arrays.copyOf(good, 1 + random.nextInt(good.length - 2))));
        }
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[1 + random.nextInt(300)];
            random.nextBytes(junk);
            pushes.add(signed("random bytes", junk));
        }
        String[] scores = {"NaN", "Infinity", "-Infinity", "-1", "-0.001", "\"fast\"", "null", "[]", "{}", "1e999"};
        for (int i = 0; i < 100; i++) {
            pushes.add(signed("bad score", utf8(doc(WORKER, lastSeq + 6000 + i, "{\"evil\":" + scores[i % scores.length] + "}"))));
        }
        String[] urls = {"ftp://127.0.0.1/app", "file:///etc/passwd", "javascript:alert(1)", "gopher://x", "/relative", "data:,x",
                "http://", "https:///nohost", "http://127.0.0.1:9/app?x=1", "http://user:pw@127.0.0.1:9/app"};
        for (int i = 0; i < 100; i++) {
            pushes.add(signed("non-http URL", utf8(doc(urls[i % urls.length], lastSeq + 7000 + i, "{\"evil\":1}"))));
        }
        for (int i = 0; i < 50; i++) {
            pushes.add(signed("10 kB class name", utf8(doc(WORKER, lastSeq + 8000 + i, "{\"" + "k".repeat(10_000 + i) + "\":1}"))));
        }
        String[] shapes = {"[]", "{}", "null", "\"resume\"", "{\"v\":2}", "{\"v\":\"1\"}", "{\"v\":1,\"worker\":5}",
                "{\"v\":1,\"v\":1}", doc(WORKER, lastSeq + 9000, "{}") + "trailing", doc(WORKER, lastSeq + 9001, "[1]")};
        for (int i = 0; i < 50; i++) {
            pushes.add(signed("wrong shape", utf8(shapes[i % shapes.length])));
        }
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i <= ResumeLimits.DEFAULT.maxClasses(); i++) {
            many.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":1");
        }
        byte[] tooMany = utf8(doc(WORKER, lastSeq + 9100, many.append('}').toString()));
        StringBuilder hundredK = new StringBuilder("{");
        for (int i = 0; i < 100_000; i++) {
            hundredK.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":1");
        }
        byte[] hundredThousand = utf8(doc(WORKER, lastSeq + 9200, hundredK.append('}').toString()));
        for (int i = 0; i < 5; i++) {
            pushes.add(signed("10,001 classes", tooMany));
            pushes.add(signed("100k classes", hundredThousand));
            pushes.add(signed("huge body", new byte[3 * 1024 * 1024]));
        }
        return pushes;
    }

    @Test
    void everyBadPushIsRefusedWith4xxAndThePoolIsUnchanged() throws Exception {
        byte[] good = CODEC.encode(resume(100, System.currentTimeMillis(), Map.of("site-a", 5.0, "site-b", 2.5)));
        assertEquals(204, send(signed("good", good)).getStatus());
        // The pool as the status shows it with résumés, minus only what moves by itself or counts traffic (times, ages,
        // request and push counters; see ProxyStatus.poolState): policy, backlogs, every worker's URL, version, state and
        // résumé with exact scores, departed workers, classes with their scores, settings. Equal states are the same pool.
        JsonNode before = proxy.poolState();

        List<Push> pushes = generate(100);
        Map<String, Map<Integer, Integer>> statusByKind = new TreeMap<>();
        int fiveHundreds = 0;
        int notFourHundreds = 0;
        long start = System.nanoTime();
        for (Push p : pushes) {
            int status = send(p).getStatus();
            statusByKind.computeIfAbsent(p.kind(), k -> new TreeMap<>()).merge(status, 1, Integer::sum);
            if (status >= 500) {
                fiveHundreds++;
            }
            if (status < 400 || status >= 500) {
                notFourHundreds++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d bad pushes in %.1f s; statuses by kind: %s%n", pushes.size(), seconds, statusByKind);
        assertTrue(pushes.size() >= 1000, "at least 1000 bad pushes: " + pushes.size());
        assertEquals(0, fiveHundreds, "the proxy never answered 5xx: " + statusByKind);
        assertEquals(0, notFourHundreds, "every bad push got 4xx: " + statusByKind);
        assertEquals(Map.of(401, 100), statusByKind.get("unsigned"));
        assertEquals(Map.of(409, 100), statusByKind.get("replayed seq"));
        assertEquals(Map.of(409, 100), statusByKind.get("stale or future time"));
        assertEquals(Map.of(413, 5), statusByKind.get("huge body"));
        assertEquals(before, proxy.poolState(), "the pool is exactly as it was");
        Map<String, Object> expected = new HashMap<>();
        expected.put(WORKER, Map.of("site-a", 5.0, "site-b", 2.5));
        assertEquals(expected, new HashMap<>(proxy.skills()));
    }

    @Test
    void aBodyTooLargeToDrainIsRefusedBeforeItIsSent() throws Exception {
        // 64 MB announced with Expect: 100-continue, as curl does for large bodies: the receiver answers 413 on
        // the headers alone, the client never has to send the body, and the connection is closed after the answer.
        long length = 64L << 20;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            String head = "POST /_resumelb/resumes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + Protocol.SIGNATURE_HEADER + ": v1=" + "0".repeat(64) + "\r\nContent-Length: " + length
                    + "\r\nExpect: 100-continue\r\n\r\n";
            long start = System.nanoTime();
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            double ms = (System.nanoTime() - start) / 1e6;
            System.out.printf("64 MB push announced with Expect: 100-continue: answered in %.0f ms with %s%n", ms,
                    answer.lines().findFirst().orElse("nothing"));
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.contains("maxBodyBytes"), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
        }
        assertEquals(java.util.Map.of("too_large", 1L), proxy.rejected());
    }

    ContentResponse send(ProxyNode to, Push p) throws Exception {
        return client.POST(to.url() + "/_resumelb/resumes").body(new BytesRequestContent("application/json", p.body()))
                .headers(h -> h.put(Protocol.SIGNATURE_HEADER, p.signature())).timeout(20, TimeUnit.SECONDS).send();
    }

    static Push at(String kind, String worker, long seq, boolean draining) {
        return signed(kind, CODEC.encode(new Resume(worker, worker + "#1", "1.0", seq, System.currentTimeMillis(), draining,
                Map.of("evil", 1e6))));
    }

    @Test
    void workerUrlsOutsideWorkerAllowAreRefusedWith403AndThePoolIsUnchanged() throws Exception {
        byte[] good = CODEC.encode(resume(100, System.currentTimeMillis(), Map.of("site-a", 5.0, "site-b", 2.5)));
        assertEquals(204, send(signed("good", good)).getStatus());
        JsonNode before = proxy.poolState();
        List<String> urls = List.of("http://169.254.169.254", "http://169.254.169.254/latest/meta-data", "http://169.254.0.1:8080/app",
                "http://[fe80::1]:8080", "http://[fe80::a00:27ff:fe4e:66a1]", "http://[::ffff:169.254.169.254]",
                // the load balancer itself: every request sent there would come back
                proxy.url(), proxy.url() + "/app", "http://localhost:" + proxy.port(), "http://0.0.0.0:" + proxy.port(),
                "http://127.0.0.2:" + proxy.port() + "/x", "http://[::1]:" + proxy.port(),
                "http://no-such-worker.invalid:8080", "https://worker.example.invalid");
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String url = urls.get(i % urls.size());
            ContentResponse r = send(at("disallowed", url, 1 + i, false));
            statuses.merge(r.getStatus(), 1, Integer::sum);
            if (i < urls.size()) {
                messages.add(r.getContentAsString().trim());
            }
        }
        System.out.printf("200 pushes of disallowed worker URLs: statuses %s; e.g.%n  %s%n", statuses, String.join("\n  ", messages));
        assertEquals(Map.of(403, 200), statuses);
        for (String m : messages) {
            assertTrue(m.startsWith("worker URL ") && m.endsWith("(setting workerAllow)"), m);
        }
        assertEquals(before, proxy.poolState(), "the pool is exactly as it was");
        assertEquals(Map.of("worker_not_allowed", 200L), proxy.rejected());
    }

    @Test
    void workersBeyondMaxWorkersAreRefusedWith429AndDepartedOnesAreBounded() throws Exception {
        try (ProxyNode capped = new ProxyNode(0, Map.of("maxWorkers", "3", "maxDeparted", "2", "workerTtl", "10m"))) {
            for (int w = 1; w <= 3; w++) {
                assertEquals(204, send(capped, at("good", "http://10.9.0." + w + ":8080", 1, false)).getStatus());
            }
            JsonNode before = ProxyStatus.full(capped.url()).poolState();
            Map<Integer, Integer> statuses = new TreeMap<>();
            String message = null;
            for (int i = 0; i < 300; i++) {
                ContentResponse r = send(capped, at("one too many", "http://10.9.1." + (i % 250) + ":" + (8000 + i), 1, false));
                statuses.merge(r.getStatus(), 1, Integer::sum);
                message = r.getContentAsString().trim();
            }
            System.out.printf("300 pushes of new workers beyond maxWorkers=3: statuses %s; e.g. %s%n", statuses, message);
            assertEquals(Map.of(429, 300), statuses);
            assertTrue(message.contains("maxWorkers=3") && message.endsWith("(setting maxWorkers)"), message);
            assertEquals(before, ProxyStatus.full(capped.url()).poolState(), "the pool is exactly as it was");
            assertEquals(Map.of("too_many_workers", 300L), capped.rejected());

            assertEquals(204, send(capped, at("renewal", "http://10.9.0.2:8080", 2, false)).getStatus(), "live workers keep renewing");
            assertEquals(204, send(capped, at("drain", "http://10.9.0.1:8080", 2, true)).getStatus());
            assertEquals(204, send(capped, at("now there is room", "http://10.9.1.0:8000", 1, false)).getStatus(),
                    "a refused push recorded nothing: its id and seq are accepted once there is room");
            for (int i = 0; i < 100; i++) {
                assertEquals(204, send(capped, at("stranger draining", "http://10.9.2." + i + ":8080", 1, true)).getStatus());
            }
            assertEquals(3, capped.liveWorkers().size());
            assertEquals(2, capped.departed().size(), "maxDeparted=2: " + capped.departed());
            assertTrue(capped.departed().keySet().containsAll(List.of("http://10.9.2.98:8080", "http://10.9.2.99:8080")),
                    "the latest to leave are remembered: " + capped.departed());
        }
    }
}
