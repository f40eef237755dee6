package org.resumelb.agent.resume;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ReplayGuardTest {

    static final long NOW = 1_795_000_000_000L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);

    static Resume resume(String id, long seq, long sentAt) {
        return new Resume("http://w:1", id, null, seq, sentAt, false, Map.of());
    }

    @Test
    void admitsIncreasingSeqAndRefusesReplays() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 100, CLOCK);
        assertDoesNotThrow(() -> g.admit(resume("a", 1, NOW)));
        assertDoesNotThrow(() -> g.admit(resume("a", 5, NOW)));
        ResumeException e = assertThrows(ResumeException.class, () -> g.admit(resume("a", 5, NOW)));
        assertEquals(ResumeException.Reason.REPLAYED, e.reason());
        assertEquals(409, e.status());
        assertTrue(e.getMessage().contains("seq 5 already seen") && e.getMessage().contains("last 5"), e.getMessage());
        assertEquals(ResumeException.Reason.REPLAYED, assertThrows(ResumeException.class, () -> g.admit(resume("a", 4, NOW))).reason());
        assertDoesNotThrow(() -> g.admit(resume("b", 1, NOW)), "ids are independent");
    }

    @Test
    void refusesStaleAndFutureDocuments() {
        ReplayGuard g = new ReplayGuard(Duration.ofSeconds(60), 100, CLOCK);
        ResumeException old = assertThrows(ResumeException.class, () -> g.admit(resume("a", 1, NOW - 61_000)));
        assertEquals(ResumeException.Reason.STALE, old.reason());
        assertTrue(old.getMessage().contains("in the past"), old.getMessage());
        ResumeException future = assertThrows(ResumeException.class, () -> g.admit(resume("a", 1, NOW + 61_000)));
        assertTrue(future.getMessage().contains("in the future"), future.getMessage());
        assertDoesNotThrow(() -> g.admit(resume("a", 1, NOW - 59_000)));
        assertEquals(1, g.size(), "a refused document records nothing");
    }

    @Test
    void remembersAtMostMaxIds() throws Exception {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 3, CLOCK);
        for (String id : List.of("a", "b", "c", "d")) {
            g.admit(resume(id, 1, NOW));
        }
        assertEquals(3, g.size());
        assertDoesNotThrow(() -> g.admit(resume("a", 1, NOW)), "the eldest id was forgotten");
        assertThrows(ResumeException.class, () -> g.admit(resume("d", 1, NOW)));
    }

    @Test
    void exactlyOneOfManyConcurrentIdenticalPushesIsAdmitted() throws Exception {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 1000, CLOCK);
        int threads = 8;
        int seqs = 2_000;
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int s = 1; s <= seqs; s++) {
                        try {
                            g.admit(resume("same", s, NOW));
                            admitted.incrementAndGet();
                        } catch (ResumeException e) {
                            // another thread won this seq (or a later one)
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(admitted.get() >= 1 && admitted.get() <= seqs, "each seq admitted at most once: " + admitted.get());
        assertThrows(ResumeException.class, () -> g.admit(resume("same", seqs, NOW)));
    }
}
