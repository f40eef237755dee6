package org.resumelb.proxy.pool;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The résumé-based policy ("resume"): zc.resumelb's {@code Pool}, with a
 * deterministic placement. Requests of a class go to the workers whose
 * résumés show them good at it, as long as those workers are not much busier
 * than the rest; otherwise to the first worker in the class's rendezvous order
 * that is not too busy either, which thereby learns the class.
 *
 * <p>The algorithm, per {@code acquire(c)}, with backlogs counted in requests in
 * flight, mean backlogs decayed over about {@code backlogHistory} events, and
 * each worker's weight relative to the pool's mean weight {@code w.rw}
 * (weights are 1 unless résumés say otherwise; when they are all equal,
 * whatever their value, every {@code w.rw} is 1 and this is zc.resumelb's
 * algorithm as it was):
 * <pre>
 *   max_backlog = max(variance * pool.mean_backlog / workers, 1)
 *   min_backlog = lru_first.mean_backlog / lru_first.rw + 1
 *   too_busy(w) = (w.mean_backlog / w.rw - min_backlog) > max_backlog
 *   best = the worker w skilled at c and not too_busy(w),
 *          with the highest score * w.rw / w.backlog (score * w.rw while w.backlog <= 1)
 *   no best: best = of the workers not skilled at c and not too_busy, the one
 *          first in c's rendezvous order: the highest rank hash(c, w.url), weighted
 *          (-w.weight / ln(rank in (0, 1))) when the weights differ; it gets c at unskilledScore
 *   none either: best = the worker with the fewest requests in flight per unit of weight
 *          (it gets c at unskilledScore if it lacked it)
 *   best moves to the most-recently-used end; backlog++ on best and the pool
 * </pre>
 * <p><b>Weights.</b> A worker of weight 3 beside one of weight 1 takes about
 * three times the requests of a class both have, may hold three times the
 * backlog before it is too busy, and comes first in the rendezvous order of
 * three times as many classes, so a hot class overflows to it first three
 * times as often. Only the ratios of the weights matter.
 *
 * <p>Backlogs and mean backlogs here are {@link AbstractPool}'s, with others'
 * reported load ({@link #backlogOf}, {@link #meanOf}, {@link #poolMean}), so
 * with several load balancers {@code variance} works on the whole backlog.
 *
 * <p>The least-recently-used worker's mean backlog stands in for the minimum (as
 * in zc.resumelb). Ties between equal scores go to the worker that has had the
 * class longest. A class a worker takes without a résumé entry is written into
 * its résumé (zc.resumelb does so), so the class sticks there until the
 * worker's next résumé replaces the whole résumé.
 *
 * <p><b>Placement</b> is where ResumeLB departs from zc.resumelb, which gave an
 * unplaced class to the least-recently-used worker: that depends on timing, so
 * it differed between load balancers and restarts, scattered a cold start's
 * classes at random, and copied a busy class onto whichever worker happened to
 * be least recently used, each excursion teaching one more worker. Rendezvous
 * hashing ({@link Hashing#rendezvous}, over worker URLs) gives every load
 * balancer the same answer without talking, partitions a cold start's classes
 * as evenly as a hash, moves only about 1/N of new classes to a worker that
 * joins, and spreads a busy class along one fixed order, so it is copied onto
 * as few workers as its load needs. Placement is one allocation-free pass over
 * the workers and happens only for a request that its skilled workers cannot
 * take; the skilled path is unchanged.
 *
 * <p><b>Class budget</b> (not in zc.resumelb; off unless set, as by the load
 * balancer's {@code classBudget}): clients choose classes (a Host header), so a
 * flood of never-seen classes would teach every worker thousands of junk
 * classes. A worker may be taught at most {@code classBudget} classes that are
 * in no résumé per minute (a token bucket, full when it joins); a request of
 * such a class whose placed worker has no token left goes to the
 * least busy worker, nobody learns its class, and {@code acquire} reports an
 * overflow ({@link Pool#OVERFLOW}). Classes in résumés, and a skilled class
 * spreading to its next worker, are never limited. A refusal
 * adds nothing to the skilled sets or to any worker's gained classes.
 *
 * <p><b>Concurrency contract.</b> One monitor guards everything (see
 * {@link AbstractPool}). {@code acquire} does one {@code HashMap} lookup of the
 * class, a scan over that class's skilled workers (a handful, not the whole
 * pool) held in two parallel arrays, a pass over the pool only when it must
 * place the class, and four pointer writes to move the winner in the LRU list; {@code release} is two decrements and two decayed updates.
 * Neither allocates, with one exception that the algorithm itself demands:
 * when a worker takes a class it lacked, the class's skilled set is replaced by
 * a copy one entry longer and the class is written into the worker's résumé.
 * Skilled sets are never changed in place: {@code update} and that exception
 * swap in new arrays (copy-on-write). Caller obligations are {@link Pool}'s:
 * one release per acquired handle.
 */
public final class ResumePool extends AbstractPool {

    static final String POLICY = "resume";

    /** Guarded by lock. Request class -> the workers with it in their résumé. */
    private final HashMap<String, SkilledSet> skilled = new HashMap<>();
    /** Guarded by lock. Class under the previous classifier -> the workers with it in their previous skills. */
    private final HashMap<String, SkilledSet> previous = new HashMap<>();
    /**
     * A class's share of the pool's requests is its requests over the pool's
     * since the class appeared, but over at least this many requests per
     * worker, so that a class seen a few times only lately does not look big.
     */
    static final int SHARE_SPAN = 20;
    /**
     * A worker in its slow start is cold: each of its requests takes longer, so
     * it holds more in flight for the same share of requests. As a class's heir,
     * and when it is offered a class, it counts as too busy only beyond this
     * many times the usual margin over the least busy worker.
     */
    static final double COLD_LEEWAY = 2.0;
    /** Requests of a class handed to a newcomer after which the part its heir serves is measured, not assumed whole. */
    static final int MEASURED_AFTER = 20;

    /** Guarded by lock. Counts joins and departures: a class's cached first two workers are stale when it differs. */
    private int epoch;
    /** Guarded by lock. When the last slow start's hand-over window ends (nanoClock scale); 0: none is running. */
    private long rampEndNanos;

    public ResumePool() {
        this(PoolSettings.DEFAULTS);
    }

    public ResumePool(PoolSettings settings) {
        super(POLICY, settings);
    }

    @Override
    PoolWorker choose(String requestClass) {
        SkilledSet set = skilled.get(requestClass);
        if (set != null) {
            set.count++;
        }
        double maxBacklog = Math.max(settings.variance() * poolMean() / size, 1.0);
        // Backlogs per unit of relative weight (exactly the backlogs when the weights are equal).
        double minBacklog = load(lruFirst) + 1.0;
        if (set != null) {
            PoolWorker heir = set.heir;
            SkilledSet current = set;
            if (rampEndNanos != 0) {
                PoolWorker taker = handOver(requestClass, set, minBacklog + COLD_LEEWAY * maxBacklog);
                if (taker != null) {
                    heir = taker;
                    current = skilled.get(requestClass);
                }
            }
            if (heir != null && load(heir) - minBacklog <= (heir.ramping ? COLD_LEEWAY * maxBacklog : maxBacklog)) {
                current.heirServed++;
                return heir;
            }
            PoolWorker best = best(set, minBacklog, maxBacklog, 0.0);
            if (best != null) {
                return best;
            }
        }
        PoolWorker placed = set == null && previousClass != null ? follow(previousClass, minBacklog, maxBacklog) : null;
        if (placed != null) {
            followed = true;
        } else {
            placed = place(requestClass, set, minBacklog + maxBacklog);
        }
        boolean leastBusy = placed == null;
        if (leastBusy) {
            // Every worker that could take the class is too busy: the least busy one, skilled or not.
            placed = leastBacklog();
            if (set != null && set.contains(placed)) {
                return placed;
            }
        }
        if (set == null && !mayTeach(placed)) {
            // A class nobody has, and the worker that would learn it has spent its classBudget:
            // by backlog, teaching nobody (the caller names the request OVERFLOW).
            overflowed = true;
            return leastBusy ? placed : leastBacklog();
        }
        gain(placed, requestClass, set);
        return placed;
    }

    /**
     * Lock held. Where a class that nobody has goes when the load balancer's
     * classifier changed: of the workers skilled at the request's class under
     * the previous classifier and not too busy, the best by the skilled path's
     * rule (score per request in flight, per unit of relative weight), so the
     * class lands where the data of its requests already is. Null when there
     * is none; then placement decides. Allocation-free.
     */
    private PoolWorker follow(String previousClass, double minBacklog, double maxBacklog) {
        SkilledSet set = previous.get(previousClass);
        return set == null ? null : best(set, minBacklog, maxBacklog, -1.0);
    }

    /**
     * Lock held. The skilled path's rule: of the set's workers not too busy
     * ({@code load - minBacklog <= maxBacklog}), the one of the highest score
     * per request in flight (at least one) per unit of relative weight, above
     * {@code floor}; null when none. Allocation-free.
     */
    private static PoolWorker best(SkilledSet set, double minBacklog, double maxBacklog, double floor) {
        PoolWorker best = null;
        double bestScore = floor;
        PoolWorker[] workers = set.workers;
        double[] scores = set.scores;
        for (int i = 0; i < workers.length; i++) {
            PoolWorker w = workers[i];
            if (load(w) - minBacklog > maxBacklog) {
                continue;
            }
            double score = scores[i] * w.relativeWeight;
            int b = backlogOf(w);
            if (b > 1) {
                score /= b;
            }
            if (score > bestScore) {
                bestScore = score;
                best = w;
            }
        }
        return best;
    }

    @Override
    void replacePreviousSkills(PoolWorker worker, Map<String, Double> skills) {
        for (String c : worker.previousSkills.keySet()) {
            if (!skills.containsKey(c)) {
                SkilledSet rest = previous.get(c).minus(worker);
                if (rest == null) {
                    previous.remove(c);
                } else {
                    previous.put(c, rest);
                }
            }
        }
        for (Map.Entry<String, Double> e : skills.entrySet()) {
            SkilledSet set = previous.get(e.getKey());
            if (set == null) {
                previous.put(e.getKey(), SkilledSet.of(worker, e.getValue(), acquired));
            } else if (!set.contains(worker)) {
                previous.put(e.getKey(), set.plus(worker, e.getValue()));
            } else {
                previous.put(e.getKey(), set.rescored(worker, e.getValue()));
            }
        }
        worker.previousSkills = skills;
    }

    /**
     * Lock held. The worker's mean backlog per unit of relative weight, which
     * "too busy" compares (its mean backlog when the weights are all equal).
     */
    private static double load(PoolWorker w) {
        return meanOf(w) / w.relativeWeight;
    }

    /**
     * Lock held. Where a class goes when none of its skilled workers may take
     * it: of the workers not skilled at it whose mean backlog per unit of weight
     * is at most {@code busyAbove}, the one first in the class's rendezvous
     * order: the highest rank ({@link Hashing#rendezvous}) or, when the weights
     * differ, the highest weighted score ({@link Hashing#weightedRendezvous}, then
     * the rank; a worker of weight 3 comes first for three times as many classes
     * as one of weight 1); equal ranks, improbable, by URL. Null when there is
     * none. One pass over the pool, allocation-free.
     */
    private PoolWorker place(String requestClass, SkilledSet set, double busyAbove) {
        long classHash = Hashing.hash(requestClass);
        PoolWorker chosen = null;
        long chosenRank = 0;
        double chosenScore = 0;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            if (load(w) > busyAbove || (set != null && set.contains(w))) {
                continue;
            }
            long rank = Hashing.rendezvous(classHash, w.urlHash);
            // Equal weights: the rank alone, which the weighted score would order alike.
            double score = weighted ? Hashing.weightedRendezvous(rank, w.weight) : 0.0;
            if (chosen == null || before(rank, score, w, chosenRank, chosenScore, chosen)) {
                chosen = w;
                chosenRank = rank;
                chosenScore = score;
            }
        }
        return chosen;
    }

    /**
     * Lock held, some worker may be in its slow start ({@code rampEndNanos != 0}).
     * Whether the class passes now to a worker in its slow start that ranks
     * first (or second) for it in rendezvous order over all workers (see
     * {@link #mayTake}). If so that worker becomes the class's heir, in place of
     * any earlier one (learning the class at the unskilled score if it lacked
     * it), and is returned; otherwise null. The class's first two workers are computed once per
     * class and membership change ({@code epoch}); the rest allocates nothing.
     */
    private PoolWorker handOver(String requestClass, SkilledSet set, double busyAbove) {
        long now = nanoClock.getAsLong();
        if (now - rampEndNanos >= 0) {
            rampEndNanos = 0; // every slow start is over: back to the plain path
            return null;
        }
        if (set.firstEpoch != epoch) {
            set.classHash = Hashing.hash(requestClass);
            rankFirstTwo(set);
            set.firstEpoch = epoch;
        }
        PoolWorker taker = set.first;
        if (set.heir == taker) {
            return null; // handed over already: nobody ranks before it
        }
        if (!mayTake(taker, set, now, busyAbove)) {
            taker = set.second;
            if (taker == null || !mayTake(taker, set, now, busyAbove)) {
                return null;
            }
        }
        if (set.heir == taker) {
            return taker;
        } else if (set.contains(taker)) {
            skilled.put(requestClass, set.withHeir(taker));
        } else {
            gain(taker, requestClass, set);
            skilled.put(requestClass, skilled.get(requestClass).withHeir(taker));
        }
        if (taker.heirOf == null) {
            taker.heirOf = new java.util.HashSet<>();
        }
        taker.heirOf.add(requestClass);
        return taker;
    }

    /**
     * Lock held. Whether a worker in slow start takes a class it ranks first
     * or second for now: its hand-over window (twice slowStart) is still
     * open, it is not too busy, the class's turn has come (a hash of class and
     * worker, uniform over slowStart), and the class's share of requests
     * fits: the share it has taken on ({@link #heirShare}) plus this class's
     * stays within its target, a fair share (its relative weight / workers)
     * growing linearly over slowStart. The shares are those the classes had
     * before (requests counted per class), so a hand-over counts at once,
     * before the newcomer has served it, and a newcomer never takes more than
     * its share for want of a measurement. A class too big to fit stays where
     * it is. Allocation-free.
     */
    private boolean mayTake(PoolWorker w, SkilledSet set, long now, double busyAbove) {
        if (!w.ramping || load(w) > busyAbove) {
            return false;
        }
        long age = now - w.rampStartNanos;
        if (age >= 2 * slowStartNanos) {
            w.ramping = false;
            w.heirOf = null;
            return false;
        }
        if (turn(set.classHash, w.urlHash) * slowStartNanos > age) {
            return false;
        }
        double room = w.relativeWeight / size * Math.min(1.0, (double) age / slowStartNanos) - share(set);
        return room >= 0 && heirShare(w) <= room; // the sum over its classes only when this one could fit at all
    }

    /** Lock held. The class's share of the pool's requests since it appeared ({@link #SHARE_SPAN}). */
    private double share(SkilledSet set) {
        return set.count / (double) Math.max(acquired - set.born, (long) SHARE_SPAN * size);
    }

    /**
     * Lock held. The share of requests the worker has taken on: over the
     * classes it is heir of now, of those handed to it, each class's share
     * times the part of its requests the heir serves (a busy heir lets some
     * overflow to the class's skilled workers). That part is measured once
     * the class has had {@link #MEASURED_AFTER} requests since the hand-over,
     * and taken as all of them before, so a hand-over counts in full at once;
     * it counts as at least half, so that a newcomer slowed by its cold cache
     * takes at most twice the classes of its share to make up for overflow.
     */
    private double heirShare(PoolWorker w) {
        if (w.heirOf == null) {
            return 0.0;
        }
        double sum = 0.0;
        for (String c : w.heirOf) {
            SkilledSet set = skilled.get(c);
            if (set != null && set.heir == w) {
                long since = set.count - set.handedAt;
                double served = since < MEASURED_AFTER ? 1.0 : Math.max(0.5, Math.min(1.0, set.heirServed / (double) since));
                sum += share(set) * served;
            }
        }
        return sum;
    }

    /**
     * When, as a fraction of slow start, a class passes to the worker that is
     * first in its rendezvous order: uniform in [0, 1), from the class and the
     * worker alone, so every load balancer hands the same classes over in the
     * same order.
     */
    static double turn(long classHash, long workerHash) {
        return (Hashing.mix(classHash + workerHash) >>> 11) * 0x1.0p-53;
    }

    /**
     * Lock held. Caches in the set the first and second workers in its
     * class's rendezvous order ({@link #before}) among all workers (no second
     * in a pool of one).
     */
    private void rankFirstTwo(SkilledSet set) {
        PoolWorker first = null;
        PoolWorker second = null;
        long firstRank = 0;
        long secondRank = 0;
        double firstScore = 0;
        double secondScore = 0;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            long rank = Hashing.rendezvous(set.classHash, w.urlHash);
            double score = weighted ? Hashing.weightedRendezvous(rank, w.weight) : 0.0;
            if (first == null || before(rank, score, w, firstRank, firstScore, first)) {
                second = first;
                secondRank = firstRank;
                secondScore = firstScore;
                first = w;
                firstRank = rank;
                firstScore = score;
            } else if (second == null || before(rank, score, w, secondRank, secondScore, second)) {
                second = w;
                secondRank = rank;
                secondScore = score;
            }
        }
        set.first = first;
        set.second = second;
    }

    /**
     * The rendezvous order, for {@link #place} and slow start alike: whether
     * {@code w}, of this rank ({@link Hashing#rendezvous}) and weighted score
     * ({@link Hashing#weightedRendezvous} when the weights differ, else 0),
     * comes before {@code other}: the higher score, then the higher rank
     * (unsigned), then, improbably, the smaller URL.
     */
    private static boolean before(long rank, double score, PoolWorker w, long otherRank, double otherScore, PoolWorker other) {
        int order = Double.compare(score, otherScore);
        if (order == 0) {
            order = Long.compareUnsigned(rank, otherRank);
        }
        return order > 0 || (order == 0 && w.url().compareTo(other.url()) < 0);
    }

    @Override
    void joined(PoolWorker worker) {
        epoch++;
        // Slow start is for a worker that joins a pool that already knows classes; workers that start
        // together (a fleet's cold start) share the classes by placement alone.
        if (slowStartNanos > 0 && worker.skills.isEmpty() && !skilled.isEmpty()) {
            long now = nanoClock.getAsLong();
            worker.ramping = true;
            worker.rampStartNanos = now;
            worker.heirOf = null;
            long end = now + 2 * slowStartNanos;
            if (rampEndNanos == 0 || end - rampEndNanos > 0) {
                rampEndNanos = end;
            }
        }
    }

    @Override
    void left(PoolWorker worker) {
        epoch++;
    }

    /**
     * Lock held. A sticky session's request goes to its worker whatever the
     * class; a class in no résumé is taught to that worker as placement would
     * teach it, within the worker's class budget, and beyond it goes as
     * {@link Pool#OVERFLOW}.
     */
    @Override
    boolean carries(PoolWorker worker, String requestClass) {
        SkilledSet set = skilled.get(requestClass);
        if (set != null) {
            return true;
        }
        if (!mayTeach(worker)) {
            return false;
        }
        gain(worker, requestClass, null);
        return true;
    }

    /** Lock held. The worker takes a class it lacked, at the unskilled score (zc.resumelb's rule). */
    private void gain(PoolWorker worker, String requestClass, SkilledSet set) {
        double score = settings.unskilledScore();
        skilled.put(requestClass, set == null ? SkilledSet.of(worker, score, acquired) : set.plus(worker, score));
        if (worker.gained == null) {
            worker.gained = new HashMap<>();
        }
        worker.gained.put(requestClass, score);
    }

    @Override
    void replaceSkills(PoolWorker worker, Map<String, Double> resume) {
        Map<String, Double> old = worker.skills;
        HashMap<String, Double> gained = worker.gained;
        HashMap<String, Double> inherited = null;
        for (Map.Entry<String, Double> e : old.entrySet()) {
            if (!resume.containsKey(e.getKey())) {
                inherited = dropUnlessHeir(worker, e.getKey(), e.getValue(), resume, inherited);
            }
        }
        if (gained != null) {
            for (Map.Entry<String, Double> e : gained.entrySet()) {
                if (!resume.containsKey(e.getKey())) {
                    inherited = dropUnlessHeir(worker, e.getKey(), e.getValue(), resume, inherited);
                }
            }
        }
        for (Map.Entry<String, Double> e : resume.entrySet()) {
            String c = e.getKey();
            double score = e.getValue();
            Double before = old.get(c);
            if (before == null && gained != null) {
                before = gained.get(c);
            }
            SkilledSet set = skilled.get(c);
            if (before == null) {
                skilled.put(c, set == null ? SkilledSet.of(worker, score, acquired) : set.plus(worker, score));
            } else if (before.doubleValue() != score) {
                skilled.put(c, set.rescored(worker, score));
            }
        }
        super.replaceSkills(worker, resume);
        worker.gained = inherited;
    }

    /**
     * Lock held. A class missing from the worker's new résumé: dropped, unless
     * the worker is the class's heir and the résumé is not empty (a worker's
     * résumé may be written before it has served the class it was handed; an
     * empty one, a reset or a departure, drops everything). A kept class stays
     * as gained, at its last score; returns the map of kept classes.
     */
    private HashMap<String, Double> dropUnlessHeir(PoolWorker worker, String requestClass, Double score,
                                                   Map<String, Double> resume, HashMap<String, Double> inherited) {
        if (!resume.isEmpty() && skilled.get(requestClass).heir == worker) {
            if (inherited == null) {
                inherited = new HashMap<>();
            }
            inherited.put(requestClass, score);
        } else {
            drop(worker, requestClass);
        }
        return inherited;
    }

    /** Lock held. */
    private void drop(PoolWorker worker, String requestClass) {
        SkilledSet rest = skilled.get(requestClass).minus(worker);
        if (rest == null) {
            skilled.remove(requestClass);
        } else {
            skilled.put(requestClass, rest);
        }
    }

    /**
     * The workers skilled at one class with their scores, as two parallel
     * arrays. Immutable: a change makes a new set.
     */
    private static final class SkilledSet {
        final PoolWorker[] workers;
        final double[] scores;
        /** The worker that took the class over in its slow start, preferred while not too busy; or null. */
        final PoolWorker heir;

        // Guarded by the pool's lock, carried to every changed copy: the class's requests (acquires) since it
        // appeared, and the pool's request count when it appeared; their ratio is its share of requests.
        long count;
        long born;
        // Also carried: the count when the heir took the class, and the requests the heir served since.
        long handedAt;
        long heirServed;

        // A cache, guarded by the pool's lock: the class's first two workers in rendezvous order among
        // all workers, valid while firstEpoch is the pool's epoch.
        int firstEpoch = -1;
        long classHash;
        PoolWorker first;
        PoolWorker second;

        private SkilledSet(PoolWorker[] workers, double[] scores, PoolWorker heir) {
            this.workers = workers;
            this.scores = scores;
            this.heir = heir;
        }

        /** {@code next}, a changed copy of this set, with this set's request count and birth. */
        private SkilledSet carried(SkilledSet next) {
            next.count = count;
            next.born = born;
            next.handedAt = handedAt;
            next.heirServed = heirServed;
            return next;
        }

        static SkilledSet of(PoolWorker worker, double score, long born) {
            SkilledSet set = new SkilledSet(new PoolWorker[] {worker}, new double[] {score}, null);
            set.born = born;
            return set;
        }

        SkilledSet plus(PoolWorker worker, double score) {
            int n = workers.length;
            PoolWorker[] w = Arrays.copyOf(workers, n + 1);
            double[] s = Arrays.copyOf(scores, n + 1);
            w[n] = worker;
            s[n] = score;
            return carried(new SkilledSet(w, s, heir));
        }

        SkilledSet rescored(PoolWorker worker, double score) {
            double[] s = scores.clone();
            s[indexOf(worker)] = score;
            return carried(new SkilledSet(workers, s, heir));
        }

        /** This set with {@code worker}, one of its workers, as heir. */
        SkilledSet withHeir(PoolWorker worker) {
            SkilledSet next = carried(new SkilledSet(workers, scores, worker));
            next.handedAt = count;
            next.heirServed = 0;
            return next;
        }

        /** This set without the worker, or null when nothing would be left. */
        SkilledSet minus(PoolWorker worker) {
            int i = indexOf(worker);
            int n = workers.length;
            if (n == 1) {
                return null;
            }
            PoolWorker[] w = new PoolWorker[n - 1];
            double[] s = new double[n - 1];
            System.arraycopy(workers, 0, w, 0, i);
            System.arraycopy(workers, i + 1, w, i, n - 1 - i);
            System.arraycopy(scores, 0, s, 0, i);
            System.arraycopy(scores, i + 1, s, i, n - 1 - i);
            return carried(new SkilledSet(w, s, heir == worker ? null : heir));
        }

        boolean contains(PoolWorker worker) {
            for (PoolWorker w : workers) {
                if (w == worker) {
                    return true;
                }
            }
            return false;
        }

        private int indexOf(PoolWorker worker) {
            for (int i = 0; i < workers.length; i++) {
                if (workers[i] == worker) {
                    return i;
                }
            }
            throw new IllegalStateException("Worker " + worker + " missing from its skilled set");
        }
    }
}
