package org.resumelb.agent.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.agent.resume.ResumeFile;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.agent.skill.SkillTracker;

/**
 * The publisher against a real HTTP endpoint that checks pushes as the load
 * balancer does: the prefix is used for the push path, and a worker with more
 * classes than a résumé may carry pushes the best ones instead of a résumé that
 * would be refused.
 */
class ResumePublisherTest {

    static final byte[] SECRET = "publisher-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);

    /**
     * A load balancer's receiver in miniature: verifies and decodes every push under {@code prefix}, answers 204 or 400.
     * Several threads and a deep backlog, as a load balancer has: a storm of pushes must not overflow it.
     */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final ExecutorService executor = Executors.newFixedThreadPool(4);
        final List<Resume> accepted = new ArrayList<>();
        final List<String> refused = new ArrayList<>();
        final List<String> paths = new ArrayList<>();

        Receiver(String prefix) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            server.createContext("/", exchange -> {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                int status;
                synchronized (this) {
                    paths.add(exchange.getRequestURI().getPath());
                    if (!exchange.getRequestURI().getPath().equals(Protocol.resumesPath(prefix))) {
                        status = 404;
                    } else {
                        try {
                            accepted.add(CODEC.verifyAndDecode(SECRET, body,
                                    exchange.getRequestHeaders().getFirst(Protocol.SIGNATURE_HEADER)));
                            status = 204;
                        } catch (ResumeException e) {
                            refused.add(e.getMessage());
                            status = 400;
                        }
                    }
                    notifyAll();
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.setExecutor(executor);
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        synchronized List<Resume> await(int n, long millis) throws InterruptedException {
            long end = System.currentTimeMillis() + millis;
            while (accepted.size() < n && System.currentTimeMillis() < end) {
                wait(Math.max(1, end - System.currentTimeMillis()));
            }
            return List.copyOf(accepted);
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    static ResumePublisher.Options options(URI lb, String prefix, Path resumeFile) {
        return new ResumePublisher.Options(List.of(lb), SECRET, "http://127.0.0.1:8081", "1.0", Duration.ofMillis(100),
                Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(1), resumeFile, prefix);
    }

    @Test
    void pushesToTheConfiguredPrefix() throws Exception {
        try (Receiver lb = new Receiver("/ops/_lb");
             ResumePublisher publisher = new ResumePublisher(options(lb.url(), "/ops/_lb", null), new SkillTracker(10, 100, 100),
                     CODEC, Clock.systemUTC())) {
            assertEquals(List.of(URI.create(lb.url() + "/ops/_lb/resumes")), publisher.endpoints());
            publisher.start();
            assertTrue(lb.await(2, 5_000).size() >= 2, "pushes arrive at {lb}/ops/_lb/resumes: " + lb.paths);
            assertEquals(List.of("/ops/_lb/resumes"), lb.paths.stream().distinct().toList());
        }
    }

    @Test
    void everyResumeCarriesTheWorkersWeight() throws Exception {
        try (Receiver lb = new Receiver(Protocol.DEFAULT_PREFIX);
             ResumePublisher publisher = new ResumePublisher(new ResumePublisher.Options(List.of(lb.url()), SECRET,
                     "http://127.0.0.1:8081", "1.0", Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(2),
                     Duration.ofSeconds(1), null, Protocol.DEFAULT_PREFIX, 3.0), new SkillTracker(10, 100, 100), CODEC,
                     Clock.systemUTC())) {
            publisher.start();
            List<Resume> pushes = lb.await(2, 5_000);
            assertTrue(pushes.size() >= 2, "pushes: " + pushes + ", refused: " + lb.refused);
            for (Resume r : pushes) {
                assertEquals(3.0, r.weight(), "pushed: " + r);
            }
            assertEquals(3.0, CODEC.decode(publisher.current("http://127.0.0.1:8081").body()).weight(), "served");
        }
        assertEquals(1.0, options(URI.create("http://lb:8080"), Protocol.DEFAULT_PREFIX, null).weight(), "the default weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ResumePublisher.Options(List.of(),
                SECRET, "http://w:1", null, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(30),
                null, Protocol.DEFAULT_PREFIX, 5000));
        assertTrue(e.getMessage().contains("weight 5000.0 is not a number from 0.01 to 1000"), e.getMessage());
    }

    @Test
    void aLoadBalancerLearnedAtRunTimeGetsAResumeAtOnceAndOneThatLeftGetsNoMore() throws Exception {
        try (Receiver a = new Receiver(Protocol.DEFAULT_PREFIX); Receiver b = new Receiver(Protocol.DEFAULT_PREFIX);
             ResumePublisher publisher = new ResumePublisher(new ResumePublisher.Options(List.of(a.url()), SECRET,
                     "http://127.0.0.1:8081", "1.0", Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(2),
                     Duration.ofSeconds(1), null, Protocol.DEFAULT_PREFIX), new SkillTracker(10, 100, 100), CODEC,
                     Clock.systemUTC())) {
            publisher.start();
            assertEquals(1, a.await(1, 5_000).size(), "the configured lb gets the first résumé");
            publisher.loadBalancers(List.of(b.url()));
            // The heartbeat is an hour: only a learned balancer's own first push can arrive now.
            assertEquals(1, b.await(1, 5_000).size(), "the learned lb gets a résumé at once");
            assertEquals(List.of(URI.create(a.url() + "/_resumelb/resumes"), URI.create(b.url() + "/_resumelb/resumes")),
                    publisher.endpoints());
            publisher.loadBalancers(List.of());
            assertEquals(List.of(URI.create(a.url() + "/_resumelb/resumes")), publisher.endpoints(),
                    "the configured lb stays, the learned one is gone");
            publisher.publishSoon();
            assertEquals(2, a.await(2, 5_000).size());
            Thread.sleep(300);
            assertEquals(1, b.await(1, 0).size(), "no push to a balancer that left");
        }
    }

    @Test
    void changesOfTheLearnedBalancersFromManyThreadsLeaveTheLastSetAndEveryBalancerPushedToOnce() throws Exception {
        List<Receiver> lbs = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                lbs.add(new Receiver(Protocol.DEFAULT_PREFIX));
            }
            // Every change that adds a balancer pushes to it at once: thousands of pushes in a burst. A push timeout of
            // 30 s, so that a busy machine makes them slow, not failed.
            try (ResumePublisher publisher = new ResumePublisher(new ResumePublisher.Options(List.of(), SECRET,
                    "http://127.0.0.1:8081", "1.0", Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(30),
                    Duration.ofSeconds(1), null, Protocol.DEFAULT_PREFIX), new SkillTracker(10, 100, 100), CODEC,
                    Clock.systemUTC())) {
                publisher.start();
                int threads = 4;
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
                List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        go.await();
                        java.util.Random random = new java.util.Random(seed);
                        for (int i = 0; i < 500; i++) {
                            List<URI> some = new ArrayList<>();
                            for (Receiver r : lbs) {
                                if (random.nextBoolean()) {
                                    some.add(r.url());
                                }
                            }
                            publisher.loadBalancers(some);
                            List<URI> seen = publisher.endpoints();
                            if (seen.stream().distinct().count() != seen.size()) {
                                throw new AssertionError("a balancer listed twice: " + seen);
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (java.util.concurrent.Future<?> f : done) {
                    f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
                pool.shutdown();
                List<URI> last = lbs.stream().map(Receiver::url).toList();
                publisher.loadBalancers(last);
                assertEquals(last.stream().map(u -> URI.create(u + "/_resumelb/resumes")).toList(), publisher.endpoints());
                // Each balancer of the last set is pushed to once as a member of it (when it joined the set, or when it
                // came back after leaving it): wait for those pushes to be answered. The receivers' own lists would not
                // do: every balancer got pushes during the storm.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (publisher.pushCounts().values().stream().anyMatch(c -> c[0] + c[1] == 0) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                for (var e : publisher.pushCounts().entrySet()) {
                    assertEquals("1 accepted, 0 failed", e.getValue()[0] + " accepted, " + e.getValue()[1] + " failed",
                            "every balancer of the last set got one résumé and no push failed: " + e.getKey());
                }
            }
        } finally {
            lbs.forEach(Receiver::close);
        }
    }

    @Test
    void theDefaultOptionsPushToTheDefaultPrefix() {
        ResumePublisher.Options o = new ResumePublisher.Options(List.of(URI.create("http://lb:8080")), SECRET, "http://w:1", null,
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(30), null);
        assertEquals(Protocol.DEFAULT_PREFIX, o.prefix());
        try (ResumePublisher p = new ResumePublisher(o, new SkillTracker(10, 100, 100), CODEC, Clock.systemUTC())) {
            assertEquals(List.of(URI.create("http://lb:8080/_resumelb/resumes")), p.endpoints());
        }
    }

    @Test
    void aWorkerWithTwentyThousandClassesPushesItsTenThousandBestAndSaysSoOnce(@TempDir Path dir) throws Exception {
        SkillTracker tracker = new SkillTracker(100_000, Long.MAX_VALUE / 2, 100_000);
        for (int i = 0; i < 20_000; i++) {
            // Class c<i> takes (20000 - i) microseconds: the higher i, the better the score.
            tracker.record("c" + i, (20_000 - i) / 1e6);
        }
        Path file = dir.resolve("resume.json");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<Resume> pushes;
        long trimmed;
        Resume served;
        try (Receiver lb = new Receiver(Protocol.DEFAULT_PREFIX)) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (ResumePublisher publisher = new ResumePublisher(options(lb.url(), Protocol.DEFAULT_PREFIX, file), tracker, CODEC,
                    Clock.systemUTC())) {
                publisher.start();
                pushes = lb.await(4, 10_000);
                served = CODEC.decode(publisher.current("http://127.0.0.1:8081").body());
                trimmed = publisher.trimmedResumes();
            } finally {
                System.setErr(err);
            }
            String log = captured.toString(StandardCharsets.UTF_8);
            err.print(log);
            long lines = log.lines().filter(l -> l.contains("trims its résumé")).count();
            Optional<Resume> saved = ResumeFile.load(file, CODEC);
            System.out.printf("20000 classes tracked: %d pushes accepted, %d refused, %d résumés trimmed, trim logged %d time(s);"
                    + " pushed %d classes, served %d, saved %d%n", lb.accepted.size(), lb.refused.size(), trimmed, lines,
                    pushes.get(0).skills().size(), served.skills().size(), saved.map(r -> r.skills().size()).orElse(-1));
            assertTrue(pushes.size() >= 4, "pushes accepted: " + pushes.size() + ", refused: " + lb.refused);
            assertEquals(List.of(), lb.refused, "no push refused");
            assertEquals(1, lines, "trimming is logged once, not per push:\n" + log);
            assertTrue(log.contains("20000 classes -> 10000 kept"), log);
            assertTrue(trimmed >= pushes.size(), "every push was trimmed: " + trimmed);
            for (Resume r : List.of(pushes.get(0), pushes.get(pushes.size() - 1), served, saved.orElseThrow())) {
                assertEquals(10_000, r.skills().size());
                assertTrue(r.skills().containsKey("c19999") && r.skills().containsKey("c10000") && !r.skills().containsKey("c9999"),
                        "the best 10,000 classes are kept");
            }
            // The draining résumé sent by close() fits as well, or it would be refused and the worker not drained.
            Resume last = lb.accepted.get(lb.accepted.size() - 1);
            assertTrue(last.draining(), "the draining push was accepted");
            assertEquals(10_000, last.skills().size());
        }
    }
}
