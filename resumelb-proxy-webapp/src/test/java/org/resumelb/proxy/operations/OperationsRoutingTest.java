package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.resumelb.proxy.operations.Operations.Endpoint;

/** Which requests are the load balancer's own, and who may use them. */
class OperationsRoutingTest {

    final Operations ops = new Operations("/_resumelb", AdminAccess.parse("10.1.0.0/16"));

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
        Operations other = new Operations("/lb/ops", AdminAccess.LOOPBACK);
        assertNull(other.route("/_resumelb/status", "GET", "127.0.0.1"), "proxied like any path");
        assertEquals(Endpoint.STATUS, other.route("/lb/ops/status", "GET", "127.0.0.1").endpoint());
        assertEquals(Endpoint.RESUMES, other.route("/lb/ops/resumes", "POST", "127.0.0.1").endpoint());
    }
}
