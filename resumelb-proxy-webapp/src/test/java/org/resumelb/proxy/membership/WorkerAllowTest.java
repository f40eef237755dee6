package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;

import org.junit.jupiter.api.Test;

/** Which worker URLs a signed push may register. */
class WorkerAllowTest {

    static String check(WorkerAllow allow, String url) {
        return allow.check(URI.create(url), "127.0.0.1", 8080);
    }

    @Test
    void byDefaultAnyAddressButLinkLocalOnes() {
        WorkerAllow d = WorkerAllow.parse("");
        assertEquals(WorkerAllow.DEFAULT, d);
        assertNull(check(d, "http://10.0.0.5:8080/app"));
        assertNull(check(d, "https://203.0.113.9"));
        assertNull(check(d, "http://127.0.0.1:8081/app"), "another port of this host is another server");
        assertNull(check(d, "http://[2001:db8::5]:8080"));
        assertEquals("link-local address 169.254.169.254 is not allowed", check(d, "http://169.254.169.254/latest"));
        assertEquals("link-local address fe80:0:0:0:0:0:0:1 is not allowed", check(d, "http://[fe80::1]:8080"));
        assertTrue(check(d, "http://[::ffff:169.254.1.1]").startsWith("link-local"), "IPv4-mapped is its IPv4 address");
    }

    @Test
    void aUrlThatLoopsBackToThisLoadBalancerIsNeverAllowed() {
        for (WorkerAllow allow : new WorkerAllow[] {WorkerAllow.DEFAULT, WorkerAllow.parse("*"), WorkerAllow.parse("127.0.0.0/8, localhost")}) {
            assertTrue(check(allow, "http://127.0.0.1:8080/app").startsWith("it is this load balancer"), allow.toString());
            assertTrue(check(allow, "http://localhost:8080").startsWith("it is this load balancer"), allow.toString());
            assertTrue(check(allow, "http://127.0.0.2:8080").startsWith("it is this load balancer"), "all of 127/8 is this host");
            assertTrue(check(allow, "http://0.0.0.0:8080").startsWith("it is this load balancer"));
            assertTrue(check(allow, "http://[::1]:8080").startsWith("it is this load balancer"));
        }
        assertTrue(WorkerAllow.DEFAULT.check(URI.create("http://127.0.0.1/app"), "127.0.0.1", 80).startsWith("it is this"),
                "the scheme's default port");
        assertTrue(WorkerAllow.DEFAULT.check(URI.create("https://127.0.0.1/app"), "127.0.0.1", 443).startsWith("it is this"));
        assertNull(WorkerAllow.DEFAULT.check(URI.create("http://127.0.0.1:8080/app"), null, -1), "unknown arrival: no check");
        assertNull(WorkerAllow.DEFAULT.check(URI.create("http://203.0.113.9:8080/app"), "127.0.0.1", 8080),
                "the same port elsewhere is another server");
    }

    @Test
    void aListAllowsItsBlocksAndNamesOnly() {
        WorkerAllow allow = WorkerAllow.parse("10.0.0.0/8, 2001:db8::/32 app1.example *.workers.internal");
        assertNull(check(allow, "http://10.1.2.3:8080/app"));
        assertNull(check(allow, "http://[2001:db8::9]"));
        assertEquals("address 192.168.1.5 is not allowed", check(allow, "http://192.168.1.5:8080"));
        assertNull(check(allow, "http://app1.example:8080"), "a listed name, even if it does not resolve here");
        assertNull(check(allow, "http://W3.Workers.Internal:8080"), "names are case-insensitive");
        assertTrue(check(allow, "http://workers.internal:8080").contains("does not resolve"), "*.x matches below x only");
        assertTrue(check(allow, "http://app2.example:8080").contains("does not resolve"));
        assertEquals("address 127.0.0.1 (of localhost) is not allowed", check(allow, "http://localhost:9090"),
                "a name not listed is judged by its addresses");
        assertNull(check(WorkerAllow.parse("169.254.0.0/16"), "http://169.254.10.10:8080"), "link-local when listed");
        assertNull(check(WorkerAllow.parse("*"), "http://169.254.10.10:8080"), "* is every address");
        assertTrue(check(WorkerAllow.DEFAULT, "http://no-such-worker.invalid:8080").contains("does not resolve"));
    }

    @Test
    void badEntriesAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkerAllow.parse("10.0.0.0/8, http://x"));
        assertTrue(e.getMessage().contains("http://x"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerAllow.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> WorkerAllow.parse("under_score.example"));
        assertThrows(IllegalArgumentException.class, () -> WorkerAllow.parse("a.*.example"));
    }
}
