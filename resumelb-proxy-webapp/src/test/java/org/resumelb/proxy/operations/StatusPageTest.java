package org.resumelb.proxy.operations;

import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.membership.ResumeReceiver;
import org.resumelb.proxy.membership.WorkerAllow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.PoolWorker;
import org.resumelb.proxy.pool.SwitchablePool;

/** The status JSON of a pool brought into a known state. */
class StatusPageTest {

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    static final byte[] KEY = "0123456789abcdef0123".getBytes();
    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);
    final ResumeReceiver receiver = new ResumeReceiver(CODEC, KEY, false, directory, WorkerAllow.parse("a, b, c"));
    final ProxyMetrics metrics = new ProxyMetrics(pool, directory, receiver, () -> 2);
    final ClassCounts counts = new ClassCounts(100);
    final Map<String, Long> oldest = new HashMap<>();

    @AfterEach
    void close() {
        directory.close();
    }

    @Test
    void showsWorkersClassesBacklogsAndSettingsAsTheyAre() throws Exception {
        long now = System.currentTimeMillis();
        push(new Resume("http://a", "a#1", "2.0", 1, now, false, Map.of("site-1", 40.0, "site-2", 10.0)));
        push(new Resume("http://b", "b#1", "2.0", 1, now, false, Map.of("site-1", 20.0)));
        push(new Resume("http://c", "c#1", "2.1", 1, now, false, Map.of()));
        push(new Resume("http://c", "c#1", "2.1", 2, now, true, Map.of())); // c drains
        receiver.receive("junk".getBytes(), null); // one rejected push

        // Two requests in flight on a (site-1 goes to its best worker), one finished on b.
        PoolWorker w1 = pool.acquire("site-1");
        PoolWorker w2 = pool.acquire("site-1");
        assertEquals("http://a", w1.url());
        assertEquals("http://a", w2.url());
        oldest.put("http://a", System.nanoTime() - 1_500_000_000L);
        for (int i = 0; i < 3; i++) {
            counts.count("site-1");
        }
        counts.count("site-2");
        metrics.request("http://b", ProxyMetrics.Outcome.SUCCESS);
        metrics.request("http://b", ProxyMetrics.Outcome.WORKER_FAILURE);
        metrics.retry();

        StatusPage page = new StatusPage(pool, directory, metrics, counts, receiver, () -> oldest,
                () -> Map.of("policy", "resume", "variance", 1.0, "secret", "hidden?"), () -> 2, Clock.systemUTC());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        page.write(out, 1, false);
        JsonNode s = new ObjectMapper().readTree(out.toByteArray());

        assertEquals("resume", s.get("policy").asText());
        assertEquals(2, s.get("backlog").asInt());
        assertTrue(s.get("meanBacklog").asDouble() > 0);
        assertEquals(2, s.get("waiting").asInt());
        assertEquals(2, s.get("requests").asLong());
        assertEquals(1, s.get("retries").asLong());
        assertEquals(4, s.get("pushes").get("accepted").asLong());
        assertEquals(1, s.get("pushes").get("rejected").get("bad_signature").asLong());

        List<JsonNode> workers = list(s.get("workers"));
        assertEquals(List.of("http://a", "http://b", "http://c"), workers.stream().map(w -> w.get("url").asText()).toList());
        JsonNode a = workers.get(0);
        assertEquals("active", a.get("state").asText());
        assertEquals("2.0", a.get("version").asText());
        assertEquals(2, a.get("backlog").asInt());
        assertEquals(2, a.get("skills").asInt());
        assertTrue(a.get("oldestRequestSeconds").asDouble() >= 1.5, a.toString());
        assertTrue(a.get("lastResumeSecondsAgo").asDouble() < 60, a.toString());
        JsonNode b = workers.get(1);
        assertEquals(0, b.get("backlog").asInt());
        assertTrue(b.get("oldestRequestSeconds").isNull());
        assertEquals(2, b.get("requests").asLong());
        assertEquals("draining", workers.get(2).get("state").asText());

        assertEquals(2, s.get("classes").get("total").asInt());
        List<JsonNode> shown = list(s.get("classes").get("shown"));
        assertEquals(1, shown.size(), "limited to the busiest one");
        assertEquals("site-1", shown.get(0).get("name").asText());
        assertEquals(3, shown.get(0).get("requests").asLong());
        List<JsonNode> skilled = list(shown.get(0).get("workers"));
        assertEquals(List.of("http://a", "http://b"), skilled.stream().map(w -> w.get("url").asText()).toList(), "best score first");
        assertEquals(40.0, skilled.get(0).get("score").asDouble());
        assertEquals(1.0, s.get("settings").get("variance").asDouble());

        pool.release(w1);
        pool.release(w2);
    }

    private void push(Resume r) {
        byte[] body = CODEC.encode(r);
        assertEquals(204, receiver.receive(body, Protocol.sign(KEY, body)).status());
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
