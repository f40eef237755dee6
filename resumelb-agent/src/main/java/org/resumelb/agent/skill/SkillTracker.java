package org.resumelb.agent.skill;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker's measure of its own skill per request class: zc.resumelb's decayed
 * timing (docs/protocol.md, "Scores"). For a request of class c that took e
 * seconds: {@code gen += 1; d = decay^(gen - rgen); rtime = rtime*d + e;
 * rcount = rcount*d + 1; skill = rcount / rtime} (requests per second), with
 * {@code decay = 1 - 1/history}. Every {@code history} generations classes not
 * hit for {@code maxSkillAge} generations are dropped.
 *
 * <p><b>Concurrency contract.</b> {@link #record} is called by every request
 * thread at once. There is no global lock on that path: the generation is an
 * {@link AtomicLong}, the per-class state lives in a {@link ConcurrentHashMap}
 * and each class's numbers are guarded by that class's own monitor, so threads
 * only contend when they finish requests of the same class. Because threads
 * take generations before they take the class monitor, updates of one class
 * may arrive out of generation order; an update older than the stored one is
 * folded in decayed by the generations it lags ({@code rtime += e*d},
 * {@code rcount += d}), which gives exactly the result of in-order updates.
 * Pruning marks a removed class dead under its monitor, and a recorder that
 * finds a dead class retries on a fresh one, so no count is ever lost.
 * Admission of a <em>new</em> class beyond {@code maxClasses} takes a separate
 * lock and evicts the least recently hit class; that path is rare and O(n).
 * {@link #skills()} is a weakly consistent snapshot.
 */
public final class SkillTracker {

    /** The shortest duration counted, as in zc.resumelb: a request never takes zero time. */
    public static final double MIN_ELAPSED_SECONDS = 1e-9;

    private final int history;
    private final long maxSkillAge;
    private final int maxClasses;
    private final double decay;
    private final AtomicLong generation = new AtomicLong();
    private final ConcurrentHashMap<String, Perf> perf = new ConcurrentHashMap<>();
    private final Object admission = new Object();
    /** The current classifier's fingerprint; written under {@code admission}. */
    private volatile String classifier;
    /**
     * Counts classifier changes twice, before and after each ({@link #adopt}):
     * odd while one is under way, so that {@link #snapshot} can take the
     * fingerprint and the skills as one (a sequence lock).
     */
    private final AtomicLong changes = new AtomicLong();

    /** The decayed numbers of one class; guarded by its own monitor. */
    private static final class Perf {
        long gen;
        double time;
        double count;
        boolean dead;

        Perf(long gen, double time, double count) {
            this.gen = gen;
            this.time = time;
            this.count = count;
        }
    }

    /**
     * @param history     requests per résumé update; the decay is {@code 1 - 1/history}
     * @param maxSkillAge generations without a hit after which a class is dropped
     * @param maxClasses  most classes tracked at once
     */
    public SkillTracker(int history, long maxSkillAge, int maxClasses) {
        if (history < 2) {
            throw new IllegalArgumentException("history must be at least 2, got " + history);
        }
        if (maxSkillAge < 1) {
            throw new IllegalArgumentException("maxSkillAge must be at least 1, got " + maxSkillAge);
        }
        if (maxClasses < 1) {
            throw new IllegalArgumentException("maxClasses must be at least 1, got " + maxClasses);
        }
        this.history = history;
        this.maxSkillAge = maxSkillAge;
        this.maxClasses = maxClasses;
        this.decay = 1.0 - 1.0 / history;
    }

    public int history() {
        return history;
    }

    /**
     * Counts one completed request of {@code requestClass} that took
     * {@code seconds}. Returns true when this request completed a window of
     * {@code history} generations: the caller should publish the résumé.
     */
    public boolean record(String requestClass, double seconds) {
        double elapsed = seconds >= MIN_ELAPSED_SECONDS ? seconds : MIN_ELAPSED_SECONDS;
        long gen = generation.incrementAndGet();
        while (true) {
            Perf p = perf.get(requestClass);
            if (p == null) {
                p = admit(requestClass, gen);
            }
            synchronized (p) {
                if (p.dead) {
                    continue;
                }
                if (gen >= p.gen) {
                    double d = Math.pow(decay, gen - p.gen);
                    p.time = p.time * d + elapsed;
                    p.count = p.count * d + 1;
                    p.gen = gen;
                } else {
                    double d = Math.pow(decay, p.gen - gen);
                    p.time += elapsed * d;
                    p.count += d;
                }
            }
            break;
        }
        if (gen % history == 0) {
            prune(gen);
            return true;
        }
        return false;
    }

    private Perf admit(String requestClass, long gen) {
        synchronized (admission) {
            Perf existing = perf.get(requestClass);
            if (existing != null) {
                return existing;
            }
            if (perf.size() >= maxClasses) {
                evictLeastRecentlyHit();
            }
            Perf fresh = new Perf(gen, 0, 0);
            perf.put(requestClass, fresh);
            return fresh;
        }
    }

    private void evictLeastRecentlyHit() {
        String oldest = null;
        long oldestGen = Long.MAX_VALUE;
        for (Map.Entry<String, Perf> e : perf.entrySet()) {
            long g = e.getValue().gen;
            if (g < oldestGen) {
                oldestGen = g;
                oldest = e.getKey();
            }
        }
        if (oldest != null) {
            kill(oldest, Long.MAX_VALUE);
        }
    }

    /** Removes the class if it is still older than {@code minGen}; returns whether it did. */
    private boolean kill(String requestClass, long minGen) {
        Perf p = perf.get(requestClass);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            if (p.dead || p.gen >= minGen) {
                return false;
            }
            p.dead = true;
            perf.remove(requestClass, p);
            return true;
        }
    }

    private void prune(long gen) {
        long minGen = gen - maxSkillAge;
        if (minGen <= 0) {
            return;
        }
        for (Map.Entry<String, Perf> e : perf.entrySet()) {
            if (e.getValue().gen < minGen) {
                kill(e.getKey(), minGen);
            }
        }
    }

    /** Requests counted since this tracker was made (the generation counter). */
    public long generation() {
        return generation.get();
    }

    public int size() {
        return perf.size();
    }

    /** The résumé: requests per second for every tracked class. */
    public Map<String, Double> skills() {
        Map<String, Double> skills = new HashMap<>(perf.size() * 2);
        perf.forEach((c, p) -> {
            synchronized (p) {
                if (!p.dead && p.time > 0) {
                    skills.put(c, p.count / p.time);
                }
            }
        });
        return skills;
    }

    /**
     * Seeds skills saved before a restart: each restored class weighs as much
     * as {@code history} requests at its saved speed and ages like any class not
     * hit since generation 0. Classes already measured are left alone; zero or
     * non-finite skills are skipped.
     */
    public void restore(Map<String, Double> skills) {
        for (Map.Entry<String, Double> e : skills.entrySet()) {
            double skill = e.getValue() == null ? 0 : e.getValue();
            if (!(skill > 0) || Double.isInfinite(skill) || e.getKey().isEmpty()) {
                continue;
            }
            synchronized (admission) {
                if (perf.containsKey(e.getKey())) {
                    continue;
                }
                if (perf.size() >= maxClasses) {
                    return;
                }
                perf.put(e.getKey(), new Perf(0, history / skill, history));
            }
        }
    }

    /** The decayed request count of a class as of its last hit, or 0 when untracked (for tests). */
    double decayedCount(String requestClass) {
        Perf p = perf.get(requestClass);
        if (p == null) {
            return 0;
        }
        synchronized (p) {
            return p.count;
        }
    }

    /** Forgets every class (after a classifier change, say). */
    public void clear() {
        for (String c : perf.keySet()) {
            kill(c, Long.MAX_VALUE);
        }
    }

    /**
     * The fingerprint of the classifier this tracker's classes come from
     * ({@link org.resumelb.agent.protocol.Protocol#fingerprint}), or null while
     * unknown (no load balancer has named one yet, and none was restored).
     */
    public String classifier() {
        return classifier;
    }

    /**
     * Makes {@code fingerprint} the classifier of this tracker's classes. When it
     * differs from the current one, every class is forgotten first: classes of
     * another classifier mean other things. While the current one is unknown
     * (null: nothing named one, or a résumé file written before fingerprints
     * existed) the classes are kept, taken to be the same classifier's. Returns
     * how many classes were forgotten, or -1 when the fingerprint was already
     * the current one (the common case: one volatile read). The fingerprint is set before the classes
     * are cleared, so a caller that checks {@link #classifier()} before
     * {@link #record} loses at most the requests that passed its check while
     * this ran.
     */
    public int adopt(String fingerprint) {
        java.util.Objects.requireNonNull(fingerprint, "fingerprint");
        if (fingerprint.equals(classifier)) {
            return -1;
        }
        synchronized (admission) {
            if (fingerprint.equals(classifier)) {
                return -1;
            }
            if (classifier == null) {
                classifier = fingerprint;
                return 0;
            }
            int forgotten = perf.size();
            changes.incrementAndGet(); // odd: a change is under way, snapshots wait
            classifier = fingerprint;
            clear();
            changes.incrementAndGet();
            return forgotten;
        }
    }

    /** What a résumé carries: the classifier's fingerprint and the skills, taken together. */
    public record Snapshot(String classifier, Map<String, Double> skills) {
    }

    /**
     * The skills with the fingerprint they were learned under: a snapshot is
     * retaken when a classifier change began or ended while it was read (a
     * sequence lock on {@code changes}), so a résumé never labels one
     * classifier's classes with another's fingerprint. Lock-free for readers;
     * it spins only while a change clears the classes.
     */
    public Snapshot snapshot() {
        while (true) {
            long before = changes.get();
            if ((before & 1) != 0) {
                Thread.onSpinWait(); // a change is under way: its fingerprint is set, its classes not yet cleared
                continue;
            }
            String fingerprint = classifier;
            Map<String, Double> skills = skills();
            if (changes.get() == before) {
                return new Snapshot(fingerprint, skills);
            }
        }
    }

    /** Seeds skills saved before a restart, learned under the classifier {@code fingerprint} (null: unknown). */
    public void restore(Map<String, Double> skills, String fingerprint) {
        synchronized (admission) {
            classifier = fingerprint;
        }
        restore(skills);
    }
}
