package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The harness the pool contention tests share: a request thread's leases
 * (held a few at a time, the oldest released), the backlog invariant a churn
 * thread checks on snapshots, and the run of request threads against one
 * churn thread, bounded in time.
 */
final class Contention {

    private Contention() {
    }

    /**
     * The leases one request thread holds. Not thread-safe: each request
     * thread has its own; the counters it is given may be shared.
     */
    static final class Leases {

        private final Pool pool;
        private final AtomicLong acquired;
        private final AtomicLong released;
        private final ArrayDeque<PoolWorker> held = new ArrayDeque<>();

        Leases(Pool pool, AtomicLong acquired, AtomicLong released) {
            this.pool = pool;
            this.acquired = acquired;
            this.released = released;
        }

        /**
         * Holds {@code w} (counted as acquired), then releases the oldest lease
         * held when more than {@code random.nextInt(1, bound)} are.
         */
        void hold(PoolWorker w, SplittableRandom random, int bound) {
            acquired.incrementAndGet();
            held.add(w);
            if (held.size() > random.nextInt(1, bound)) {
                release();
            }
        }

        /** Releases every lease still held. */
        void releaseAll() {
            while (!held.isEmpty()) {
                release();
            }
        }

        private void release() {
            pool.release(held.poll());
            released.incrementAndGet();
        }
    }

    /**
     * Throws when a snapshot of {@code pool} has a backlog other than its
     * workers' sum, or a negative one.
     */
    static void checkBacklogs(Pool pool) {
        PoolSnapshot snap = pool.snapshot();
        int sum = snap.workers().stream().mapToInt(PoolSnapshot.WorkerStatus::backlog).sum();
        if (sum != snap.backlog() || sum < 0) {
            throw new AssertionError("pool backlog " + snap.backlog() + " but its workers sum to " + sum);
        }
    }

    /**
     * Starts the request threads, then the churn; waits up to 2 minutes for
     * each request thread, which must have finished; then sets {@code done}
     * and waits up to a minute for the churn.
     */
    static void run(List<Thread> requesters, Thread churn, AtomicBoolean done) throws InterruptedException {
        requesters.forEach(Thread::start);
        churn.start();
        for (Thread t : requesters) {
            t.join(TimeUnit.MINUTES.toMillis(2));
            assertFalse(t.isAlive(), t.getName() + " finished");
        }
        done.set(true);
        churn.join(TimeUnit.MINUTES.toMillis(1));
    }
}
