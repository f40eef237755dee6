package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** A worker's route id: its URL hash in 11 base64url characters, the same everywhere, and nothing else taken for one. */
class RouteIdTest {

    @Test
    void aRouteIdIsTheUrlHashInBase64Url() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            long hash = i < 3 ? new long[] {0, -1, Long.MIN_VALUE}[i] : random.nextLong();
            String id = RouteId.of(hash);
            assertEquals(RouteId.LENGTH, id.length());
            assertEquals(hash, decode(id), id);
            assertTrue(RouteId.isRouteId(id, 0, id.length()), id);
            assertTrue(RouteId.isRouteId("x." + id, 2, id.length() + 2), id);
        }
        assertEquals("AAAAAAAAAAA", RouteId.of(0));
        assertEquals("__________8", RouteId.of(-1));
    }

    @Test
    void itDependsOnTheUrlAloneSoEveryLoadBalancerAgrees() {
        String url = "http://10.0.0.5:8080/app";
        assertEquals(RouteId.of(Hashing.hash(url)), RouteId.of(url));
        // Pinned: a load balancer of another version must read the cookies this one wrote.
        assertEquals("9-UZvZmFTW0", RouteId.of(url));
        assertEquals(Hashing.hash(url), decode(RouteId.of(url)));
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(RouteId.of("http://10.0." + (i / 250) + "." + (i % 250) + ":8080/app"));
        }
        assertEquals(20_000, ids.size(), "distinct workers, distinct routes");
        PoolWorker w = new PoolWorker(new RoundRobinPool(), url);
        assertEquals(RouteId.of(url), w.route());
    }

    @Test
    void onlyWhatOfWritesIsARouteId() {
        String id = RouteId.of("http://w1");
        assertFalse(RouteId.isRouteId(id, 0, id.length() - 1), "too short");
        assertFalse(RouteId.isRouteId(id + "A", 0, id.length() + 1), "too long");
        assertFalse(RouteId.isRouteId(id, 1, id.length() + 1), "past the end");
        assertFalse(RouteId.isRouteId(id, -1, id.length() - 1), "before the start");
        assertFalse(RouteId.isRouteId("AAAAAAAAAA.", 0, 11), "not the alphabet");
        assertFalse(RouteId.isRouteId("AAAAAAAAAA=", 0, 11), "no padding");
        assertFalse(RouteId.isRouteId("AAAAAAAAAAé", 0, 11));
        int nonCanonical = 0;
        for (char last : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray()) {
            if (!RouteId.isRouteId("AAAAAAAAAA" + last, 0, 11)) {
                nonCanonical++;
            }
        }
        assertEquals(48, nonCanonical, "the last character carries 4 bits: 16 of 64 are route ids");
    }

    /** base64url without padding, 11 characters to 64 bits. */
    static long decode(String id) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        long bits = 0;
        for (int i = 0; i < 10; i++) {
            bits = bits << 6 | alphabet.indexOf(id.charAt(i));
        }
        return bits << 4 | alphabet.indexOf(id.charAt(10)) >>> 2;
    }
}
