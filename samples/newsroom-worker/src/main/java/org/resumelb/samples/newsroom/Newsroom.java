package org.resumelb.samples.newsroom;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The "newsroom" workload: {@code sites} newspaper sites of
 * {@code objectsPerSite} objects each. A request for a site touches
 * {@code objectsPerRequest} objects drawn around that site's first objects
 * (half-normal, standard deviation {@code spread}), so each site has a hot set.
 * Objects live in a bounded per-worker cache (Caffeine, by object count); a
 * miss costs a simulated database load (a fixed sleep) and is counted. With a
 * {@link Capacity} bound, each request then holds one of the worker's "cores"
 * for a fixed CPU time (the database wait holds none).
 *
 * <p>Thread-safe: the cache is Caffeine's, counters are {@link LongAdder}s.
 */
public final class Newsroom {

    /** Objects touched by one request: how many were in the cache and how many were loaded. */
    public record Visit(int hits, int misses) {
    }

    private final int objectsPerSite;
    private final int objectsPerRequest;
    private final double spread;
    private final long missNanos;
    private final Cache<String, byte[]> cache;
    private final int objectBytes;
    private final LongAdder requests = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final Capacity capacity;

    public Newsroom(int objectsPerSite, int objectsPerRequest, double spread, long cacheObjects, long missMicros, int objectBytes) {
        this(objectsPerSite, objectsPerRequest, spread, cacheObjects, missMicros, objectBytes, Capacity.NONE);
    }

    public Newsroom(int objectsPerSite, int objectsPerRequest, double spread, long cacheObjects, long missMicros, int objectBytes,
                    Capacity capacity) {
        if (objectsPerSite < 1 || objectsPerRequest < 1 || !(spread > 0) || cacheObjects < 0 || missMicros < 0 || objectBytes < 0) {
            throw new IllegalArgumentException("invalid newsroom workload: objectsPerSite=" + objectsPerSite + " objectsPerRequest="
                    + objectsPerRequest + " spread=" + spread + " cacheObjects=" + cacheObjects + " missMicros=" + missMicros);
        }
        this.objectsPerSite = objectsPerSite;
        this.objectsPerRequest = objectsPerRequest;
        this.spread = spread;
        this.missNanos = TimeUnit.MICROSECONDS.toNanos(missMicros);
        this.objectBytes = objectBytes;
        this.capacity = java.util.Objects.requireNonNull(capacity, "capacity");
        this.cache = Caffeine.newBuilder().maximumSize(cacheObjects).executor(Runnable::run).build();
    }

    /** The object a request of a site touches: half-normal around the site's first objects. */
    public int pick(Random random) {
        return (int) (Math.abs(random.nextGaussian()) * spread) % objectsPerSite;
    }

    /**
     * Serves one request of {@code site}: touches its objects, loading the
     * missing ones, then holds a core for the request's CPU time when the
     * capacity is bounded.
     */
    public Visit serve(String site, Random random) {
        int h = 0;
        int m = 0;
        for (int i = 0; i < objectsPerRequest; i++) {
            String key = site + '/' + pick(random);
            if (cache.getIfPresent(key) != null) {
                h++;
            } else {
                load();
                cache.put(key, new byte[objectBytes]);
                m++;
            }
        }
        capacity.use();
        requests.increment();
        hits.add(h);
        misses.add(m);
        return new Visit(h, m);
    }

    /** The simulated database load: a fixed wait, as a real query would block the thread. */
    private void load() {
        if (missNanos > 0) {
            long end = System.nanoTime() + missNanos;
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
            }
        }
    }

    public long requests() {
        return requests.sum();
    }

    public long hits() {
        return hits.sum();
    }

    /** Misses are the database loads. */
    public long misses() {
        return misses.sum();
    }

    public Capacity capacity() {
        return capacity;
    }

    public long cached() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
