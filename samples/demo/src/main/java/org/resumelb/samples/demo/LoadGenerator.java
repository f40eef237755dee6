package org.resumelb.samples.demo;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Closed-loop traffic: {@code concurrency} virtual users, each sending its next
 * request when the previous one completes, for a fixed time and at most a
 * fixed number of requests. Each request is for a site drawn from a Zipf
 * distribution (Host {@code site-<rank>.news}). Latencies go to an
 * HdrHistogram {@link Recorder}; the workers' {@code X-Hits}, {@code X-Misses}
 * and {@code X-Worker} headers are summed. Asynchronous: no thread waits on a
 * response.
 */
public final class LoadGenerator {

    /** What one run measured. */
    public record Run(long requests, long errors, double seconds, Histogram latencyMicros, long hits, long misses,
               Map<String, Long> byWorker) {

        public double requestsPerSecond() {
            return requests / seconds;
        }

        public double hitRate() {
            long touched = hits + misses;
            return touched == 0 ? 0 : (double) hits / touched;
        }

        public double loadsPerRequest() {
            return requests == 0 ? 0 : (double) misses / requests;
        }

        /** The busiest worker's requests over the mean per worker (1.0: perfectly even). */
        public double maxShare(int workers) {
            long max = byWorker.values().stream().mapToLong(Long::longValue).max().orElse(0);
            return requests == 0 ? 0 : max / ((double) requests / workers);
        }
    }

    private final HttpClient client;
    private final String target;
    private final Zipf sites;
    private final int concurrency;
    private final double hotShare;

    public LoadGenerator(HttpClient client, String target, Zipf sites, int concurrency) {
        this(client, target, sites, concurrency, 0);
    }

    /**
     * @param hotShare the share of requests (0 to 1) for the most popular site
     *     (rank 0); the others follow the Zipf distribution
     */
    public LoadGenerator(HttpClient client, String target, Zipf sites, int concurrency, double hotShare) {
        if (!(hotShare >= 0 && hotShare < 1)) {
            throw new IllegalArgumentException("hotShare must be in [0, 1), got " + hotShare);
        }
        this.client = client;
        this.target = target;
        this.sites = sites;
        this.concurrency = concurrency;
        this.hotShare = hotShare;
    }

    static String host(int rank) {
        return "site-" + rank + ".news";
    }

    public Run run(Duration duration, long maxRequests, long seed) throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        LongAdder errors = new LongAdder();
        LongAdder hits = new LongAdder();
        LongAdder misses = new LongAdder();
        AtomicLong started = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        ConcurrentHashMap<String, LongAdder> byWorker = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int u = 0; u < concurrency; u++) {
            Random random = new Random(seeds.nextLong());
            new Object() {
                void next() {
                    if (System.nanoTime() >= end || started.incrementAndGet() > maxRequests) {
                        done.countDown();
                        return;
                    }
                    int rank = hotShare > 0 && random.nextDouble() < hotShare ? 0 : sites.next(random);
                    long sent = System.nanoTime();
                    client.newRequest(target + "/article/" + rank)
                            .headers(h -> h.put(HttpHeader.HOST, host(rank)))
                            .timeout(30, TimeUnit.SECONDS)
                            .send(new BufferingResponseListener(64 * 1024) {
                                @Override
                                public void onComplete(Result result) {
                                    recorder.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                                    completed.incrementAndGet();
                                    if (result.isFailed() || result.getResponse().getStatus() != 200) {
                                        errors.increment();
                                    } else {
                                        var headers = result.getResponse().getHeaders();
                                        hits.add(headers.getLongField("X-Hits"));
                                        misses.add(headers.getLongField("X-Misses"));
                                        String worker = headers.get("X-Worker");
                                        byWorker.computeIfAbsent(worker == null ? "?" : worker, w -> new LongAdder()).increment();
                                    }
                                    // A fresh task, not recursion: a burst of instant failures must not grow the stack.
                                    client.getExecutor().execute(() -> next());
                                }
                            });
                }
            }.next();
        }
        if (!done.await(duration.toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("load did not finish in time");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> workers = new TreeMap<>();
        byWorker.forEach((w, n) -> workers.put(w, n.sum()));
        return new Run(completed.get(), errors.sum(), seconds, recorder.getIntervalHistogram(), hits.sum(), misses.sum(), workers);
    }
}
