package org.resumelb.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.Pools;

/**
 * The pool's side of one résumé push at fleet scale (docs/fleet-scale.md; the
 * codec's side is {@link CodecBenchmark}): a pool of {@code workers} workers,
 * each with {@code classesPerWorker} classes in its résumé and each class in
 * the résumés of two workers, as résumé routing leaves them; one worker's
 * skills replaced, every score changed (the worst case: a busy worker's scores
 * all move between two pushes). The pool's monitor is held meanwhile.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class FleetBenchmark {

    @Param({"1000"})
    public int workers;

    @Param({"100", "1000"})
    public int classesPerWorker;

    Pool pool;
    String[] urls;
    /** Two résumés per worker whose every score differs, pushed in turn. */
    Map<String, Double>[][] skills;
    int next;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        int classes = workers * classesPerWorker / 2;
        pool = Pools.create("resume", PoolSettings.DEFAULTS);
        urls = new String[workers];
        skills = new Map[workers][2];
        for (int w = 0; w < workers; w++) {
            urls[w] = "http://10.0." + (w / 250) + "." + (w % 250) + ":8080/app";
            skills[w][0] = new HashMap<>();
            skills[w][1] = new HashMap<>();
        }
        for (int c = 0; c < classes; c++) {
            String name = "site-" + c + ".news";
            for (int w : new int[] {c % workers, (c * 7 + 1 + c / workers) % workers}) {
                skills[w][0].put(name, 1 + 500 * random.nextDouble());
                skills[w][1].put(name, 1 + 500 * random.nextDouble());
            }
        }
        for (int w = 0; w < workers; w++) {
            pool.update(urls[w], "1", skills[w][0]);
        }
    }

    /** A load balancer replaces the worker's skills in a pool of {@code workers}, every score changed. */
    @Benchmark
    public boolean poolUpdate() {
        int i = next++;
        int w = i % workers;
        return pool.update(urls[w], "1", skills[w][(i / workers + 1) & 1]);
    }
}
