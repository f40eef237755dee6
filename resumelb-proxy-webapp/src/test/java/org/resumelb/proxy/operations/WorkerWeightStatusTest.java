package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.membership.ResumeReceiver;
import org.resumelb.proxy.membership.WorkerAllow;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.PoolWorker;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * A worker's weight goes from its résumé (pushed or pulled; absent: 1) through
 * the directory into the pool, which routes by it, and onto the status page.
 */
class WorkerWeightStatusTest {

    static final byte[] KEY = "0123456789abcdef0123".getBytes();
    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);

    final SwitchablePool pool = new SwitchablePool("round-robin", PoolSettings.DEFAULTS);

    static void push(ResumeReceiver receiver, Resume r) {
        byte[] body = CODEC.encode(r);
        assertEquals(204, receiver.receive(body, Protocol.sign(KEY, body)).status());
    }

    Map<String, Integer> route(int requests) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < requests; i++) {
            PoolWorker w = pool.acquire("x");
            counts.merge(w.url(), 1, Integer::sum);
            pool.release(w);
        }
        return counts;
    }

    static Map<String, Double> weightsOnStatus(SwitchablePool pool, WorkerDirectory directory, ResumeReceiver receiver)
            throws Exception {
        StatusPage page = new StatusPage(pool, directory, new ProxyMetrics(pool, directory, receiver, () -> 0), new ClassCounts(10),
                receiver, HashMap::new, Map::of, () -> 0, Clock.systemUTC());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        page.write(out, 0, false);
        Map<String, Double> weights = new TreeMap<>();
        for (JsonNode w : new ObjectMapper().readTree(out.toByteArray()).get("workers")) {
            if (w.has("weight")) {
                weights.put(w.get("url").asText(), w.get("weight").asDouble());
            }
        }
        return weights;
    }

    @Test
    void pushedAndPulledWeightsRouteAndShow() throws Exception {
        try (WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC())) {
            ResumeReceiver receiver = new ResumeReceiver(CODEC, KEY, false, directory, WorkerAllow.parse("a, b, c, d"));
            long now = System.currentTimeMillis();
            push(receiver, new Resume("http://a", "a#1", null, 1, now, false, Map.of(), 3));
            push(receiver, new Resume("http://b", "b#1", null, 1, now, false, Map.of())); // no weight member: 1
            assertEquals(Map.of("http://a", 3.0, "http://b", 1.0), weightsOnStatus(pool, directory, receiver));
            assertEquals(Map.of("http://a", 300, "http://b", 100), route(400));

            // A pulled résumé carries its weight as well; a later résumé changes it.
            directory.pulled("http://c", new Resume("http://c", "c#1", null, 0, now, false, Map.of(), 4));
            push(receiver, new Resume("http://a", "a#1", null, 2, now, false, Map.of()));
            assertEquals(Map.of("http://a", 1.0, "http://b", 1.0, "http://c", 4.0), weightsOnStatus(pool, directory, receiver));
            assertEquals(Map.of("http://a", 100, "http://b", 100, "http://c", 400), route(600));
        }
    }

    @Test
    void aWorkerOnStandbyKeepsItsWeightUntilItsVersionIsRoutedTo() throws Exception {
        try (WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC(),
                true)) {
            ResumeReceiver receiver = new ResumeReceiver(CODEC, KEY, false, directory, WorkerAllow.parse("a, b, c, d"));
            long now = System.currentTimeMillis();
            push(receiver, new Resume("http://a", "a#1", "1", 1, now, false, Map.of(), 3));
            push(receiver, new Resume("http://b", "b#1", "2", 1, now, false, Map.of(), 1));
            push(receiver, new Resume("http://c", "c#1", "2", 1, now, false, Map.of(), 2));
            assertEquals(WorkerDirectory.State.STANDBY, directory.state("http://a"));
            assertEquals(Map.of("http://a", 3.0, "http://b", 1.0, "http://c", 2.0), weightsOnStatus(pool, directory, receiver));
            assertEquals(Map.of("http://b", 100, "http://c", 200), route(300));
            push(receiver, new Resume("http://b", "b#1", "2", 2, now, true, Map.of()));
            push(receiver, new Resume("http://c", "c#1", "2", 2, now, true, Map.of()));
            push(receiver, new Resume("http://d", "d#1", "1", 1, now, false, Map.of()));
            // Version 1 is routed to now: a with its weight 3, d with 1.
            assertEquals(Map.of("http://a", 300, "http://d", 100), route(400));
        }
    }
}
