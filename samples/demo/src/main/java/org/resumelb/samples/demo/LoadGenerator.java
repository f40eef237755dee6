package org.resumelb.samples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Traffic through the load balancer. Each request is for a site drawn from a
 * Zipf distribution (Host {@code site-<rank>.news}, path
 * {@code /article/<rank>}); the workers' {@code X-Hits}, {@code X-Misses} and
 * {@code X-Worker} headers are summed. Asynchronous: no thread waits on a
 * response.
 *
 * <p>{@link #run} is a closed loop for a fixed time: {@code concurrency}
 * virtual users, each sending its next request when the previous one
 * completes; latencies go to an HdrHistogram {@link Recorder}. A
 * {@link Session} is continuous load that keeps every response as a
 * {@link Sample} with its times, so that a run can be cut into windows
 * afterwards (time series around an event such as a worker joining): either
 * closed loop ({@link #closedLoop}) or open loop ({@link #openLoop}: Poisson
 * arrivals at a fixed rate, each request's latency measured from the time it
 * was meant to be sent, so that a stall is not hidden by the generator waiting
 * for it, with a bound on outstanding requests so that a stall cannot grow
 * memory).
 *
 * <p>A generator is immutable and may start any number of runs and sessions,
 * also at once, from any thread.
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

        /** The share (0 to 1) of the requests that {@code worker} served. */
        public double share(String worker) {
            return requests == 0 ? 0 : byWorker.getOrDefault(worker, 0L) / (double) requests;
        }
    }

    /**
     * One request of a {@link Session}. Times are {@link System#nanoTime()}
     * values: when the request was meant to be sent (the same as {@code sentNanos}
     * in a closed loop), when it was sent, when its response (or failure) was
     * complete. {@code ok}: answered 200; then {@code hits}, {@code misses} and
     * {@code worker} are the worker's headers ({@code "?"} without one).
     */
    public record Sample(long intendedNanos, long sentNanos, long doneNanos, boolean ok, int hits, int misses, String worker) {

        /** From the intended send time to completion, in microseconds (at least 1). */
        public long latencyMicros() {
            return Math.max(1, (doneNanos - intendedNanos) / 1000);
        }
    }

    /** Longest latency a histogram holds; longer ones are recorded as this (requests time out after 30 s anyway). */
    private static final long MAX_LATENCY_MICROS = TimeUnit.SECONDS.toMicros(120);

    /**
     * What sessions recorded, in order of completion, to be cut into windows.
     * Immutable.
     */
    public static final class Recording {

        private final List<Sample> samples;

        public Recording(Collection<Sample> samples) {
            List<Sample> sorted = new ArrayList<>(samples);
            sorted.sort(Comparator.comparingLong(Sample::doneNanos));
            this.samples = List.copyOf(sorted);
        }

        /** The samples of several recordings (sessions one after the other) as one. */
        public static Recording of(Recording... parts) {
            List<Sample> all = new ArrayList<>();
            for (Recording r : parts) {
                all.addAll(r.samples);
            }
            return new Recording(all);
        }

        /** Every sample, in order of completion. */
        public List<Sample> samples() {
            return samples;
        }

        /**
         * The requests completed in {@code [fromNanos, toNanos)} (System.nanoTime
         * values) as a {@link Run} whose {@code seconds} is the window's length.
         */
        public Run window(long fromNanos, long toNanos) {
            if (toNanos <= fromNanos) {
                throw new IllegalArgumentException("empty window: " + fromNanos + " .. " + toNanos);
            }
            Histogram latency = new Histogram(MAX_LATENCY_MICROS, 3);
            long requests = 0;
            long errors = 0;
            long hits = 0;
            long misses = 0;
            Map<String, Long> byWorker = new TreeMap<>();
            for (int i = firstDoneAtOrAfter(fromNanos); i < samples.size() && samples.get(i).doneNanos() < toNanos; i++) {
                Sample s = samples.get(i);
                requests++;
                latency.recordValue(Math.min(s.latencyMicros(), MAX_LATENCY_MICROS));
                if (s.ok()) {
                    hits += s.hits();
                    misses += s.misses();
                    byWorker.merge(s.worker(), 1L, Long::sum);
                } else {
                    errors++;
                }
            }
            return new Run(requests, errors, (toNanos - fromNanos) / 1e9, latency, hits, misses, byWorker);
        }

        /** The hit rate (0 to 1) of {@code worker}'s answers completed in {@code [fromNanos, toNanos)}. */
        public double hitRateOf(String worker, long fromNanos, long toNanos) {
            long hits = 0;
            long misses = 0;
            for (int i = firstDoneAtOrAfter(fromNanos); i < samples.size() && samples.get(i).doneNanos() < toNanos; i++) {
                Sample s = samples.get(i);
                if (s.ok() && worker.equals(s.worker())) {
                    hits += s.hits();
                    misses += s.misses();
                }
            }
            return hits + misses == 0 ? 0 : (double) hits / (hits + misses);
        }

        /**
         * How many of the requests completed in {@code [fromNanos, toNanos)} were
         * sent more than {@code lateNanos} after their intended time (an open
         * loop held back by its bound on outstanding requests, or a late sender).
         */
        public long lateSends(long fromNanos, long toNanos, long lateNanos) {
            long late = 0;
            for (int i = firstDoneAtOrAfter(fromNanos); i < samples.size() && samples.get(i).doneNanos() < toNanos; i++) {
                Sample s = samples.get(i);
                if (s.sentNanos() - s.intendedNanos() > lateNanos) {
                    late++;
                }
            }
            return late;
        }

        /** The most requests that were ever outstanding (sent, not complete) at once. */
        public int maxOutstanding() {
            long[] events = new long[2 * samples.size()];
            int n = 0;
            // Encoded so that at equal times a completion (even) sorts before a send (odd).
            for (Sample s : samples) {
                events[n++] = s.sentNanos() * 2 + 1;
                events[n++] = s.doneNanos() * 2;
            }
            java.util.Arrays.sort(events);
            int outstanding = 0;
            int max = 0;
            for (long e : events) {
                outstanding += (e & 1) == 1 ? 1 : -1;
                max = Math.max(max, outstanding);
            }
            return max;
        }

        private int firstDoneAtOrAfter(long nanos) {
            int lo = 0;
            int hi = samples.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (samples.get(mid).doneNanos() < nanos) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /**
     * Continuous load started by {@link #closedLoop} or {@link #openLoop}. It
     * ends by itself at its time limit (or, open loop, after its number of
     * requests), or when {@link #stop} is called. Thread-safe: responses are
     * recorded from the HTTP client's threads into a concurrent queue;
     * {@code stop} and {@code finish} may be called from any thread, the
     * second call returning the same recording.
     */
    public final class Session implements AutoCloseable {

        private final long startNanos = System.nanoTime();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        private final ConcurrentHashMap<String, String> workerNames = new ConcurrentHashMap<>();
        /** Counted down by each closed-loop client, or by the open loop's sender, when it sends no more. */
        private final CountDownLatch senders;
        private volatile Recording recording;

        private Session(int senders) {
            this.senders = new CountDownLatch(senders);
        }

        /** When the session started (System.nanoTime). */
        public long startNanos() {
            return startNanos;
        }

        /** Samples recorded so far (complete requests). */
        public int completed() {
            return samples.size();
        }

        private void send(int rank, long intendedNanos, Consumer<Boolean> after) {
            inFlight.incrementAndGet();
            long sent = System.nanoTime();
            request(rank).send(new BufferingResponseListener(64 * 1024) {
                @Override
                public void onComplete(Result result) {
                    long done = System.nanoTime();
                    Outcome o = Outcome.of(result);
                    String worker = o.worker() == null ? null : workerNames.computeIfAbsent(o.worker(), w -> w);
                    samples.add(new Sample(intendedNanos, sent, done, o.ok(), (int) o.hits(), (int) o.misses(), worker));
                    inFlight.decrementAndGet();
                    after.accept(o.ok());
                }
            });
        }

        /** Stops sending at once and waits (at most a minute) for outstanding requests; the recording. */
        public Recording stop() throws InterruptedException {
            stopped.set(true);
            return finish(Duration.ofSeconds(60));
        }

        /**
         * Waits until the session ends by itself (its time limit or number of
         * requests) and its requests are complete, at most {@code timeout}
         * plus a minute for the outstanding ones; the recording.
         */
        public Recording finish(Duration timeout) throws InterruptedException {
            if (!senders.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stopped.set(true);
                if (!senders.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("load did not stop in time");
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (inFlight.get() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(inFlight.get() + " requests still outstanding a minute after the load stopped");
                }
                Thread.sleep(5);
            }
            synchronized (this) {
                if (recording == null) {
                    recording = new Recording(samples);
                }
                return recording;
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    private final HttpClient client;
    private final String target;
    /** Where requests go, in turn, one request after another (round robin); usually one load balancer. */
    private final String[] targets;
    private final java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
    private final Zipf sites;
    private final int concurrency;
    private final double hotShare;
    private final String extraHeader;
    private final IntFunction<String> extraValue;
    /** Whether the hot site's requests all go to the first target (the others' still take turns over all). */
    private final boolean hotThroughFirst;

    public LoadGenerator(HttpClient client, String target, Zipf sites, int concurrency) {
        this(client, target, sites, concurrency, 0);
    }

    /**
     * @param target the load balancer's URL; several, comma-separated, take the requests in turn (round robin)
     * @param hotShare the share of requests (0 to 1) for the most popular site
     *     (rank 0); the others follow the Zipf distribution
     */
    public LoadGenerator(HttpClient client, String target, Zipf sites, int concurrency, double hotShare) {
        this(client, target, sites, concurrency, hotShare, null, null, false);
    }

    private LoadGenerator(HttpClient client, String target, Zipf sites, int concurrency, double hotShare,
                          String extraHeader, IntFunction<String> extraValue, boolean hotThroughFirst) {
        if (!(hotShare >= 0 && hotShare < 1)) {
            throw new IllegalArgumentException("hotShare must be in [0, 1), got " + hotShare);
        }
        this.client = client;
        this.target = target;
        this.targets = target.split(",");
        this.sites = sites;
        this.concurrency = concurrency;
        this.hotShare = hotShare;
        this.extraHeader = extraHeader;
        this.extraValue = extraValue;
        this.hotThroughFirst = hotThroughFirst;
    }

    /**
     * The same load, each request also carrying header {@code name} with the
     * value {@code value.apply(rank)} for its site's rank (say, another name
     * for the site, for a classifier that reads it).
     */
    public LoadGenerator withHeader(String name, IntFunction<String> value) {
        return new LoadGenerator(client, target, sites, concurrency, hotShare, name, value, hotThroughFirst);
    }

    /**
     * The same load, but with several targets the hot site's requests (rank 0)
     * all go to the first one, as when one big client or one region's traffic
     * reaches one load balancer; every other request still takes its turn.
     */
    public LoadGenerator withHotThroughFirst() {
        return new LoadGenerator(client, target, sites, concurrency, hotShare, extraHeader, extraValue, true);
    }

    /** The Host of the site of this rank, which is also the class the {@code host} classifier gives it. */
    public static String host(int rank) {
        return "site-" + rank + ".news";
    }

    private int pick(Random random) {
        return hotShare > 0 && random.nextDouble() < hotShare ? 0 : sites.next(random);
    }

    /** Where the next request for the site of this rank goes: the one target, or the next in turn (the hot site's maybe the first). */
    String targetFor(int rank) {
        return targets.length == 1 ? target
                : hotThroughFirst && rank == 0 ? targets[0]
                : targets[Math.floorMod(turn.getAndIncrement(), targets.length)];
    }

    private Request request(int rank) {
        return client.newRequest(targetFor(rank) + "/article/" + rank)
                .headers(h -> {
                    h.put(HttpHeader.HOST, host(rank));
                    if (extraHeader != null) {
                        h.put(extraHeader, extraValue.apply(rank));
                    }
                })
                .timeout(30, TimeUnit.SECONDS);
    }

    /** What a response says: answered 200, and then the worker's headers. */
    private record Outcome(boolean ok, long hits, long misses, String worker) {

        static Outcome of(Result result) {
            if (result.isFailed() || result.getResponse().getStatus() != 200) {
                return new Outcome(false, 0, 0, null);
            }
            var headers = result.getResponse().getHeaders();
            String worker = headers.get("X-Worker");
            return new Outcome(true, headers.getLongField("X-Hits"), headers.getLongField("X-Misses"), worker == null ? "?" : worker);
        }
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
                    int rank = pick(random);
                    long sent = System.nanoTime();
                    request(rank).send(new BufferingResponseListener(64 * 1024) {
                                @Override
                                public void onComplete(Result result) {
                                    recorder.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                                    completed.incrementAndGet();
                                    Outcome o = Outcome.of(result);
                                    if (!o.ok()) {
                                        errors.increment();
                                    } else {
                                        hits.add(o.hits());
                                        misses.add(o.misses());
                                        byWorker.computeIfAbsent(o.worker(), w -> new LongAdder()).increment();
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

    /**
     * Starts closed-loop load with this generator's {@code concurrency} users,
     * until {@link Session#stop} or {@code limit}. A user whose request failed
     * waits 10 ms before its next one, so that a load balancer that is down
     * is not hammered by a spinning loop.
     */
    public Session closedLoop(long seed, Duration limit) {
        Session session = new Session(concurrency);
        long end = session.startNanos + limit.toNanos();
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int u = 0; u < concurrency; u++) {
            Random random = new Random(seeds.nextLong());
            new Object() {
                void next() {
                    if (session.stopped.get() || System.nanoTime() >= end) {
                        session.senders.countDown();
                        return;
                    }
                    int rank = pick(random);
                    long now = System.nanoTime();
                    session.send(rank, now, ok -> {
                        if (ok) {
                            // A fresh task, not recursion.
                            client.getExecutor().execute(this::next);
                        } else {
                            client.getScheduler().schedule(() -> client.getExecutor().execute(this::next), 10, TimeUnit.MILLISECONDS);
                        }
                    });
                }
            }.next();
        }
        return session;
    }

    /**
     * Starts open-loop load: requests meant to be sent at Poisson arrival times
     * of {@code perSecond} on average, at most {@code maxRequests} of them,
     * until {@link Session#stop} or {@code limit}. One sender thread sends each
     * at its time unless {@code maxOutstanding} requests are outstanding; then
     * it waits for one to complete and sends late, and that request's latency
     * still counts from its intended time (no coordinated omission).
     */
    public Session openLoop(double perSecond, int maxOutstanding, long maxRequests, long seed, Duration limit) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("perSecond must be positive, got " + perSecond);
        }
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException("maxOutstanding must be at least 1, got " + maxOutstanding);
        }
        Session session = new Session(1);
        long end = session.startNanos + limit.toNanos();
        Semaphore permits = new Semaphore(maxOutstanding);
        Random random = new Random(seed);
        Thread sender = new Thread(() -> {
            try {
                long intended = session.startNanos;
                for (long i = 0; i < maxRequests; i++) {
                    intended += (long) (-Math.log(1 - random.nextDouble()) / perSecond * 1e9);
                    if (intended >= end) {
                        break;
                    }
                    long wait;
                    while ((wait = intended - System.nanoTime()) > 0 && !session.stopped.get()) {
                        LockSupport.parkNanos(Math.min(wait, 10_000_000));
                    }
                    boolean permitted = false;
                    while (!session.stopped.get() && !(permitted = permits.tryAcquire(10, TimeUnit.MILLISECONDS))) {
                        // held back by maxOutstanding: the intended time stays, the latency grows
                    }
                    if (!permitted) {
                        break;
                    }
                    session.send(pick(random), intended, ok -> permits.release());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                session.senders.countDown();
            }
        }, "open-loop-sender");
        sender.setDaemon(true);
        sender.start();
        return session;
    }
}
