package org.resumelb.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.PoolWorker;
import org.resumelb.proxy.pool.Pools;

/**
 * The routing decision: {@code acquire} + {@code release} on the résumé pool
 * (zc.resumelb's algorithm) with 8, 64 or 256 workers and 10,000 classes, each
 * class in the résumés of two workers. Requests pick classes uniformly from a
 * pre-shuffled array, so the benchmark allocates nothing itself and JMH's gc
 * profiler ({@code -prof gc}) shows what the pool allocates. Target: at most
 * 1 µs single-threaded at 64 workers, no allocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class PoolBenchmark {

    @Param({"8", "64", "256"})
    public int workers;

    @Param({"10000"})
    public int classes;

    @Param({"resume"})
    public String policy;

    Pool pool;
    String[] requests;

    @Setup
    public void setUp() {
        pool = Pools.create(policy, PoolSettings.DEFAULTS);
        SplittableRandom random = new SplittableRandom(42);
        Map<Integer, Map<String, Double>> resumes = new HashMap<>();
        String[] names = new String[classes];
        for (int c = 0; c < classes; c++) {
            names[c] = "site-" + c + ".news";
            int first = c % workers;
            int second = (c * 7 + 1) % workers;
            resumes.computeIfAbsent(first, k -> new HashMap<>()).put(names[c], 10 + 90 * random.nextDouble());
            resumes.computeIfAbsent(second, k -> new HashMap<>()).put(names[c], 10 + 90 * random.nextDouble());
        }
        for (int w = 0; w < workers; w++) {
            pool.update("http://10.0.0." + w + ":8080/app", "1", resumes.getOrDefault(w, Map.of()));
        }
        requests = new String[1 << 16];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = names[random.nextInt(classes)];
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;

        String pick(String[] requests) {
            return requests[next++ & (requests.length - 1)];
        }
    }

    @Benchmark
    @Threads(1)
    public PoolWorker acquireRelease1Thread(Cursor cursor) {
        PoolWorker w = pool.acquire(cursor.pick(requests));
        pool.release(w);
        return w;
    }

    @Benchmark
    @Threads(8)
    public PoolWorker acquireRelease8Threads(Cursor cursor) {
        PoolWorker w = pool.acquire(cursor.pick(requests));
        pool.release(w);
        return w;
    }
}
