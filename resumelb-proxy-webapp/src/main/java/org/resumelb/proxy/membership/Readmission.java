package org.resumelb.proxy.membership;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.resumelb.agent.Log;
import org.resumelb.agent.resume.Resume;

/**
 * The way into the pool for a worker the load balancer has not reached yet:
 * one ejected after a failed connection, and an {@code https://} worker
 * before it first joins. A résumé pushed by such a worker proves only that
 * the worker's client side works (its push thread), not that it accepts
 * connections: a container that is stopping closes its connector first and
 * undeploys the webapp (whose filter then says it is draining) seconds later,
 * and in between its heartbeats keep coming; an https worker whose
 * certificate the load balancer does not trust ({@link WorkerTls}) pushes
 * happily but no request could reach it. So the résumé is held here, and the
 * load balancer connects to the worker itself ({@link Probe}); only when the
 * worker answers is the latest résumé it pushed applied. While it does not,
 * the probe is repeated with a backoff ({@value #FIRST_RETRY_MILLIS} ms
 * doubling up to {@value #MAX_RETRY_MILLIS} ms) until it answers, sends a
 * newer résumé, drains, or has pushed nothing for {@code giveUpAfter}
 * ({@code workerTtl}). Why the last probe failed is kept ({@link #problems})
 * for the status page. A joining worker that cannot be reached is logged as a
 * warning once while its résumés are held, not once per push: at the first
 * failure that will not pass by itself (a failed TLS handshake: its
 * certificate is not trusted), or once it has failed for
 * {@value #WARN_AFTER_MILLIS} ms (a worker still starting, whose connector
 * does not accept yet, is not warned about).
 *
 * <p><b>Concurrency contract.</b> Thread-safe. The held résumés are a
 * concurrent map with one entry per worker, changed only inside that entry's
 * compute, so at most one probe per entry is in flight or scheduled (a probe
 * of an entry since dropped and made again changes nothing when it ends);
 * probes complete on the probe's threads and retries run on {@code timer},
 * neither ever waits for another worker. Applying a résumé is the directory's
 * own serialized change of that worker, which ignores it unless the worker is
 * still where it was held from (ejected, or not known at all).
 */
public final class Readmission implements AutoCloseable {

    private static final Log LOG = Log.get(Readmission.class);

    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;
    /** How long a joining worker fails to answer before a failure that may pass by itself is logged. */
    static final long WARN_AFTER_MILLIS = 10_000;

    /** Whether a worker accepts connections and answers HTTP now. */
    @FunctionalInterface
    public interface Probe {
        /**
         * Completes with null when {@code workerUrl} answered, otherwise with why not; never completes exceptionally.
         */
        CompletableFuture<Unreachable> problem(String workerUrl);
    }

    /**
     * Why a probe failed.
     *
     * @param why in a few words (a failed TLS handshake in the words of {@link WorkerTls#describe})
     * @param lasting whether it will not pass by itself (a failed TLS handshake), unlike a connection refused or timed out
     */
    public record Unreachable(String why, boolean lasting) {
    }

    /** How a held résumé is applied once its worker answered. */
    @FunctionalInterface
    interface Readmit {
        /** @param joining whether the worker was held before it first joined (rather than after an ejection) */
        void apply(String url, Resume resume, boolean joining);
    }

    /**
     * The latest résumé of a worker; while an entry exists, exactly one probe of it is in flight or scheduled.
     *
     * @param probe the identity of this entry's probe, kept by every change of the entry
     * @param joining whether the worker was held before it first joined, rather than after an ejection
     * @param problem why its last probe failed, or null before the first failure
     * @param failingSinceNanos when its first probe failed (meaningful once {@code failures > 0})
     * @param warned whether its failure to join was logged
     */
    private record Held(Resume resume, long lastPushNanos, int failures, Object probe, boolean joining, String problem,
                        long failingSinceNanos, boolean warned) {
        Held pushed(Resume newer) {
            return new Held(newer, System.nanoTime(), failures, probe, joining, problem, failingSinceNanos, warned);
        }
    }

    private final Probe probe;
    private final ScheduledExecutorService timer;
    private final long giveUpNanos;
    private final long warnAfterNanos;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile Readmit readmit;
    private volatile boolean closed;

    /**
     * @param giveUpAfter how long after a worker's last push its résumé is dropped when it never answers
     */
    public Readmission(Probe probe, ScheduledExecutorService timer, Duration giveUpAfter) {
        this(probe, timer, giveUpAfter, Duration.ofMillis(WARN_AFTER_MILLIS));
    }

    /** @param warnAfter how long a joining worker fails to answer before a failure that may pass by itself is logged */
    Readmission(Probe probe, ScheduledExecutorService timer, Duration giveUpAfter, Duration warnAfter) {
        this.probe = Objects.requireNonNull(probe, "probe");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.giveUpNanos = giveUpAfter.toNanos();
        this.warnAfterNanos = warnAfter.toNanos();
    }

    /** Called once by the directory that owns this: how a résumé of a worker that answered is applied. */
    void readmitWith(Readmit readmit) {
        this.readmit = readmit;
    }

    /**
     * Holds the latest résumé of a worker not reached yet and probes it unless a probe is already under way.
     *
     * @param joining whether the worker is held before it first joins (an https worker), rather than after an ejection
     */
    void offer(String url, Resume resume, boolean joining) {
        Object[] start = new Object[1];
        held.compute(url, (u, h) -> {
            if (h == null) {
                start[0] = new Object();
                return new Held(resume, System.nanoTime(), 0, start[0], joining, null, 0, false);
            }
            return h.pushed(resume);
        });
        if (start[0] != null) {
            probe(url, start[0]);
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

    /** Whether {@code url} is held before it first joins (rather than after an ejection). */
    boolean holdsJoining(String url) {
        Held h = held.get(url);
        return h != null && h.joining();
    }

    /** The workers held until they answer, each with why its last probe failed ("" before the first failure). */
    public Map<String, String> problems() {
        Map<String, String> problems = new java.util.TreeMap<>();
        held.forEach((url, h) -> problems.put(url, h.problem() == null ? "" : h.problem()));
        return problems;
    }

    private void probe(String url, Object id) {
        if (closed) {
            return;
        }
        CompletableFuture<Unreachable> answer;
        try {
            answer = probe.problem(url);
        } catch (RuntimeException e) {
            answer = CompletableFuture.completedFuture(new Unreachable(String.valueOf(e), false));
        }
        answer.whenComplete((problem, failure) -> {
            if (problem == null && failure == null) {
                Held[] answered = new Held[1];
                held.computeIfPresent(url, (u, h) -> {
                    if (h.probe() != id) {
                        return h;
                    }
                    answered[0] = h;
                    return null;
                });
                Readmit r = readmit;
                if (answered[0] != null && r != null && !closed) {
                    r.apply(url, answered[0].resume(), answered[0].joining());
                }
            } else {
                retryLater(url, id, problem != null ? problem : new Unreachable(String.valueOf(failure), false));
            }
        });
    }

    private void retryLater(String url, Object id, Unreachable problem) {
        long[] delay = {-1};
        boolean[] warn = new boolean[1];
        held.computeIfPresent(url, (u, h) -> {
            if (h.probe() != id) {
                return h; // dropped and held again meanwhile: the new entry has its own probe
            }
            long now = System.nanoTime();
            if (closed || now - h.lastPushNanos() > giveUpNanos) {
                LOG.info("ResumeLB worker {} still does not answer and pushes no more: it stays out of the pool ({})", u, problem.why());
                return null;
            }
            long failingSince = h.failures() == 0 ? now : h.failingSinceNanos();
            warn[0] = h.joining() && !h.warned()
                    && (problem.lasting() || now - failingSince >= warnAfterNanos);
            delay[0] = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(h.failures(), 16));
            return new Held(h.resume(), h.lastPushNanos(), h.failures() + 1, id, h.joining(), problem.why(), failingSince,
                    h.warned() || warn[0]);
        });
        if (delay[0] < 0) {
            return;
        }
        if (warn[0]) {
            LOG.warn("ResumeLB worker {} does not join: {} (its résumés wait until the load balancer reaches it)", url, problem.why());
        }
        try {
            timer.schedule(() -> probe(url, id), delay[0], TimeUnit.MILLISECONDS);
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
