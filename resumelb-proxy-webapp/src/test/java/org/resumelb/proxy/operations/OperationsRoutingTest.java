package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;

import org.junit.jupiter.api.Test;
import org.resumelb.proxy.operations.Operations.Endpoint;

/** Which requests are the load balancer's own, and who may use them. */
class OperationsRoutingTest {

    final Operations ops = new Operations("/_resumelb", AdminAccess.LOOPBACK, AdminAccess.parse("10.1.0.0/16"), TrustedProxies.NONE);

    Endpoint endpoint(String path, String method, String from) {
        return ops.route(path, method, from).endpoint();
    }

    @Test
    void onlyThePrefixAndPathsBelowItAreOurs() {
        assertNull(ops.route("/news/1", "GET", "127.0.0.1"), "proxied");
        assertNull(ops.route("/", "GET", "127.0.0.1"));
        assertNull(ops.route("", "GET", "127.0.0.1"));
        assertNull(ops.route("/_resumelbx/status", "GET", "127.0.0.1"), "a longer segment is not the prefix");
        assertNull(ops.route("/x/_resumelb/status", "GET", "127.0.0.1"), "the prefix starts the path");
        assertEquals(Endpoint.REDIRECT, endpoint("/_resumelb", "GET", "127.0.0.1"));
        assertEquals(Endpoint.DASHBOARD, endpoint("/_resumelb/", "GET", "127.0.0.1"));
        assertEquals(Endpoint.STATUS, endpoint("/_resumelb/status", "GET", "127.0.0.1"));
        assertEquals(Endpoint.METRICS, endpoint("/_resumelb/metrics", "HEAD", "::1"));
        assertEquals(Endpoint.ADMIN, endpoint("/_resumelb/admin/settings", "POST", "127.0.0.1"));
        assertEquals("/admin/settings", ops.route("/_resumelb/admin/settings", "POST", "127.0.0.1").operation());
        assertEquals(Endpoint.NOT_FOUND, endpoint("/_resumelb/statusx", "GET", "127.0.0.1"));
        assertEquals(Endpoint.NOT_FOUND, endpoint("/_resumelb/resumes/x", "POST", "127.0.0.1"));
    }

    @Test
    void pushesAreTakenFromAnyoneBecauseTheyAreSigned() {
        assertEquals(Endpoint.RESUMES, endpoint("/_resumelb/resumes", "POST", "203.0.113.9"));
        assertTrue(ops.route("/_resumelb/resumes", "POST", "203.0.113.9").methodAllowed());
        assertFalse(ops.route("/_resumelb/resumes", "GET", "203.0.113.9").methodAllowed());
    }

    @Test
    void everythingElseAnswersLoopbackAndAdminAllowOnly() {
        for (String op : new String[] {"", "/", "/status", "/metrics", "/admin/settings", "/admin/reset-skills", "/nope"}) {
            assertEquals(Endpoint.FORBIDDEN, endpoint("/_resumelb" + op, "GET", "203.0.113.9"), op);
            assertTrue(ops.route("/_resumelb" + op, "GET", "10.1.2.3").endpoint() != Endpoint.FORBIDDEN, op + " from adminAllow");
        }
        assertEquals(Endpoint.FORBIDDEN, endpoint("/_resumelb/status", "GET", null), "no address, no access");
        assertEquals(Endpoint.FORBIDDEN, endpoint("/_resumelb/status", "GET", "10.2.0.1"), "outside the block");
    }

    @Test
    void eachEndpointAnswersItsMethodsOnly() {
        assertTrue(ops.route("/_resumelb/status", "GET", "127.0.0.1").methodAllowed());
        assertTrue(ops.route("/_resumelb/status", "HEAD", "127.0.0.1").methodAllowed());
        assertFalse(ops.route("/_resumelb/status", "POST", "127.0.0.1").methodAllowed());
        assertFalse(ops.route("/_resumelb/", "DELETE", "127.0.0.1").methodAllowed());
        assertFalse(ops.route("/_resumelb/admin/settings", "GET", "127.0.0.1").methodAllowed(), "admin calls are POSTs");
        assertTrue(ops.route("/_resumelb/admin/settings", "POST", "127.0.0.1").methodAllowed());
    }

    @Test
    void theConfiguredPrefixIsTheOnlyOne() {
        Operations other = new Operations("/lb/ops", AdminAccess.LOOPBACK, AdminAccess.LOOPBACK, TrustedProxies.NONE);
        assertNull(other.route("/_resumelb/status", "GET", "127.0.0.1"), "proxied like any path");
        assertEquals(Endpoint.STATUS, other.route("/lb/ops/status", "GET", "127.0.0.1").endpoint());
        assertEquals(Endpoint.RESUMES, other.route("/lb/ops/resumes", "POST", "127.0.0.1").endpoint());
    }

    /** Headers of a request: name (any case) to its one value. */
    static TrustedProxies.Headers headers(String... nameValue) {
        return name -> {
            for (int i = 0; i < nameValue.length; i += 2) {
                if (nameValue[i].equalsIgnoreCase(name)) {
                    return Collections.enumeration(java.util.List.of(nameValue[i + 1]));
                }
            }
            return Collections.emptyEnumeration();
        };
    }

    final Operations split = new Operations("/_resumelb", AdminAccess.parse("203.0.113.0/24"), AdminAccess.parse("10.1.0.0/16"),
            TrustedProxies.parse("192.0.2.10"));

    Endpoint split(String path, String method, String from, TrustedProxies.Headers headers) {
        return split.route(path, method, from, headers).endpoint();
    }

    @Test
    void statusAllowOpensStatusDashboardAndMetricsButNeverAdmin() {
        for (String op : new String[] {"", "/", "/status", "/metrics", "/nope"}) {
            assertTrue(split("/_resumelb" + op, "GET", "203.0.113.9", TrustedProxies.Headers.NONE) != Endpoint.FORBIDDEN, op);
            assertTrue(split("/_resumelb" + op, "GET", "10.1.2.3", TrustedProxies.Headers.NONE) != Endpoint.FORBIDDEN,
                    op + ": who may change the load balancer may also see it");
        }
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/admin/settings", "POST", "203.0.113.9", TrustedProxies.Headers.NONE),
                "opening metrics to Prometheus does not open admin");
        assertEquals(Endpoint.ADMIN, split("/_resumelb/admin/settings", "POST", "10.1.2.3", TrustedProxies.Headers.NONE));
        assertEquals(Endpoint.ADMIN, split("/_resumelb/admin/reset-skills", "POST", "127.0.0.1", TrustedProxies.Headers.NONE));
        assertEquals(Endpoint.STATUS, split("/_resumelb/status", "GET", "::1", TrustedProxies.Headers.NONE), "loopback always");
    }

    @Test
    void aRefusalNamesTheSettingButNeverWhatItLists() {
        Operations.Route status = split.route("/_resumelb/status", "GET", "198.51.100.7", TrustedProxies.Headers.NONE);
        assertEquals("/_resumelb/status: 198.51.100.7 is not allowed (setting statusAllow)", status.refusal());
        Operations.Route admin = split.route("/_resumelb/admin/settings", "POST", "203.0.113.9", TrustedProxies.Headers.NONE);
        assertEquals("/_resumelb/admin/settings: 203.0.113.9 is not allowed (setting adminAllow)", admin.refusal());
        for (Operations.Route r : new Operations.Route[] {status, admin}) {
            assertFalse(r.refusal().contains("203.0.113.0") || r.refusal().contains("10.1.0.0") || r.refusal().contains("192.0.2.10"),
                    r.refusal());
        }
        assertNull(split.route("/_resumelb/status", "GET", "127.0.0.1", TrustedProxies.Headers.NONE).refusal());
        String odd = split.route("/_resumelb/status", "GET", "192.0.2.10", headers("X-Forwarded-For", "<b>x</b>" + "9".repeat(200)))
                .refusal();
        assertTrue(odd.contains("?b?x??b?99") && !odd.contains("<") && odd.length() < 300, odd);
    }

    @Test
    void aRequestWithForwardingHeadersIsNeverLoopback() {
        // As when Jetty's ForwardedRequestCustomizer reports the claimed X-Forwarded-For as the remote address,
        // or a reverse proxy on this host forwards everyone from 127.0.0.1.
        for (String header : TrustedProxies.CLIENT_HEADERS) {
            String value = header.equals("Forwarded") ? "for=127.0.0.1" : "127.0.0.1";
            for (String op : new String[] {"/status", "/metrics", "/", "/admin/settings"}) {
                String method = op.startsWith("/admin") ? "POST" : "GET";
                assertEquals(Endpoint.FORBIDDEN, endpoint("/_resumelb" + op, method, "127.0.0.1", headers(header, value)), header + " " + op);
                assertEquals(Endpoint.FORBIDDEN, split("/_resumelb" + op, method, "127.0.0.1", headers(header, value)), header + " " + op);
            }
            assertTrue(split.route("/_resumelb/status", "GET", "127.0.0.1", headers(header, value)).refusal().contains("trustedProxies"));
        }
        assertEquals(Endpoint.FORBIDDEN, endpoint("/_resumelb/status", "GET", "::1", headers("X-Forwarded-For", "")),
                "whatever the header's value");
        assertEquals(Endpoint.RESUMES, endpoint("/_resumelb/resumes", "POST", "127.0.0.1", headers("X-Forwarded-For", "6.6.6.6")));
        assertEquals(Endpoint.STATUS, endpoint("/_resumelb/status", "GET", "127.0.0.1", headers("X-Forwarded-Host", "lb.example")),
                "headers that name no client do not count");
    }

    Endpoint endpoint(String path, String method, String from, TrustedProxies.Headers headers) {
        return ops.route(path, method, from, headers).endpoint();
    }

    @Test
    void aForwardedRequestIsJudgedByItsListedClientAddress() {
        // From an untrusted peer the headers are not believed: the peer itself must be listed.
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/status", "GET", "198.51.100.1", headers("X-Forwarded-For", "203.0.113.9")));
        assertEquals(Endpoint.STATUS, split("/_resumelb/status", "GET", "203.0.113.9", headers("X-Forwarded-For", "198.51.100.1")),
                "a listed peer stays listed whatever it forwards");
        // Through the trusted proxy 192.0.2.10, the client is the rightmost address it did not add itself.
        assertEquals(Endpoint.STATUS, split("/_resumelb/status", "GET", "192.0.2.10", headers("X-Forwarded-For", "203.0.113.9")));
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/status", "GET", "192.0.2.10", headers("X-Forwarded-For", "198.51.100.1")));
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/status", "GET", "192.0.2.10",
                headers("X-Forwarded-For", "203.0.113.9, 198.51.100.1")), "a client cannot prepend an allowed address");
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/status", "GET", "192.0.2.10", headers("X-Forwarded-For", "127.0.0.1")),
                "loopback through a proxy is not this host's loopback");
        assertEquals(Endpoint.STATUS, split("/_resumelb/status", "GET", "192.0.2.10",
                headers("Forwarded", "for=\"[2001:db8::1]:4711\", for=203.0.113.9;proto=https")));
        assertEquals(Endpoint.ADMIN, split("/_resumelb/admin/settings", "POST", "192.0.2.10", headers("X-Real-IP", "10.1.0.5")));
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/admin/settings", "POST", "192.0.2.10", headers("X-Real-IP", "203.0.113.9")));
        assertEquals(Endpoint.FORBIDDEN, split("/_resumelb/status", "GET", "192.0.2.10", headers("X-Forwarded-For", "unknown")));
        Operations open = new Operations("/_resumelb", AdminAccess.parse("*"), AdminAccess.LOOPBACK, TrustedProxies.NONE);
        assertEquals(Endpoint.STATUS, open.route("/_resumelb/status", "GET", "198.51.100.1", headers("X-Forwarded-For", "x")).endpoint());
        assertEquals(Endpoint.FORBIDDEN, open.route("/_resumelb/admin/settings", "POST", "127.0.0.1",
                headers("X-Forwarded-For", "127.0.0.1")).endpoint());
    }
}
