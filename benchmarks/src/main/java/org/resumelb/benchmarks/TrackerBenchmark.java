package org.resumelb.benchmarks;

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
import org.resumelb.agent.skill.SkillTracker;

/**
 * The filter's per-request cost on the worker: one {@link SkillTracker#record}
 * (the decayed per-class timing of SkillTracker) with the filter's defaults
 * (history 100, 10,000 classes at most), over 1000 classes, from 1 and 4 threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class TrackerBenchmark {

    @Param({"1000"})
    public int classes;

    SkillTracker tracker;
    String[] requests;

    @Setup
    public void setUp() {
        tracker = new SkillTracker(100, 1000, 10_000);
        SplittableRandom random = new SplittableRandom(3);
        requests = new String[1 << 16];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = "site-" + random.nextInt(classes) + ".news";
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    @Threads(1)
    public boolean record1Thread(Cursor c) {
        return tracker.record(requests[c.next++ & (requests.length - 1)], 0.004);
    }

    @Benchmark
    @Threads(4)
    public boolean record4Threads(Cursor c) {
        return tracker.record(requests[c.next++ & (requests.length - 1)], 0.004);
    }
}
