package org.resumelb.benchmarks;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.skill.SkillTracker;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * Heap used by what ResumeLB keeps per class: the load balancer's directory and
 * pool with 64 workers × 10,000 classes each (the résumés as received), and a
 * worker's {@link SkillTracker} with 10,000 classes. Measured as the heap used
 * after full GCs, before and after, with the objects held. Résumés go through
 * the codec as the receiver's do, so class names are whatever the JSON parser
 * makes of them (Jackson canonicalizes field names, so the 64 workers' names
 * share strings).
 */
public final class Memory {

    static long usedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    public static void main(String[] args) throws Exception {
        int workers = 64;
        int classes = 10_000;
        usedAfterGc();
        long before = usedAfterGc();
        SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
        WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofHours(1), Duration.ofMinutes(5), Clock.systemUTC());
        long now = System.currentTimeMillis();
        org.resumelb.agent.resume.ResumeCodec codec = new org.resumelb.agent.resume.ResumeCodec(org.resumelb.agent.resume.ResumeLimits.DEFAULT);
        for (int w = 0; w < workers; w++) {
            Map<String, Double> skills = new HashMap<>();
            for (int c = 0; c < classes; c++) {
                skills.put("site-" + c + ".news", 1.0 + c % 97);
            }
            // Through the codec, as the receiver gets it: the names are parsed from each worker's own JSON.
            byte[] json = codec.encode(new Resume("http://10.0.1." + w + ":8080/app", "w" + w + "#1", "1", 1, now, false, skills));

            directory.accept(codec.decode(json));
        }
        long proxy = usedAfterGc() - before;
        if (pool.size() != workers) {
            throw new IllegalStateException("pool has " + pool.size());
        }

        long beforeTracker = usedAfterGc();
        SkillTracker tracker = new SkillTracker(100, 1_000_000, classes);
        for (int c = 0; c < classes; c++) {
            tracker.record("site-" + c + ".news", 0.004);
        }
        long worker = usedAfterGc() - beforeTracker;
        if (tracker.size() != classes) {
            throw new IllegalStateException("tracker has " + tracker.size());
        }
        System.out.printf(Locale.ROOT, "proxy: %d workers x %d classes: %.1f MB, %.0f bytes per (worker, class)%n",
                workers, classes, proxy / 1e6, (double) proxy / workers / classes);
        System.out.printf(Locale.ROOT, "worker: skill tracker with %d classes: %.2f MB, %.0f bytes per class%n",
                classes, worker / 1e6, (double) worker / classes);
        // Keep everything reachable until measured.
        System.out.println("(held: " + pool.size() + " workers, " + tracker.size() + " classes)");
        directory.close();
    }
}
