package org.resumelb.benchmarks;

import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * The résumé codec on a résumé of 100 or 1000 classes: what a worker pays per
 * push (once for all its load balancers), and a load balancer per receipt. The
 * setup prints the body's size in bytes, which JMH does not measure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class CodecBenchmark {

    @org.openjdk.jmh.annotations.Param({"100", "1000"})
    public int classes;

    final ResumeCodec codec = new ResumeCodec(ResumeLimits.DEFAULT);
    final byte[] key = "benchmark-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    Resume resume;
    byte[] body;
    String signature;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(1);
        Map<String, Double> skills = new HashMap<>();
        for (int i = 0; i < classes; i++) {
            skills.put("site-" + i + ".news", 1 + 500 * random.nextDouble());
        }
        resume = new Resume("http://10.0.0.5:8080/app", "10.0.0.5:8080/app#6f1c", "2.3.1", 42, System.currentTimeMillis(), false, skills);
        body = codec.encode(resume);
        signature = Protocol.sign(key, body);
        System.out.printf("%n# CodecBenchmark: a résumé of %d classes is %d bytes, its signature header %d bytes%n", classes, body.length,
                signature.length());
    }

    @Benchmark
    public String encodeAndSign() {
        return Protocol.sign(key, codec.encode(resume));
    }

    @Benchmark
    public Resume verifyAndDecode() throws ResumeException {
        return codec.verifyAndDecode(key, body, signature);
    }
}
