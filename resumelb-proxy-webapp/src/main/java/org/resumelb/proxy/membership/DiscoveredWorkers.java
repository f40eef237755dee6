package org.resumelb.proxy.membership;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.resumelb.agent.Log;
import org.resumelb.agent.discovery.Discovery.Member;

/**
 * The workers registered in ZooKeeper, as the load balancer uses them: a
 * worker <em>joins</em> by its signed résumé pushes, exactly as without
 * ZooKeeper (so {@code secret} and {@code workerAllow} keep deciding who may
 * join, and nothing written in ZooKeeper can put a URL in the pool); a worker
 * whose node goes <em>leaves at once</em> ({@link WorkerDirectory#left}),
 * without waiting for {@code workerTtl}. A worker never seen in ZooKeeper (it
 * pushes through a static {@code lb} list) is left alone.
 *
 * <p><b>Concurrency contract.</b> {@link #update} is called by the discovery's
 * one event thread, one call at a time, with the whole current set; its state
 * (the URLs of the previous call) is touched by that thread only. The counter
 * and {@link #registered} are readable from any thread (the latter a snapshot
 * published through a volatile field).
 */
public final class DiscoveredWorkers {

    private static final Log LOG = Log.get(DiscoveredWorkers.class);

    private final WorkerDirectory directory;
    private Set<String> previous = Set.of();
    private volatile Set<String> registered = Set.of();
    private final AtomicLong dropped = new AtomicLong();

    public DiscoveredWorkers(WorkerDirectory directory) {
        this.directory = directory;
    }

    /** The workers registered now: those gone from the last call leave the pool. */
    public void update(List<Member> members) {
        Set<String> now = new HashSet<>();
        for (Member m : members) {
            now.add(m.url());
        }
        for (String url : previous) {
            if (!now.contains(url) && directory.left(url, "its ZooKeeper node is gone")) {
                dropped.incrementAndGet();
            }
        }
        if (!now.equals(previous)) {
            LOG.info("ResumeLB workers registered in ZooKeeper: {}", now.size());
        }
        previous = now;
        registered = Set.copyOf(now);
    }

    /** The URLs registered at the last update. */
    public Set<String> registered() {
        return registered;
    }

    /** Live workers taken out because their node went. */
    public long dropped() {
        return dropped.get();
    }
}
