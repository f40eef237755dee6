package org.resumelb.proxy.pool;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The "consistent-hash" policy: consistent hashing with bounded loads
 * (Mirrokni, Thorup and Zadimoghaddam, 2018), as HAProxy's
 * {@code hash-balance-factor}.
 *
 * <p>Each worker owns {@value #VIRTUAL_NODES} points on a 64-bit ring, placed
 * by a hash of its URL alone, so the ring of a given set of workers does not
 * depend on the order they joined in, and a joining worker takes over only the
 * arcs before its own points: about 1/N of the classes. A request class hashes
 * to a point and walks clockwise to the first worker whose backlog would stay
 * within its bound, {@code ceil(hashBalanceFactor * (total backlog + 1) * weight / total weight)}
 * (with equal weights, {@code ceil(hashBalanceFactor * (total backlog + 1) / workers)}),
 * so a hot class spills over to its ring neighbours instead of swamping one
 * worker, and a worker of weight 3 holds up to three times the requests of one
 * of weight 1 before it spills. Some worker always fits (the least loaded one
 * relative to its weight, as the factor is above 1), and an idle pool always
 * answers with the class's own point's worker. Backlogs include others'
 * reported load ({@link AbstractPool#backlogOf}, {@link AbstractPool#poolBacklog}). Weights change the bounds, not
 * the ring: every worker owns as many points, so classes are placed evenly.
 * Résumés play no part (they are kept for the snapshot).
 *
 * <p>Concurrency contract: {@link AbstractPool}'s. {@code acquire} hashes the
 * class (a loop over its chars), binary-searches a sorted {@code long[]} and
 * walks the parallel owner array; nothing is allocated. The ring is rebuilt
 * only when a worker joins or leaves, under the lock (about
 * {@value #VIRTUAL_NODES}·N·log entries sorted).
 */
public final class ConsistentHashPool extends AbstractPool {

    static final String POLICY = "consistent-hash";

    /** Points per worker on the ring. */
    static final int VIRTUAL_NODES = 100;

    private static final long[] NO_POINTS = {};
    private static final PoolWorker[] NO_OWNERS = {};

    /** Guarded by lock. Sorted ring points and, in parallel, their workers. */
    private long[] points = NO_POINTS;
    private PoolWorker[] owners = NO_OWNERS;

    public ConsistentHashPool() {
        this(PoolSettings.DEFAULTS);
    }

    public ConsistentHashPool(PoolSettings settings) {
        super(POLICY, settings);
    }

    @Override
    PoolWorker choose(String requestClass) {
        long[] ring = points;
        PoolWorker[] owner = owners;
        int n = ring.length;
        // The bound of a worker of weight 1 (with equal weights of 1: factor * (backlog + 1) / workers).
        double unitBound = settings.hashBalanceFactor() * (poolBacklog() + 1.0) / totalWeight;
        int start = firstAtOrAfter(ring, Hashing.hash(requestClass));
        for (int k = 0; k < n; k++) {
            int i = start + k;
            if (i >= n) {
                i -= n;
            }
            PoolWorker w = owner[i];
            // Small slack so that a bound that is an integer does not round up by a rounding error.
            long bound = (long) Math.ceil(unitBound * w.weight - 1e-9);
            if (backlogOf(w) + 1L <= bound) {
                return w;
            }
        }
        return owner[start]; // unreachable while factor > 1: the least loaded worker fits
    }

    @Override
    void joined(PoolWorker worker) {
        rebuildRing();
    }

    @Override
    void left(PoolWorker worker) {
        rebuildRing();
    }

    /** Lock held. */
    private void rebuildRing() {
        record Point(long point, PoolWorker worker) {
        }
        Point[] ring = new Point[size * VIRTUAL_NODES];
        int j = 0;
        for (PoolWorker w = lruFirst; w != null; w = w.lruNext) {
            long base = w.urlHash;
            for (int v = 0; v < VIRTUAL_NODES; v++) {
                ring[j++] = new Point(pointOf(base, v), w);
            }
        }
        // Equal points (improbable) are ordered by URL so the ring stays independent of join order.
        Arrays.sort(ring, Comparator.comparingLong(Point::point)
                .thenComparing(p -> p.worker().url()));
        long[] newPoints = new long[ring.length];
        PoolWorker[] newOwners = new PoolWorker[ring.length];
        for (int i = 0; i < ring.length; i++) {
            newPoints[i] = ring[i].point();
            newOwners[i] = ring[i].worker();
        }
        points = newPoints;
        owners = newOwners;
    }

    /** The index of the first point >= h, wrapping to 0 past the end. */
    private static int firstAtOrAfter(long[] ring, long h) {
        int lo = 0;
        int hi = ring.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ring[mid] < h) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == ring.length ? 0 : lo;
    }

    /** The v-th point of a worker whose URL hashes to {@code base}: distinct for distinct v. */
    static long pointOf(long base, int v) {
        return Hashing.mix(base + (v + 1L) * 0x9E3779B97F4A7C15L);
    }
}
