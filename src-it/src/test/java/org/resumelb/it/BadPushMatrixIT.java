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
 * is answered 4xx, none 5xx, and the pool is exactly as it was.
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
        proxy = fleet.addProxy(0);
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
}
