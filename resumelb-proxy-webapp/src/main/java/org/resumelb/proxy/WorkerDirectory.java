package org.resumelb.proxy;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;

import org.resumelb.agent.Log;
import org.resumelb.agent.resume.ReplayGuard;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.proxy.pool.Pool;

/**
 * Which workers the load balancer knows and in what state, feeding the pool.
 * A worker is live from its first accepted résumé until it says it is
 * draining, is ejected after a failed connection (until its next résumé), or
 * has not been heard from for {@code workerTtl} (a Caffeine expiring map with
 * a scheduler, so expiry happens on time even when no request comes).
 *
 * <p><b>Concurrency contract.</b> Every change of one worker (a résumé, a
 * drain, an ejection, an expiry) runs inside a compute of that worker's entry
 * in the live map, so changes of one worker are serialized and the pool always
 * sees them in the order the map does; different workers never wait for each
 * other. Replay checks happen inside the same compute, so a résumé admitted
 * is also the one applied. State of departed workers ({@link #departed}) is
 * informational and weakly consistent.
 */
public final class WorkerDirectory implements AutoCloseable {

    private static final Log LOG = Log.get(WorkerDirectory.class);

    /** Why a worker is not in the pool any more. */
    public enum State { ACTIVE, DRAINING, EJECTED, EXPIRED }

    /** What the directory knows of a live worker. */
    public record Live(String url, String id, String version, long seq, long lastResumeMillis, int skills) {
    }

    private final Pool pool;
    private final ReplayGuard replayGuard;
    private final Clock clock;
    private final Cache<String, Live> live;
    private final Map<String, State> departed = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Runnable> joinListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ejections = new AtomicLong();

    public WorkerDirectory(Pool pool, Duration workerTtl, Duration maxSkew, Clock clock) {
        this.pool = pool;
        this.clock = clock;
        this.replayGuard = new ReplayGuard(maxSkew, 100_000, clock);
        this.live = Caffeine.newBuilder()
                .expireAfterWrite(workerTtl)
                .scheduler(Scheduler.systemScheduler())
                .evictionListener((String url, Live w, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (url != null && cause.wasEvicted()) {
                        pool.remove(url);
                        departed.put(url, State.EXPIRED);
                        LOG.warn("ResumeLB worker {} expired: no résumé for {}", url, workerTtl);
                    }
                })
                .build();
    }

    /** Runs {@code listener} (quickly, on the caller's thread) whenever a worker joins the pool. */
    public void onJoin(Runnable listener) {
        joinListeners.add(listener);
    }

    /**
     * Applies a verified résumé pushed by a worker: replay and staleness
     * checks, then the pool. A rejected résumé changes nothing.
     */
    public void accept(Resume resume) throws ResumeException {
        apply(resume.worker(), resume, true);
    }

    /** Applies a résumé pulled from a statically listed worker (no replay check: we asked for it). */
    public void pulled(String url, Resume resume) {
        try {
            apply(url, resume, false);
        } catch (ResumeException e) {
            throw new IllegalStateException("unreachable: pulls are not replay-checked", e);
        }
    }

    private void apply(String url, Resume resume, boolean checkReplay) throws ResumeException {
        ResumeException[] rejected = new ResumeException[1];
        boolean[] joined = new boolean[1];
        live.asMap().compute(url, (u, previous) -> {
            if (checkReplay) {
                try {
                    replayGuard.admit(resume);
                } catch (ResumeException e) {
                    rejected[0] = e;
                    return previous;
                }
            }
            if (resume.draining()) {
                if (pool.remove(u)) {
                    LOG.info("ResumeLB worker {} is draining: no new requests go to it", u);
                }
                departed.put(u, State.DRAINING);
                return null;
            }
            joined[0] = pool.update(u, resume.version(), resume.skills());
            departed.remove(u);
            if (joined[0]) {
                LOG.info("ResumeLB worker {} joined (version {}, {} skills)", u, resume.version(), resume.skills().size());
            }
            return new Live(u, resume.id(), resume.version(), resume.seq(), clock.millis(), resume.skills().size());
        });
        if (rejected[0] != null) {
            throw rejected[0];
        }
        if (joined[0]) {
            for (Runnable listener : joinListeners) {
                listener.run();
            }
        }
    }

    /**
     * Takes a worker out of the pool after a failed connection, until its next
     * résumé. Returns whether it was live.
     */
    public boolean eject(String url, String reason) {
        boolean[] was = new boolean[1];
        live.asMap().computeIfPresent(url, (u, w) -> {
            was[0] = true;
            pool.remove(u);
            departed.put(u, State.EJECTED);
            return null;
        });
        if (was[0]) {
            ejections.incrementAndGet();
            LOG.warn("ResumeLB worker {} ejected until its next résumé: {}", url, reason);
        }
        return was[0];
    }

    public Map<String, Live> live() {
        return Map.copyOf(live.asMap());
    }

    public Map<String, State> departed() {
        return Map.copyOf(departed);
    }

    public long ejections() {
        return ejections.get();
    }

    public Pool pool() {
        return pool;
    }

    @Override
    public void close() {
        live.invalidateAll();
        live.cleanUp();
    }
}
