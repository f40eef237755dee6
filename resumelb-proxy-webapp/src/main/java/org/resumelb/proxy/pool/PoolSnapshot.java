package org.resumelb.proxy.pool;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable copy of a pool's state, taken at one instant, for status pages
 * and tests.
 *
 * @param policy the pool's policy name
 * @param settings the settings in force
 * @param backlog requests in flight on the current workers
 * @param meanBacklog the pool's decayed mean backlog
 * @param workers every worker, in URL order
 * @param classes per request class, in class order, the workers that have it in
 *     their résumé, best score first (for the résumé policy this includes
 *     classes it gave workers at the unskilled score)
 */
public record PoolSnapshot(String policy, PoolSettings settings, int backlog, double meanBacklog,
                           List<WorkerStatus> workers, Map<String, List<SkilledWorker>> classes) {

    public PoolSnapshot {
        workers = List.copyOf(workers);
        TreeMap<String, List<SkilledWorker>> copy = new TreeMap<>();
        classes.forEach((c, skilled) -> copy.put(c, List.copyOf(skilled)));
        classes = Collections.unmodifiableMap(copy);
    }

    /** The number of workers. */
    public int size() {
        return workers.size();
    }

    /** The worker with this URL, or null. */
    public WorkerStatus worker(String url) {
        for (WorkerStatus w : workers) {
            if (w.url().equals(url)) {
                return w;
            }
        }
        return null;
    }

    /**
     * One worker.
     *
     * @param version the reported version, or null
     * @param backlog this load balancer's requests in flight on it
     * @param reported the requests in flight it last reported (every load balancer's), or -1 before any report
     * @param others others' load on it as this load balancer counts it now (see {@link AbstractPool})
     * @param skills its résumé, in class order
     */
    public record WorkerStatus(String url, String version, int backlog, double meanBacklog, int reported, int others,
                               Map<String, Double> skills) {
        public WorkerStatus {
            skills = Collections.unmodifiableMap(new TreeMap<>(skills));
        }
    }

    /** A worker skilled at some class, with its score in requests per second. */
    public record SkilledWorker(String url, double score) {
    }

    static List<SkilledWorker> sortedByScore(List<SkilledWorker> skilled) {
        List<SkilledWorker> sorted = new ArrayList<>(skilled);
        sorted.sort((a, b) -> {
            int byScore = Double.compare(b.score(), a.score());
            return byScore != 0 ? byScore : a.url().compareTo(b.url());
        });
        return sorted;
    }
}
