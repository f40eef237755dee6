package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Whose forwarding headers count, and which address they make the client's. */
class TrustedProxiesTest {

    /** Headers with several fields per name: name (any case) to its fields. */
    static TrustedProxies.Headers headers(Map<String, List<String>> fields) {
        Map<String, List<String>> lower = new HashMap<>();
        fields.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return name -> Collections.enumeration(lower.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of()));
    }

    final TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/24, 2001:db8::5");

    @Test
    void parsingListsAddressesAndRefusesEveryoneAndNames() {
        assertTrue(TrustedProxies.parse("").isEmpty());
        assertEquals(TrustedProxies.NONE, TrustedProxies.parse(" "));
        assertTrue(trusted.trusts("10.0.0.7"));
        assertTrue(trusted.trusts("[2001:db8::5]"));
        assertTrue(trusted.trusts("::ffff:10.0.0.9"), "an IPv4-mapped address is its IPv4 address");
        assertFalse(trusted.trusts("10.0.1.7"));
        assertFalse(trusted.trusts(null));
        assertFalse(TrustedProxies.NONE.trusts("127.0.0.1"), "not even loopback by default");
        IllegalArgumentException star = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("*"));
        assertTrue(star.getMessage().contains("every client"), star.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("proxy.internal"));
    }

    @Test
    void fromAnUntrustedPeerTheClientIsThePeer() {
        TrustedProxies.Headers h = headers(Map.of("X-Forwarded-For", List.of("127.0.0.1")));
        assertEquals("198.51.100.4", trusted.client("198.51.100.4", h));
        assertEquals("198.51.100.4", TrustedProxies.NONE.client("198.51.100.4", h));
        assertTrue(TrustedProxies.forwarded(h));
        assertFalse(TrustedProxies.forwarded(TrustedProxies.Headers.NONE));
        assertFalse(TrustedProxies.forwarded(headers(Map.of("X-Forwarded-Proto", List.of("https")))));
    }

    @Test
    void throughTrustedProxiesTheClientIsTheRightmostAddressNoneOfThemAdded() {
        assertEquals("203.0.113.9", trusted.client("10.0.0.1", headers(Map.of("X-Forwarded-For", List.of("203.0.113.9")))));
        assertEquals("203.0.113.9", trusted.client("10.0.0.1",
                headers(Map.of("X-Forwarded-For", List.of("127.0.0.1, 6.6.6.6", "203.0.113.9, 10.0.0.2")))),
                "what the client wrote left of its own address does not count; fields are one list");
        assertEquals("10.0.0.3", trusted.client("10.0.0.1", headers(Map.of("X-Forwarded-For", List.of("10.0.0.3, 10.0.0.2")))),
                "all trusted: the leftmost");
        assertEquals("2001:db8::1", trusted.client("10.0.0.1",
                headers(Map.of("Forwarded", List.of("for=\"[2001:db8::1]:4711\";proto=https, for=\"[2001:db8::5]\"")))));
        assertEquals("192.0.2.43", trusted.client("10.0.0.1",
                headers(Map.of("Forwarded", List.of("for=192.0.2.43;host=\"a,b\";by=10.0.0.1", "For=\"10.0.0.2\"")))),
                "commas inside quotes do not split elements; parameter names are case-insensitive");
        assertEquals("unknown", trusted.client("10.0.0.1", headers(Map.of("Forwarded", List.of("for=unknown")))));
        assertEquals("203.0.113.5", trusted.client("10.0.0.1", headers(Map.of("X-Real-IP", List.of("203.0.113.5")))));
        assertEquals("203.0.113.9", trusted.client("10.0.0.1", headers(Map.of("X-Forwarded-For", List.of("203.0.113.9"),
                "Forwarded", List.of("for=198.51.100.1")))), "X-Forwarded-For first");
        assertEquals("10.0.0.1", trusted.client("10.0.0.1", TrustedProxies.Headers.NONE), "no chain: the proxy itself");
    }
}
