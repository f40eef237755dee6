package org.resumelb.proxy.membership;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
 * draining, is ejected after a failed connection (until it answers the load
 * balancer's probe, {@link Readmission}), or
 * has not been heard from for {@code workerTtl} (a Caffeine expiring map with
 * a scheduler, so expiry happens on time even when no request comes). A worker
 * that announces an {@code https://} URL joins only once the load balancer has
 * reached it over TLS ({@link WorkerTls}): its pushed résumés wait in
 * {@link Readmission} meanwhile (state {@code JOINING}), so a worker whose
 * certificate is not trusted never joins and no client request pays for it.
 *
 * <p><b>Concurrency contract.</b> Every change of one worker (a résumé, a
 * drain, an ejection, an expiry) runs inside a compute of that worker's entry
 * in the live map, so changes of one worker are serialized and the pool always
 * sees them in the order the map does; different workers never wait for each
 * other. Replay checks happen inside the same compute, so a résumé admitted
 * is also the one applied. State of departed workers ({@link #departed}) is
 * informational and weakly consistent.
 *
 * <p><b>Bounds.</b> At most {@code maxWorkers} workers are live: a push that would
 * add one more is refused ({@link Full}) and changes nothing, not even the
 * replay state; workers already live keep renewing, and workers pulled from the
 * static list are never refused (the operator listed them). At most
 * {@code maxDeparted} departed workers are remembered: the one that left
 * longest ago is forgotten first.
 *
 * <p>Pool membership itself (which live workers the pool routes to) changes
 * under one monitor, with a map of the live workers' versions and résumés, so
 * that single-version mode can move the whole pool from one version to another
 * at once while résumés keep arriving. Résumés are rare (about one per worker
 * per second), so this monitor is never contended by request threads, which
 * only ever touch the pool.
 *
 * <p><b>Single-version mode</b> ({@code singleVersion=true}, zc.resumelb 0.7):
 * the pool holds only the workers of the version that most live workers
 * report; the others wait in state {@code STANDBY}. A tie keeps the version in
 * force; among new candidates the highest version (numeric parts compared as
 * numbers) wins ({@link VersionElection}). Every change of the version in force is logged.
 */
public final class WorkerDirectory implements AutoCloseable {

    private static final Log LOG = Log.get(WorkerDirectory.class);

    /**
     * Where a worker is: in the pool ({@code ACTIVE}), live but routed around in single-version mode
     * ({@code STANDBY}), pushing but not yet reached by the load balancer ({@code JOINING}: an {@code https://}
     * worker until a probe over TLS succeeds), or why it is not in the pool any more.
     */
    public enum State { ACTIVE, STANDBY, JOINING, DRAINING, EJECTED, EXPIRED }

    /**
     * A live worker as its last résumé described it.
     *
     * @param skills the skills the pool took from it
     * @param weight its weight, as its last résumé announced it
     * @param classifier the classifier fingerprint its résumé named, or null
     * @param ignoredSkills skills its résumé listed that the pool ignored: learned under another classifier than
     *     this load balancer's ({@link #classifierFingerprint})
     */
    public record Live(String url, String id, String version, long seq, long lastResumeMillis, int skills, double weight,
                       String classifier, int ignoredSkills) {
    }

    /** Default of {@code maxWorkers}. */
    public static final int DEFAULT_MAX_WORKERS = 1000;
    /** Default of {@code maxDeparted}. */
    public static final int DEFAULT_MAX_DEPARTED = 1000;

    /** A push refused because {@code maxWorkers} workers are live already; nothing changed. */
    public static final class Full extends Exception {
        private static final long serialVersionUID = 1L;

        Full(String message) {
            super(message, null, false, false);
        }
    }

    private final Pool pool;
    private final ReplayGuard replayGuard;
    private final Clock clock;
    private final Cache<String, Live> live;
    private final int maxWorkers;
    private final int maxDeparted;
    /** Departed workers, the one that left longest ago first; guarded by itself. */
    private final java.util.LinkedHashMap<String, State> departed = new java.util.LinkedHashMap<>();
    private final CopyOnWriteArrayList<Runnable> joinListeners = new CopyOnWriteArrayList<>();
    /** Set once at composition, before the first résumé; null: an ejected worker is back with its next résumé. */
    private volatile Readmission readmission;
    private volatile String classifierFingerprint;
    private volatile String previousClassifierFingerprint;
    private final AtomicLong ejections = new AtomicLong();
    private final boolean singleVersion;
    private final Object membershipLock = new Object();
    /** Live workers' reported versions and résumés; guarded by membershipLock. */
    private final Map<String, Member> members = new java.util.HashMap<>();
    /** Pushes of new workers admitted against maxWorkers and not yet joined or given up; guarded by membershipLock. */
    private int joining;
    /** The version the pool routes to in single-version mode; guarded by membershipLock. */
    private String activeVersion;
    /** activeVersion published for readers that do not take membershipLock (status pages). */
    private volatile String activeVersionView;

    private record Member(String version, Map<String, Double> skills, double weight) {
    }

    public WorkerDirectory(Pool pool, Duration workerTtl, Duration maxSkew, Clock clock) {
        this(pool, workerTtl, maxSkew, clock, false);
    }

    public WorkerDirectory(Pool pool, Duration workerTtl, Duration maxSkew, Clock clock, boolean singleVersion) {
        this(pool, workerTtl, maxSkew, clock, singleVersion, DEFAULT_MAX_WORKERS, DEFAULT_MAX_DEPARTED);
    }

    /**
     * @param maxWorkers most live workers; a push that would add one more is refused
     * @param maxDeparted most departed workers remembered (for the status page); the oldest is forgotten first
     */
    public WorkerDirectory(Pool pool, Duration workerTtl, Duration maxSkew, Clock clock, boolean singleVersion,
                           int maxWorkers, int maxDeparted) {
        if (maxWorkers < 1 || maxDeparted < 0) {
            throw new IllegalArgumentException("maxWorkers must be at least 1 and maxDeparted at least 0");
        }
        this.maxWorkers = maxWorkers;
        this.maxDeparted = maxDeparted;
        this.pool = pool;
        this.singleVersion = singleVersion;
        this.clock = clock;
        this.replayGuard = new ReplayGuard(maxSkew, 100_000, clock);
        this.live = Caffeine.newBuilder()
                .expireAfterWrite(workerTtl)
                .scheduler(Scheduler.systemScheduler())
                .evictionListener((String url, Live w, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (url != null && cause.wasEvicted()) {
                        leave(url);
                        departed(url, State.EXPIRED);
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
     * Applies a verified résumé pushed by a worker: the bound on live workers,
     * replay and staleness checks, then the pool. A rejected résumé changes
     * nothing. The résumé of a worker ejected after a failed connection, and
     * of an {@code https://} worker that is not live, is held by
     * {@link Readmission} until the worker answers the load balancer's own probe.
     *
     * @throws Full when the worker is new and {@code maxWorkers} workers are live
     */
    public void accept(Resume resume) throws ResumeException, Full {
        apply(resume.worker(), resume, Source.PUSHED);
    }

    /** Applies a résumé pulled from a statically listed worker (no replay check: we asked for it; never refused). */
    public void pulled(String url, Resume resume) {
        try {
            apply(url, resume, Source.PULLED);
        } catch (ResumeException | Full e) {
            throw new IllegalStateException("unreachable: pulls are neither replay-checked nor bounded", e);
        }
    }

    /**
     * The fingerprint of this load balancer's classifier
     * ({@link org.resumelb.agent.protocol.Protocol#fingerprint}), or null to take
     * every résumé's skills (setting {@code classifierFingerprint=false}). With
     * it, the skills of a résumé that names another classifier are ignored: the
     * worker is in the pool, as a worker that knows nothing yet. Called once,
     * before the first résumé.
     */
    public void classifierFingerprint(String fingerprint) {
        this.classifierFingerprint = fingerprint;
    }

    /**
     * The fingerprint of the classifier this load balancer used before its own
     * (setting {@code previousClassifier}), or null (the default). The skills of
     * a résumé learned under it are still ignored as skills, but given to the
     * pool as the worker's previous skills ({@link org.resumelb.proxy.pool.Pool#previousSkills}),
     * which place the new classifier's classes where their data is. Called
     * once, before the first résumé, after {@link #classifierFingerprint}.
     */
    public void previousClassifierFingerprint(String fingerprint) {
        this.previousClassifierFingerprint = fingerprint;
    }

    /**
     * From now on, the pushed résumés of an ejected worker wait in {@code readmission}
     * until the worker answers. Called once, before the first résumé; without it, an
     * ejected worker is back with its next résumé.
     */

    public void readmitThrough(Readmission readmission) {
        readmission.readmitWith(this::readmit);
        this.readmission = readmission;
    }

    /** A held résumé of a worker that answered its probe: applied if the worker is still where it was held from. */
    private void readmit(String url, Resume resume, boolean joining) {
        try {
            apply(url, resume, joining ? Source.REACHED : Source.PROBED);
        } catch (ResumeException e) {
            throw new IllegalStateException("unreachable: probed résumés were replay-checked when pushed", e);
        } catch (Full e) {
            LOG.warn("ResumeLB worker {} answers but stays out: {}", url, e.getMessage());
        }
    }

    /** Whether a worker at {@code url} joins only once the load balancer has reached it: an https worker. */
    static boolean reachedFirst(String url) {
        return url.regionMatches(true, 0, "https://", 0, 8);
    }

    /** Where a résumé comes from, which decides the checks it gets. */
    private enum Source {
        /** Pushed by the worker: bounded by maxWorkers, replay-checked, held while the worker is ejected. */
        PUSHED,
        /** Pulled from a listed worker, which thereby answered: applied as it is. */
        PULLED,
        /** Pushed while the worker was ejected, and the worker has now answered: bounded, applied only if still ejected. */
        PROBED,
        /** Pushed by an https worker before it joined, and the worker has now answered over TLS: bounded, applied only if still unknown. */
        REACHED
    }

    private void apply(String url, Resume resume, Source source) throws ResumeException, Full {
        Exception[] rejected = new Exception[1];
        boolean[] joined = new boolean[1];
        boolean[] held = new boolean[1];
        boolean[] heldJoining = new boolean[1];
        Readmission readmission = this.readmission;
        live.asMap().compute(url, (u, previous) -> {
            if (source == Source.PROBED && (previous != null || departedState(u) != State.EJECTED)
                    || source == Source.REACHED && (previous != null || departedState(u) != null)) {
                return previous; // it came back another way, or left for another reason, since
            }
            if (source == Source.PUSHED && previous == null && !resume.draining() && readmission != null) {
                boolean ejected = departedState(u) == State.EJECTED;
                heldJoining[0] = !ejected && reachedFirst(u);
                if (ejected || heldJoining[0]) {
                    if (heldJoining[0] && !readmission.holds(u) && readmission.waiting() >= maxWorkers) {
                        rejected[0] = new Full("maxWorkers=" + maxWorkers + " workers already wait for the load balancer to reach them: "
                                + u + " is not held (setting maxWorkers)");
                        return null;
                    }
                    try {
                        replayGuard.admit(resume);
                        held[0] = true;
                        if (heldJoining[0]) {
                            synchronized (departed) {
                                departed.remove(u); // back: it is joining, no longer drained or expired
                            }
                        }
                    } catch (ResumeException e) {
                        rejected[0] = e;
                    }
                    return null;
                }
            }
            boolean admitted = false;
            if (source != Source.PULLED && previous == null && !resume.draining()) {
                if (!admitNew(u)) {
                    rejected[0] = new Full("the pool already has maxWorkers=" + maxWorkers + " live workers: " + u
                            + " is not added (setting maxWorkers)");
                    return null;
                }
                admitted = true;
            }
            if (source == Source.PUSHED) {
                try {
                    replayGuard.admit(resume);
                } catch (ResumeException e) {
                    rejected[0] = e;
                    if (admitted) {
                        synchronized (membershipLock) {
                            joining--;
                        }
                    }
                    return previous;
                }
            }
            if (resume.draining()) {
                if (leave(u)) {
                    LOG.info("ResumeLB worker {} is draining: no new requests go to it", u);
                }
                departed(u, State.DRAINING);
                return null;
            }
            String ours = classifierFingerprint;
            boolean foreign = ours != null && resume.classifier() != null && !ours.equals(resume.classifier());
            Resume taken = foreign ? resume.withoutSkills() : resume;
            joined[0] = join(u, taken, admitted);
            synchronized (departed) {
                departed.remove(u);
            }
            if (joined[0]) {
                LOG.info("ResumeLB worker {} {} (version {}, weight {}, {} skills)", u, source == Source.PROBED ? "answers again and rejoined"
                        : source == Source.REACHED ? "answered over TLS and joined" : "joined", resume.version(), resume.weight(),
                        taken.skills().size());
            }
            boolean learnedBefore = foreign && resume.classifier().equals(previousClassifierFingerprint);
            boolean kept = learnedBefore && pool.previousSkills(u, resume.skills());
            if (kept && !resume.skills().isEmpty() && (previous == null || !resume.classifier().equals(previous.classifier()))) {
                LOG.info("ResumeLB keeps the {} skills of worker {} learned under the previous classifier ({}): they place the"
                        + " classes of this load balancer's classifier ({}) that nobody has yet", resume.skills().size(), u,
                        resume.classifier(), ours);
            } else if (foreign && !learnedBefore && !resume.skills().isEmpty() && (previous == null || previous.ignoredSkills() == 0
                    || !resume.classifier().equals(previous.classifier()))) {
                LOG.info("ResumeLB ignores the {} skills of worker {}: learned under classifier {}, this load balancer classifies"
                        + " with {}; the worker starts afresh with the next request it gets from here", resume.skills().size(), u,
                        resume.classifier(), ours);
            }
            return new Live(u, resume.id(), resume.version(), resume.seq(), clock.millis(), taken.skills().size(), resume.weight(),
                    resume.classifier(), foreign ? resume.skills().size() : 0);
        });
        if (rejected[0] instanceof ResumeException e) {
            throw e;
        }
        if (rejected[0] instanceof Full e) {
            throw e;
        }
        if (held[0]) {
            readmission.offer(url, resume, heldJoining[0]);
        } else if (readmission != null && source != Source.PROBED && source != Source.REACHED) {
            readmission.forget(url); // it drained, or answered a pull: nothing to probe for
        }
        if (joined[0]) {
            for (Runnable listener : joinListeners) {
                listener.run();
            }
        }
    }

    private State departedState(String url) {
        synchronized (departed) {
            return departed.get(url);
        }
    }

    /**
     * Takes a worker out of the pool after a failed connection, until it answers
     * again (see {@link #readmitThrough}). Returns whether it was live.
     */
    public boolean eject(String url, String reason) {
        boolean[] was = new boolean[1];
        live.asMap().computeIfPresent(url, (u, w) -> {
            was[0] = true;
            leave(u);
            departed(u, State.EJECTED);
            return null;
        });
        if (was[0]) {
            ejections.incrementAndGet();
            LOG.warn("ResumeLB worker {} ejected until it answers again: {}", url, reason);
        }
        return was[0];
    }

    /**
     * Takes a worker out of the pool at once because it left the fleet (its
     * ZooKeeper node is gone, {@link DiscoveredWorkers}): departed as
     * {@code DRAINING}, as if it had said so; a later résumé of it brings it back
     * as any résumé does. Returns whether it was live.
     */
    public boolean left(String url, String reason) {
        boolean[] was = new boolean[1];
        live.asMap().computeIfPresent(url, (u, w) -> {
            was[0] = true;
            leave(u);
            departed(u, State.DRAINING);
            return null;
        });
        if (was[0]) {
            LOG.warn("ResumeLB worker {} left: {}; no new requests go to it", url, reason);
        }
        return was[0];
    }

    /**
     * Called inside the compute of a worker that is not live. Whether one more
     * live worker fits under maxWorkers; if so, a place is held for it
     * ({@code joining}) until the caller has joined it or given up.
     */
    private boolean admitNew(String url) {
        synchronized (membershipLock) {
            if (!members.containsKey(url) && members.size() + joining >= maxWorkers) {
                return false;
            }
            joining++;
            return true;
        }
    }

    /** Remembers why a worker left, forgetting the one that left longest ago beyond maxDeparted. */
    private void departed(String url, State state) {
        synchronized (departed) {
            departed.remove(url); // re-inserted: it is now the latest to leave
            if (maxDeparted == 0) {
                return;
            }
            departed.put(url, state);
            if (departed.size() > maxDeparted) {
                java.util.Iterator<String> oldest = departed.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
    }

    /**
     * Called inside the worker's compute. Records the worker's résumé (version,
     * skills, weight) and puts it in the pool, or in standby when single-version
     * mode routes to another version. Returns true when the pool gained this
     * worker. {@code admitted}: the worker holds a place taken by {@link #admitNew}.
     */
    private boolean join(String url, Resume resume, boolean admitted) {
        String version = resume.version();
        synchronized (membershipLock) {
            members.put(url, new Member(version, resume.skills(), resume.weight()));
            if (admitted) {
                joining--; // its place is now its member entry
            }
            if (!singleVersion) {
                return pool.update(url, version, resume.skills(), resume.weight());
            }
            int before = pool.size();
            if (!electVersion()) {
                if (VersionElection.key(version).equals(activeVersion)) {
                    pool.update(url, version, resume.skills(), resume.weight());
                } else {
                    pool.remove(url);
                }
            }
            return pool.size() > before;
        }
    }

    /** Called inside the worker's compute (or its eviction). Returns true when the pool had the worker. */
    private boolean leave(String url) {
        synchronized (membershipLock) {
            members.remove(url);
            boolean had = pool.remove(url);
            if (singleVersion) {
                electVersion();
            }
            return had;
        }
    }

    /**
     * membershipLock held. Recomputes the majority version; when it changed,
     * moves the pool over to it and returns true.
     */
    private boolean electVersion() {
        String current = activeVersion == null ? null : VersionElection.key(activeVersion);
        String elected = VersionElection.elect(members.values().stream().map(Member::version).toList(), current);
        if (elected == null || elected.equals(current)) {
            return false;
        }
        String previous = activeVersion;
        activeVersion = elected;
        activeVersionView = elected;
        int moved = 0;
        for (Map.Entry<String, Member> e : members.entrySet()) {
            Member m = e.getValue();
            if (VersionElection.key(m.version()).equals(elected)) {
                pool.update(e.getKey(), m.version(), m.skills(), m.weight());
                moved++;
            } else {
                pool.remove(e.getKey());
            }
        }
        LOG.warn("ResumeLB single-version: routing to version {} ({} of {} live workers){}", elected, moved, members.size(),
                previous == null ? "" : "; workers of version " + previous + " stand by");
        return true;
    }

    /** The version the pool routes to in single-version mode (null otherwise, or before any worker). */
    public String activeVersion() {
        return activeVersionView;
    }

    public boolean singleVersion() {
        return singleVersion;
    }

    /** The state of a worker the directory knows, or null. */
    public State state(String url) {
        if (live.asMap().containsKey(url)) {
            if (!singleVersion) {
                return State.ACTIVE;
            }
            synchronized (membershipLock) {
                Member m = members.get(url);
                return m != null && !VersionElection.key(m.version()).equals(activeVersion) ? State.STANDBY : State.ACTIVE;
            }
        }
        State departedState = departedState(url);
        if (departedState != null) {
            return departedState;
        }
        Readmission r = readmission;
        return r != null && r.holdsJoining(url) ? State.JOINING : null;
    }

    /**
     * Whether a worker keeps pushing and is being probed before it joins or rejoins ({@link Readmission}): an
     * ejected worker, or an https worker the load balancer has not reached yet.
     */
    public boolean probing(String url) {
        Readmission r = readmission;
        return r != null && r.holds(url);
    }

    /** How many workers keep pushing and are being probed before they join or rejoin. */
    public int probing() {
        Readmission r = readmission;
        return r == null ? 0 : r.waiting();
    }

    /**
     * The workers being probed before they join or rejoin, each with why its last probe failed ("" before the
     * first failure), e.g. that its certificate is not trusted. Weakly consistent.
     */
    public Map<String, String> probeProblems() {
        Readmission r = readmission;
        return r == null ? Map.of() : r.problems();
    }

    /** Forgets the skills of one live worker (admin); it keeps its place. Returns false if unknown. */
    public boolean resetSkills(String url) {
        boolean[] was = new boolean[1];
        live.asMap().computeIfPresent(url, (u, w) -> {
            synchronized (membershipLock) {
                Member m = members.get(u);
                if (m != null) {
                    members.put(u, new Member(m.version(), Map.of(), m.weight()));
                }
                pool.resetSkills(u);
            }
            was[0] = true;
            return new Live(w.url(), w.id(), w.version(), w.seq(), w.lastResumeMillis(), 0, w.weight(), w.classifier(),
                    w.ignoredSkills());
        });
        return was[0];
    }

    /** Forgets the skills of every live worker (admin). Returns how many. */
    public int resetAllSkills() {
        int n = 0;
        for (String url : live.asMap().keySet()) {
            if (resetSkills(url)) {
                n++;
            }
        }
        return n;
    }

    public Map<String, Live> live() {
        return Map.copyOf(live.asMap());
    }

    public Map<String, State> departed() {
        synchronized (departed) {
            return Map.copyOf(departed);
        }
    }

    public int maxWorkers() {
        return maxWorkers;
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
