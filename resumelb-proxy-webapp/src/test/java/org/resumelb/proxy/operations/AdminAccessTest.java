package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AdminAccessTest {

    @Test
    void loopbackOnlyByDefault() {
        AdminAccess a = AdminAccess.parse("");
        assertTrue(a.allows("127.0.0.1"));
        assertTrue(a.allows("127.8.9.10"));
        assertTrue(a.allows("::1"));
        assertTrue(a.allows("[::1]"));
        assertTrue(a.allows("0:0:0:0:0:0:0:1"));
        assertFalse(a.allows("10.0.0.1"));
        assertFalse(a.allows("203.0.113.5"));
        assertFalse(a.allows("fe80::1%eth0"));
        assertFalse(a.allows(null));
        assertFalse(a.allows("localhost"), "names are never resolved");
    }

    @Test
    void addressesAndBlocksOpenTheirRangeOnly() {
        AdminAccess a = AdminAccess.parse("10.1.0.0/16, 192.0.2.7 2001:db8::/32");
        assertTrue(a.allows("10.1.255.3"));
        assertFalse(a.allows("10.2.0.1"));
        assertTrue(a.allows("192.0.2.7"));
        assertFalse(a.allows("192.0.2.8"));
        assertTrue(a.allows("2001:db8:1::5"));
        assertFalse(a.allows("2001:db9::5"));
        assertTrue(a.allows("127.0.0.1"), "loopback stays allowed");
        AdminAccess odd = AdminAccess.parse("192.0.2.128/25");
        assertTrue(odd.allows("192.0.2.200"));
        assertFalse(odd.allows("192.0.2.100"));
    }

    @Test
    void starOpensToEveryone() {
        assertTrue(AdminAccess.parse("*").allows("198.51.100.1"));
    }

    @Test
    void badEntriesAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminAccess.parse("10.0.0.0/8, intranet.example"));
        assertTrue(e.getMessage().contains("intranet.example"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.parse("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.parse("300.1.1.1"));
    }
}
