package org.resumelb.proxy.pool;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pool the proxy routes with: one policy at a time, replaceable at run time
 * (the admin "policy" setting) without losing a worker, a résumé or a lease.
 *
 * <p>A switch builds a pool of the new policy holding the current workers and
 * their reported résumés and makes it current. Leases taken from the previous
 * pool are still released into it (every {@link PoolWorker} knows its owner);
 * the previous pool is kept, and told of removals, only until its last lease
 * comes back. Weights go over with the workers. While that happens the new pool does not see those requests in its
 * backlogs, which is the price of never blocking {@code acquire} for a switch.
 *
 * <p><b>Concurrency contract.</b> {@link #acquire}, {@link #acquireRoute} and {@link #release} take no
 * lock of their own: they read a volatile reference and go straight to the
 * owning pool's critical section. Membership changes ({@code update},
 * {@code remove}, {@code resetSkills}), settings changes and switches are
 * serialized by one monitor, so a résumé that arrives during a switch lands in
 * the new pool, never only in the one being retired. {@link #backlog} counts
 * the leases of the current pool and of the retiring ones.
 */
public final class SwitchablePool implements Pool {

    private final Object membership = new Object();
    private volatile AbstractPool current;
    /** Previous pools with leases still out; written under {@code membership}. */
    private final CopyOnWriteArrayList<AbstractPool> retiring = new CopyOnWriteArrayList<>();

    public SwitchablePool(String policy, PoolSettings settings) {
        this(policy, settings, 0);
    }

    /** Without slow start: see {@link #SwitchablePool(String, PoolSettings, int, java.time.Duration)}. */
    public SwitchablePool(String policy, PoolSettings settings, int classBudget) {
        this(policy, settings, classBudget, java.time.Duration.ZERO);
    }

    /**
     * @param classBudget new classes (in no résumé) a worker may be taught per minute, kept across policy switches;
     *     0: no limit (see {@link ResumePool})
     * @param slowStart how long a worker that joins with an empty résumé takes to take over the classes that hash
     *     to it, kept across policy switches; zero: off (see {@link ResumePool})
     */
    public SwitchablePool(String policy, PoolSettings settings, int classBudget, java.time.Duration slowStart) {
        AbstractPool first = (AbstractPool) Pools.create(policy, settings);
        first.classBudget(classBudget);
        first.slowStart(slowStart);
        this.current = first;
    }

    /**
     * Makes {@code policy} the routing policy, keeping every worker and résumé.
     *
     * @return false when it already was
     * @throws IllegalArgumentException for an unknown policy; nothing changes then
     */
    public boolean switchTo(String policy) {
        synchronized (membership) {
            AbstractPool previous = current;
            if (previous.policy().equals(policy)) {
                return false;
            }
            AbstractPool next = (AbstractPool) Pools.create(policy, previous.settings());
            next.classBudget(previous.classBudget());
            next.slowStart(previous.slowStart());
            int[] limit = previous.backlogLimit();
            next.backlogLimit(limit[0], limit[1]);
            previous.copyWorkersInto(next);
            retiring.add(previous);
            current = next;
            pruneRetired();
            return true;
        }
    }

    /**
     * Sets the backlog limit, kept across policy switches: at most
     * {@code maxBacklog} requests in flight per worker (0: no limit), the last
     * {@code reservedBacklog} of them for the top priority class (see
     * {@link Pool#acquire(String, boolean, Acquired)}). Leases still out on a
     * retiring pool are not counted against the new pool's limit.
     *
     * @throws IllegalArgumentException unless {@code 0 <= reservedBacklog < maxBacklog}, or both are 0; nothing changes then
     */
    public void backlogLimit(int maxBacklog, int reservedBacklog) {
        synchronized (membership) {
            current.backlogLimit(maxBacklog, reservedBacklog);
        }
    }

    /** Lock held. Drops retiring pools whose leases have all come back. */
    private void pruneRetired() {
        retiring.removeIf(p -> p.backlog() == 0);
    }

    @Override
    public PoolWorker acquire(String requestClass) {
        return current.acquire(requestClass);
    }

    @Override
    public PoolWorker acquire(String requestClass, Acquired acquired) {
        return current.acquire(requestClass, acquired);
    }

    @Override
    public PoolWorker acquireRoute(String route, String requestClass, Acquired acquired) {
        return current.acquireRoute(route, requestClass, acquired);
    }

    @Override
    public PoolWorker acquire(String requestClass, boolean top, Acquired acquired) {
        return current.acquire(requestClass, top, acquired);
    }

    @Override
    public PoolWorker acquire(String requestClass, boolean top, int keepFree, Acquired acquired) {
        return current.acquire(requestClass, top, keepFree, acquired);
    }

    /** The current pool's slots (leases still out on a retiring pool are not counted against them). */
    @Override
    public int slots() {
        return current.slots();
    }

    @Override
    public void release(PoolWorker worker) {
        // Always to the owner: a request that read the previous pool just before a switch may take its lease
        // from it even after it was dropped from the retiring list; the owner still counts it correctly.
        Objects.requireNonNull(worker, "worker").owner.release(worker);
    }

    @Override
    public void reported(PoolWorker worker, int inFlight, double mean) {
        Objects.requireNonNull(worker, "worker").owner.reported(worker, inFlight, mean);
    }

    @Override
    public boolean update(String url, String version, Map<String, Double> skills, double weight) {
        synchronized (membership) {
            return current.update(url, version, skills, weight);
        }
    }

    @Override
    public boolean previousSkills(String url, Map<String, Double> skills) {
        synchronized (membership) {
            return current.previousSkills(url, skills);
        }
    }

    @Override
    public boolean remove(String url) {
        synchronized (membership) {
            for (AbstractPool p : retiring) {
                p.remove(url);
            }
            pruneRetired();
            return current.remove(url);
        }
    }

    @Override
    public boolean resetSkills(String url) {
        synchronized (membership) {
            return current.resetSkills(url);
        }
    }

    @Override
    public void resetAllSkills() {
        synchronized (membership) {
            current.resetAllSkills();
        }
    }

    @Override
    public int size() {
        return current.size();
    }

    @Override
    public int backlog() {
        int total = current.backlog();
        for (AbstractPool p : retiring) {
            total += p.backlog();
        }
        return total;
    }

    @Override
    public PoolSnapshot snapshot() {
        return current.snapshot();
    }

    @Override
    public String policy() {
        return current.policy();
    }

    @Override
    public void settings(PoolSettings settings) {
        synchronized (membership) {
            current.settings(settings);
        }
    }

    @Override
    public PoolSettings settings() {
        return current.settings();
    }

    @Override
    public String toString() {
        return "SwitchablePool[" + current + ", retiring " + retiring.size() + "]";
    }
}
