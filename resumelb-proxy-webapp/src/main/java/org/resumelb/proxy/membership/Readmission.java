package org.resumelb.proxy.membership;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.resumelb.agent.Log;
import org.resumelb.agent.resume.Resume;

/**
 * The way back into the pool for a worker ejected after a failed connection.
 * A résumé pushed by an ejected worker proves only that the worker's client
 * side works (its push thread), not that it accepts connections: a container
 * that is stopping closes its connector first and undeploys the webapp (whose
 * filter then says it is draining) seconds later, and in between its
 * heartbeats keep coming. So the résumé is held here, and the load balancer
 * connects to the worker itself ({@link Probe}); only when the worker answers
 * is the latest résumé it pushed applied. While it does not, the probe is
 * repeated with a backoff ({@value #FIRST_RETRY_MILLIS} ms doubling up to
 * {@value #MAX_RETRY_MILLIS} ms) until it answers, sends a newer résumé, drains,
 * or has pushed nothing for {@code giveUpAfter} ({@code workerTtl}).
 *
 * <p><b>Concurrency contract.</b> Thread-safe. The held résumés are a
 * concurrent map with one entry per worker, changed only inside that entry's
 * compute, so at most one probe per worker is in flight or scheduled; probes
 * complete on the probe's threads and retries run on {@code timer}, neither
 * ever waits for another worker. Applying a résumé is the directory's own
 * serialized change of that worker, which ignores it unless the worker is
 * still ejected.
 */
public final class Readmission implements AutoCloseable {

    private static final Log LOG = Log.get(Readmission.class);

    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;

    /** Whether a worker accepts connections and answers HTTP now. */
    @FunctionalInterface
    public interface Probe {
        /** Completes with true when {@code workerUrl} answered; never completes exceptionally for a worker that did not. */
        CompletableFuture<Boolean> answers(String workerUrl);
    }

    /** The latest résumé of a worker; while an entry exists, exactly one probe of it is in flight or scheduled. */
    private record Held(Resume resume, long lastPushNanos, int failures) {
    }

    private final Probe probe;
    private final ScheduledExecutorService timer;
    private final long giveUpNanos;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, Resume> readmit;
    private volatile boolean closed;

    /**
     * @param giveUpAfter how long after a worker's last push its résumé is dropped when it never answers
     */
    public Readmission(Probe probe, ScheduledExecutorService timer, Duration giveUpAfter) {
        this.probe = Objects.requireNonNull(probe, "probe");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.giveUpNanos = giveUpAfter.toNanos();
    }

    /** Called once by the directory that owns this: how a résumé of a worker that answered is applied. */
    void readmitWith(BiConsumer<String, Resume> readmit) {
        this.readmit = readmit;
    }

    /** Holds the latest résumé of an ejected worker and probes it unless a probe is already under way. */
    void offer(String url, Resume resume) {
        boolean[] start = new boolean[1];
        held.compute(url, (u, h) -> {
            start[0] = h == null;
            return new Held(resume, System.nanoTime(), h == null ? 0 : h.failures());
        });
        if (start[0]) {
            probe(url);
        }
    }

    /** Drops what is held for {@code url} (it drained, expired, or came back another way). */
    void forget(String url) {
        held.remove(url);
    }

    /** Workers whose résumé is held until they answer. */
    public int waiting() {
        return held.size();
    }

    /** Whether a résumé of {@code url} is held until it answers (it is probed now or soon). */
    public boolean holds(String url) {
        return held.containsKey(url);
    }

    private void probe(String url) {
        if (closed) {
            return;
        }
        CompletableFuture<Boolean> answer;
        try {
            answer = probe.answers(url);
        } catch (RuntimeException e) {
            answer = CompletableFuture.completedFuture(false);
        }
        answer.whenComplete((ok, failure) -> {
            if (Boolean.TRUE.equals(ok)) {
                Held h = held.remove(url);
                BiConsumer<String, Resume> r = readmit;
                if (h != null && r != null && !closed) {
                    r.accept(url, h.resume());
                }
            } else {
                retryLater(url);
            }
        });
    }

    private void retryLater(String url) {
        long[] delay = {-1};
        held.computeIfPresent(url, (u, h) -> {
            if (closed || System.nanoTime() - h.lastPushNanos() > giveUpNanos) {
                LOG.info("ResumeLB worker {} still does not answer and pushes no more: it stays out of the pool", u);
                return null;
            }
            delay[0] = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(h.failures(), 16));
            return new Held(h.resume(), h.lastPushNanos(), h.failures() + 1);
        });
        if (delay[0] < 0) {
            return;
        }
        try {
            timer.schedule(() -> probe(url), delay[0], TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            held.remove(url); // the load balancer is stopping
        }
    }

    @Override
    public void close() {
        closed = true;
        held.clear();
    }
}
