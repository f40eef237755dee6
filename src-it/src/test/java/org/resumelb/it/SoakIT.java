package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Minutes of steady load while workers join and die: at the end nothing is
 * left in flight, the proxy's pool is exactly the running workers, and the
 * proxy's heap after a full GC and its open files are back near where they
 * started. Length: {@code -Dit.soak.seconds} (default 120, at least
 * {@value #MIN_SECONDS}). Every {@value #EVENT_MILLIS} ms of the soak a worker
 * joins (when 3 are running) or one is killed with SIGKILL (when 4 are): the
 * first join is due at 10 s and the first kill at 20 s, so every allowed length
 * has both.
 */
class SoakIT {

    static final long MIN_SECONDS = 30;
    static final long EVENT_MILLIS = 10_000;
    /** Files this JVM holds for one running worker, at most (see the end of the test). */
    static final long FILES_PER_WORKER = 8;

    long seconds;
    Fleet fleet;

    @BeforeEach
    void start() throws Exception {
        seconds = Long.getLong("it.soak.seconds", 120);
        if (seconds < MIN_SECONDS) {
            throw new IllegalArgumentException("-Dit.soak.seconds=" + seconds + " is too short: a soak lasts at least " + MIN_SECONDS
                    + " s, so that a worker joins (at 10 s) and one is killed (at 20 s)");
        }
        fleet = Fleet.start("soak-w", 3, 16);
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            It.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void steadyLoadWithWorkersJoiningAndLeavingLeavesNothingBehind() throws Exception {
        Fleet.Load load = fleet.load(4, (seconds + 60) * 1000, 2_000_000,
                (thread, i) -> "site-" + ((thread * 7919 + i * 31) % 40) + ".news");
        It.sleep(5_000); // warm: connections, caches, JIT
        long heapStart = heapAfterGc();
        long filesStart = openFiles();
        int workersStart = fleet.aliveUrls().size();
        long soakStart = System.currentTimeMillis();
        long soakEnd = soakStart + seconds * 1000;
        int joins = 0;
        int kills = 0;
        // Events on a fixed schedule (10 s, 20 s, …), not after fixed pauses: a slow join does not push the next event out.
        for (long due = soakStart + EVENT_MILLIS; due < soakEnd; due += EVENT_MILLIS) {
            It.sleep(Math.max(0, due - System.currentTimeMillis()));
            if (System.currentTimeMillis() >= soakEnd) {
                break; // an event that ran late (a worker slow to start) does not lengthen the soak
            }
            if (fleet.aliveUrls().size() > 3) {
                WorkerProcess victim = fleet.workers().stream().filter(WorkerProcess::alive).skip(1).findFirst().orElseThrow();
                victim.kill();
                kills++;
            } else {
                fleet.addWorker();
                joins++;
            }
        }
        It.sleep(Math.max(0, soakEnd - System.currentTimeMillis()));
        load.stop();
        It.sleep(2_000);
        long heapEnd = heapAfterGc();
        long filesEnd = openFiles();
        int workersEnd = fleet.aliveUrls().size();
        ProxyNode proxy = fleet.proxy();
        int backlog = proxy.settledBacklog();
        System.out.printf("soak %d s: %s, %d joins, %d SIGKILLs; in flight at the end %d;"
                        + " heap after GC %.1f MB -> %.1f MB; open files %d -> %d with %d -> %d workers; live workers %s%n",
                seconds, load.summary(), joins, kills, backlog, heapStart / 1048576.0, heapEnd / 1048576.0,
                filesStart, filesEnd, workersStart, workersEnd, proxy.liveWorkers());
        assertEquals(0, backlog, "no in-flight count left");
        assertEquals(0, load.errors(), "no request failed while workers came and went");
        assertTrue(heapEnd <= heapStart + 32L * 1024 * 1024, "heap back near its start");
        // A worker running at the end that was not at the start holds files of its own here: its process's pipes and
        // log, the proxy's connections to it (at most one per load thread) and its push connection, 8 in all.
        long filesBound = filesStart + 16 + FILES_PER_WORKER * Math.max(0, workersEnd - workersStart);
        assertTrue(filesEnd <= filesBound, "open files back near their start: " + filesStart + " -> " + filesEnd + " with "
                + workersStart + " -> " + workersEnd + " workers (bound " + filesBound + ")");
        assertTrue(joins >= 1 && kills >= 1, "workers joined and left: " + joins + " joins, " + kills + " SIGKILLs");
        fleet.awaitWorkers(); // the pool ends with exactly the running workers: the joined ones in, the killed ones out
    }
}
