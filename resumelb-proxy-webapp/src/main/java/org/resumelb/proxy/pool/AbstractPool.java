package org.resumelb.proxy.pool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.resumelb.agent.load.DecayedBacklog;

/**
 * What every policy shares: membership, the least-recently-used order, in-flight
 * backlogs with their decayed means ({@link DecayedBacklog}), résumés, weights
 * (with their sum, maximum and each worker's relative weight, for the
 * policies), snapshots and settings. A policy only says which worker
 * {@link #choose} picks, reading from {@link #settings} the tunables it owns
 * (the résumé policy its variance and unskilled score, consistent hashing its
 * balance factor).
 *
 * <p><b>Concurrency contract.</b> One monitor, {@link #lock}, guards all state of
 * the pool and of its {@link PoolWorker}s. {@code acquire} and {@code release}
 * hold it for a few dozen instructions and allocate nothing: the LRU order is an
 * intrusive doubly linked list through the workers (moving a worker to the
 * most-recently-used end rewires four pointers), backlogs are plain fields, and
 * no iterator, boxing or lambda runs on that path. {@code acquireRoute} (a
 * sticky session's request) adds one allocation-free pass over the workers to
 * find the route. Membership and résumé changes
 * ({@code update}, {@code remove}, {@code resetSkills}) are rare, so they may
 * allocate; their argument checks and copies happen before the lock is taken.
 * {@code reported} (a worker's load report, once per response) is a few
 * assignments under the same lock and allocates nothing; others' load ages in
 * one pass over the workers at most once per {@link #REPORT_HALF_LIFE_NANOS},
 * in whichever of {@code acquire}, {@code reported} or {@code snapshot} comes
 * first.
 * {@code snapshot} copies references under the lock and builds its maps outside.
 * Nothing here blocks, waits or calls out while holding the lock.
 *
 * <p><b>Reported load</b> ({@link #reported}, from the worker's
 * {@code X-ResumeLB-Load} response header): with several load balancers in
 * front of the same workers, each one's {@code backlog} counts only its own
 * requests. A worker's report of its whole in-flight count {@code R} (and mean
 * {@code M}), taken when its application starts the response and read when the
 * response arrives, sets others' load on it
 * {@code O = max(0, R - backlog)} and {@code OM = max(0, M - meanBacklog)},
 * with this pool's own backlog and mean on the worker at that moment (the
 * reported request still counted in both): like with like, since the two
 * moments are a network hop apart. (A report taken when the request arrived at
 * the worker would count our requests that it queued behind and that have
 * ended since as others' load, on exactly the busiest workers.) Between two reports {@code O} and
 * {@code OM} halve every {@link #REPORT_HALF_LIFE_NANOS} (one aging pass over
 * the workers per half-life, in whichever call comes first; the ticks are the
 * pool's, so a fresh report first halves within one half-life), so a worker that
 * stops answering this load balancer is soon judged by its own part again. Every
 * policy reads backlogs through one place: {@link #backlogOf} ({@code backlog + O},
 * so a request this pool just sent counts at once), {@link #meanOf}
 * ({@code meanBacklog + OM}), {@link #poolBacklog} and {@link #poolMean} (sums
 * over the workers). The backlog limit ({@code maxBacklog}) alone reads this
 * pool's own backlog: a slot freed by another load balancer would wake none of
 * this one's waiting requests, so the limit is per load balancer. Only a
 * worker's own response updates it; without reports every policy routes as
 * before.
 *
 * <p>Invariant: the pool's {@code backlog} is the sum of the backlogs of its
 * current workers. A removed worker takes its backlog with it, and releasing
 * it afterwards lowers only its own.
 *
 * <p><b>Backlog limit</b> (off unless set, as by the load balancer's
 * {@code maxBacklog}): {@code acquire} never lifts a worker's backlog above
 * {@code maxBacklog}, nor, for a request not of the top priority class, above
 * {@code maxBacklog - reservedBacklog}. The policy chooses as ever; when its
 * choice is at the limit, the least busy worker takes the request if it is
 * below, and otherwise nobody does ({@link Pool.Acquired#full()}). This is the
 * only place the limit is applied, so no policy knows of it. (A class the
 * résumé policy placed on a worker at its limit stays taught to it, as it would
 * have been had the worker had room.) A caller may also ask that a request
 * leave some slots of the whole pool free ({@code keepFree}, the admission
 * queue's {@code userReserve} for a user at or above its fair share): then
 * the pool refuses it ({@link Pool.Acquired#full()}) before the policy
 * chooses, when the workers together may take no more than {@code keepFree}
 * further requests of its priority class.
 */
abstract class AbstractPool implements Pool {

    final Object lock = new Object();

    private final String policy;

    // Guarded by lock.
    private final HashMap<String, PoolWorker> byUrl = new HashMap<>();
    /** Least-recently-used end of the list of all workers. */
    PoolWorker lruFirst;
    /** Most-recently-used end. */
    PoolWorker lruLast;
    int size;
    int backlog;
    /** Requests acquired since the pool was made (slow start measures shares with it). */
    long acquired;
    /** The decayed mean of backlog, over about backlogHistory × workers events. */
    final DecayedBacklog meanBacklog = new DecayedBacklog();
    /** The settings in force; each policy reads the tunables it owns from here. */
    PoolSettings settings;
    /**
     * New classes (in no résumé) a worker may be taught per minute; 0: no limit.
     * A token bucket per worker, full ({@code classBudget} tokens) when it joins.
     */
    private int classBudget;
    /**
     * How long a worker that joins with an empty résumé takes to take over the
     * classes that hash to it (résumé policy, see {@link ResumePool}); 0: off.
     */
    long slowStartNanos;
    /** Set by {@link #choose} when it routed by backlog because a class budget refused; read by acquire under the lock. */
    boolean overflowed;
    /** Set by {@link #choose} when it placed a class in no résumé by the previous classifier's skills; read by acquire under the lock. */
    boolean followed;
    /** Lock held: the request's class under the previous classifier, for {@link #choose}; null: none. */
    String previousClass;
    /** How long others' reported load on a worker takes to halve without a new report: 500 ms. */
    static final long REPORT_HALF_LIFE_NANOS = 500_000_000L;
    /** Sum of the current workers' {@code others} (as aged at agedNanos). */
    int othersTotal;
    /** Sum of the current workers' {@code othersMean}. */
    double othersMeanTotal;
    /** When others' load was last aged (nanoClock scale); meaningful while othersTotal or othersMeanTotal is above 0. */
    private long agedNanos;
    /** Requests a worker may have in flight; 0: no limit. */
    private int maxBacklog;
    /** Of maxBacklog, the requests in flight only the top priority class may take. */
    private int reservedBacklog;
    /** The clock of class budgets (nanoseconds); a field so that tests can step it. */
    java.util.function.LongSupplier nanoClock = System::nanoTime;
    private double workerDecay;
    /** Keeps its last value while the pool is empty, as in zc.resumelb. */
    private double poolDecay;
    /** The sum of the current workers' weights (0 when empty); recomputed whenever a weight or the membership changes. */
    double totalWeight;
    /** The largest weight of a current worker. */
    double maxWeight;
    /** Whether the current workers' weights differ; false: every policy routes exactly as without weights. */
    boolean weighted;

    AbstractPool(String policy, PoolSettings settings) {
        this.policy = policy;
        applySettings(Objects.requireNonNull(settings, "settings"));
    }

    /**
     * Lock held, {@code size > 0}. The worker for the request; the caller then
     * moves it to the most-recently-used end and counts the request.
     */
    abstract PoolWorker choose(String requestClass);

    /**
     * Lock held. Replaces the worker's skills under the previous classifier
     * ({@link Pool#previousSkills}); {@code skills} is immutable and already
     * validated. Policies that place classes override this.
     */
    void replacePreviousSkills(PoolWorker worker, Map<String, Double> skills) {
    }

    /** Lock held. A new worker has joined (already linked at the LRU end). */
    void joined(PoolWorker worker) {
    }

    /** Lock held. A worker has left (already unlinked and marked removed). */
    void left(PoolWorker worker) {
    }

    /**
     * Lock held. A worker joined or left, or a worker's weight changed; {@link #totalWeight},
     * {@link #maxWeight} and {@link #weighted} are already up to date.
     */
    void weightsChanged() {
    }

    /**
     * Lock held. Replaces the worker's résumé; {@code skills} is immutable and
     * already validated. Policies that index skills override this and call it.
     */
    void replaceSkills(PoolWorker worker, Map<String, Double> skills) {
        worker.skills = skills;
        worker.gained = null;
    }

    @Override
    public final PoolWorker acquire(String requestClass) {
        return acquire(requestClass, null);
    }

    @Override
    public final PoolWorker acquire(String requestClass, Pool.Acquired acquired) {
        return acquire(requestClass, false, acquired);
    }

    @Override
    public final PoolWorker acquire(String requestClass, boolean top, Pool.Acquired acquired) {
        return acquire(requestClass, top, 0, acquired);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code keepFree > 0}, one allocation-free pass over the workers
     * counts the slots free for the request.
     */
    @Override
    public final PoolWorker acquire(String requestClass, boolean top, int keepFree, Pool.Acquired acquired) {
        Objects.requireNonNull(requestClass, "requestClass");
        if (keepFree < 0) {
            throw new IllegalArgumentException("keepFree must be >= 0, got " + keepFree);
        }
        synchronized (lock) {
            if (size == 0) {
                return null;
            }
            if (maxBacklog > 0 && keepFree > 0 && freeSlots(top ? maxBacklog : maxBacklog - reservedBacklog) <= keepFree) {
                if (acquired != null) {
                    acquired.full = true;
                }
                return null; // before choose(): a refused request teaches no class and moves nothing
            }
            overflowed = false;
            followed = false;
            previousClass = acquired == null ? null : acquired.previousClass;
            ageIfReported();
            PoolWorker worker = choose(requestClass);
            if (maxBacklog > 0) {
                int limit = top ? maxBacklog : maxBacklog - reservedBacklog;
                if (worker.backlog >= limit) {
                    worker = leastOwnBacklog();
                    if (worker.backlog >= limit) {
                        if (acquired != null) {
                            acquired.full = true;
                        }
                        return null;
                    }
                }
            }
            if (acquired != null) {
                acquired.overflow = overflowed;
                acquired.followed = followed;
            }
            take(worker);
            return worker;
        }
    }

    /** Lock held. The requests the workers may still take below {@code limit} each (one allocation-free pass). */
    private int freeSlots(int limit) {
        int free = 0;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            if (w.backlog < limit) {
                free += limit - w.backlog;
            }
        }
        return free;
    }

    @Override
    public final int slots() {
        synchronized (lock) {
            return maxBacklog * size;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One allocation-free pass over the workers, as placement makes.
     */
    @Override
    public final PoolWorker acquireRoute(String route, String requestClass, Pool.Acquired acquired) {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(requestClass, "requestClass");
        synchronized (lock) {
            PoolWorker worker = lruFirst;
            while (worker != null && !worker.route.equals(route)) {
                worker = worker.lruNext;
            }
            if (worker == null) {
                return null;
            }
            if (!carries(worker, requestClass) && acquired != null) {
                acquired.overflow = true;
            }
            take(worker);
            return worker;
        }
    }

    /**
     * Lock held. A request of {@code requestClass} goes to {@code worker} by its
     * route, not by {@link #choose}: whether it goes under its own class (and a
     * policy that gives classes notes that the worker has it) or, false, as
     * {@link Pool#OVERFLOW}. Policies that never teach a class: always true.
     */
    boolean carries(PoolWorker worker, String requestClass) {
        return true;
    }

    /** Lock held. Counts one more request on {@code worker}, which becomes the most recently used. */
    private void take(PoolWorker worker) {
        moveToMostRecentlyUsed(worker);
        acquired++;
        worker.backlog++;
        worker.meanBacklog.record(worker.backlog, workerDecay);
        backlog++;
        meanBacklog.record(backlog, poolDecay);
    }

    @Override
    public final void release(PoolWorker worker) {
        Objects.requireNonNull(worker, "worker");
        if (worker.owner != this) {
            throw new IllegalArgumentException("Worker " + worker.url() + " belongs to another pool");
        }
        synchronized (lock) {
            if (worker.backlog <= 0) {
                throw new IllegalStateException(
                        "Worker " + worker.url() + " released more often than acquired");
            }
            if (!worker.removed) {
                backlog--;
                meanBacklog.record(backlog, poolDecay);
            }
            worker.backlog--;
            worker.meanBacklog.record(worker.backlog, workerDecay);
        }
    }

    @Override
    public final boolean update(String url, String version, Map<String, Double> skills, double weight) {
        Objects.requireNonNull(url, "url");
        if (!(weight > 0) || weight == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Weight of worker " + url + " is " + weight + ": accepted values are finite numbers > 0");
        }
        Map<String, Double> resume = validResume(skills);
        synchronized (lock) {
            PoolWorker worker = byUrl.get(url);
            boolean isNew = worker == null;
            if (isNew) {
                worker = new PoolWorker(this, url);
                byUrl.put(url, worker);
                linkAtLeastRecentlyUsed(worker);
                size++;
                poolDecay = DecayedBacklog.decay((double) settings.backlogHistory() * size);
            }
            worker.version = version;
            boolean reweighted = worker.weight != weight;
            worker.weight = weight;
            replaceSkills(worker, resume);
            if (isNew) {
                joined(worker);
            }
            if (isNew || reweighted) {
                recomputeWeights();
            }
            return isNew;
        }
    }

    @Override
    public final boolean previousSkills(String url, Map<String, Double> skills) {
        Objects.requireNonNull(url, "url");
        Map<String, Double> previous = validResume(skills);
        synchronized (lock) {
            PoolWorker worker = byUrl.get(url);
            if (worker == null) {
                return false;
            }
            replacePreviousSkills(worker, previous);
            return true;
        }
    }

    @Override
    public final boolean remove(String url) {
        Objects.requireNonNull(url, "url");
        synchronized (lock) {
            PoolWorker worker = byUrl.remove(url);
            if (worker == null) {
                return false;
            }
            replaceSkills(worker, Map.of());
            replacePreviousSkills(worker, Map.of());
            unlink(worker);
            worker.removed = true;
            backlog -= worker.backlog;
            meanBacklog.record(backlog, poolDecay); // with the decay of the pool it left, as zc.resumelb does
            othersTotal -= worker.others;
            othersMeanTotal = Math.max(0, othersMeanTotal - worker.othersMean);
            worker.others = 0;
            worker.othersMean = 0;
            size--;
            if (size > 0) {
                poolDecay = DecayedBacklog.decay((double) settings.backlogHistory() * size);
            }
            left(worker);
            recomputeWeights();
            return true;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sets others' load on the worker (see the class comment). Under the lock, allocation-free.
     */
    @Override
    public final void reported(PoolWorker worker, int inFlight, double mean) {
        Objects.requireNonNull(worker, "worker");
        if (inFlight < 0 || !(mean >= 0) || mean == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Load report of " + worker.url() + " is " + inFlight + ";" + mean
                    + ": accepted in-flight >= 0 and a finite mean >= 0");
        }
        if (worker.owner != this) {
            worker.owner.reported(worker, inFlight, mean);
            return;
        }
        synchronized (lock) {
            if (worker.removed) {
                return;
            }
            long now = nanoClock.getAsLong();
            if (othersTotal > 0 || othersMeanTotal > 0) {
                age(now);
            } else {
                agedNanos = now;
            }
            int o = Math.max(0, inFlight - worker.backlog);
            double om = Math.max(0, mean - worker.meanBacklog.mean());
            othersTotal += o - worker.others;
            othersMeanTotal = Math.max(0, othersMeanTotal + om - worker.othersMean);
            worker.others = o;
            worker.othersMean = om;
            worker.reported = inFlight;
        }
    }

    /** Lock held. {@link #age} now, when any worker has others' load to age (so without reports the clock is never read). */
    private void ageIfReported() {
        if (othersTotal > 0 || othersMeanTotal > 0) {
            age(nanoClock.getAsLong());
        }
    }

    /** Lock held. Halves others' load once per half-life elapsed since it was last aged; one pass over the workers, allocation-free. */
    private void age(long now) {
        long halvings = (now - agedNanos) / REPORT_HALF_LIFE_NANOS;
        if (halvings <= 0) {
            return;
        }
        int shift = (int) Math.min(halvings, 31);
        int total = 0;
        double meanTotal = 0;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            w.others >>= shift;
            w.othersMean = shift >= 31 ? 0 : Math.scalb(w.othersMean, -shift);
            total += w.others;
            meanTotal += w.othersMean;
        }
        othersTotal = total;
        othersMeanTotal = meanTotal;
        agedNanos = halvings >= 31 ? now : agedNanos + halvings * REPORT_HALF_LIFE_NANOS;
    }

    /** Lock held. The worker's requests in flight as routing counts them: this pool's own plus others' reported load. */
    static int backlogOf(PoolWorker w) {
        return w.backlog + w.others;
    }

    /** Lock held. The worker's decayed mean backlog as routing counts it: this pool's own plus others' reported mean. */
    static double meanOf(PoolWorker w) {
        return w.meanBacklog.mean() + w.othersMean;
    }

    /** Lock held. The pool's requests in flight as routing counts them: {@link #backlogOf} summed over the workers. */
    final int poolBacklog() {
        return backlog + othersTotal;
    }

    /** Lock held. The pool's decayed mean backlog as routing counts it: its own plus the workers' reported means beyond it. */
    final double poolMean() {
        return meanBacklog.mean() + othersMeanTotal;
    }

    @Override
    public final boolean resetSkills(String url) {
        Objects.requireNonNull(url, "url");
        synchronized (lock) {
            PoolWorker worker = byUrl.get(url);
            if (worker == null) {
                return false;
            }
            replaceSkills(worker, Map.of());
            return true;
        }
    }

    @Override
    public final void resetAllSkills() {
        synchronized (lock) {
            for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
                replaceSkills(w, Map.of());
            }
        }
    }

    @Override
    public final int size() {
        synchronized (lock) {
            return size;
        }
    }

    @Override
    public final int backlog() {
        synchronized (lock) {
            return backlog;
        }
    }

    @Override
    public final String policy() {
        return policy;
    }

    @Override
    public final void settings(PoolSettings settings) {
        Objects.requireNonNull(settings, "settings");
        synchronized (lock) {
            applySettings(settings);
        }
    }

    @Override
    public final PoolSettings settings() {
        synchronized (lock) {
            return settings;
        }
    }

    /** Sets the class budget (new classes a worker may be taught per minute; 0: no limit). */
    final void classBudget(int perMinute) {
        if (perMinute < 0) {
            throw new IllegalArgumentException("classBudget must be >= 0, got " + perMinute);
        }
        synchronized (lock) {
            classBudget = perMinute;
        }
    }

    final int classBudget() {
        synchronized (lock) {
            return classBudget;
        }
    }

    /** Sets slow start (see {@link ResumePool}); zero turns it off for workers that join from now on. */
    final void slowStart(java.time.Duration slowStart) {
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("slowStart must be >= 0, got " + slowStart);
        }
        synchronized (lock) {
            slowStartNanos = slowStart.toNanos();
        }
    }

    final java.time.Duration slowStart() {
        synchronized (lock) {
            return java.time.Duration.ofNanos(slowStartNanos);
        }
    }

    /**
     * Sets the backlog limit (see the class comment): at most {@code maxBacklog}
     * requests in flight per worker (0: no limit), of which {@code reservedBacklog}
     * only for the top priority class.
     *
     * @throws IllegalArgumentException unless {@code 0 <= reservedBacklog < maxBacklog}, or both are 0
     */
    final void backlogLimit(int maxBacklog, int reservedBacklog) {
        if (maxBacklog < 0 || reservedBacklog < 0 || (reservedBacklog > 0 && reservedBacklog >= maxBacklog)) {
            throw new IllegalArgumentException("backlog limit needs 0 <= reservedBacklog < maxBacklog (or both 0), got maxBacklog="
                    + maxBacklog + ", reservedBacklog=" + reservedBacklog);
        }
        synchronized (lock) {
            this.maxBacklog = maxBacklog;
            this.reservedBacklog = reservedBacklog;
        }
    }

    /** {maxBacklog, reservedBacklog}. */
    final int[] backlogLimit() {
        synchronized (lock) {
            return new int[] {maxBacklog, reservedBacklog};
        }
    }

    /**
     * Lock held. Whether {@code worker} may be taught one more class now, which
     * it then is (one token of its bucket spent). Allocates nothing.
     */
    final boolean mayTeach(PoolWorker worker) {
        int budget = classBudget;
        if (budget <= 0) {
            return true;
        }
        long now = nanoClock.getAsLong();
        if (!worker.budgetStarted) {
            worker.budgetStarted = true;
            worker.budgetTokens = budget;
        } else {
            double refill = (now - worker.budgetNanos) * (budget / 60e9);
            worker.budgetTokens = Math.min(budget, worker.budgetTokens + Math.max(0, refill));
        }
        worker.budgetNanos = now;
        if (worker.budgetTokens < 1) {
            return false;
        }
        worker.budgetTokens -= 1;
        return true;
    }

    /**
     * Lock held, {@code size > 0}. The worker with the fewest requests in flight
     * ({@link #backlogOf}) per unit of weight once it takes this one,
     * {@code (backlog + 1) / weight} (with equal weights: the fewest requests in
     * flight); among equals the least recently used. Stops at the first idle
     * worker of the largest weight, which nobody beats; allocates nothing.
     */
    final PoolWorker leastBacklog() {
        return least(true);
    }

    /** Lock held. {@link #leastBacklog} by this pool's own backlogs alone, as the backlog limit counts. */
    private PoolWorker leastOwnBacklog() {
        return least(false);
    }

    private PoolWorker least(boolean withOthers) {
        PoolWorker best = null;
        double bestLoad = Double.MAX_VALUE;
        double top = maxWeight;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            int b = withOthers ? backlogOf(w) : w.backlog;
            if (b == 0 && w.weight == top) {
                return w;
            }
            double load = (b + 1) / w.weight;
            if (load < bestLoad) {
                bestLoad = load;
                best = w;
            }
        }
        return best;
    }

    /**
     * Gives {@code next} this pool's workers with their reported résumés (not
     * the classes gained at the unskilled score) and previous skills, least recently used first, so
     * that the next policy starts where this one stands.
     */
    final void copyWorkersInto(AbstractPool next) {
        record Member(String url, String version, Map<String, Double> skills, double weight, Map<String, Double> previousSkills) {
        }
        List<Member> members = new ArrayList<>();
        synchronized (lock) {
            for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
                members.add(new Member(w.url(), w.version, w.skills, w.weight, w.previousSkills));
            }
        }
        for (Member m : members) {
            next.update(m.url(), m.version(), m.skills(), m.weight());
            next.previousSkills(m.url(), m.previousSkills());
        }
    }

    @Override
    public final PoolSnapshot snapshot() {
        record Row(String url, String version, int backlog, double meanBacklog, int reported, int others,
                   Map<String, Double> skills, Map<String, Double> gained) {
        }
        Row[] rows;
        int poolBacklog;
        double poolMeanBacklog;
        PoolSettings current;
        synchronized (lock) {
            ageIfReported();
            rows = new Row[size];
            int i = 0;
            for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
                rows[i++] = new Row(w.url(), w.version, w.backlog, w.meanBacklog.mean(), w.reported, w.others, w.skills,
                        w.gained == null ? Map.of() : new HashMap<>(w.gained));
            }
            poolBacklog = backlog;
            poolMeanBacklog = meanBacklog.mean();
            current = settings;
        }
        TreeMap<String, PoolSnapshot.WorkerStatus> workers = new TreeMap<>();
        TreeMap<String, List<PoolSnapshot.SkilledWorker>> classes = new TreeMap<>();
        for (Row row : rows) {
            Map<String, Double> resume = new HashMap<>(row.skills());
            resume.putAll(row.gained());
            workers.put(row.url(), new PoolSnapshot.WorkerStatus(
                    row.url(), row.version(), row.backlog(), row.meanBacklog(), row.reported(), row.others(), resume));
            resume.forEach((c, score) -> classes.computeIfAbsent(c, k -> new ArrayList<>())
                    .add(new PoolSnapshot.SkilledWorker(row.url(), score)));
        }
        classes.replaceAll((c, skilled) -> PoolSnapshot.sortedByScore(skilled));
        return new PoolSnapshot(policy, current, poolBacklog, poolMeanBacklog,
                new ArrayList<>(workers.values()), classes);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return getClass().getSimpleName() + "[policy=" + policy + ", workers=" + size
                    + ", backlog=" + backlog + ", meanBacklog=" + meanBacklog.mean() + "]";
        }
    }

    /** Lock held (or constructing). */
    private void applySettings(PoolSettings settings) {
        this.settings = settings;
        workerDecay = DecayedBacklog.decay(settings.backlogHistory());
        if (size > 0) {
            poolDecay = DecayedBacklog.decay((double) settings.backlogHistory() * size);
        }
    }

    /**
     * Lock held. One pass over the workers (a sum of many weights would drift if kept by adding
     * and subtracting): the sum, the maximum, whether they differ, each worker's relative weight.
     */
    private void recomputeWeights() {
        double total = 0;
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            total += w.weight;
            max = Math.max(max, w.weight);
            min = Math.min(min, w.weight);
        }
        totalWeight = total;
        maxWeight = max;
        weighted = size > 1 && min != max;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            w.relativeWeight = weighted ? w.weight * size / total : 1.0;
        }
        weightsChanged();
    }

    /** Lock held. New workers join at the least-recently-used end, so they get work first. */
    private void linkAtLeastRecentlyUsed(PoolWorker worker) {
        worker.lruPrev = null;
        worker.lruNext = lruFirst;
        if (lruFirst != null) {
            lruFirst.lruPrev = worker;
        } else {
            lruLast = worker;
        }
        lruFirst = worker;
    }

    /** Lock held. */
    private void unlink(PoolWorker worker) {
        PoolWorker prev = worker.lruPrev;
        PoolWorker next = worker.lruNext;
        if (prev != null) {
            prev.lruNext = next;
        } else {
            lruFirst = next;
        }
        if (next != null) {
            next.lruPrev = prev;
        } else {
            lruLast = prev;
        }
        worker.lruPrev = null;
        worker.lruNext = null;
    }

    /** Lock held. */
    private void moveToMostRecentlyUsed(PoolWorker worker) {
        if (worker == lruLast) {
            return;
        }
        unlink(worker);
        worker.lruPrev = lruLast;
        lruLast.lruNext = worker; // not null: worker was not last, so the list has another
        lruLast = worker;
    }

    /** Validates and copies a résumé, outside the lock. */
    private static Map<String, Double> validResume(Map<String, Double> skills) {
        Objects.requireNonNull(skills, "skills");
        for (Map.Entry<String, Double> e : skills.entrySet()) {
            Double score = e.getValue();
            if (e.getKey() == null) {
                throw new IllegalArgumentException("Résumé has a null request class");
            }
            if (score == null || !(score >= 0) || score == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("Résumé score of class '" + e.getKey() + "' is "
                        + score + ": accepted values are finite numbers >= 0");
            }
        }
        return Map.copyOf(skills);
    }
}
