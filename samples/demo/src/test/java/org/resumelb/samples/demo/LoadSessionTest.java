package org.resumelb.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Continuous load sessions against the real WARs: every request is recorded
 * once, windows add up, the open loop sends the arrivals it drew and never has
 * more requests outstanding than its bound, latency counts from the intended
 * send time.
 */
class LoadSessionTest {

    static final DemoOptions O = new DemoOptions(2, 20, 100, 5, 500, 200, 1.0, 4, Duration.ofSeconds(1), Duration.ofSeconds(1),
            List.of("resume"));
    static DemoCluster cluster;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        cluster = new DemoCluster(Path.of(System.getProperty("demo.wars")), "resume", O);
        cluster.awaitWorkers(30_000);
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    LoadGenerator load() {
        return new LoadGenerator(client, cluster.proxyUrl(), new Zipf(O.sites(), O.zipf()), O.concurrency());
    }

    @Test
    void theOpenLoopSendsEveryArrivalItDrewWithinItsBound() throws Exception {
        LoadGenerator.Session session = load().openLoop(300, 3, 240, 7, Duration.ofSeconds(30));
        LoadGenerator.Recording r = session.finish(Duration.ofSeconds(30));
        List<LoadGenerator.Sample> samples = r.samples();
        assertEquals(240, samples.size(), "one sample per arrival");
        assertTrue(r.maxOutstanding() <= 3, "outstanding " + r.maxOutstanding());
        long firstIntended = samples.stream().mapToLong(LoadGenerator.Sample::intendedNanos).min().orElseThrow();
        long lastIntended = samples.stream().mapToLong(LoadGenerator.Sample::intendedNanos).max().orElseThrow();
        double span = (lastIntended - session.startNanos()) / 1e9;
        // 240 exponential gaps of mean 1/300 s: 0.8 s, standard deviation 0.05 s.
        assertTrue(span > 0.55 && span < 1.05, "arrivals span " + span + " s");
        assertTrue(firstIntended > session.startNanos());
        for (LoadGenerator.Sample s : samples) {
            assertTrue(s.ok(), "answered: " + s);
            assertTrue(s.intendedNanos() <= s.sentNanos() && s.sentNanos() < s.doneNanos(), "times in order: " + s);
            assertEquals(O.objectsPerRequest(), s.hits() + s.misses(), "objects touched: " + s);
            assertTrue(s.latencyMicros() >= (s.doneNanos() - s.sentNanos()) / 1000, "latency from the intended time: " + s);
        }
        long end = samples.get(samples.size() - 1).doneNanos() + 1;
        long mid = session.startNanos() + (end - session.startNanos()) / 2;
        LoadGenerator.Run all = r.window(session.startNanos(), end);
        LoadGenerator.Run first = r.window(session.startNanos(), mid);
        LoadGenerator.Run second = r.window(mid, end);
        assertEquals(240, all.requests());
        assertEquals(240, first.requests() + second.requests(), "windows split the requests");
        assertEquals(all.hits(), first.hits() + second.hits());
        assertEquals(240, all.byWorker().values().stream().mapToLong(Long::longValue).sum(), "every request by a named worker");
        assertEquals(240, all.latencyMicros().getTotalCount());
    }

    @Test
    void anOpenLoopHeldBackByItsBoundSendsLateAndCountsTheWait() throws Exception {
        // 1 outstanding at 5,000 per second: each request takes far longer than the 0.2 ms between arrivals.
        LoadGenerator.Recording r = load().openLoop(5_000, 1, 100, 3, Duration.ofSeconds(30)).finish(Duration.ofSeconds(30));
        assertEquals(100, r.samples().size());
        assertEquals(1, r.maxOutstanding());
        long last = r.samples().get(99).doneNanos() + 1;
        assertTrue(r.lateSends(0, last, 0) >= 50, "late sends: " + r.lateSends(0, last, 0));
        LoadGenerator.Sample lastSent = r.samples().get(99);
        assertTrue(lastSent.sentNanos() - lastSent.intendedNanos() > 0 && lastSent.latencyMicros() > (lastSent.doneNanos() - lastSent.sentNanos()) / 1000,
                "the last request waited for its turn and its latency includes the wait: " + lastSent);
    }

    @Test
    void aClosedLoopSessionKeepsItsUsersBusyUntilStopped() throws Exception {
        LoadGenerator.Session session = load().closedLoop(11, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (session.completed() < 50 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        LoadGenerator.Recording r = session.stop();
        int n = r.samples().size();
        assertTrue(n >= 50, "requests: " + n);
        assertTrue(r.maxOutstanding() <= O.concurrency(), "outstanding " + r.maxOutstanding());
        assertEquals(n, r.window(session.startNanos(), Long.MAX_VALUE).requests());
        assertEquals(0, r.window(session.startNanos(), Long.MAX_VALUE).errors());
        Thread.sleep(100);
        assertEquals(n, session.completed(), "nothing sent after stop");
        assertEquals(n, LoadGenerator.Recording.of(r, new LoadGenerator.Recording(List.of())).samples().size());
    }
}
