package org.resumelb.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;

/**
 * Load for the benchmarks, asynchronous (Jetty's HTTP client, no thread waits
 * on a response), bounded in time and in count. Closed loop: {@code users}
 * virtual users, each sending its next request when the previous one ends,
 * which measures throughput. Open loop: requests sent on a fixed schedule
 * whatever the answers, which measures latency without coordinated omission
 * (each latency counts from the time the request was due).
 */
final class Load {

    record Result(long requests, long errors, double seconds, Histogram micros) {
        double perSecond() {
            return requests / seconds;
        }

        double p50Millis() {
            return micros.getValueAtPercentile(50) / 1000.0;
        }

        double p99Millis() {
            return micros.getValueAtPercentile(99) / 1000.0;
        }
    }

    private final HttpClient client;
    private final IntFunction<Request> request;

    /** {@code request} builds the i-th request. */
    Load(HttpClient client, IntFunction<Request> request) {
        this.client = client;
        this.request = request;
    }

    Result closed(int users, Duration duration, long maxRequests) throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        LongAdder errors = new LongAdder();
        AtomicLong started = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        CountDownLatch done = new CountDownLatch(users);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (int u = 0; u < users; u++) {
            new Object() {
                void next() {
                    long n = started.incrementAndGet();
                    if (System.nanoTime() >= end || n > maxRequests) {
                        done.countDown();
                        return;
                    }
                    long sent = System.nanoTime();
                    request.apply((int) n).timeout(30, TimeUnit.SECONDS).send(new BufferingResponseListener(1 << 20) {
                        @Override
                        public void onComplete(org.eclipse.jetty.client.Result result) {
                            recorder.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                            completed.incrementAndGet();
                            if (result.isFailed() || result.getResponse().getStatus() != 200) {
                                errors.increment();
                            }
                            client.getExecutor().execute(() -> next());
                        }
                    });
                }
            }.next();
        }
        if (!done.await(duration.toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("load did not finish in time");
        }
        return new Result(completed.get(), errors.sum(), (System.nanoTime() - start) / 1e9, recorder.getIntervalHistogram());
    }

    Result open(double perSecond, Duration duration) throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        LongAdder errors = new LongAdder();
        long total = Math.round(perSecond * duration.toNanos() / 1e9);
        CountDownLatch done = new CountDownLatch((int) total);
        long start = System.nanoTime();
        double gap = 1e9 / perSecond;
        for (int i = 0; i < total; i++) {
            long due = start + Math.round(i * gap);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            request.apply(i).timeout(30, TimeUnit.SECONDS).send(new BufferingResponseListener(1 << 20) {
                @Override
                public void onComplete(org.eclipse.jetty.client.Result result) {
                    recorder.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
                    if (result.isFailed() || result.getResponse().getStatus() != 200) {
                        errors.increment();
                    }
                    done.countDown();
                }
            });
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("open-loop load did not finish in time");
        }
        return new Result(total, errors.sum(), (System.nanoTime() - start) / 1e9, recorder.getIntervalHistogram());
    }
}
