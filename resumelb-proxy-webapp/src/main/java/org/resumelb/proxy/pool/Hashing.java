package org.resumelb.proxy.pool;

/**
 * The 64-bit hashes of the pool's hash-based placement: the consistent-hash
 * ring ({@link ConsistentHashPool}), the résumé policy's first placement
 * of a class (rendezvous hashing, weighted when the workers' weights differ,
 * {@link ResumePool}) and the route ids of sticky sessions ({@link RouteId}). They depend on the
 * strings alone, never on the JVM or the order workers joined in, so every
 * load balancer, and every restart of one, computes the same values.
 * Stateless; allocation-free.
 */
final class Hashing {

    private Hashing() {
    }

    /**
     * A 64-bit hash of a string: FNV-1a over the UTF-16 code units (both bytes
     * of each), then murmur3's finalizer, which spreads FNV's weak high bits.
     */
    static long hash(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            h ^= c & 0xff;
            h *= 0x100000001b3L;
            h ^= c >>> 8;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** murmur3's fmix64: a bijection with full avalanche. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * The rendezvous (highest-random-weight) rank of a worker for a class,
     * from their {@link #hash}es: the class goes to the worker of the highest
     * rank, compared unsigned. A worker that joins or leaves moves only the
     * classes whose highest rank it has or had: about 1/N of them.
     */
    static long rendezvous(long classHash, long workerHash) {
        return mix(classHash ^ workerHash);
    }

    /**
     * Weighted rendezvous hashing (the logarithmic method of Schindelhauer and
     * Schomaker): a worker's score for a class is {@code -weight / ln(u)}, with
     * {@code u} its {@link #rendezvous} rank mapped into (0, 1). The class goes
     * to the worker of the highest score, so a worker is first for a share of
     * the classes equal to its weight over the sum of the weights, and a change
     * of one worker still moves only the classes it gains or loses. For one
     * weight the score never decreases as the rank grows (unsigned): among
     * workers of equal weight it orders as the rank does, ties aside.
     */
    static double weightedRendezvous(long rank, double weight) {
        // The rank's top 52 bits, plus one half, over 2^52: exactly representable, strictly between 0 and 1.
        double u = ((rank >>> 12) + 0.5) * 0x1.0p-52;
        return -weight / Math.log(u);
    }
}
