package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resumelb.agent.classify.RequestView;
import org.resumelb.proxy.operations.TrustedProxies;

/** Who a request's user is ({@code userKey}) and its priority class ({@code priority}), from what the client sent. */
class AdmissionKeysTest {

    static TrustedProxies.Headers headers(Map<String, List<String>> h) {
        return name -> {
            for (Map.Entry<String, List<String>> e : h.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return Collections.enumeration(e.getValue());
                }
            }
            return null;
        };
    }

    static RequestView request(String path, Map<String, String> headers) {
        return new RequestView() {
            public String method() {
                return "GET";
            }

            public String host() {
                return "site.example";
            }

            public String path() {
                return path;
            }

            public String query() {
                return null;
            }

            public String header(String name) {
                return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                        .findFirst().orElse(null);
            }
        };
    }

    @Test
    void withoutAKeyEveryRequestIsOneUser() {
        assertEquals(UserKey.NONE, UserKey.parse(" "));
        assertFalse(UserKey.NONE.perUser());
        assertEquals(UserKey.NONE.of("10.0.0.1", TrustedProxies.NONE, TrustedProxies.Headers.NONE),
                UserKey.NONE.of("10.0.0.2", TrustedProxies.NONE, headers(Map.of("X-User", List.of("bob")))));
    }

    @Test
    void theIpKeyIsTheClientAddressAsTrustedProxiesResolveIt() {
        UserKey ip = UserKey.parse("ip");
        TrustedProxies.Headers claims = headers(Map.of("X-Forwarded-For", List.of("203.0.113.7")));
        assertEquals("ip:10.0.0.9", ip.of("10.0.0.9", TrustedProxies.NONE, claims), "a client's own claim is not believed");
        TrustedProxies front = TrustedProxies.parse("10.0.0.9");
        assertEquals("ip:203.0.113.7", ip.of("10.0.0.9", front, claims), "a trusted proxy's is");
        assertNotEquals(ip.of("10.0.0.9", front, claims), ip.of("10.0.0.9", front, headers(Map.of("X-Forwarded-For", List.of("203.0.113.8")))));
    }

    @Test
    void aHeaderOrCookieKeyFallsBackToTheClientAddress() {
        UserKey header = UserKey.parse("header:X-User");
        assertEquals("h:alice", header.of("10.0.0.1", TrustedProxies.NONE, headers(Map.of("x-user", List.of(" alice ")))));
        assertEquals("ip:10.0.0.1", header.of("10.0.0.1", TrustedProxies.NONE, TrustedProxies.Headers.NONE), "no header: the address");
        assertNotEquals(header.of("10.0.0.1", TrustedProxies.NONE, headers(Map.of("X-User", List.of("ip:10.0.0.1")))),
                header.of("10.0.0.1", TrustedProxies.NONE, TrustedProxies.Headers.NONE), "a header value cannot pose as an address");
        UserKey cookie = UserKey.parse("cookie:session");
        assertEquals("c:abc", cookie.of("10.0.0.1", TrustedProxies.NONE,
                headers(Map.of("Cookie", List.of("theme=dark; session=abc", "session=later")))));
        assertEquals("ip:10.0.0.1", cookie.of("10.0.0.1", TrustedProxies.NONE, headers(Map.of("Cookie", List.of("sessionx=1; a=2")))));
        assertTrue(cookie.perUser());
        assertEquals("cookie:session", cookie.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ip4", "header", "header:", "header:X User", "cookie:a=b", "header:X-ResumeLB-Class", "session"})
    void aBadUserKeyIsRefused(String spec) {
        assertThrows(IllegalArgumentException.class, () -> UserKey.parse(spec));
    }

    @Test
    void aPathRuleMakesMatchingPathsHigh() {
        PriorityRule rule = PriorityRule.parse("path:^/(checkout|api/pay)(/|$)");
        assertTrue(rule.any());
        assertEquals(Priority.HIGH, rule.of(request("/checkout/cart", Map.of())));
        assertEquals(Priority.HIGH, rule.of(request("/api/pay", Map.of())));
        assertEquals(Priority.NORMAL, rule.of(request("/api/payments", Map.of())));
        assertEquals(Priority.NORMAL, rule.of(request("", Map.of())));
        assertEquals(Priority.HIGH, PriorityRule.parse("path:^/$").of(request("", Map.of())), "an empty path is /");
    }

    @Test
    void aHeaderRuleMakesHighWhatSaysHigh() {
        PriorityRule rule = PriorityRule.parse("header:X-Priority");
        assertEquals(Priority.HIGH, rule.of(request("/", Map.of("x-priority", " High "))));
        assertEquals(Priority.NORMAL, rule.of(request("/", Map.of("X-Priority", "urgent"))));
        assertEquals(Priority.NORMAL, rule.of(request("/", Map.of())));
        assertEquals(Priority.NORMAL, PriorityRule.NONE.of(request("/", Map.of("X-Priority", "high"))));
        assertFalse(PriorityRule.NONE.any());
    }

    @ParameterizedTest
    @ValueSource(strings = {"path:", "path:[a", "header:", "header:X-ResumeLB-Priority", "high", "query:x"})
    void aBadPriorityRuleIsRefused(String spec) {
        assertThrows(IllegalArgumentException.class, () -> PriorityRule.parse(spec));
    }
}
