package org.resumelb.proxy.pool;

/**
 * A worker's route id: the short name by which a sticky session's cookie
 * points at the worker that owns the session ({@code sticky=cookie:<name>},
 * see {@code org.resumelb.proxy.route.StickyCookie}). It is the 64-bit
 * {@link Hashing#hash} of the worker's URL written in 11 characters of
 * base64url (RFC 4648 section 5, without padding): it depends on the URL
 * alone, so every load balancer, and every restart of one, gives a worker the
 * same route id without sharing a table, and a route id names a worker only
 * among those in the pool, never a URL of a client's choosing.
 *
 * <p>Every route id is written by {@link #of}; {@link #isRouteId} accepts
 * exactly the strings {@link #of} can return (11 characters of the alphabet,
 * the last one carrying 4 bits and two zero bits), so a value that merely
 * ends in a dot and some letters is not taken for a route. Stateless.
 */
public final class RouteId {

    /** The length of every route id. */
    public static final int LENGTH = 11;

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private RouteId() {
    }

    /** The route id of the worker at {@code url}. */
    public static String of(String url) {
        return of(Hashing.hash(url));
    }

    /** The route id of a URL hash ({@link PoolWorker#urlHash}). */
    static String of(long hash) {
        char[] id = new char[LENGTH];
        for (int i = 0; i < LENGTH - 1; i++) {
            id[i] = ALPHABET[(int) (hash >>> (58 - 6 * i)) & 63]; // 10 characters: the top 60 bits
        }
        id[LENGTH - 1] = ALPHABET[(int) (hash & 15) << 2]; // the last 4 bits, then two zero bits
        return new String(id);
    }

    /** Whether {@code s[start, end)} is a route id as {@link #of} writes it. Allocation-free. */
    public static boolean isRouteId(CharSequence s, int start, int end) {
        if (start < 0 || end - start != LENGTH || end > s.length()) {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (value(s.charAt(i)) < 0) {
                return false;
            }
        }
        return (value(s.charAt(end - 1)) & 3) == 0;
    }

    /** The 6-bit value of a base64url character, or -1. */
    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }
}
