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

    public ResumePool() {
        this(PoolSettings.DEFAULTS);
    }

    public ResumePool(PoolSettings settings) {
        super(POLICY, settings);
    }

    @Override
    PoolWorker choose(String requestClass) {
        SkilledSet set = skilled.get(requestClass);
        double maxBacklog = Math.max(settings.variance() * meanBacklog.mean() / size, 1.0);
        // Backlogs per unit of relative weight (exactly the backlogs when the weights are equal).
        double minBacklog = lruFirst.meanBacklog.mean() / lruFirst.relativeWeight + 1.0;
        if (set != null) {
            PoolWorker best = null;
            double bestScore = 0.0;
            PoolWorker[] workers = set.workers;
            double[] scores = set.scores;
            for (int i = 0; i < workers.length; i++) {
                PoolWorker w = workers[i];
                if (w.meanBacklog.mean() / w.relativeWeight - minBacklog > maxBacklog) {
                    continue;
                }
                double score = scores[i] * w.relativeWeight;
                int b = w.backlog;
                if (b > 1) {
                    score /= b;
                }
                if (score > bestScore) {
                    bestScore = score;
                    best = w;
                }
            }
            if (best != null) {
                return best;
            }
        }
        PoolWorker placed = place(requestClass, set, minBacklog + maxBacklog);
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
            if (w.meanBacklog.mean() / w.relativeWeight > busyAbove || (set != null && set.contains(w))) {
                continue;
            }
            long rank = Hashing.rendezvous(classHash, w.urlHash);
            // Equal weights: the rank alone, which the weighted score would order alike.
            double score = weighted ? Hashing.weightedRendezvous(rank, w.weight) : 0.0;
            int order = chosen == null ? 1 : Double.compare(score, chosenScore);
            if (order == 0) {
                order = Long.compareUnsigned(rank, chosenRank);
            }
            if (order > 0 || (order == 0 && w.url().compareTo(chosen.url()) < 0)) {
                chosen = w;
                chosenRank = rank;
                chosenScore = score;
            }
        }
        return chosen;
    }

    /** Lock held. The worker takes a class it lacked, at the unskilled score (zc.resumelb's rule). */
    private void gain(PoolWorker worker, String requestClass, SkilledSet set) {
        double score = settings.unskilledScore();
        skilled.put(requestClass, set == null ? SkilledSet.of(worker, score) : set.plus(worker, score));
        if (worker.gained == null) {
            worker.gained = new HashMap<>();
        }
        worker.gained.put(requestClass, score);
    }

    @Override
    void replaceSkills(PoolWorker worker, Map<String, Double> resume) {
        Map<String, Double> old = worker.skills;
        HashMap<String, Double> gained = worker.gained;
        for (String c : old.keySet()) {
            if (!resume.containsKey(c)) {
                drop(worker, c);
            }
        }
        if (gained != null) {
            for (String c : gained.keySet()) {
                if (!resume.containsKey(c)) {
                    drop(worker, c);
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
                skilled.put(c, set == null ? SkilledSet.of(worker, score) : set.plus(worker, score));
            } else if (before.doubleValue() != score) {
                skilled.put(c, set.rescored(worker, score));
            }
        }
        super.replaceSkills(worker, resume);
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

        private SkilledSet(PoolWorker[] workers, double[] scores) {
            this.workers = workers;
            this.scores = scores;
        }

        static SkilledSet of(PoolWorker worker, double score) {
            return new SkilledSet(new PoolWorker[] {worker}, new double[] {score});
        }

        SkilledSet plus(PoolWorker worker, double score) {
            int n = workers.length;
            PoolWorker[] w = Arrays.copyOf(workers, n + 1);
            double[] s = Arrays.copyOf(scores, n + 1);
            w[n] = worker;
            s[n] = score;
            return new SkilledSet(w, s);
        }

        SkilledSet rescored(PoolWorker worker, double score) {
            double[] s = scores.clone();
            s[indexOf(worker)] = score;
            return new SkilledSet(workers, s);
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
            return new SkilledSet(w, s);
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
