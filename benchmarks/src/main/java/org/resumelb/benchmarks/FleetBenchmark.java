package org.resumelb.benchmarks;

import java.nio.charset.StandardCharsets;
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
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.Pools;

/**
 * What one résumé push costs at fleet scale (docs/fleet-scale.md): a pool of
 * {@code workers} workers, each with {@code classesPerWorker} classes in its
 * résumé and each class in the résumés of two workers, as résumé routing
 * leaves them. Per push the worker encodes and signs once (the same body goes
 * to every load balancer); each load balancer verifies and decodes it and
 * replaces the worker's skills in its pool, every score changed (the worst
 * case: a busy worker's scores all move between two pushes). The setup prints
 * the body's size in bytes, which JMH does not measure.
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

    final ResumeCodec codec = new ResumeCodec(ResumeLimits.DEFAULT);
    final byte[] key = "benchmark-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    Pool pool;
    String[] urls;
    /** Two résumés per worker whose every score differs, pushed in turn. */
    Map<String, Double>[][] skills;
    Resume resume;
    byte[] body;
    String signature;
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
        resume = new Resume(urls[0], "10.0.0.0:8080/app#6f1c", "2.3.1", 42, System.currentTimeMillis(), false, skills[0][0]);
        body = codec.encode(resume);
        signature = Protocol.sign(key, body);
        System.out.printf("%n# FleetBenchmark: %d workers, %d classes per worker (%d in the pool): one résumé body is %d bytes,"
                + " signature header %d bytes%n", workers, skills[0][0].size(), classes, body.length, signature.length());
    }

    /** The worker's side of one push, once for all load balancers. */
    @Benchmark
    public String encodeAndSign() {
        return Protocol.sign(key, codec.encode(resume));
    }

    /** A load balancer's side of one push: check the signature and parse the body... */
    @Benchmark
    public Resume verifyAndDecode() throws ResumeException {
        return codec.verifyAndDecode(key, body, signature);
    }

    /** ...and replace the worker's skills in a pool of {@code workers}, every score changed. */
    @Benchmark
    public boolean poolUpdate() {
        int i = next++;
        int w = i % workers;
        return pool.update(urls[w], "1", skills[w][(i / workers + 1) & 1]);
    }
}
