package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hot class: one site at 10x the rate of each other site. The other
 * classes' p90 latency stays within 2x of what it was without the hot class,
 * and the hot class spreads over more than one worker. Open-loop (Poisson)
 * arrivals, so a slow proxy cannot hide behind fewer requests; each request is
 * a write that takes the worker 50 ms.
 */
class HotClassIT {

    static final int OTHERS = 20;
    static final double OTHER_RATE = 10.0;
    static final long PHASE_MILLIS = 12_000;
    static final int WINDOWS = 3;

    Fleet fleet;

    @BeforeEach
    void start() throws Exception {
        fleet = Fleet.start("hot-w", 4, 256);
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    record Phase(Histogram others, Histogram hot, Map<String, Long> hotWorkers, long errors) {
        /** Both phases' figures together; {@code a} may be null. */
        static Phase sum(Phase a, Phase b) {
            if (a == null) {
                return b;
            }
            Histogram others = a.others().copy();
            others.add(b.others());
            Histogram hot = a.hot().copy();
            hot.add(b.hot());
            Map<String, Long> hotWorkers = new TreeMap<>(a.hotWorkers());
            b.hotWorkers().forEach((w, n) -> hotWorkers.merge(w, n, Long::sum));
            return new Phase(others, hot, hotWorkers, a.errors() + b.errors());
        }
    }

    Phase run(double hotRate, long millis, long seed) throws Exception {
        Recorder others = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        Recorder hot = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        ConcurrentHashMap<String, LongAdder> hotWorkers = new ConcurrentHashMap<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong inFlight = new AtomicLong();
        Random random = new Random(seed);
        record Next(long at, int site, double rate) {
        }
        PriorityQueue<Next> schedule = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        long start = System.nanoTime();
        for (int s = 0; s < OTHERS; s++) {
            schedule.add(new Next(start, s, OTHER_RATE));
        }
        if (hotRate > 0) {
            schedule.add(new Next(start, -1, hotRate));
        }
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        long sent = 0;
        while (!schedule.isEmpty() && sent < 100_000) {
            Next n = schedule.poll();
            if (n.at() >= end) {
                break;
            }
            long wait = n.at() - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            boolean isHot = n.site() < 0;
            String host = isHot ? "hot.news" : "site-" + n.site() + ".news";
            long t0 = System.nanoTime();
            inFlight.incrementAndGet();
            fleet.request("/write?delay=50", host).method(HttpMethod.POST)
                    .body(new StringRequestContent("x"))
                    .timeout(30, TimeUnit.SECONDS)
                    .send(new BufferingResponseListener() {
                        @Override
                        public void onComplete(Result result) {
                            long micros = Math.max(1, (System.nanoTime() - t0) / 1000);
                            (isHot ? hot : others).recordValue(micros);
                            if (result.isFailed() || result.getResponse().getStatus() != 200) {
                                errors.incrementAndGet();
                            } else if (isHot) {
                                hotWorkers.computeIfAbsent(result.getResponse().getHeaders().get("X-Worker"), w -> new LongAdder()).increment();
                            }
                            inFlight.decrementAndGet();
                        }
                    });
            sent++;
            double gapSeconds = -Math.log(1 - random.nextDouble()) / n.rate();
            schedule.add(new Next(n.at() + (long) (gapSeconds * 1e9), n.site(), n.rate()));
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            It.sleep(10);
        }
        Map<String, Long> byWorker = new TreeMap<>();
        hotWorkers.forEach((w, n) -> byWorker.put(w, n.sum()));
        return new Phase(others.getIntervalHistogram(), hot.getIntervalHistogram(), byWorker, errors.get());
    }

    @Test
    void aHotClassSpreadsAndDoesNotSlowTheOthers() throws Exception {
        // Warm: every site finds its worker, and the JVMs compile their hot paths (in the first 8-14 s after the fleet
        // started, others' p90 was 0.2-0.9 s with and without the hot class alike; 60-100 ms after). The hot class is
        // not warmed: how it spreads when it appears is part of what is measured.
        run(0, 14_000, 1);
        // Windows without and with the hot class alternate, so that what changes over the run (JIT, the slow start of
        // the workers just joined, a neighbour on the machine) weighs on both alike.
        Phase without = null;
        Phase with = null;
        for (int w = 0; w < WINDOWS; w++) {
            Phase a = run(0, PHASE_MILLIS / WINDOWS, 2 + 2 * w);
            Phase b = run(10 * OTHER_RATE, PHASE_MILLIS / WINDOWS, 3 + 2 * w);
            System.out.printf("window %d: others' p90/p99 %.1f/%.1f ms without, %.1f/%.1f ms with%n", w,
                    a.others().getValueAtPercentile(90) / 1000.0, a.others().getValueAtPercentile(99) / 1000.0,
                    b.others().getValueAtPercentile(90) / 1000.0, b.others().getValueAtPercentile(99) / 1000.0);
            without = Phase.sum(without, a);
            with = Phase.sum(with, b);
        }
        for (var e : Map.of("without", without, "with", with).entrySet()) {
            Histogram h = e.getValue().others();
            System.out.printf("others %s the hot class: p50 %.1f, p90 %.1f, p99 %.1f, max %.1f ms%n", e.getKey(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getMaxValue() / 1000.0);
        }
        double p90Without = without.others().getValueAtPercentile(90) / 1000.0;
        double p90With = with.others().getValueAtPercentile(90) / 1000.0;
        long hotTotal = with.hotWorkers().values().stream().mapToLong(Long::longValue).sum();
        long workersWithHot = with.hotWorkers().values().stream().filter(n -> n >= hotTotal * 0.05).count();
        System.out.printf("hot class at %.0f req/s vs %.0f req/s per other site: others' p90 %.1f ms without, %.1f ms with (ratio %.2f);"
                        + " %d other requests without, %d with; hot class served by %s; errors %d/%d%n",
                10 * OTHER_RATE, OTHER_RATE, p90Without, p90With, p90With / p90Without, without.others().getTotalCount(),
                with.others().getTotalCount(), with.hotWorkers(), without.errors(), with.errors());
        assertEquals(0, without.errors() + with.errors());
        // p90, not p99: one pause of the loaded machine longer than a hundredth of a phase would decide a p99 alone.
        assertTrue(p90With <= 2 * p90Without, "others' p90 within 2x: " + p90Without + " -> " + p90With);
        assertTrue(workersWithHot >= 2, "the hot class spreads over more than one worker: " + with.hotWorkers());
    }
}
