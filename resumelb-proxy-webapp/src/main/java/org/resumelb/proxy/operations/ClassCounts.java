package org.resumelb.proxy.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests per class since the proxy started, for the status page and the
 * dashboard's busiest classes. Classes come from clients (a Host header, a
 * path), so the map is bounded: past {@code maxClasses} distinct classes, new
 * ones are counted together under {@link #OTHER}.
 *
 * <p>Thread-safe and cheap on the request path: a concurrent map lookup and a
 * {@link LongAdder} increment; the bound is checked only when a class is new,
 * so it may be exceeded by at most the number of threads adding at once.
 */
public final class ClassCounts {

    /** The bucket of classes seen after the bound was reached. */
    public static final String OTHER = "(other)";

    private final int maxClasses;
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    public ClassCounts(int maxClasses) {
        this.maxClasses = maxClasses;
    }

    public void count(String requestClass) {
        LongAdder c = counts.get(requestClass);
        if (c == null) {
            String key = counts.size() < maxClasses ? requestClass : OTHER;
            c = counts.computeIfAbsent(key, k -> new LongAdder());
        }
        c.increment();
    }

    /** The classes counted so far (a live view; the OTHER bucket included once the bound was reached). */
    public java.util.Set<String> names() {
        return counts.keySet();
    }

    /** Distinct classes counted (the OTHER bucket included). */
    public int size() {
        return counts.size();
    }

    /** The {@code n} busiest classes, busiest first (ties by name). */
    public List<Map.Entry<String, Long>> busiest(int n) {
        List<Map.Entry<String, Long>> all = new ArrayList<>(counts.size());
        counts.forEach((k, v) -> all.add(Map.entry(k, v.sum())));
        all.sort((a, b) -> {
            int c = Long.compare(b.getValue(), a.getValue());
            return c != 0 ? c : a.getKey().compareTo(b.getKey());
        });
        return all.size() <= n ? all : all.subList(0, n);
    }
}
